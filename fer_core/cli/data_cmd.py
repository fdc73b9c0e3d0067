"""``data summary`` and ``data audit``."""

from __future__ import annotations

import argparse
import json

from ..cleaning import Audit, audit
from ..data import load_dataset
from .common import JSON

PATH_HELP = "fer2013.csv, a folder holding it, or an image-folder root"


def register(commands: argparse._SubParsersAction) -> None:
    data = commands.add_parser("data", help="inspect a FER2013 dataset")
    actions = data.add_subparsers(dest="action", required=True, metavar="ACTION")
    summary = actions.add_parser("summary", help="image counts per split and class", parents=[JSON])
    summary.add_argument("path", help=PATH_HELP)
    summary.set_defaults(handler=run_summary, uses_models=False)
    check = actions.add_parser(
        "audit", help="find duplicates, train/test leakage, conflicting labels and blank images",
        parents=[JSON]
    )
    check.add_argument("path", help=PATH_HELP)
    check.add_argument(
        "--out", metavar="FILE",
        help="write every finding to FILE (CSV if it ends in .csv, else JSON)",
    )
    check.add_argument(
        "--near-distance", type=int, metavar="N",
        help="also flag near duplicates: perceptual hashes differing in at most N of 64 bits",
    )
    check.add_argument(
        "--faces", action="store_true",
        help="also flag images where the face detector finds no face (slow: minutes on FER2013)",
    )
    check.set_defaults(handler=run_audit, uses_models=False)


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


def _print_audit(result: Audit, total: int) -> None:
    groups = result.groups_by_reason()
    print(f"{'reason':<30}{'images':>8}{'groups':>8}")
    for reason, count in result.counts_by_reason().items():
        print(f"{reason:<30}{count:>8}{groups.get(reason, '-'):>8}")
    flagged = len({f.id for f in result.findings})
    print(f"{flagged} of {total} images flagged")


def run_audit(args: argparse.Namespace) -> int:
    dataset = load_dataset(args.path)
    face_check = None
    if args.faces:
        from ..faces import has_face

        face_check = has_face
    result = audit(dataset, near_distance=args.near_distance, face_check=face_check)
    if args.out:
        result.write(args.out)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
        return 0
    _print_audit(result, len(dataset))
    if args.out:
        print(f"{len(result.findings)} findings written to {args.out}")
    return 0
