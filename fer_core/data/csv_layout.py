"""Reader for Kaggle's original ``fer2013.csv`` (columns ``emotion``, ``pixels``, ``Usage``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .classes import CLASSES, IMAGE_SIZE

USAGE_TO_SPLIT = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
REQUIRED_COLUMNS = ("emotion", "pixels", "Usage")
PIXELS = IMAGE_SIZE * IMAGE_SIZE


def _row_name(path: Path, row: int) -> str:
    # Row numbers are 0-based data rows; the file line is row + 2 (header, 1-based lines).
    return f"{path.name} row {row} (line {row + 2})"


def _parse_pixels(text: object, path: Path, row: int) -> np.ndarray:
    values = str(text).split()
    if len(values) != PIXELS:
        raise DataError(
            f"{_row_name(path, row)}: pixel string has {len(values)} values, expected {PIXELS}"
        )
    try:
        pixels = np.array(values, dtype=np.int64)
    except ValueError:
        bad = next(v for v in values if not v.lstrip("-").isdigit())
        raise DataError(f"{_row_name(path, row)}: non-numeric pixel value {bad!r}") from None
    if pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"{_row_name(path, row)}: pixel values must lie in 0..255")
    return pixels.astype(np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)


def _parse_labels(column: pd.Series, path: Path) -> np.ndarray:
    numeric = pd.to_numeric(column, errors="coerce")
    bad = numeric.isna() | ~numeric.isin(range(len(CLASSES)))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{_row_name(path, row)}: emotion {column.iloc[row]!r} is not a label id 0..6"
        )
    return numeric.to_numpy(dtype=np.int64)


def _parse_splits(column: pd.Series, path: Path) -> np.ndarray:
    usage = column.astype(str).str.strip()
    bad = ~usage.isin(list(USAGE_TO_SPLIT))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{_row_name(path, row)}: Usage {column.iloc[row]!r} is not one of "
            f"{', '.join(USAGE_TO_SPLIT)}"
        )
    return usage.map(USAGE_TO_SPLIT).to_numpy(dtype=object).astype(str)


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Images, labels, ids and splits from a FER2013 CSV, with errors naming the bad row."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not a readable CSV file: {exc}") from None
    # Some copies (icml_face_data.csv) write " Usage" and " pixels" with a leading space.
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}; a FER2013 CSV has columns "
            f"{', '.join(REQUIRED_COLUMNS)}"
        )
    if frame.empty:
        raise DataError(f"{path}: the CSV has no rows")
    labels = _parse_labels(frame["emotion"], path)
    splits = _parse_splits(frame["Usage"], path)
    images = np.stack([_parse_pixels(p, path, i) for i, p in enumerate(frame["pixels"])])
    ids = np.array([f"row_{i}" for i in range(len(frame))])
    return images, labels, ids, splits
