"""Atomic writes: a reader sees the old file or the new one, never half of either.

Cached datasets and stored models are written to a temporary sibling first and moved into place
with ``os.replace``, which is atomic on one filesystem. An interrupted run leaves at most a
temporary file behind, never a truncated artifact that looks valid.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only if the block succeeds.

    Works for a file or a folder: the caller writes whatever it wants at the yielded path.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    staged = tmp / target.name
    try:
        yield staged
        if not (target.is_dir() and staged.is_dir()):
            os.replace(staged, target)
            return
        # A folder cannot be replaced in one step: move the old one aside, then swap; if the
        # swap fails, put the old one back before the temporary folder is removed.
        old = tmp / ".old"
        os.replace(target, old)
        try:
            os.replace(staged, target)
        except BaseException:
            os.replace(old, target)
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def json_text(payload: Any) -> str:
    """``payload`` as the project's JSON files hold it: indented, keys in their own order."""
    return json.dumps(payload, indent=2, sort_keys=False) + "\n"


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented JSON, atomically."""
    with atomic_path(Path(path)) as staged:
        staged.write_text(json_text(payload), encoding="utf-8")
