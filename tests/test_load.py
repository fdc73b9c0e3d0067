"""The load script in small: three sessions upload three faces to Explain at once, and each
must get the grid of its own face (never another session's), without an error: as clients of
the app's protocol, and as headless browsers."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load_explain import local_app, niced_chromium, run_round
from tests.conftest import write_data, write_store
from tests.test_browser import CHROMEDRIVER, CHROMIUM

pytestmark = pytest.mark.slow
HAS_CHROMIUM = CHROMIUM.is_file() and CHROMEDRIVER.is_file()


@pytest.mark.parametrize("client", [
    "protocol",
    pytest.param("browser", marks=[pytest.mark.browser, pytest.mark.skipif(
        not HAS_CHROMIUM,
        reason="needs headless Chromium: apt-get install -y chromium chromium-driver")])])
def test_three_sessions_at_once_each_see_their_own_face(tmp_path: Path, monkeypatch,
                                                        client: str) -> None:
    monkeypatch.delenv("FER2013_DIR", raising=False)  # drawn faces: the same on any machine
    data = write_data(tmp_path / "fer")
    models = write_store(tmp_path / "store", data, ("tiny",))
    binary = niced_chromium(19, tmp_path) if client == "browser" else None
    with local_app({"FER_MODELS_DIR": str(models), "FER2013_DIR": str(data)}) as (url, pid):
        (tmp_path / "warm").mkdir()
        run_round(url, 1, tmp_path / "warm", 120, None, binary)
        (tmp_path / "three").mkdir()
        row = run_round(url, 3, tmp_path / "three", 120, pid, binary, skip=1)
    assert row["errors"] == [] and row["correct"] == 3, row
    assert row["p95"] is not None and row["peak_mb"] > 0
    if client == "protocol":
        assert 0 < row["predictions_p95"] <= row["p95"]
