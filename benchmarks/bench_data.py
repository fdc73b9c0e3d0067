"""How long loading and auditing the full FER2013 take: cold, from the cache, and the audit.

    python benchmarks/bench_data.py [PATH] [--near-distance N]

PATH defaults to ``$FER2013_DIR``. The cold load runs against a fresh, temporary cache
(``FER_CACHE_DIR``), so the project's own cache is neither used nor touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Callable, TypeVar

from fer_core.cleaning import audit
from fer_core.data import load_dataset
from fer_core.errors import FerError

T = TypeVar("T")


def timed(task: Callable[[], T]) -> tuple[T, float]:
    """The task's result and its wall-clock seconds."""
    start = time.perf_counter()
    result = task()
    return result, time.perf_counter() - start


def run(path: str, near_distance: int | None) -> None:
    with tempfile.TemporaryDirectory(prefix="fer-bench-cache-") as cache:
        os.environ["FER_CACHE_DIR"] = cache
        _, cold = timed(lambda: load_dataset(path))
        data, cached = timed(lambda: load_dataset(path))
    print(f"images            {len(data):>9}")
    print(f"cold load         {cold:>8.2f}s")
    print(f"cached load       {cached:>8.2f}s")
    print(f"cold / cached     {cold / cached:>8.1f}x")
    found, seconds = timed(lambda: audit(data))
    print(f"audit             {seconds:>8.2f}s  ({len(found.findings)} findings)")
    if near_distance is not None:
        found, seconds = timed(lambda: audit(data, near_distance=near_distance))
        print(f"audit, near<={near_distance:<4} {seconds:>8.2f}s  ({len(found.findings)} findings)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=os.environ.get("FER2013_DIR"),
                        help="the dataset (default: $FER2013_DIR)")
    parser.add_argument("--near-distance", type=int, metavar="N",
                        help="also time an audit that looks for near duplicates")
    args = parser.parse_args()
    if not args.path:
        parser.error("give the dataset PATH or set FER2013_DIR")
    try:
        run(args.path, args.near_distance)
    except FerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
