"""``explain`` (heatmaps of each face in a photo), ``explain-metrics`` (are they faithful?),
``explain-defaults`` (each model's own method, chosen on validation) and ``explain-classes``
(maps averaged per emotion)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..paths import cache_dir
from ..store import StoredModel
from .common import JSON, add_method_option

OVERLAY_SIZE = 192  # pixels: a 48x48 face upscaled 4x reads well in a report or a viewer
# Method names are checked against the library's registry when a command runs: building the
# parser must not import TensorFlow.
METHOD_HELP = "an explanation method: gradcam, occlusion, integrated_gradients... (all ten: " \
              "docs/explanations.md; a wrong name lists them)"
SPLITS = ("val", "test")


def register(commands: argparse._SubParsersAction) -> None:
    explain = commands.add_parser(
        "explain", help="heatmaps of what each model looks at, for each face of a photo",
        parents=[JSON])
    explain.add_argument("--model", action="append", required=True,
                         help="stored model name or folder; repeat to compare models")
    explain.add_argument("--image", required=True, help="a photo or a face crop")
    add_method_option(explain, f"{METHOD_HELP}; several to compare (default: each model's "
                               "own, chosen on the validation split, else gradcam)")
    explain.add_argument("--class", dest="class_name",
                         help="explain this class (e.g. happy) instead of the predicted one")
    explain.add_argument("--out", help="folder for the overlay PNGs (default: the project's "
                                       "cache, .cache/explanations/, out of the checkout's files)")
    explain.set_defaults(handler=run_explain)

    metrics = commands.add_parser(
        "explain-metrics",
        help="faithfulness, sanity and stability of explanation methods on dataset faces, "
             "next to random maps", parents=[JSON])
    _add_sample_arguments(metrics, default_split="test")
    add_method_option(metrics, f"methods to compare, each {METHOD_HELP}, or 'default' for each "
                               "model's own (default: all); the random maps are always compared")
    metrics.add_argument("--no-checks", dest="checks", action="store_false",
                         help="skip the sanity and stability checks (faster)")
    metrics.add_argument("--markdown", action="store_true",
                         help="print a Markdown table (docs/explanations.md's)")
    metrics.set_defaults(handler=run_explain_metrics)

    defaults = commands.add_parser(
        "explain-defaults",
        help="choose each model's CAM layer and default method on the validation split and "
             "record them in its config.json", parents=[JSON])
    _add_sample_arguments(defaults, default_split="val")
    defaults.add_argument("--dry-run", action="store_true", help="print, record nothing")
    defaults.set_defaults(handler=run_explain_defaults)
    _add_classes_command(commands)


def _add_classes_command(commands: argparse._SubParsersAction) -> None:
    classes = commands.add_parser(
        "explain-classes",
        help="what a model looks at for each emotion: its average map over the test faces of "
             "that emotion, and the share of it on the eyes and brows, nose, mouth and the rest",
             parents=[JSON])
    classes.add_argument("--model", required=True, help="stored model name or folder")
    classes.add_argument("--data", required=True, help="dataset path; test/ alone is enough")
    classes.add_argument("--method", help=f"{METHOD_HELP} (default: the model's own)")
    classes.add_argument("--per-class", type=int, default=100,
                         help="faces averaged per emotion, drawn at random (default 100; 0: all)")
    classes.add_argument("--beside-model", action="store_true",
                         help="store the averages in the model's folder (emotion_maps/), to "
                              "ship them with it: the Emotions page then opens at once")
    classes.set_defaults(handler=run_explain_classes)


def _add_sample_arguments(parser: argparse.ArgumentParser, default_split: str) -> None:
    parser.add_argument("--model", action="append", required=True,
                        help="stored model name or folder; repeat to compare models")
    parser.add_argument("--data", required=True, help="dataset path")
    parser.add_argument("--split", choices=SPLITS, default=default_split,
                        help=f"faces from this split (default {default_split}; choose methods "
                             "and layers on val, never on test)")
    parser.add_argument("--n", type=int, default=200, help="random faces (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the face sample")


def _explain_model(stored: StoredModel, crops: np.ndarray, methods: list[str] | None,
                   class_name: str | None, prefix: Path) -> list[dict[str, Any]]:
    """One stored model on every face: its probabilities, and an overlay PNG per method."""
    from ..evaluate import predict_proba
    from ..explain import make_explainer, overlay
    from ..mistakes import emotion_index

    model = stored.load_keras()
    proba = predict_proba(model, crops)
    targets = (np.full(len(crops), emotion_index(stored.classes, class_name))
               if class_name else proba.argmax(axis=1))
    results = [{"probabilities": dict(zip(stored.classes, face_proba.tolist(), strict=True)),
                "predicted": stored.classes[int(face_proba.argmax())],
                "explained": stored.classes[int(target)], "overlays": {}}
               for face_proba, target in zip(proba, targets, strict=True)]
    for method in methods or [stored.own_method]:
        heatmaps = make_explainer(method, model, stored.gradcam_layer).explain(crops, targets)
        for i, (result, heatmap) in enumerate(zip(results, heatmaps, strict=True)):
            path = Path(f"{prefix}_face{i}_{stored.name}_{method}.png")
            overlay(crops[i], heatmap, size=OVERLAY_SIZE).save(path)
            result["overlays"][method] = str(path)
    return results


def _print_faces(message: str, faces: list[dict[str, Any]]) -> None:
    print(message)
    for i, face in enumerate(faces):
        box = face["box"]
        print(f"face {i} at x={box['x']} y={box['y']} {box['w']}x{box['h']} ({face['source']}):")
        for name, result in face["models"].items():
            confidence = result["probabilities"][result["predicted"]]
            print(f"  {name}: {result['predicted']} {confidence:.0%}, explaining "
                  f"{result['explained']}")
            for method, path in result["overlays"].items():
                print(f"    {method}: {path}")


def _known(methods: list[str] | None, also: tuple[str, ...] = ()) -> list[str] | None:
    """``methods`` as given, once each of them is found a method of the library (or one of
    ``also``); a one-line error naming the known ones otherwise."""
    from ..explain import method_class

    for method in methods or []:
        if method not in also:
            method_class(method)
    return methods


def run_explain(args: argparse.Namespace) -> int:
    from ..ensemble import member_models
    from ..faces import find_faces, read_image
    from ..store import ModelStore

    _known(args.methods)
    models = member_models(ModelStore(), args.model)
    search = find_faces(read_image(args.image))
    crops = np.stack([face.crop for face in search.faces])
    out = Path(args.out) if args.out else cache_dir("explanations")
    out.mkdir(parents=True, exist_ok=True)
    faces = [{"box": face.box._asdict(), "source": face.source, "models": {}}
             for face in search.faces]
    for stored in models:
        results = _explain_model(stored, crops, args.methods, args.class_name,
                                 out / Path(args.image).stem)
        for face, result in zip(faces, results, strict=True):
            face["models"][stored.name] = result
    if args.json:
        print(json.dumps({"image": args.image, "found": search.found, "message": search.message,
                          "faces": faces}, indent=2))
    else:
        _print_faces(search.message, faces)
    return 0


def _sample(args: argparse.Namespace) -> np.ndarray:
    """``--n`` seeded random faces of ``--split``."""
    from ..data import load_dataset

    if args.n < 1:
        raise ModelError(f"--n must be at least 1, got {args.n}")
    part = load_dataset(args.data).required_split(args.split)
    pick = np.random.default_rng(args.seed).choice(len(part), min(args.n, len(part)),
                                                   replace=False)
    return part.images[np.sort(pick)]


def run_explain_metrics(args: argparse.Namespace) -> int:
    from ..ensemble import member_models
    from ..explain import METHODS
    from ..explain.metrics import compare_methods, format_markdown, format_table
    from ..store import ModelStore

    asked = _known(args.methods, also=("default",)) or list(METHODS)
    faces = _sample(args)
    rows = []
    for stored in member_models(ModelStore(), args.model):
        methods = [stored.own_method if m == "default" else m for m in asked]
        rows += compare_methods({stored.name: (stored.load_keras(), stored.gradcam_layer)},
                                faces, list(dict.fromkeys(methods)),
                                defaults={stored.name: stored.default_method},
                                checks=args.checks)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if args.markdown:
        print(format_markdown(rows))
        return 0
    print(f"on {len(faces)} random {args.split} faces (seed {args.seed}), each model "
          "explaining its own prediction:")
    print(format_table(rows))
    return 0


def run_explain_defaults(args: argparse.Namespace) -> int:
    from ..ensemble import member_models
    from ..explain.choice import choose_defaults
    from ..store import ModelStore

    store = ModelStore()
    faces = _sample(args)
    report = []
    for stored in member_models(store, args.model):
        choice = choose_defaults(stored.load_keras(), faces)
        report.append({"model": stored.name, **choice.summary()})
        if not args.json:
            print(f"{stored.name}: {choice.describe()}")
        if not args.dry_run:
            store.update_config(stored.path, {"gradcam_layer": choice.layer,
                                              "default_method": choice.method,
                                              "explanation_checks": choice.checks(args.split)})
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


def run_explain_classes(args: argparse.Namespace) -> int:
    from ..data import load_dataset
    from ..explain.classes import emotion_maps
    from ..store import ModelStore

    _known([args.method] if args.method else None)
    stored = ModelStore().get(args.model)
    if stored.is_ensemble:
        raise ModelError(f"{stored.name} is an ensemble: explain one of its members")
    found = emotion_maps(stored, load_dataset(args.data), args.method,
                         per_class=args.per_class or None,
                         progress=None if args.json else _progress_line,
                         beside_model=args.beside_model)
    if args.json:
        print(json.dumps(found.summary(), indent=2))
        return 0
    regions = list(next(iter(found.shares.values())))
    print(f"{stored.name}, {found.method} maps, averaged over each emotion's "
          f"{found.split} faces (share of the map on each region):")
    print(f"{'emotion':<10}{'faces':>7}" + "".join(f"{r:>16}" for r in regions))
    for emotion, shares in found.shares.items():
        print(f"{emotion:<10}{found.counts[emotion]:>7}"
              + "".join(f"{shares[r]:>16.0%}" for r in regions))
    return 0


def _progress_line(done: int, total: int) -> None:
    print(f"\rexplaining the test faces: {done} of {total}", end="\n" if done == total else "",
          flush=True)
