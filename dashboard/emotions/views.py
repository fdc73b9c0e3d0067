"""The Emotions page's pictures and chart: average maps per emotion and model, computed once
per model version by the library, in a job of the server's that every visitor follows."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

from fer_core.data import Dataset
from fer_core.evaluate import align_to_classes
from fer_core.explain import method_class, overlay
from fer_core.explain.classes import PER_CLASS, EmotionMaps, emotion_maps
from fer_core.store import StoredModel

from ..compute import MODEL_TIME, SHARED, Job
from ..figures import PALETTE
from ..messages import user_errors
from ..sources import model_version

SIDE = 150


def _average_faces(dataset: Dataset, classes: list[str]) -> dict[str, np.ndarray]:
    images, labels = align_to_classes(dataset.split("test"), classes)
    return {name: images[labels == i].mean(axis=0).astype(np.uint8)
            for i, name in enumerate(classes) if (labels == i).any()}


def _job(stored: StoredModel, dataset: Dataset) -> Job:
    """The process's job computing (or reading from the cache) the model's per-emotion maps: one
    for all sessions, a batch at a time whenever no click waits; one for all servers sharing
    the cache too: while another one computes them, this one follows its progress."""
    def work(progress: Callable[..., None]) -> EmotionMaps:
        return emotion_maps(stored, dataset, stored.own_method, progress=progress,
                            turn=lambda: MODEL_TIME.background,
                            waiting=lambda done, total: progress(done, total, elsewhere=True))

    return SHARED.start(("emotion_maps", model_version(stored), dataset.fingerprint),
                        stored.name, work)


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "time left: estimating"
    minutes, seconds = divmod(round(seconds), 60)
    return f"about {minutes} min {seconds:02d} s left" if minutes else f"about {seconds} s left"


def _follow(job: Job) -> EmotionMaps | None:
    """Wait for ``job`` with a progress bar that every visitor sees alike; its result, or None
    with its error shown. Leaving the page while waiting leaves the job running for the others."""
    bar = st.empty()
    while not job.wait(0.5):
        if job.elsewhere:
            faces = f", {job.done} of {job.total} test faces" if job.total else ""
            bar.progress(job.done / job.total if job.total else 0.0,
                         text=f"{job.name}: being computed by another server{faces} (once per "
                              "model version, shared by every visitor)")
        elif job.total:
            bar.progress(job.done / job.total,
                         text=f"{job.name}: explaining test faces, {job.done} of {job.total}, "
                              f"{_left(job.seconds_left())} (once per model version, shared "
                              "by every visitor)")
        else:
            bar.progress(0.0, text=f"{job.name}: preparing the test faces...")
    bar.empty()
    with user_errors("warning"):
        return job.outcome()
    return None


def emotion_grid(models: list[StoredModel], dataset: Dataset) -> list[EmotionMaps]:
    """One row per emotion, one column per model: each model's average map of that emotion."""
    jobs = [_job(stored, dataset) for stored in models]  # all queued at once, then followed
    found = [m for m in map(_follow, jobs) if m is not None]
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
