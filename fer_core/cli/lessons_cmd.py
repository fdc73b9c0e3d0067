"""The dashboard's teaching views from the command line: ``mistakes`` (the faces behind a cell
of the confusion matrix), ``inside`` (a face's feature maps, block by block), ``cover`` (what
covering a part of a face does to each model's answer) and ``lesson`` (the five faces of the
Lesson page)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..store import StoredModel
from .common import JSON

FACE_PICTURE = 144  # pixels: a 48x48 face or map upscaled 3x


def register(commands: argparse._SubParsersAction) -> None:
    mistakes = commands.add_parser(
        "mistakes", help="the test faces of one emotion that a model takes for another, surest "
                         "first, each with its map and what the data audit says of it",
                         parents=[JSON])
    mistakes.add_argument("--model", required=True, help="stored model name or folder")
    mistakes.add_argument("--data", required=True, help="dataset path; test/ alone is enough")
    mistakes.add_argument("--true", required=True, help="the faces' labelled emotion")
    mistakes.add_argument("--predicted", required=True, help="the emotion the model gave them")
    mistakes.add_argument("--n", type=int, default=12, help="faces shown (default 12)")
    mistakes.add_argument("--out", default="mistakes", help="folder for the map PNGs")
    mistakes.set_defaults(handler=run_mistakes)

    inside = commands.add_parser(
        "inside", help="what the network sees inside: the strongest feature maps of each "
                       "block for the largest face of a photo, from 48x48 to the last block",
                       parents=[JSON])
    _add_face_arguments(inside, several=False)
    inside.add_argument("--channels", type=int, default=8,
                        help="strongest channels per block (default 8)")
    inside.add_argument("--out", help="folder for one PNG strip per block")
    inside.set_defaults(handler=run_inside)

    cover = commands.add_parser(
        "cover", help="cover a part of the largest face of a photo and see each model's "
                      "probability change, beside the share of its map on that part",
                      parents=[JSON])
    _add_face_arguments(cover, several=True)
    cover.add_argument("--part", action="append",
                       help="a part of the face (e.g. mouth; a wrong name lists them) or a cell "
                            "of a 3x3 grid as 'grid R,C'; repeat for several (default: each "
                            "part)")
    cover.set_defaults(handler=run_cover)

    lesson = commands.add_parser(
        "lesson", help="the Lesson page's five faces for a model: a confident right answer, fear "
                       "taken for surprise, a train/test leak, a non-face, a failing map",
                       parents=[JSON])
    lesson.add_argument("--model", required=True, help="stored model name or folder")
    lesson.add_argument("--data", required=True, help="dataset path; test/ alone is enough")
    lesson.add_argument("--out", help="folder for the five faces as PNGs")
    lesson.set_defaults(handler=run_lesson)


def _add_face_arguments(parser: argparse.ArgumentParser, several: bool) -> None:
    parser.add_argument("--model", required=True, action="append" if several else "store",
                        help="stored model name or folder" + ("; repeat to compare models"
                                                              if several else ""))
    parser.add_argument("--image", required=True, help="a photo or a face crop")


def _single(name: str) -> StoredModel:
    from ..store import ModelStore

    stored = ModelStore().get(name)
    if stored.is_ensemble:
        raise ModelError(f"{stored.name} is an ensemble: name one of its members")
    return stored


def _face(image: str) -> tuple[np.ndarray, str]:
    """The largest face of the photo at ``image`` (the centre crop when none is found), and
    the face search's sentence."""
    from ..faces import find_faces, read_image

    search = find_faces(read_image(image))
    return search.faces[0].crop, search.message


def run_mistakes(args: argparse.Namespace) -> int:
    from ..cleaning import audit
    from ..data import load_dataset
    from ..evaluate import align_to_classes, known_rows, predict_proba
    from ..explain import make_explainer, overlay
    from ..mistakes import audit_notes, confusion_cell

    stored = _single(args.model)
    dataset = load_dataset(args.data)
    test = dataset.split("test")
    if not len(test):
        raise ModelError(f"the dataset at {args.data} has no test faces")
    images, labels = align_to_classes(test, stored.classes)
    ids = np.asarray(test.ids)[known_rows(test, stored.classes)]
    model = stored.load_keras()
    cell = confusion_cell(predict_proba(model, images), labels, stored.classes, args.true,
                          args.predicted, max(args.n, 0))
    method = stored.own_method
    notes = audit_notes(audit(dataset).to_frame())
    out = Path(args.out)
    faces = []
    if len(cell.rows):
        out.mkdir(parents=True, exist_ok=True)
        maps = make_explainer(method, model, stored.gradcam_layer).explain(
            images[cell.rows], stored.classes.index(cell.predicted))
        for row, probability, heatmap in zip(cell.rows, cell.probabilities, maps, strict=True):
            path = out / f"{stored.name}_{cell.true}_as_{cell.predicted}_{len(faces) + 1:02d}.png"
            overlay(images[row], heatmap, size=FACE_PICTURE).save(path)
            faces.append({"id": str(ids[row]), "probability": float(probability),
                          "audit": notes.get(ids[row]), "map": str(path)})
    report = {"model": stored.name, "true": cell.true, "predicted": cell.predicted,
              "in_cell": cell.total, "of_true": cell.of, "method": method, "faces": faces}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{cell.total} of the {cell.of} {cell.true} test faces are predicted "
          f"{cell.predicted} by {stored.name}" + (f"; the {len(faces)} it is surest of, "
                                                 f"with {method} maps:" if faces else "."))
    for face in faces:
        note = f"  (audit: {face['audit']})" if face["audit"] else ""
        print(f"  {face['id']:<36}{face['probability']:>5.0%}  {face['map']}{note}")
    return 0


