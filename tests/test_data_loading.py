"""Loading FER2013 layouts: splits, class mapping, ids, conversion, the cache, and clear errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import fer_core.data.loader as loader
from fer_core.data import CLASSES, load_dataset
from fer_core.errors import DataError
from tests.helpers import pixel_string, random_faces, write_csv, write_folder_layout


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own, so cache files can be counted."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("FER_CACHE_DIR", str(folder))
    return folder / "data"


def save(path: Path, image: np.ndarray | Image.Image) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(path)
    return path


# --- image folders -------------------------------------------------------------------------------


def test_folders_without_val_carve_a_stratified_val_from_train(tmp_path: Path) -> None:
    data = load_dataset(write_folder_layout(tmp_path, per_class=10), use_cache=False)
    counts = data.counts()
    assert data.split_names == ["train", "val", "test"]
    assert counts["val"] == dict.fromkeys(CLASSES, 1)
    assert counts["train"] == dict.fromkeys(CLASSES, 9)
    assert counts["test"] == dict.fromkeys(CLASSES, 10)


def test_folders_with_val_keep_it(tmp_path: Path) -> None:
    root = write_folder_layout(tmp_path, per_class=2, splits=("train", "val", "test"))
    counts = load_dataset(root, use_cache=False).counts()
    sizes = {split: sum(c.values()) for split, c in counts.items()}
    assert sizes == {"train": 14, "val": 14, "test": 14}


def test_class_folders_are_case_insensitive_jpg_and_png_in_csv_order(tmp_path: Path) -> None:
    faces = random_faces(3)
    save(tmp_path / "train" / "Happy" / "a.jpg", faces[0])
    save(tmp_path / "train" / "NEUTRAL" / "b.png", faces[1])
    save(tmp_path / "test" / "sad" / "c.JPG", faces[2])
    data = load_dataset(tmp_path, val_fraction=0, use_cache=False)
    assert data.ids.tolist() == ["test/sad/c.JPG", "train/Happy/a.jpg", "train/NEUTRAL/b.png"]
    assert data.labels.tolist() == [4, 3, 6]  # sad, happy, neutral in the CSV's order
    assert [CLASSES[i] for i in data.labels] == ["sad", "happy", "neutral"]
    assert np.array_equal(data.images[2], faces[1])  # PNG is lossless


def test_a_train_split_too_small_to_stratify_still_gets_a_val_split(tmp_path: Path) -> None:
    # 10% of 14 images cannot hold one of each of 7 classes: the split falls back to random.
    data = load_dataset(write_folder_layout(tmp_path, per_class=2), use_cache=False)
    sizes = {split: sum(c.values()) for split, c in data.counts().items()}
    assert sizes == {"train": 12, "val": 2, "test": 14}


def test_a_layout_with_only_test_is_accepted(tmp_path: Path) -> None:
    root = write_folder_layout(tmp_path, per_class=1, splits=("test",))
    data = load_dataset(root, use_cache=False)
    assert data.split_names == ["test"]
    assert len(data) == len(CLASSES)


def test_ids_are_stable_paths_from_the_root(tmp_path: Path) -> None:
    root = write_folder_layout(tmp_path, per_class=1)
    first = load_dataset(root, use_cache=False)
    second = load_dataset(root, use_cache=False)
    assert first.ids.tolist() == second.ids.tolist()
    assert first.ids[0] == "test/angry/test_angry_0.png"
    assert np.array_equal(first.splits, second.splits)


def test_images_that_are_not_48x48_grayscale_are_converted_and_counted(tmp_path: Path) -> None:
    root = write_folder_layout(tmp_path, per_class=1)
    rgb = Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    save(root / "train" / "fear" / "big.png", rgb)
    with pytest.warns(UserWarning, match=r"1 image\(s\) were not 48x48 grayscale"):
        data = load_dataset(root, use_cache=False)
    assert data.converted == 1
    assert data.images.shape[1:] == (48, 48) and data.images.dtype == np.uint8


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_usage_maps_to_splits_and_pixels_round_trip(tmp_path: Path) -> None:
    faces = random_faces(3)
    rows = [(3, pixel_string(faces[0]), "Training"), (6, pixel_string(faces[1]), "PublicTest"),
            (0, pixel_string(faces[2]), "PrivateTest")]
    data = load_dataset(write_csv(tmp_path / "fer2013.csv", rows), use_cache=False)
    assert data.splits.tolist() == ["train", "val", "test"]
    assert data.labels.tolist() == [3, 6, 0]
    assert data.ids.tolist() == ["row_0", "row_1", "row_2"]
    assert np.array_equal(data.images, faces)


def test_a_folder_holding_the_csv_is_read(tmp_path: Path) -> None:
    face = random_faces(1)[0]
    write_csv(tmp_path / "fer2013.csv", [(5, pixel_string(face), "Training")])
    data = load_dataset(tmp_path, use_cache=False)
    assert [CLASSES[i] for i in data.labels] == ["surprise"]


# --- cache ---------------------------------------------------------------------------------------


def test_second_load_comes_from_the_cache_and_a_changed_file_invalidates_it(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_folder_layout(tmp_path / "fer", per_class=1)
    first = load_dataset(root)
    assert len(list(cache.glob("*.npz"))) == 1

    decode = loader._decode
    calls = []
    monkeypatch.setattr(loader, "_decode", lambda *a: calls.append(a) or decode(*a))
    second = load_dataset(root)
    assert calls == []
    for name in ("images", "labels", "ids", "splits"):
        assert np.array_equal(getattr(first, name), getattr(second, name))
    assert second.source_fingerprint == first.source_fingerprint

    changed = root / "train" / "happy" / "train_happy_0.png"
    save(changed, np.zeros((48, 48), np.uint8))
    stat = changed.stat()
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    third = load_dataset(root)
    assert len(calls) == 1
    assert third.source_fingerprint != first.source_fingerprint
    assert not third.images[third.ids == "train/happy/train_happy_0.png"].any()


# --- errors --------------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="dataset path does not exist: .*nowhere"):
        load_dataset(tmp_path / "nowhere")


def test_unknown_layout(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=f"unknown dataset layout at {re.escape(str(tmp_path))}"):
        load_dataset(tmp_path)


def test_unknown_class_folder(tmp_path: Path) -> None:
    save(tmp_path / "train" / "happyish" / "a.png", random_faces(1)[0])
    with pytest.raises(DataError, match=r"unknown class folder 'happyish' in .*train"):
        load_dataset(tmp_path)


def test_unreadable_image_names_the_file(tmp_path: Path) -> None:
    root = write_folder_layout(tmp_path, per_class=1)
    (root / "test" / "sad" / "broken.jpg").write_bytes(b"this is not a jpeg")
    with pytest.raises(DataError, match=r"unreadable image .*test/sad/broken\.jpg"):
        load_dataset(root, use_cache=False)


GOOD = pixel_string(random_faces(1)[0])


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ((0, "1 2 3", "Training"), r"fer2013\.csv row 1 \(line 3\): pixel string has 3 values"),
        ((0, GOOD.rsplit(" ", 1)[0] + " abc", "Training"),
         r"fer2013\.csv row 1 \(line 3\): non-numeric pixel value 'abc'"),
        ((0, GOOD.rsplit(" ", 1)[0] + " 256", "Training"),
         r"fer2013\.csv row 1 \(line 3\): pixel values must lie in 0\.\.255"),
        ((0, GOOD, "Validation"),
         r"fer2013\.csv row 1 \(line 3\): Usage 'Validation' is not one of"),
        ((7, GOOD, "Training"), r"fer2013\.csv row 1 \(line 3\): emotion '7' is not a label id"),
        (("happy", GOOD, "Training"), r"fer2013\.csv row 1 \(line 3\): emotion 'happy'"),
    ],
)
def test_malformed_csv_rows_name_the_row(tmp_path: Path, bad_row: tuple, message: str) -> None:
    path = write_csv(tmp_path / "fer2013.csv", [(3, GOOD, "Training"), bad_row])
    with pytest.raises(DataError, match=message):
        load_dataset(path, use_cache=False)


def test_csv_with_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "fer2013.csv"
    path.write_text(f"emotion,pixels\n3,{GOOD}\n")
    with pytest.raises(DataError, match=r"fer2013\.csv: missing column\(s\) Usage"):
        load_dataset(path, use_cache=False)


def test_a_damaged_cache_entry_is_decoded_again(tmp_path: Path, cache: Path) -> None:
    root = write_folder_layout(tmp_path / "fer", per_class=1)
    first = load_dataset(root)
    (entry,) = cache.glob("*.npz")
    entry.write_bytes(b"half a file")
    again = load_dataset(root)
    assert np.array_equal(first.images, again.images)
