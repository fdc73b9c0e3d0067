"""The in-memory form of a FER dataset that the rest of the project consumes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..errors import DataError
from .classes import SPLITS


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images with their labels, ids and splits, all aligned on the first axis.

    ``images`` is uint8 (N, 48, 48); ``labels`` index into ``classes``; ``ids`` are stable per image
    (a path relative to the dataset root, or ``row_<n>`` for the CSV); ``splits`` are ``train``,
    ``val`` or ``test``. ``source_fingerprint`` identifies the raw source it was read from and
    ``policy`` names the cleaning that made it (``"raw"`` when none), so every metric computed on it
    can say which data it came from.
    """

    images: np.ndarray
    labels: np.ndarray
    ids: np.ndarray
    splits: np.ndarray
    classes: tuple[str, ...]
    source: str
    source_fingerprint: str
    policy: str = "raw"
    converted: int = field(default=0, compare=False)

    def __len__(self) -> int:
        return len(self.labels)

    def select(self, index: np.ndarray) -> "Dataset":
        """The rows picked by a boolean mask or an integer index, everything else unchanged."""
        return replace(
            self,
            images=self.images[index],
            labels=self.labels[index],
            ids=self.ids[index],
            splits=self.splits[index],
        )

    def split(self, name: str) -> "Dataset":
        """Only the rows of one split (``train``, ``val`` or ``test``)."""
        return self.select(self.splits == name)

    def required_split(self, name: str) -> "Dataset":
        """The rows of one split that a command cannot do without, or a clear error."""
        part = self.split(name)
        if not len(part):
            raise DataError(f"the dataset at {self.source} has no {name!r} images")
        return part

    @property
    def split_names(self) -> list[str]:
        """The splits present, in the canonical order."""
        present = set(self.splits.tolist())
        return [s for s in SPLITS if s in present]

    def counts(self) -> dict[str, dict[str, int]]:
        """Image counts per split and class: ``{"train": {"angry": N, ...}, ...}``."""
        table = {}
        for split in self.split_names:
            labels = self.labels[self.splits == split]
            per_class = np.bincount(labels, minlength=len(self.classes))
            table[split] = {c: int(n) for c, n in zip(self.classes, per_class, strict=True)}
        return table

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the content itself (pixels, labels, splits, classes).

        Two datasets with the same fingerprint hold the same data, whichever machine or layout
        they were read from.
        """
        digest = hashlib.sha256()
        digest.update(",".join(self.classes).encode())
        digest.update(np.ascontiguousarray(self.images).tobytes())
        digest.update(self.labels.astype(np.int64).tobytes())
        digest.update("\n".join(self.splits.tolist()).encode())
        return digest.hexdigest()[:16]
