"""Distillation: a student trained towards a teacher's soft predictions as well as the labels
(Hinton et al. 2015, at temperature 1). The teacher, a stored model or ensemble, sees each
training face in ten crops; its averaged probabilities are computed once per teacher and data
and cached, since they cost more than an epoch of a small student."""

from __future__ import annotations

import hashlib
import json
from typing import Callable

import numpy as np

from ..atomic import atomic_path
from ..ensemble import member_models
from ..errors import ModelError
from ..evaluate import ensemble_proba, predict_proba
from ..paths import cache_dir
from ..store import ModelStore


def teacher_key(store: ModelStore, teacher: str) -> str:
    """Names the teacher's weights: its members' cache keys (or folders, for untrained ones)."""
    members = member_models(store, [teacher])
    return hashlib.sha256(json.dumps([m.config.get("cache_key") or str(m.path)
                                      for m in members]).encode()).hexdigest()[:16]


def teacher_probabilities(store: ModelStore, teacher: str, images: np.ndarray,
                          classes: list[str],
                          on_member: Callable[[int, int, str], None] | None = None,
                          ) -> np.ndarray:
    """The teacher's ten-crop probabilities of ``images`` (its members averaged), cached.
    ``on_member(done, total, name)`` is called before each member's pass (minutes each)."""
    members = member_models(store, [teacher])
    if members[0].classes != list(classes):
        raise ModelError(f"the teacher {teacher} knows {', '.join(members[0].classes)}, the "
                         f"student's data {', '.join(classes)}: they must be the same")
    digest = hashlib.sha256(images.tobytes()).hexdigest()[:16]
    path = cache_dir("teachers") / f"{teacher_key(store, teacher)}_{digest}.npy"
    if path.is_file():
        return np.load(path)
    each = []
    for done, member in enumerate(members):
        if on_member:
            on_member(done, len(members), member.name)
        each.append(predict_proba(member.load_keras(), images, "tencrop"))
    proba = ensemble_proba(each).astype(np.float32)
    with atomic_path(path) as staged:
        np.save(staged, proba, allow_pickle=False)
    return proba


def soft_targets(labels: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """``weight`` of the teacher's probabilities and the rest of the one-hot labels."""
    one_hot = np.eye(teacher.shape[1], dtype=np.float32)[labels]
    return (weight * teacher + (1.0 - weight) * one_hot).astype(np.float32)
