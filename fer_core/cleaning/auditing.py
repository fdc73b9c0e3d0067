"""The audit: which images are suspect and why, before anything is removed.

Auditing and cleaning are separate steps on purpose: the audit is the evidence a teacher can show
("these 12 test images also sit in train"), the policy is the decision taken on it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..atomic import atomic_path, write_json
from ..data import Dataset
from ..errors import DataError
from .duplicates import exact_groups, near_groups

REASONS: tuple[str, ...] = (
    "duplicate",
    "cross_split_duplicate",
    "conflicting_label_duplicate",
    "near_duplicate",
    "blank",
    "no_face",
)
REASON_WORDS: dict[str, str] = {
    "duplicate": "the same picture more than once in one split",
    "cross_split_duplicate": "a leak: the same picture in more than one split",
    "conflicting_label_duplicate": "the same picture filed under different emotions",
    "near_duplicate": "a near copy of another picture (resized, re-encoded, slightly edited)",
    "blank": "a near-constant frame with no face at all",
    "no_face": "a picture in which the face detector finds no face",
}
"""Each reason in one line, for a class."""
EXACT_REASONS = REASONS[:3]
GROUPED_REASONS = REASONS[:4]

DEFAULT_BLANK_STD = 2.0
"""Pixel standard deviation (grey levels) under which an image counts as blank.

Real FER2013 faces have a pixel std of about 40 to 70 (the lowest is ~42), while a constant frame
stored as JPEG picks up at most a grey level of compression noise (std well under 1). 2.0 sits far
from both: it catches constant frames with codec noise and never a dim, low-contrast face.
"""

_STD_CHUNK = 4096  # images per chunk: std works in float64, ~600 MB for all 32k images at once


@dataclass(frozen=True)
class Finding:
    """One reason to doubt one image; ``group`` ties the images of one duplicate group together."""

    id: str
    split: str
    label: str
    reason: str
    group: int | None = None


FINDING_FIELDS = tuple(f.name for f in fields(Finding))


@dataclass(frozen=True)
class Audit:
    """The findings of :func:`audit`, sorted by image id, with the settings that produced them.

    ``dataset_fingerprint`` is the audited dataset's content hash, so :func:`~.cleaner.clean` can
    refuse an audit of other data.
    """

    findings: tuple[Finding, ...]
    dataset_fingerprint: str
    near_distance: int | None = None
    blank_std: float = DEFAULT_BLANK_STD
    face_checked: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons this audit looked for: near duplicates and faces only when asked to."""
        skipped = {"near_duplicate": self.near_distance is None, "no_face": not self.face_checked}
        return tuple(r for r in REASONS if not skipped.get(r, False))

    def counts_by_reason(self) -> dict[str, int]:
        """Images flagged per reason (every reason looked for, zeros included)."""
        counts = dict.fromkeys(self.reasons, 0)
        for finding in self.findings:
            counts[finding.reason] += 1
        return counts

    def groups_by_reason(self) -> dict[str, int]:
        """Distinct duplicate groups per duplicate reason (blank and no_face have no groups)."""
        groups: dict[str, set] = {r: set() for r in self.reasons if r in GROUPED_REASONS}
        for finding in self.findings:
            if finding.reason in groups:
                groups[finding.reason].add(finding.group)
        return {reason: len(found) for reason, found in groups.items()}

    def to_json(self) -> dict:
        """Counts, group counts and every finding, as plain JSON-ready values."""
        return {
            "counts_by_reason": self.counts_by_reason(),
            "groups_by_reason": self.groups_by_reason(),
            "findings": [asdict(f) for f in self.findings],
        }

    def to_frame(self) -> pd.DataFrame:
        """The findings as a table with columns id, split, label, reason, group (nullable int)."""
        frame = pd.DataFrame([asdict(f) for f in self.findings], columns=list(FINDING_FIELDS))
        return frame.astype({"group": "Int64"})

    def write(self, path: str | Path) -> None:
        """Save the findings atomically: CSV when ``path`` ends with ``.csv``, JSON otherwise."""
        path = Path(path)
        try:
            if path.suffix.lower() == ".csv":
                with atomic_path(path) as staged:
                    self.to_frame().to_csv(staged, index=False)
            else:
                write_json(path, self.to_json())
        except OSError as exc:
            raise DataError(f"cannot write the audit to {path}: {exc.strerror or exc}") from None


