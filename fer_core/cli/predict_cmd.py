"""``predict``: the emotions of every face in photos, as the Explain page reads them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .common import JSON


def register(commands: argparse._SubParsersAction) -> None:
    predict = commands.add_parser(
        "predict", help="the emotions of every face in photos (files or folders, recursively)",
        parents=[JSON])
    predict.add_argument("paths", nargs="+", metavar="PATH", help="photos or folders of photos")
    predict.add_argument("--model", action="append", required=True,
                         help="stored model or ensemble name or folder; repeat to compare")
    predict.add_argument("--labels-from-folders", action="store_true",
                         help="each photo's parent folder names its emotion (<emotion>/<file>): "
                              "also print accuracy, recall and a confusion table")
    predict.add_argument("--record", action="store_true",
                         help="with --labels-from-folders and one folder: keep each model's "
                              "scores in its metrics.json, under the folder's name (the models "
                              "table shows the 'realphotos' set's)")
    predict.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    from ..errors import DataError
    from ..predict import Predictor, photo_paths, record_scores, scored

    if args.record and not (args.labels_from_folders and len(args.paths) == 1
                            and Path(args.paths[0]).is_dir()):
        raise DataError("--record needs --labels-from-folders and one folder of "
                        "<emotion>/<file> photos, whose name the scores are kept under")
    paths = photo_paths(args.paths)
    predictor = Predictor.load(args.model)
    records = []
    for path in paths:
        record = predictor.photo(path)
        records.append(record)
        if "error" in record:
            print(f"error: {record['error']}", file=sys.stderr)
        elif not args.json:
            _print_photo(record)
    classes = predictor.models[0][0].classes
    report = scored(records, classes) if args.labels_from_folders else None
    if args.json:
        print(json.dumps({"photos": records, **({"scores": report} if report else {})},
                         indent=2))
    elif report:
        _print_scores(report, classes)
    if args.record:
        photo_set = Path(args.paths[0]).resolve().name
        record_scores(report, [stored for stored, _ in predictor.models], photo_set)
        print(f"kept under real_photos.{photo_set} in each model's metrics.json",
              file=sys.stderr)
    return 2 if any("error" in r for r in records) else 0


def _print_photo(record: dict[str, Any]) -> None:
    print(f"{record['file']}: {record['message']}")
    for i, face in enumerate(record["faces"]):
        box = face["box"]
        print(f"  face {i} at x={box['x']} y={box['y']} {box['w']}x{box['h']}, "
              f"{face['likeness']}:")
        for name, result in face["models"].items():
            print(f"    {name}: {result['in_words']}")


def _print_scores(report: dict[str, Any], classes: list[str]) -> None:
    print(f"\n{report['faces_found']} of {report['photos']} labelled photos with a face found "
          "(the others are not scored):")
    for name, scores in report["models"].items():
        recall = ", ".join(f"{c} {r:.0%}" for c, r in scores["recall"].items())
        print(f"{name}: accuracy {scores['accuracy']:.1%}; recall {recall}")
        corner = "true \\ predicted"
        print(f"  {corner:<17}" + "".join(f"{c[:7]:>8}" for c in classes))
        for label, row in zip(classes, scores["confusion"], strict=True):
            if sum(row):
                print(f"  {label:<17}" + "".join(f"{n:>8}" for n in row))