def run_inside(args: argparse.Namespace) -> int:
    from ..evaluate import predict_proba
    from ..explain.inside import feature_maps

    if args.channels < 1:
        raise ModelError(f"--channels must be at least 1, got {args.channels}")
    stored = _single(args.model)
    face, message = _face(args.image)
    model = stored.load_keras()
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    blocks = []
    for block in feature_maps(model, face, top=args.channels):
        entry: dict[str, Any] = {"layer": block.layer, "size": list(block.size),
                                 "channels": [int(c) for c in block.channels]}
        if out:
            strip = np.hstack(list(np.uint8(np.round(block.maps * 255))))
            entry["picture"] = _picture_strip(strip, out / f"{stored.name}_{block.layer}.png")
        blocks.append(entry)
    proba = predict_proba(model, face[None])[0]
    predicted = stored.classes[int(proba.argmax())]
    if args.json:
        print(json.dumps({"model": stored.name, "image": args.image, "faces": message,
                          "blocks": blocks, "predicted": predicted,
                          "probability": float(proba.max())}, indent=2))
        return 0
    print(message)
    for block in blocks:
        size = "x".join(map(str, block["size"]))
        print(f"  {block['layer']:<28}{size:>7}  strongest channels "
              f"{', '.join(map(str, block['channels']))}  {block.get('picture', '')}")
    print(f"  -> {predicted} {proba.max():.0%}")
    return 0


def _picture_strip(strip: np.ndarray, path: Path) -> str:
    from PIL import Image

    scale = max(1, FACE_PICTURE // strip.shape[0])
    Image.fromarray(strip).resize((strip.shape[1] * scale, strip.shape[0] * scale),
                                  Image.Resampling.NEAREST).save(path)
    return str(path)


def run_cover(args: argparse.Namespace) -> int:
    from ..explain import make_explainer
    from ..explain.regions import PARTS, cover_effect, covering, part_mask

    parts = args.part or list(PARTS)
    masks = {part: part_mask(part) for part in parts}
    face, message = _face(args.image)
    rows = []
    for name in args.model:
        stored = _single(name)
        model = stored.load_keras()
        effect = cover_effect(model, face, masks)
        top = int(np.argmax(effect["nothing"]))
        method = stored.own_method
        heatmap = make_explainer(method, model, stored.gradcam_layer).explain(face[None], top)[0]
        for part, mask in masks.items():
            change = covering(effect["nothing"], effect[part], mask, heatmap)
            rows.append({"model": stored.name, "part": part,
                         "emotion": stored.classes[change.emotion], "before": change.before,
                         "after": change.after, "now_predicted": stored.classes[change.now],
                         "map_share": change.map_share, "face_share": change.face_share,
                         "method": method})
    if args.json:
        print(json.dumps({"image": args.image, "faces": message, "rows": rows}, indent=2))
        return 0
    print(message)
    print(f"{'model':<18}{'covered':<16}{'emotion':<10}{'before':>8}{'after':>8}  "
          f"{'now':<10}{'map there':>10}{'of face':>9}")
    for r in rows:
        print(f"{r['model']:<18}{r['part']:<16}{r['emotion']:<10}{r['before']:>8.0%}"
              f"{r['after']:>8.0%}  {r['now_predicted']:<10}{r['map_share']:>10.0%}"
              f"{r['face_share']:>9.0%}")
    return 0


def run_lesson(args: argparse.Namespace) -> int:
    from PIL import Image

    from .. import lesson
    from ..cleaning import audit
    from ..data import load_dataset
    from ..evaluate import predict_proba

    stored = _single(args.model)
    dataset = load_dataset(args.data)
    if not len(dataset.split("test")):
        raise ModelError(f"the dataset at {args.data} has no test faces")
    model = stored.load_keras()
    sample = lesson.lesson_sample(dataset, stored.classes)
    proba = predict_proba(model, sample.images)
    findings = audit(dataset).to_frame()
    examples = {"confident right": lesson.confident_right(stored, sample, proba),
                "fear taken for surprise": lesson.mistaken(stored, sample, proba),
                "train/test leak": lesson.leaked(dataset, findings),
                "not a face": lesson.not_a_face()}
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    steps = []
    for number, (step, example) in enumerate(examples.items(), start=1):
        entry: dict[str, Any] = {"step": number, "lesson": step, "found": example is not None}
        if example is not None:
            said = predict_proba(model, example.face[None])[0]
            entry.update(id=example.id, truth=example.truth, note=example.note,
                         predicted=stored.classes[int(said.argmax())],
                         probability=float(said.max()))
            if out:
                path = out / f"{number}_{step.replace(' ', '_').replace('/', '_')}.png"
                Image.fromarray(example.face).save(path)
                entry["picture"] = str(path)
        steps.append(entry)
    failing = lesson.failing_method([stored])
    steps.append({"step": 5, "lesson": "a map that fails its sanity check",
                  "found": failing is not None, "method": failing[1] if failing else None})
    if args.json:
        print(json.dumps({"model": stored.name, "steps": steps}, indent=2))
        return 0
    for entry in steps:
        if entry["step"] == 5:
            said = (f"{entry['method']} (its validation sanity check failed)" if entry["found"]
                    else "none: every method passed the sanity check on validation faces")
        elif not entry["found"]:
            said = "no such face in this data"
        else:
            said = (f"{entry['note']} {stored.name}: {entry['predicted']} "
                    f"{entry['probability']:.0%}.")
        print(f"{entry['step']}. {entry['lesson']}: {said}")
    return 0

