"""The real FER2013 image folders (``FER2013_DIR``): known counts and known flaws.

The dataset is loaded and audited once per session (the first load decodes 32k JPEGs).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from fer_core.cleaning import Audit, audit, clean
from fer_core.data import FER2013_SIZES, Dataset, load_dataset

pytestmark = pytest.mark.slow

TRAIN = {"angry": 3995, "disgust": 436, "fear": 4097, "happy": 7215, "neutral": 4965,
         "sad": 4830, "surprise": 3171}
TEST = {"angry": 467, "disgust": 56, "fear": 496, "happy": 895, "neutral": 607, "sad": 653,
        "surprise": 415}


@cache
def _load(path: Path) -> Dataset:
    return load_dataset(path)


@cache
def _audit(path: Path) -> Audit:
    return audit(_load(path))


@pytest.fixture
def fer(fer2013_dir: Path) -> Dataset:
    return _load(fer2013_dir)


@pytest.fixture
def fer_audit(fer2013_dir: Path) -> Audit:
    return _audit(fer2013_dir)


def test_train_and_val_hold_the_training_folder(fer: Dataset) -> None:
    counts = fer.counts()
    assert {c: counts["train"][c] + counts["val"][c] for c in TRAIN} == TRAIN
    assert sum(TRAIN.values()) == FER2013_SIZES["train"]  # the Overview's words
    assert sum(counts["val"].values()) == 2871  # 10% of train, rounded up


def test_test_folder(fer: Dataset) -> None:
    assert fer.counts()["test"] == TEST
    assert sum(TEST.values()) == FER2013_SIZES["test"]


def test_audit_finds_the_known_flaws(fer_audit: Audit) -> None:
    counts = fer_audit.counts_by_reason()
    for reason in ("duplicate", "cross_split_duplicate", "conflicting_label_duplicate", "blank"):
        assert counts[reason] >= 1, reason


def test_default_cleaning_leaves_none_of_them(fer: Dataset, fer_audit: Audit) -> None:
    cleaned = clean(fer, audit=fer_audit)
    assert 0.9 * len(fer) < len(cleaned) < len(fer)
    assert audit(cleaned).findings == ()
