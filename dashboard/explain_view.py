"""The Explain page's grid: one row per model (its prediction and probabilities), one column
per explanation method, and the faithfulness scores of every map next to random noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from fer_core.explain import overlay
from fer_core.explain.metrics import METRICS, RANDOM, beats_random
from fer_core.store import StoredModel

from .explaining import METHOD_NAMES, explain, probabilities
from .figures import probabilities as probability_chart
from .messages import user_errors
from .pictures import enlarged, grid_png
from .sources import load_model, model_version

OVERLAY_SIDE = 192


@dataclass(frozen=True)
class Style:
    """How heatmaps are drawn on the face."""

    colormap: str = "jet"
    alpha: float = 0.5


@dataclass(frozen=True)
class Grid:
    """What the grid showed, for the scores table and the PNG download."""

    scores: pd.DataFrame
    png: bytes


def _verdict(predicted: str, truth: str | None) -> str:
    if truth is None:
        return ""
    return " :green[right]" if predicted == truth else f" :red[wrong, labelled {truth}]"


def explanation_grid(face: np.ndarray, models: list[StoredModel], methods: list[str],
                     style: Style, truth: str | None = None) -> Grid:
    """Draw the models x methods grid for ``face``; return its scores and its PNG."""
    widths = [1.4] + [1] * len(methods)
    for cell, title in zip(st.columns(widths), ["Model and prediction",
                                                *(METHOD_NAMES[m] for m in methods)], strict=True):
        cell.markdown(f"**{title}**")
    scores, titles, pictures = [], [], []
    for stored in models:
        model = load_model(stored)
        if model is None:
            continue
        version = model_version(stored)
        proba = probabilities(model, version, face)
        target = int(np.argmax(proba))
        predicted = stored.classes[target]
        cells = st.columns(widths, vertical_alignment="center")
        with cells[0]:
            st.markdown(f"**{stored.name}**: {predicted} ({proba[target]:.0%})"
                        f"{_verdict(predicted, truth)}")
            st.plotly_chart(probability_chart(proba, stored.classes), key=f"proba_{stored.name}",
                            config={"displayModeBar": False})
        row: list[Image.Image | None] = [enlarged(face, OVERLAY_SIDE)]
        rows: list[dict] = []
        for cell, method in zip(cells[1:], methods, strict=True):
            row.append(None)
            with cell, user_errors("warning"):
                with st.spinner(f"{METHOD_NAMES[method]}..."):
                    result = explain(model, version, stored.gradcam_layer, method, face, target)
                row[-1] = overlay(face, result.heatmap, style.alpha, style.colormap,
                                  size=OVERLAY_SIDE)
                st.image(row[-1], width="stretch")
                if not result.heatmap.any():
                    st.caption("Flat map: nothing here raised the score of this emotion.")
                rows.append({"model": stored.name, "method": METHOD_NAMES[method],
                             **result.scores})
        noise = explain(model, version, None, RANDOM, face, target).scores
        for score in rows:
            score["beats_random"] = f"{beats_random(score, noise)} of {len(METRICS)}"
        scores += [*rows, {"model": stored.name, "method": METHOD_NAMES[RANDOM], **noise,
                           "beats_random": ""}]
        titles.append(f"{stored.name}\n{predicted} {proba[target]:.0%}")
        pictures.append(row)
    png = grid_png(titles, ["face", *(METHOD_NAMES[m] for m in methods)], pictures)
    return Grid(pd.DataFrame(scores), png)
