"""What the Dataset page shows of the data: random faces per class and the audit's groups.

The audit itself is fer_core's; here it is only cached (it hashes every image once) and its
findings are tied back to the dataset's rows so their pictures can be shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fer_core.cleaning import audit
from fer_core.data import Dataset


def class_samples(dataset: Dataset, split: str, per_class: int, seed: int) -> dict[str, np.ndarray]:
    """Up to ``per_class`` random faces of each class in ``split`` (uint8, N x 48 x 48)."""
    part = dataset.split(split)
    rng = np.random.default_rng(seed)
    samples = {}
    for label, name in enumerate(dataset.classes):
        rows = np.flatnonzero(part.labels == label)
        samples[name] = part.images[rng.permutation(rows)[:per_class]]
    return samples


@st.cache_data(show_spinner="Auditing the dataset (exact duplicates, leaks, blank images)...",
               max_entries=4)
def audit_findings(_dataset: Dataset, fingerprint: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The audit's findings with each image's row in the dataset, and the counts per reason."""
    found = audit(_dataset)
    frame = found.to_frame()
    frame["row"] = pd.Index(_dataset.ids).get_indexer(frame["id"])
    return frame, found.counts_by_reason()


def gallery_rows(findings: pd.DataFrame, reason: str, dataset: Dataset,
                 width: int = 8) -> list[pd.DataFrame]:
    """The findings of ``reason`` as rows of a gallery: one duplicate group per row, the
    groups that show a face first and blank copies last, or ``width`` images per row for a
    reason without groups (blank images)."""
    rows = findings[findings["reason"] == reason]
    if rows["group"].isna().all():
        return [rows.iloc[i:i + width] for i in range(0, len(rows), width)]
    groups = [group for _, group in rows.groupby("group", sort=True)]
    contrast = [float(dataset.images[group["row"].iloc[0]].std()) for group in groups]
    return [groups[i] for i in np.argsort(contrast, kind="stable")[::-1]]