def _check_options(near_distance: int | None, blank_std: float) -> None:
    if near_distance is not None and not 0 <= near_distance <= 64:
        raise DataError(f"near distance must be 0..64 bits of a 64-bit hash, got {near_distance}")
    if blank_std < 0:
        raise DataError(f"blank_std must not be negative, got {blank_std}")


def _pixel_std(images: np.ndarray) -> np.ndarray:
    chunks = np.array_split(images, math.ceil(len(images) / _STD_CHUNK) or 1)
    return np.concatenate([chunk.std(axis=(1, 2)) for chunk in chunks])


def _numbered(keys: np.ndarray, mask: np.ndarray, start: int) -> np.ndarray:
    """Numbers from ``start`` for the distinct ``keys`` under ``mask``, in order of first sight."""
    numbers = np.full(len(keys), -1, dtype=np.int64)
    numbers[mask] = pd.factorize(keys[mask])[0] + start
    return numbers


def _exact_flags(data: Dataset, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Per exact-duplicate reason, which rows it applies to."""
    frame = pd.DataFrame({"group": groups, "split": data.splits, "label": data.labels})
    by_group = frame.groupby("group")
    copies_here = frame.groupby(["group", "split", "label"])["group"].transform("size")
    return {
        "duplicate": copies_here.to_numpy() > 1,
        "cross_split_duplicate": by_group["split"].transform("nunique").to_numpy() > 1,
        "conflicting_label_duplicate": by_group["label"].transform("nunique").to_numpy() > 1,
    }


def _findings(
    data: Dataset, flags: dict[str, tuple[np.ndarray, np.ndarray | None]]
) -> tuple[Finding, ...]:
    """Findings for the flagged rows, in row order and then in :data:`REASONS` order."""
    rows = []
    for reason, (mask, group) in flags.items():
        for row in np.flatnonzero(mask):
            number = None if group is None else int(group[row])
            finding = Finding(
                str(data.ids[row]), str(data.splits[row]), data.classes[data.labels[row]],
                reason, number,
            )
            rows.append((row, REASONS.index(reason), finding))
    return tuple(finding for *_, finding in sorted(rows, key=lambda r: r[:2]))


def audit(
    dataset: Dataset,
    *,
    near_distance: int | None = None,
    blank_std: float = DEFAULT_BLANK_STD,
    face_check: Callable[[np.ndarray], bool] | None = None,
) -> Audit:
    """List every suspect image of ``dataset`` with its reason; removes nothing.

    Exact duplicates (identical pixels) are reported as ``duplicate`` (several copies in one split
    under one label), ``cross_split_duplicate`` (copies in more than one split: leakage) and
    ``conflicting_label_duplicate`` (copies under different emotions); one image can have several
    of these. With ``near_distance``, pictures whose perceptual hashes differ in at most that many
    of 64 bits are ``near_duplicate`` (pairs of exact copies excluded). ``blank`` images have a
    pixel std under ``blank_std``; with ``face_check`` (True when a face is found), images without
    a face are ``no_face``. Groups are numbered in id order, exact groups first, then near groups.
    """
    _check_options(near_distance, blank_std)
    data = dataset.select(np.argsort(dataset.ids, kind="stable"))
    groups = exact_groups(data.images)
    exact = _exact_flags(data, groups)
    duplicated = np.logical_or.reduce(list(exact.values()))
    exact_numbers = _numbered(groups, duplicated, 0)
    flags: dict[str, tuple[np.ndarray, np.ndarray | None]] = {
        reason: (mask, exact_numbers) for reason, mask in exact.items()
    }
    if near_distance is not None:
        near = near_groups(data.images, groups, near_distance)
        first_near = int(exact_numbers.max(initial=-1)) + 1
        flags["near_duplicate"] = (near >= 0, _numbered(near, near >= 0, first_near))
    flags["blank"] = (_pixel_std(data.images) < blank_std, None)
    if face_check is not None:
        flags["no_face"] = (np.array([not face_check(image) for image in data.images], bool), None)
    return Audit(
        findings=_findings(data, flags),
        dataset_fingerprint=dataset.fingerprint,
        near_distance=near_distance,
        blank_std=blank_std,
        face_checked=face_check is not None,
    )
