"""Ensembles: the average of several stored models' probabilities
(:func:`~fer_core.evaluate.ensemble_proba`), stored as a small manifest.

An ensemble's folder holds ``ensemble.json`` (its members' names), ``config.json`` and
``metrics.json``, never a copy of the members' weights.
"""

from __future__ import annotations

from .data import Dataset
from .errors import ModelError
from .evaluate import full_report
from .store import ModelStore, StoredModel


def member_models(store: ModelStore, names: list[str]) -> list[StoredModel]:
    """The plain models behind ``names`` (an ensemble's name stands for its members)."""
    chosen = [store.get(name) for name in names]
    members = [store.get(n) if m.is_ensemble else m
               for m in chosen for n in (m.members or [m.name])]
    if any(m.classes != members[0].classes for m in members):
        raise ModelError("models with different class lists cannot be combined")
    return members


def store_ensemble(name: str, names: list[str], dataset: Dataset,
                   store: ModelStore | None = None, replace: bool = False) -> StoredModel:
    """Evaluate the average of ``names`` on the raw test split and store it as ``name`` (an
    ensemble stored under that name is replaced only with ``replace``)."""
    store = store or ModelStore()
    store.check_free(name, replace)
    members = member_models(store, names)
    if len(members) < 2:
        raise ModelError("an ensemble needs at least two models")
    metrics = full_report([m.load_keras() for m in members], members[0].classes, dataset)
    member_names = [m.name for m in members]
    # Its size is what it costs to run: every member's parameters.
    config = {"model": "ensemble", "label": "ensemble (average of probabilities)",
              "classes": members[0].classes, "members": member_names,
              "parameters": sum(m.config.get("parameters", 0) for m in members)}
    return store.save(name, config=config, members=member_names, metrics=metrics,
                      replace=replace)
