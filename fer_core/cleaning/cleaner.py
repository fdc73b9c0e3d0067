"""Applying a :class:`~.policy.CleaningPolicy` to a dataset, guided by its audit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..data import SPLITS, Dataset
from ..errors import DataError
from .auditing import EXACT_REASONS, Audit
from .auditing import audit as run_audit
from .policy import DEFAULT_POLICY, CleaningPolicy


def _check_audit(found: Audit, dataset: Dataset, policy: CleaningPolicy) -> None:
    if found.dataset_fingerprint != dataset.fingerprint:
        raise DataError("the audit was computed on other data than this dataset; audit it again")
    if policy.drop_near_duplicates and found.near_distance != policy.near_distance:
        used = "no near duplicates" if found.near_distance is None else found.near_distance
        raise DataError(
            f"policy {policy.describe()!r} drops near duplicates at distance "
            f"{policy.near_distance}, but the audit looked for {used}"
        )
    if policy.drop_no_face and not found.face_checked:
        raise DataError(
            f"policy {policy.describe()!r} drops images without a face, but the audit ran "
            "without a face check: pass audit(dataset, face_check=...)"
        )


def _surplus_copies(dataset: Dataset, findings: pd.DataFrame, near: bool) -> np.ndarray:
    """Rows to drop so each duplicate group keeps one trusted copy, or none if labels conflict.

    A near group contains whole exact groups, so a row in one is grouped by it instead.
    """
    reasons = EXACT_REASONS + (("near_duplicate",) if near else ())
    members = (
        findings[findings["reason"].isin(reasons)]
        .assign(is_near=lambda f: f["reason"] == "near_duplicate")
        .sort_values("is_near", ascending=False, kind="stable")
        .drop_duplicates("row")
        .set_index("row")[["group"]]
    )
    rows = members.index.to_numpy()
    members["label"] = dataset.labels[rows]
    members["split_rank"] = [SPLITS.index(s) for s in dataset.splits[rows]]
    members["id"] = dataset.ids[rows]
    conflicting = members.groupby("group")["label"].transform("nunique") > 1
    extra = members.sort_values(["split_rank", "id"]).duplicated("group")
    return rows[(conflicting | extra.reindex(members.index)).to_numpy()]


def _dropped_rows(dataset: Dataset, found: Audit, policy: CleaningPolicy) -> np.ndarray:
    """A mask of the rows the policy removes on account of the audit's findings."""
    findings = found.to_frame()
    findings["row"] = pd.Index(dataset.ids).get_indexer(findings["id"])
    dropped = np.zeros(len(dataset), dtype=bool)
    switches = {"blank": policy.drop_blank, "no_face": policy.drop_no_face}
    reasons = [reason for reason, on in switches.items() if on]
    dropped[findings.loc[findings["reason"].isin(reasons), "row"].to_numpy()] = True
    if policy.deduplicate:
        dropped[_surplus_copies(dataset, findings, policy.drop_near_duplicates)] = True
    return dropped


def _class_map(
    classes: tuple[str, ...], dropped: tuple[str, ...]
) -> tuple[tuple[str, ...], np.ndarray]:
    """The remaining classes and each old label's new one (-1 for a dropped class)."""
    unknown = sorted(set(dropped) - set(classes))
    if unknown:
        raise DataError(
            f"cannot drop unknown class(es) {', '.join(unknown)}; classes are {', '.join(classes)}"
        )
    kept = tuple(c for c in classes if c not in dropped)
    return kept, np.array([kept.index(c) if c in kept else -1 for c in classes], dtype=np.int64)


def clean(
    dataset: Dataset, policy: CleaningPolicy = DEFAULT_POLICY, audit: Audit | None = None
) -> Dataset:
    """A new dataset without what ``policy`` removes, the policy's name in ``Dataset.policy``.

    Without ``audit`` one is computed (with near duplicates only when the policy drops them; a
    policy that drops faceless images needs an audit made with a ``face_check``). Cleaning starts
    from raw data, so a dataset is never cleaned twice under a name that hides the first cleaning.
    """
    if dataset.policy != "raw":
        raise DataError(
            f"the dataset is already cleaned (policy {dataset.policy!r}); "
            "clean the raw data instead"
        )
    classes, new_label = _class_map(dataset.classes, policy.drop_classes)
    dropped = new_label[dataset.labels] < 0
    if policy.needs_audit:
        if audit is None:
            near = policy.near_distance if policy.drop_near_duplicates else None
            audit = run_audit(dataset, near_distance=near)
        _check_audit(audit, dataset, policy)
        dropped |= _dropped_rows(dataset, audit, policy)
    kept = dataset.select(~dropped)
    return replace(kept, labels=new_label[kept.labels], classes=classes, policy=policy.describe())
