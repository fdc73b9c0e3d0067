"""``offsets``: class offsets for real photos, chosen on validation, stored as a new model."""

from __future__ import annotations

import argparse
import json
import sys

from .common import JSON


def register(commands: argparse._SubParsersAction) -> None:
    offsets = commands.add_parser(
        "offsets", help="shift a model's class biases so labelled real photos read better, "
                        "FER2013's validation accuracy kept; stored as a new model",
        parents=[JSON])
    offsets.add_argument("--model", required=True, help="stored model name or folder")
    offsets.add_argument("--data", required=True,
                         help="the FER2013 dataset it trained on (its validation faces)")
    offsets.add_argument("--photos", required=True,
                         help="labelled real photos, <emotion>/<file>: a validation set")
    offsets.add_argument("--classes", nargs="+", required=True, metavar="EMOTION",
                         help="the classes whose offsets may move")
    offsets.add_argument("--keep", type=float, default=0.003,
                         help="FER2013 validation accuracy may fall by at most this "
                              "(default 0.003)")
    offsets.add_argument("--out", required=True, help="name to store the shifted model under")
    offsets.add_argument("--replace", action="store_true",
                         help="replace a stored model of that name")
    offsets.set_defaults(handler=run_offsets)


def run_offsets(args: argparse.Namespace) -> int:
    from ..cleaning import clean, policy_from_name
    from ..data import load_dataset
    from ..errors import DataError
    from ..evaluate import align_to_classes, full_report, predict_proba
    from ..faces.labelled import load_labelled_faces
    from ..offsets import Scored, add_offsets, choose_offsets
    from ..store import ModelStore

    store = ModelStore()
    source = store.get(args.model)
    if source.is_ensemble:
        raise DataError("an ensemble has no layer of its own: shift its members")
    classes = source.classes
    unknown = sorted(set(args.classes) - set(classes))
    if unknown:
        raise DataError(f"{', '.join(unknown)}: not among {source.name}'s classes "
                        f"({', '.join(classes)})")
    store.check_free(args.out, args.replace, allow_protected=False)
    dataset = load_dataset(args.data)
    cleaned = clean(dataset, policy_from_name(source.config.get("cleaning", "default")))
    val_images, val_labels = align_to_classes(cleaned.required_split("val"), classes)
    photos = load_labelled_faces(args.photos)
    model = source.load_keras()
    fer_val = Scored(predict_proba(model, val_images), val_labels)
    real = Scored(predict_proba(model, photos.images), photos.labels)
    offsets = choose_offsets(fer_val, real, [classes.index(c) for c in args.classes],
                             keep=args.keep)
    moved = {c: round(float(o), 2) for c, o in zip(classes, offsets, strict=True) if o}
    figures = {"fer2013_val": [fer_val.accuracy(0 * offsets), fer_val.accuracy(offsets)],
               "real_photos": [real.accuracy(0 * offsets), real.accuracy(offsets)],
               "offsets": moved}
    if not args.json:
        print(f"{source.name}: FER2013 validation {figures['fer2013_val'][0]:.2%} -> "
              f"{figures['fer2013_val'][1]:.2%} ({len(val_labels)} faces); real photos "
              f"{figures['real_photos'][0]:.1%} -> {figures['real_photos'][1]:.1%} "
              f"({len(photos)} faces)")
        print("offsets: " + (", ".join(f"{c} {o:+.1f}" for c, o in moved.items()) or "none"))
    add_offsets(model, offsets)
    before = source.config.get("class_offsets") or {}
    config = {**source.config, "name": args.out, "protected": False,
              "class_offsets": {c: round(before.get(c, 0.0) + moved.get(c, 0.0), 2)
                                for c in classes if before.get(c, 0.0) + moved.get(c, 0.0)},
              "offsets_chosen_on": {"fer2013_val_faces": len(val_labels),
                                    "photos": photos.root, "photo_faces": len(photos),
                                    "photos_fingerprint": photos.fingerprint,
                                    "keep": args.keep, "from": source.name}}
    metrics = full_report([model], classes, dataset) if "test" in dataset.split_names else None
    saved = store.save(args.out, model=model, config=config, history=source.history,
                       metrics=metrics, replace=args.replace, allow_protected=False)
    tested = f"test accuracy {metrics['accuracy']:.2%}" if metrics else "no test split"
    print(f"stored {saved.name}: {tested} -> {saved.path}", file=sys.stderr)
    if args.json:
        print(json.dumps({**figures, "stored": str(saved.path),
                          "test_accuracy": metrics and metrics["accuracy"]}, indent=2))
    return 0
