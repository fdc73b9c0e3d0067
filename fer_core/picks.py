"""Which stored models a view opens with: the pages' pickers and the benchmarks that measure
them as the pages open."""

from __future__ import annotations

from typing import Sequence

from .store import StoredModel

EXPLAIN_MODELS = 2
"""Models the Explain page opens with: two families side by side, the best readers of real
photos (:func:`first_picks` with ``best_readers``)."""


def first_picks(models: Sequence[StoredModel], limit: int, *, best_readers: bool = False
                ) -> list[str]:
    """Names a model picker starts with, in store order: one model of each family before a
    second run of any, so the first view compares architectures rather than runs of one
    recipe. With ``best_readers`` (pages where people bring their own faces), the families and
    runs that read real photos best come first, by their recorded real-photo accuracy, then
    their test accuracy: a visitor's smile meets the models most likely to read it."""
    order = list(models)
    if best_readers:
        order.sort(key=lambda m: (m.real_photo_accuracy or 0.0, m.test_accuracy or 0.0),
                   reverse=True)
    firsts: dict[str, str] = {}
    for model in order:
        firsts.setdefault(model.family, model.name)
    ranked = sorted(order, key=lambda m: firsts[m.family] != m.name)  # stable
    picked = {m.name for m in ranked[:limit]}
    return [m.name for m in models if m.name in picked]
