"""Lay out the held-out deepface portraits as ``OUT/happy/broad_*``, ``OUT/happy/subtle_*`` and
``OUT/neutral/*`` from a clone of serengil/deepface, as
``benchmarks/heldout/deepface_portraits.csv`` labels them (``unclear`` ones are left out).

    python tools/heldout_portraits.py DEEPFACE_GIT_DIR OUT
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

LABELS = Path(__file__).resolve().parents[1] / "benchmarks" / "heldout" / "deepface_portraits.csv"


def main(repository: str, out: str) -> int:
    written = 0
    with LABELS.open(newline="") as rows:
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
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
