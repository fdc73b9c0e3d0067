"""The Emotions page's pictures and chart: average maps per emotion and model, computed once
per model version by the library (with a progress bar the first time) and shared."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from fer_core.data import Dataset
from fer_core.evaluate import align_to_classes
from fer_core.explain import method_class, overlay
from fer_core.explain.classes import PER_CLASS, EmotionMaps, emotion_maps
from fer_core.store import StoredModel

from ..compute import MODEL_TIME, SHARED
from ..figures import PALETTE
from ..messages import user_errors
from ..sources import model_version

SIDE = 150


def _average_faces(dataset: Dataset, classes: list[str]) -> dict[str, np.ndarray]:
    images, labels = align_to_classes(dataset.split("test"), classes)
    return {name: images[labels == i].mean(axis=0).astype(np.uint8)
            for i, name in enumerate(classes) if (labels == i).any()}


def _maps(stored: StoredModel, dataset: Dataset) -> EmotionMaps | None:
    """The model's per-emotion maps, with a progress bar when they must be computed: by one
    session for all (the others wait for it), a batch at a time whenever no click waits."""
    bar = st.empty()

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{stored.name}: explaining test faces, {done} of "
                                        f"{total} (once per model version, for everyone)")

    waiting = st.spinner(f"{stored.name}: another visitor's page is computing these maps; "
                         "they are shared when done")
    with user_errors("warning"), SHARED.once((model_version(stored), dataset.fingerprint),
                                             waiting):
        found = emotion_maps(stored, dataset, stored.own_method, progress=progress,
                             turn=lambda: MODEL_TIME.background)
        bar.empty()
        return found
    return None


def emotion_grid(models: list[StoredModel], dataset: Dataset) -> list[EmotionMaps]:
    """One row per emotion, one column per model: each model's average map of that emotion."""
    found = [m for m in (_maps(stored, dataset) for stored in models) if m is not None]
    if not found:
        return []
    faces = _average_faces(dataset, models[0].classes)
    header = st.columns([0.7, *([1] * len(found))])
    for cell, maps in zip(header[1:], found, strict=True):
        cell.markdown(f"**{maps.model}**  \n{method_class(maps.method).title}, "
                      f"{PER_CLASS} faces per emotion at most")
    for emotion, face in faces.items():
        row = st.columns([0.7, *([1] * len(found))], vertical_alignment="center")
        row[0].markdown(f"**{emotion}**")
        for cell, maps in zip(row[1:], found, strict=True):
            if emotion in maps.maps:
                heatmap = maps.maps[emotion]
                span = heatmap.max() - heatmap.min()
                scaled = (heatmap - heatmap.min()) / span if span > 0 else heatmap * 0
                top = max(maps.shares[emotion], key=maps.shares[emotion].get)
                cell.image(overlay(face, scaled, size=SIDE), width=SIDE,
                           caption=f"{maps.shares[emotion][top]:.0%} on {top}")
    return found


def region_chart(found: list[EmotionMaps]) -> None:
    """The share of each model's average map on each face region, per emotion."""
    rows = [{"model": maps.model, "emotion": emotion, "region": region, "share": share}
            for maps in found for emotion, shares in maps.shares.items()
            for region, share in shares.items()]
    if not rows:
        return
    frame = pd.DataFrame(rows)
    figure = px.bar(frame, x="emotion", y="share", color="region", facet_row="model",
                    barmode="group", color_discrete_sequence=PALETTE, text_auto=".0%",
                    height=260 * len(found))
    figure.update_yaxes(tickformat=".0%", range=[0, 1], title="")
    figure.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    st.plotly_chart(figure, key="region_chart", config={"displayModeBar": False})
    st.caption("Regions are fixed boxes on the aligned 48x48 faces: eyes and brows (rows 9-21), "
               "nose (rows 22-31, the middle), mouth (rows 32-43), and the rest. A region's "
               "share is its part of the map's total.")
    st.download_button("Download the shares (CSV)", frame.to_csv(index=False),
                       file_name="region_shares.csv", mime="text/csv",
                       icon=":material/download:", key="region_csv")
