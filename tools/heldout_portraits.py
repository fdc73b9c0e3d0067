"""Lay out a held-out portrait set as ``OUT/happy/broad_*``, ``OUT/happy/subtle_*`` and
``OUT/neutral/*`` from a clone of its repository, as ``benchmarks/heldout/<SET>.csv`` labels it
(``unclear`` ones are left out). The sets and their repositories are in
``benchmarks/heldout/README.md``.

    python tools/heldout_portraits.py SET GIT_DIR OUT     # SET: a CSV's name there
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

HELDOUT = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout"


def main(labelled_set: str, repository: str, out: str) -> int:
    labels = HELDOUT / f"{labelled_set}.csv"
    if not labels.is_file():
        known = ", ".join(sorted(p.stem for p in HELDOUT.glob("*.csv")))
        print(f"error: no held-out set {labelled_set!r}; known: {known}", file=sys.stderr)
        return 2
    written = 0
    with labels.open(newline="") as rows:
        for row in csv.DictReader(rows):
            if row["label"] == "unclear":
                continue
            prefix = f"{row['smile']}_" if row["smile"] else ""
            target = Path(out) / row["label"] / f"{prefix}{Path(row['file']).name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            photo = subprocess.run(["git", "-C", repository, "show", f"HEAD:{row['file']}"],
                                   capture_output=True, check=False)
            if photo.returncode:
                print(f"error: {row['file']} is not in {repository}: "
                      f"{photo.stderr.decode().strip()}", file=sys.stderr)
                return 2
            target.write_bytes(photo.stdout)
            written += 1
    print(f"{written} portraits laid out under {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
