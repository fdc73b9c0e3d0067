"""The load script in small: three sessions upload three faces to Explain at once, and each
must get the grid of its own face (never another session's), without an error: as clients of
the app's protocol, and as headless browsers.

The script runs as its users run it (``python -m benchmarks.load_explain``), starting the app
itself with a store of one tiny model, and the test reads the row of its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fer_core.paths import PROJECT_ROOT
from fer_core.testing.browser import INSTALL_HINT, has_chromium
from tests.helpers import write_data, write_store

pytestmark = pytest.mark.slow
COLUMNS = ("sessions", "correct", "errors", "p50", "p95", "predictions_p95", "peak_mb")


def load_round(models: Path, client: str, sessions: int) -> dict[str, str]:
    """The script's row for one round of ``sessions`` after its warm-up session, as text (a
    figure or "-"): the protocol clients at the test's own priority, browsers at the lowest."""
    env = {**os.environ, "FER_MODELS_DIR": str(models)}
    env.pop("FER2013_DIR", None)  # drawn faces: the same on any machine
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load_explain", "--sessions", str(sessions),
         "--client", client, "--client-nice", "19" if client == "browser" else "0",
         "--timeout", "120"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    said = f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, said
    rows = [line.split() for line in done.stdout.splitlines()]
    row = next((r for r in rows if len(r) == len(COLUMNS) and r[0] == str(sessions)), None)
    assert row is not None, said
    return dict(zip(COLUMNS, row, strict=True)) | {"output": said}


@pytest.mark.parametrize("client", [
    "protocol",
    pytest.param("browser", marks=[pytest.mark.browser,
                                   pytest.mark.skipif(not has_chromium(), reason=INSTALL_HINT)])])
def test_three_sessions_at_once_each_see_their_own_face(tmp_path: Path, client: str) -> None:
    data = write_data(tmp_path / "fer")
    models = write_store(tmp_path / "store", data, ("tiny",))
    row = load_round(models, client, 3)
    assert (row["correct"], row["errors"]) == ("3", "0"), row["output"]
    assert row["p95"] != "-" and row["peak_mb"] != "-" and float(row["peak_mb"]) > 0, row["output"]
    if client == "protocol":  # figures to a tenth of a second
        assert row["predictions_p95"] != "-", row["output"]
        assert 0 <= float(row["predictions_p95"]) <= float(row["p95"]), row["output"]
