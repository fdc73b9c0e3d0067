"""Compare's "Mistakes": pick a cell of a model's confusion matrix and see the faces in it, each
with the model's probability, its own map, and what the data audit says of that face."""

from __future__ import annotations

import keras
import numpy as np
import streamlit as st

from fer_core.data import Dataset
from fer_core.evaluate import align_to_classes, known_rows
from fer_core.explain import make_explainer, overlay
from fer_core.mistakes import audit_notes, confusion_cell
from fer_core.store import StoredModel

from ..compute import MODEL_TIME
from ..data_views import audit_findings
from ..explaining import split_probabilities
from ..sources import load_model, model_version

FACES = 12
PER_ROW = 6


@st.cache_data(max_entries=64, show_spinner="Explaining the faces...")
def _maps(_model: keras.Model, version: str, layer: str | None, method: str,
          faces: np.ndarray, target: int) -> np.ndarray:
    with MODEL_TIME:
        return make_explainer(method, _model, layer).explain(faces, target)


def mistakes(models: list[StoredModel], dataset: Dataset) -> None:
    """The section: a model, a true and a predicted emotion, and the faces in that cell."""
    singles = [m for m in models if not m.is_ensemble]
    if not singles:
        st.caption("Pick a model with a network of its own (not an ensemble) above.")
        return
    model_col, true_col, predicted_col = st.columns(3)
    stored = next(m for m in singles if m.name == model_col.selectbox(
        "Model", [m.name for m in singles], key="mistakes_model"))
    classes = stored.classes
    truth = true_col.selectbox("True emotion", classes, index=classes.index("fear")
                               if "fear" in classes else 0, key="mistakes_true")
    guess = predicted_col.selectbox("Predicted emotion", classes, index=classes.index("surprise")
                                    if "surprise" in classes else 0, key="mistakes_predicted")
    model = load_model(stored)
    if model is None:
        return
    test = dataset.split("test")
    images, labels = align_to_classes(test, classes)
    ids = np.asarray(test.ids)[known_rows(test, classes)]
    version = model_version(stored)
    proba = split_probabilities(model, version, images, test.fingerprint)
    cell = confusion_cell(proba, labels, classes, truth, guess, FACES)
    st.caption(f"{cell.total} of the {cell.of} {truth} test faces are predicted {guess} by "
               f"{stored.name}" + (f"; the {len(cell.rows)} it is surest of:" if cell.total
                                   else "."))
    if not cell.total:
        return
    method = stored.own_method
    maps = _maps(model, version, stored.gradcam_layer, method, images[cell.rows],
                 classes.index(guess))
    findings, _ = audit_findings(dataset, dataset.fingerprint)
    notes = audit_notes(findings)
    shown = list(zip(cell.rows, cell.probabilities, maps, strict=True))
    for start in range(0, len(shown), PER_ROW):
        for column, (i, probability, heatmap) in zip(st.columns(PER_ROW),
                                                      shown[start:start + PER_ROW], strict=False):
            with column:
                st.image(overlay(images[i], heatmap, size=144), width="stretch")
                note = notes.get(ids[i])
                st.caption(f"{ids[i]}: {guess} {probability:.0%}"
                           + (f"  \n:orange[audit: {note}]" if note else ""))
    st.caption(f"Maps: {stored.name}'s own method ({method}), for {guess}.")
