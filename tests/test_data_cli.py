"""``python -m fer_core data summary|audit``: output shapes, files written, clear errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fer_core.cli import main
from fer_core.data import CLASSES
from tests.helpers import write_folder_layout

FINDING_KEYS = ["id", "split", "label", "reason", "group"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A small folder layout with a train/test leak, a duplicate in train and a blank image."""
    root = write_folder_layout(tmp_path / "fer", per_class=2)
    shutil.copy(root / "train/happy/train_happy_0.png", root / "test/happy/leaked.png")
    shutil.copy(root / "train/sad/train_sad_0.png", root / "train/sad/copy.png")
    Image.fromarray(np.zeros((48, 48), np.uint8)).save(root / "test/fear/blank.png")
    return root


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_json(root: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "data", "summary", str(root), "--json")
    report = json.loads(out)
    assert code == 0 and list(report) == ["splits"]
    assert list(report["splits"]) == ["train", "val", "test"]
    assert all(list(per_class) == list(CLASSES) for per_class in report["splits"].values())
    assert sum(sum(c.values()) for c in report["splits"].values()) == 2 * 14 + 3


def test_audit_json_and_out_file(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out_file = tmp_path / "reports" / "audit.json"
    code, out, _ = run(capsys, "data", "audit", str(root), "--json", "--out", str(out_file))
    report = json.loads(out)
    assert code == 0
    assert list(report) == ["counts_by_reason", "groups_by_reason", "findings"]
    assert report["counts_by_reason"]["cross_split_duplicate"] >= 2
    assert report["counts_by_reason"]["duplicate"] >= 2
    assert report["counts_by_reason"]["blank"] == 1
    assert all(list(f) == FINDING_KEYS for f in report["findings"])
    assert json.loads(out_file.read_text()) == report


def test_audit_table_and_csv(root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out_file = tmp_path / "audit.csv"
    code, out, _ = run(
        capsys, "data", "audit", str(root), "--out", str(out_file), "--near-distance", "0"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["reason", "images", "groups"]
    assert [line.split()[0] for line in lines[1:6]] == [
        "duplicate", "cross_split_duplicate", "conflicting_label_duplicate", "near_duplicate",
        "blank",
    ]
    assert lines[5].split() == ["blank", "1", "-"]
    with open(out_file, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == FINDING_KEYS
    assert {"id": "test/fear/blank.png", "split": "test", "label": "fear", "reason": "blank",
            "group": ""} in rows
    assert f"{len(rows)} findings written to {out_file}" in out


def test_converted_images_are_reported(root: Path, capsys: pytest.CaptureFixture) -> None:
    Image.new("RGB", (64, 64), "orange").save(root / "train/angry/colour.png")
    code, _, err = run(capsys, "data", "audit", str(root))
    assert code == 0
    assert "warning: 1 image(s) were not 48x48 grayscale and were converted" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data", "audit", "{tmp}/missing"], "error: dataset path does not exist"),
        (["data", "summary", "{tmp}"], "error: unknown dataset layout"),
        (["data", "audit", "{root}", "--near-distance", "99"], "error: near distance must be"),
    ],
)
def test_errors_are_one_line(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = [a.format(tmp=empty, root=root) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(message) and "Traceback" not in err


def test_audit_with_faces_flags_every_random_image(
    root: Path, capsys: pytest.CaptureFixture
) -> None:
    code, out, _ = run(capsys, "data", "audit", str(root), "--faces", "--json")
    counts = json.loads(out)["counts_by_reason"]
    # Random noise and the blank image hold no face: every image is flagged.
    assert code == 0 and counts["no_face"] == 2 * 14 + 3
