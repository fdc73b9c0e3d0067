"""The models shipped in ``models/`` load on a fresh machine and still score what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from fer_core.data import load_dataset
from fer_core.ensemble import member_models
from fer_core.evaluate import align_to_classes, classification_metrics, predict_proba
from fer_core.paths import PROJECT_ROOT
from fer_core.store import ModelStore, StoredModel

pytestmark = pytest.mark.slow

STORE = ModelStore(PROJECT_ROOT / "models")
SHIPPED = STORE.list()
TOLERANCE = 0.005  # half a percentage point
needs_models = pytest.mark.skipif(not SHIPPED, reason="no model is shipped in models/ yet")


def _proba(stored: StoredModel, images: np.ndarray) -> np.ndarray:
    """The stored model's probabilities; an ensemble's are its members' average."""
    return np.mean([predict_proba(m.load_keras(), images)
                    for m in member_models(STORE, [stored.name])], axis=0)


@needs_models
@pytest.mark.parametrize("stored", SHIPPED, ids=lambda m: m.name)
def test_shipped_model_loads_and_predicts_without_the_dataset(stored) -> None:
    face = np.random.default_rng(0).integers(0, 256, (1, 48, 48), dtype=np.uint8)
    proba = _proba(stored, face)
    assert proba.shape == (1, len(stored.classes))
    assert np.isclose(proba.sum(), 1, atol=1e-4)
    assert stored.metrics is not None
    assert stored.is_ensemble or stored.history


@needs_models
@pytest.mark.parametrize("stored", SHIPPED, ids=lambda m: m.name)
def test_shipped_model_scores_its_stored_test_accuracy(stored, fer2013_dir) -> None:
    test = load_dataset(fer2013_dir).split("test")
    images, labels = align_to_classes(test, stored.classes)
    measured = classification_metrics(labels, _proba(stored, images), stored.classes)
    assert measured["n"] == stored.metrics["n"]
    assert abs(measured["accuracy"] - stored.metrics["accuracy"]) <= TOLERANCE
