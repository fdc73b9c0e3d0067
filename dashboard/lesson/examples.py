"""The Lesson page's examples (found by :mod:`fer_core.lesson`), with the model's predictions
cached for the session, and the sanity lesson's two maps side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fer_core import lesson
from fer_core.data import Dataset
from fer_core.explain import make_explainer, overlay
from fer_core.explain.metrics import METRICS
from fer_core.explain.metrics.checks import SANE_BELOW, randomised_top, rank_correlation
from fer_core.store import StoredModel

from ..compute import MODEL_TIME
from ..data_views import audit_findings
from ..explaining import split_probabilities
from ..layout import wrapping_columns
from ..pictures import enlarged
from ..sources import load_model, model_version

TRUSTED_BEATS = 3  # of the four scores: a map that beats random maps on most of them

def _sample(stored: StoredModel, dataset: Dataset) -> tuple[lesson.Sample, np.ndarray] | None:
    model = load_model(stored)
    if model is None:
        return None
    sample = lesson.lesson_sample(dataset, stored.classes)
    return sample, split_probabilities(model, model_version(stored), sample.images, sample.key)


def confident_right(stored: StoredModel, dataset: Dataset) -> lesson.Example | None:
    found = _sample(stored, dataset)
    return lesson.confident_right(stored, *found) if found else None


def mistaken(stored: StoredModel, dataset: Dataset) -> lesson.Example | None:
    found = _sample(stored, dataset)
    return lesson.mistaken(stored, *found) if found else None


def leaked(dataset: Dataset) -> lesson.Example | None:
    return lesson.leaked(dataset, audit_findings(dataset, dataset.fingerprint)[0])


def sanity_pair(stored: StoredModel, method: str, faces: np.ndarray) -> None:
    """The method's map of the trained network beside the map of the network with random top
    layers, on a typical face of ``faces``: the one whose two maps are as alike as the check
    found them on average over validation faces, the figures said beside them."""
    model = load_model(stored)
    if model is None:
        return
    with MODEL_TIME:
        trained = make_explainer(method, model, stored.gradcam_layer).explain(faces)
        scrambled = randomised_top(model, stored.gradcam_layer)
        random = make_explainer(method, scrambled, stored.gradcam_layer).explain(faces)
    alike = rank_correlation(trained, random)
    checks = stored.method_checks()[method]
    average = checks.sanity
    typical = int(np.argmin(np.abs(alike - average)))
    face = faces[typical]
    left, middle, right = wrapping_columns("sanity-pair", 3, 9)
    left.image(enlarged(face, 192), caption="the face")
    middle.image(overlay(face, trained[typical], size=192),
                 caption=f"{method}, trained {stored.name}")
    right.image(overlay(face, random[typical], size=192), caption=f"{method}, top layers random")
    st.caption(f"How alike the two maps are, as a rank correlation (1: the same order of "
               f"pixels, 0: unrelated): {alike[typical]:.2f} on this face, {average:.2f} on "
               f"average over {checks.faces or 'the'} {checks.split or 'validation'} "
               f"faces, where {SANE_BELOW} or more fails the check. This face is the most "
               f"typical of {len(faces)}: its maps are as alike as the average says.")


def map_trust(scores: pd.DataFrame) -> str:
    """What the confident answer's maps are worth on this face, from their verdicts against
    random maps: a sure, right answer does not make its map a faithful one."""
    judged = scores[scores["beats_random"] != ""]
    beats = {row.model: int(row.beats_random.split()[0]) for row in judged.itertuples()}
    trusted = [name for name, n in beats.items() if n >= TRUSTED_BEATS]
    figures = ", ".join(f"{name} {n} of {len(METRICS)}" for name, n in beats.items())
    if len(trusted) == len(beats):
        return (f"Against random maps of the same face, the maps win on {figures} scores: "
                "each reads as what its model used.")
    doubtful = ", ".join(name for name in beats if name not in trusted)
    return (f"Against random maps of the same face, the maps win on {figures} scores. "
            f"{doubtful}: a sure, right answer, and still a map little better than chance on "
            "this face. Read it with care: being right and explaining why are two things.")
