"""The Explain page's grid: each model's prediction first, then its maps, each with a verdict in
plain words, and the numbers behind the verdicts in one table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from fer_core.explain import BASELINE, method_class, overlay
from fer_core.explain.metrics import METRICS
from fer_core.predict import prediction_in_words
from fer_core.store import StoredModel

from ..compute import MODEL_TIME
from ..explaining import explanations, methods_for, probabilities
from ..figures import probability_chart
from ..layout import wrapping_columns
from ..messages import user_errors
from ..pictures import enlarged, grid_png
from ..sources import load_model, model_version

OVERLAY_SIDE = 192
MAPS_PER_ROW = 3  # more would shrink the maps below what the back of a class can read
MAP_MIN_REM = 9  # a narrower map wraps onto the next line: never a thumbnail, words unbroken


@dataclass(frozen=True)
class Style:
    """How heatmaps are drawn on the face."""

    colormap: str = "jet"
    alpha: float = 0.5


@dataclass(frozen=True)
class Grid:
    """What the grid showed, for the scores table, the PNG download and the legend. The PNG is
    drawn only when asked for (a click on the download), not on every run of every session."""

    scores: pd.DataFrame
    png: Callable[[], bytes]
    methods: tuple[str, ...] = ()


def _truth_note(predicted: str, truth: str | None) -> str:
    if truth is None:
        return ""
    return " :green[right]" if predicted == truth else f" :red[wrong, labelled {truth}]"


def verdict(stored: StoredModel, method: str, beats: int | None) -> str:
    """One map in words: how it fares against random maps on this face, then what the model's
    validation checks say of the method (stability, sanity), flagged where they fail."""
    words = [f"beats random maps on {beats} of {len(METRICS)} scores here"]
    checks = stored.method_checks().get(method)
    if checks and checks.stable is not None:
        words.append("stable" if checks.stable
                     else ":orange[unstable: a re-encoded or shifted face changes it]")
    if checks and checks.sane is not None:
        words.append("passes the sanity check" if checks.sane
                     else ":orange[fails the sanity check: nearly the same map with random "
                          "weights]")
    return "; ".join(words)


def _prediction(stored: StoredModel, proba: np.ndarray, target: int, truth: str | None) -> None:
    top = int(np.argmax(proba))
    predicted = stored.classes[top]
    st.markdown(f"**{stored.name}**: {prediction_in_words(stored.classes, proba)}"
                f"{_truth_note(predicted, truth)}")
    if target != top:
        st.caption(f"Maps explain **{stored.classes[target]}** ({proba[target]:.0%}).")
    st.plotly_chart(probability_chart(proba, stored.classes, height=220),
                    key=f"proba_{stored.name}", config={"displayModeBar": False})


def _maps(stored: StoredModel, face: np.ndarray, results: dict, style: Style,
          own: str | None) -> list[tuple[str, Image.Image]]:
    """The model's maps in rows of :data:`MAPS_PER_ROW`, each titled and judged."""
    pictures = []
    shown = [m for m in results if m != BASELINE]
    for start in range(0, len(shown), MAPS_PER_ROW):
        cells = wrapping_columns(f"maps-{stored.name}-{start}", MAPS_PER_ROW, MAP_MIN_REM)
        for cell, method in zip(cells, shown[start:start + MAPS_PER_ROW], strict=False):
            result = results[method]
            picture = overlay(face, result.heatmap, style.alpha, style.colormap,
                              size=OVERLAY_SIDE)
            title = method_class(method).title + (" (its default)" if method == own else "")
            pictures.append((title, picture))
            with cell:
                st.markdown(f"**{title}**", help=method_class(method).description)
                st.image(picture, width="stretch")
                if not result.heatmap.any():
                    st.caption("Flat map: nothing here raised the score of this emotion.")
                st.caption(verdict(stored, method, result.beats_random))
    return pictures


def _explaining() -> str:
    """The spinner's words, with the queue in front of this face when a class shares the
    server."""
    ahead = MODEL_TIME.runs_ahead()
    return "Explaining..." if not ahead else (
        f"Explaining... {ahead} {'request' if ahead == 1 else 'requests'} from other sessions "
        "first: the models take one at a time.")


def _score_rows(stored: StoredModel, results: dict) -> list[dict[str, Any]]:
    return [{"model": stored.name, "method": method_class(method).title, **result.scores,
             "beats_random": "" if result.beats_random is None
             else f"{result.beats_random} of {len(METRICS)}"}
            for method, result in results.items()]


def explanation_grid(face: np.ndarray, models: list[StoredModel], picked: list[str],
                     style: Style, emotion: str | None = None,
                     truth: str | None = None) -> Grid:
    """Every model's prediction for ``face``, then its maps for ``emotion`` (None: the
    predicted one); return the scores and the grid as a PNG."""
    loaded = []
    for stored in models:  # predictions first: they take a few milliseconds
        model = load_model(stored)
        if model is None:
            continue
        version = model_version(stored)
        proba = probabilities(model, version, face)
        target = (stored.classes.index(emotion) if emotion in stored.classes
                  else int(np.argmax(proba)))
        with st.container(border=True):
            prediction, maps = wrapping_columns(f"model-{stored.name}", [1, 2.6], [9, 14],
                                                vertical_alignment="top")
            with prediction:
                _prediction(stored, proba, target, truth)
        loaded.append((stored, model, version, target, maps))
    scores, titles, rows, shown = [], [], [], {}
    for stored, model, version, target, maps in loaded if picked else ():
        methods = methods_for(stored, picked)
        shown.update(dict.fromkeys(methods))
        with maps, user_errors("warning"), st.spinner(_explaining()):
            results = explanations(model, version, stored.gradcam_layer, tuple(methods), face,
                                   target)
            own = stored.default_method if methods and methods[0] == stored.default_method \
                else None
            rows.append([("face", enlarged(face, OVERLAY_SIDE)),
                         *_maps(stored, face, results, style, own)])
            titles.append(f"{stored.name}\n{stored.classes[target]}")
            scores += _score_rows(stored, results)
    return Grid(pd.DataFrame(scores), partial(grid_png, titles, rows), tuple(shown))
