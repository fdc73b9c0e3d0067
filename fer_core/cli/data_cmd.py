"""``data summary`` and ``data audit``."""

from __future__ import annotations

import argparse
import json

from ..data import load_dataset


def register(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="inspect a FER2013 dataset")
    actions = data.add_subparsers(dest="action", required=True, metavar="ACTION")
    summary = actions.add_parser("summary", help="image counts per split and class")
    summary.add_argument("path", help="fer2013.csv, a folder holding it, or an image-folder root")
    summary.add_argument("--json", action="store_true", help="print JSON")
    summary.set_defaults(handler=run_summary)


def run_summary(args: argparse.Namespace) -> int:
    counts = load_dataset(args.path).counts()
    if args.json:
        print(json.dumps({"splits": counts}, indent=2))
        return 0
    classes = list(next(iter(counts.values())))
    print(f"{'split':<8}" + "".join(f"{c:>10}" for c in classes) + f"{'total':>10}")
    for split, per_class in counts.items():
        row = "".join(f"{per_class[c]:>10}" for c in classes)
        print(f"{split:<8}{row}{sum(per_class.values()):>10}")
    return 0
