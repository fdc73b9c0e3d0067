"""``models``, ``train``, ``export`` and ``evaluate``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from ..errors import ModelError, NameTaken
from .common import JSON


def register(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser(
        "models", help="list model families and stored models", parents=[JSON])
    listing.add_argument("--markdown", action="store_true",
                         help="print the stored models as the README's Markdown table")
    listing.set_defaults(handler=run_models)

    train = commands.add_parser("train", help="train a model family (or reuse the stored one)")
    recipe = train.add_mutually_exclusive_group(required=True)
    recipe.add_argument("--model", help="family name, see `models`")
    recipe.add_argument("--like", metavar="MODEL",
                        help="replay a stored model's settings (name or folder, e.g. "
                             "models/fer_vgg); --set, --epochs and --limit override them")
    train.add_argument("--data", required=True, help="dataset path (CSV or image folders)")
    train.add_argument("--epochs", type=int, help="number of epochs (default: the recipe's)")
    train.add_argument("--limit", type=int, help="train on at most N images (quick runs)")
    train.add_argument("--max-minutes", type=float, metavar="M",
                       help="time budget: after the first epoch, keep the epochs that fit in M")
    train.add_argument("--resume", action="store_true", help="continue an interrupted run")
    train.add_argument("--force", action="store_true", help="retrain even if already stored")
    train.add_argument("--init-from", metavar="MODEL",
                       help="start from this stored model's weights (same family and options)")
    train.add_argument("--out", help="store folder of the model (default: models/<family>)")
    train.add_argument("--replace", action="store_true",
                       help="replace a model already stored under that name")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="any setting, e.g. --set optimizer=sgd --set width=64")
    train.set_defaults(handler=run_train)

    export = commands.add_parser(
        "export", help="write a stored model as TensorFlow Lite or ONNX, checked to predict "
                       "as the stored model does", parents=[JSON])
    export.add_argument("--model", required=True, help="stored model name or folder")
    export.add_argument("--format", required=True, choices=("tflite", "onnx"))
    export.add_argument("--out", help="file to write (default: exports/<model>.<format>)")
    export.add_argument("--tta", choices=("flip",),
                        help="average each face with its mirror inside the file")
    export.add_argument("--data", help="check on this dataset's first 64 test faces "
                                       "(default: 64 random images)")
    export.set_defaults(handler=run_export)

    evaluate = commands.add_parser(
        "evaluate", help="evaluate stored models (and their ensemble)", parents=[JSON])
    evaluate.add_argument("--model", action="append", required=True,
                          help="stored model name or folder; repeat for an ensemble")
    evaluate.add_argument("--data", required=True, help="dataset path; test/ alone is enough")
    evaluate.add_argument("--split", default="test", choices=("train", "val", "test"))
    evaluate.add_argument("--tta", choices=("flip", "tencrop"), help="test-time augmentation")
    evaluate.add_argument("--save", metavar="NAME",
                          help="store the models' ensemble under NAME (figures on the test split)")
    evaluate.add_argument("--replace", action="store_true",
                          help="with --save: replace an ensemble already stored under NAME")
    evaluate.set_defaults(handler=run_evaluate)


def run_models(args: argparse.Namespace) -> int:
    from ..models import list_specs
    from ..store import ModelStore

    specs = [{"name": s.name, "label": s.label, "study_accuracy": s.study_accuracy,
              "input": s.network_input, "description": s.description} for s in list_specs()]
    stored = [{"name": m.name, "family": m.family,
               "accuracy": (m.metrics or {}).get("accuracy"),
               "accuracy_tta": ((m.metrics or {}).get("tta") or {})
               .get("tencrop", {}).get("accuracy")}
              for m in ModelStore().list()]
    if args.json:
        print(json.dumps({"families": specs, "stored": stored}, indent=2))
        return 0
    if args.markdown:
        from ..zoo_table import zoo_markdown

        print(zoo_markdown(ModelStore().list()))
        return 0
    print("families:")
    for s in specs:
        study = f"study {s['study_accuracy']:.1%}" if s["study_accuracy"] else "ours"
        print(f"  {s['name']:<26}{study:<13}{s['description']}\n{'':<41}input: {s['input']}")
    print("stored models:" if stored else "stored models: none")
    for m in stored:
        acc = f"{m['accuracy']:.1%}" if m["accuracy"] is not None else "n/a"
        tta = f" (ten-crop {m['accuracy_tta']:.1%})" if m["accuracy_tta"] is not None else ""
        print(f"  {m['name']:<26}{m['family']:<28}test {acc}{tta}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    from ..store import ModelStore
    from ..training import ConsoleProgress, parse_assignments, recorded_settings, train_model

    family, overrides = args.model, {}
    if args.like:
        family, overrides = recorded_settings(ModelStore().get(args.like).config)
    overrides.update(parse_assignments(args.set))
    for key in ("epochs", "limit"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    store, name = ModelStore(), None
    if args.out:
        out = Path(args.out)
        store, name = ModelStore(out.parent), out.name
    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: give up at once
        print("\nstopping after this batch (Ctrl-C again to abort without saving)...")
        stop.set()

    # held for the run's life: a server or another `fer train` training this name is refused
    with store.training_lock(name or family):
        previous = signal.signal(signal.SIGINT, request_stop)
        try:
            stored, reused = train_model(family, args.data, overrides=overrides, name=name,
                                         store=store, resume=args.resume, force=args.force,
                                         init_from=args.init_from, max_minutes=args.max_minutes,
                                         progress=ConsoleProgress(), stop=stop,
                                         replace=args.replace)
        except NameTaken as exc:
            raise NameTaken(f"{exc} (--out models/OTHER_NAME, or --replace)") from None
        finally:
            signal.signal(signal.SIGINT, previous)
    if reused:
        print(f"already stored with the same settings and data: {stored.path} (--force retrains)")
    metrics = stored.metrics or {}
    if "accuracy" in metrics:
        print(f"{stored.name}: test accuracy {metrics['accuracy']:.2%}, "
              f"macro-F1 {metrics['macro_f1']:.3f}, "
              f"ten-crop TTA {metrics['tta']['tencrop']['accuracy']:.2%} -> {stored.path}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    import numpy as np

    from ..export import TOLERANCE, export_model, largest_difference
    from ..store import ModelStore

    stored = ModelStore().get(args.model)
    suffix = f"_{args.tta}" if args.tta else ""
    path = export_model(stored, args.format,
                        Path(args.out or f"exports/{stored.name}{suffix}.{args.format}"), args.tta)
    if args.data:
        from ..data import load_dataset

        faces = load_dataset(args.data).split("test").images[:64]
    else:
        faces = np.random.default_rng(0).integers(0, 256, (64, 48, 48), dtype=np.uint8)
    gap = largest_difference(stored, path, args.format, faces, args.tta)
    report = {"model": stored.name, "format": args.format, "tta": args.tta, "path": str(path),
              "bytes": path.stat().st_size, "faces_checked": len(faces),
              "largest_difference": gap}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{stored.name} -> {path} ({path.stat().st_size / 2**20:.1f} MB); largest "
              f"probability difference on {len(faces)} faces: {gap:.1e}")
    if gap > TOLERANCE:
        raise ModelError(f"the {args.format} file predicts differently from {stored.name} "
                         f"(by up to {gap:.1e}, more than {TOLERANCE:g}): do not use it")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from ..data import load_dataset
    from ..ensemble import member_models, store_ensemble
    from ..evaluate import (
        align_to_classes,
        classification_metrics,
        ensemble_proba,
        predict_proba,
    )
    from ..store import ModelStore

    store = ModelStore()
    chosen = member_models(store, args.model)
    classes = chosen[0].classes
    dataset = load_dataset(args.data)
    part = dataset.required_split(args.split)
    images, labels = align_to_classes(part, classes)
    probabilities = [predict_proba(m.load_keras(), images, args.tta) for m in chosen]
    reports = [{"model": m.name, **classification_metrics(labels, p, classes)}
               for m, p in zip(chosen, probabilities, strict=True)]
    if len(chosen) > 1:
        ensemble = ensemble_proba(probabilities)
        reports.append({"model": "ensemble(" + "+".join(m.name for m in chosen) + ")",
                        **classification_metrics(labels, ensemble, classes)})
    if args.save:
        saved = store_ensemble(args.save, [m.name for m in chosen], dataset, store,
                               replace=args.replace)
        print(f"stored ensemble {saved.name}: test accuracy {saved.metrics['accuracy']:.2%} "
              f"-> {saved.path}", file=sys.stderr)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
        return 0
    width = max(len(report["model"]) for report in reports) + 1
    for report in reports:
        print(f"{report['model']:<{width}} accuracy {report['accuracy']:.2%}  "
              f"macro-F1 {report['macro_f1']:.3f}  ECE {report['ece']:.3f}  n={report['n']}")
    return 0
