"""The audit's reasons on crafted data, and what each cleaning policy keeps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fer_core.cleaning import (
    DEFAULT_POLICY,
    RAW_POLICY,
    STUDY_POLICY,
    CleaningPolicy,
    audit,
    clean,
    policy_from_name,
)
from fer_core.data import Dataset
from fer_core.errors import DataError
from tests.helpers import make_dataset, smooth_faces

FACES = smooth_faces(9, seed=3)
NOISY = np.clip(
    FACES[3].astype(int) + np.random.default_rng(0).integers(-6, 7, FACES[3].shape), 0, 255
)
BLANK = np.full((48, 48), 128, np.uint8)
FACELESS = FACES[5]

# id, split, class, image: each block exercises one reason (see the expected findings below).
ROWS = [
    ("a1", "train", "happy", FACES[0]), ("a2", "train", "happy", FACES[0]),  # duplicate
    ("b1", "train", "sad", FACES[1]), ("b2", "test", "sad", FACES[1]),  # train/test leak
    ("c1", "train", "angry", FACES[2]), ("c2", "train", "fear", FACES[2]),  # conflicting labels
    ("d1", "train", "neutral", FACES[3]), ("d2", "train", "neutral", NOISY),  # near duplicate
    ("e1", "val", "surprise", FACES[4]), ("e2", "test", "surprise", FACES[4]),  # val/test leak,
    ("e3", "test", "surprise", FACES[4]),  # ... and a duplicate within test
    ("k1", "test", "happy", BLANK),
    ("n1", "train", "disgust", FACELESS),
    ("u1", "train", "disgust", FACES[6]), ("u2", "test", "angry", FACES[7]),
    ("u3", "train", "surprise", FACES[8]),
]

EXPECTED_FINDINGS = [
    ("a1", "duplicate", 0), ("a2", "duplicate", 0),
    ("b1", "cross_split_duplicate", 1), ("b2", "cross_split_duplicate", 1),
    ("c1", "conflicting_label_duplicate", 2), ("c2", "conflicting_label_duplicate", 2),
    ("d1", "near_duplicate", 4), ("d2", "near_duplicate", 4),
    ("e1", "cross_split_duplicate", 3),
    ("e2", "duplicate", 3), ("e2", "cross_split_duplicate", 3),
    ("e3", "duplicate", 3), ("e3", "cross_split_duplicate", 3),
    ("k1", "blank", None),
    ("n1", "no_face", None),
]


def has_face(image: np.ndarray) -> bool:
    """A stand-in face detector that rejects exactly one picture."""
    return not np.array_equal(image, FACELESS)


@pytest.fixture
def data() -> Dataset:
    return make_dataset(ROWS)


def kept_ids(dataset: Dataset) -> list[str]:
    return sorted(dataset.ids.tolist())


def test_audit_finds_every_reason(data: Dataset) -> None:
    found = audit(data, near_distance=4, face_check=has_face)
    assert [(f.id, f.reason, f.group) for f in found.findings] == EXPECTED_FINDINGS
    assert found.counts_by_reason() == {
        "duplicate": 4, "cross_split_duplicate": 5, "conflicting_label_duplicate": 2,
        "near_duplicate": 2, "blank": 1, "no_face": 1,
    }
    assert found.groups_by_reason() == {
        "duplicate": 2, "cross_split_duplicate": 2, "conflicting_label_duplicate": 1,
        "near_duplicate": 1,
    }
    assert found.findings[4].label == "angry" and found.findings[5].label == "fear"


def test_audit_json_shape(data: Dataset) -> None:
    report = audit(data).to_json()
    assert list(report) == ["counts_by_reason", "groups_by_reason", "findings"]
    assert list(report["counts_by_reason"]) == [
        "duplicate", "cross_split_duplicate", "conflicting_label_duplicate", "blank"
    ]
    assert report["findings"][0] == {
        "id": "a1", "split": "train", "label": "happy", "reason": "duplicate", "group": 0
    }


def test_near_duplicates_only_when_asked_and_never_between_exact_copies(data: Dataset) -> None:
    assert "near_duplicate" not in audit(data).counts_by_reason()
    near_ids = {f.id for f in audit(data, near_distance=4).findings if f.reason == "near_duplicate"}
    assert near_ids == {"d1", "d2"}


def test_audit_does_not_depend_on_row_order(data: Dataset) -> None:
    shuffled = data.select(np.random.default_rng(7).permutation(len(data)))
    assert audit(shuffled, near_distance=4).to_json() == audit(data, near_distance=4).to_json()


def test_blank_threshold_is_a_setting(data: Dataset) -> None:
    assert audit(data, blank_std=1000).counts_by_reason()["blank"] == len(data)


@pytest.mark.parametrize("distance", [-1, 65])
def test_near_distance_out_of_range(data: Dataset, distance: int) -> None:
    with pytest.raises(DataError, match="near distance must be 0..64"):
        audit(data, near_distance=distance)


def test_default_policy_keeps_one_trusted_copy(data: Dataset) -> None:
    cleaned = clean(data)
    assert kept_ids(cleaned) == ["a1", "b1", "d1", "d2", "e1", "n1", "u1", "u2", "u3"]
    assert cleaned.policy == "default"
    assert data.policy == "raw" and len(data) == len(ROWS)  # the input is left alone


def test_cleaned_data_audits_clean(data: Dataset) -> None:
    assert not audit(clean(data)).findings


def test_near_duplicates_dropped_like_duplicates(data: Dataset) -> None:
    policy = CleaningPolicy(drop_near_duplicates=True)
    cleaned = clean(data, policy)
    assert "d1" in cleaned.ids and "d2" not in cleaned.ids
    assert cleaned.policy == "default+near<=4"


def test_faceless_images_dropped_with_a_face_checked_audit(data: Dataset) -> None:
    policy = CleaningPolicy(drop_no_face=True)
    with pytest.raises(DataError, match="audit ran without a face check"):
        clean(data, policy)
    cleaned = clean(data, policy, audit=audit(data, face_check=has_face))
    assert "n1" not in cleaned.ids and cleaned.policy == "default+no-face"


def test_dropping_a_class_remaps_labels(data: Dataset) -> None:
    cleaned = clean(data, STUDY_POLICY)
    assert cleaned.classes == ("angry", "fear", "happy", "sad", "surprise", "neutral")
    assert kept_ids(cleaned) == ["a1", "b1", "d1", "d2", "e1", "u2", "u3"]
    names = dict(zip(cleaned.ids, (cleaned.classes[i] for i in cleaned.labels), strict=True))
    assert names == {"a1": "happy", "b1": "sad", "d1": "neutral", "d2": "neutral",
                     "e1": "surprise", "u2": "angry", "u3": "surprise"}
    assert cleaned.labels.max() == 5 and cleaned.policy == "study"
    assert list(cleaned.counts()["train"]) == list(cleaned.classes)


def test_raw_policy_keeps_everything(data: Dataset) -> None:
    cleaned = clean(data, RAW_POLICY)
    assert kept_ids(cleaned) == kept_ids(data) and cleaned.policy == "raw"


def test_policy_names_are_stable() -> None:
    assert [policy_from_name(n).describe() for n in ("raw", "default", "study")] == [
        "raw", "default", "study"
    ]
    assert policy_from_name(" Study ") is STUDY_POLICY
    assert DEFAULT_POLICY.describe() == "default"
    assert CleaningPolicy(drop_classes=("Disgust",)).describe() == "study"
    assert CleaningPolicy(near_distance=9).describe() == "default"  # unused setting
    assert CleaningPolicy(drop_classes=("fear", "disgust")).describe() == "default-disgust-fear"
    keep_blank = CleaningPolicy(drop_blank=False, drop_classes="Fear")  # one name, not letters
    assert keep_blank.describe() == "default+keep-blank-fear"
    assert replace(RAW_POLICY, drop_classes=("fear",)).describe() == "raw-fear"
    with pytest.raises(DataError, match="unknown cleaning policy 'tidy'; expected one of: raw"):
        policy_from_name("tidy")


def test_clean_refuses_mismatched_inputs(data: Dataset) -> None:
    with pytest.raises(DataError, match="already cleaned"):
        clean(clean(data))
    with pytest.raises(DataError, match="other data"):
        clean(data, audit=audit(data.select(np.arange(4))))
    with pytest.raises(DataError, match="audit looked for no near duplicates"):
        clean(data, CleaningPolicy(drop_near_duplicates=True), audit=audit(data))
    with pytest.raises(DataError, match="unknown class"):
        clean(data, CleaningPolicy(drop_classes=("bored",)))
    with pytest.raises(DataError, match="needs deduplicate"):
        CleaningPolicy(deduplicate=False, drop_near_duplicates=True)
