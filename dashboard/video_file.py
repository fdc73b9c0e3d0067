"""The Video page's work: an uploaded clip analysed in turn with the class, then each face's
timeline per model and the frames where each emotion it reads peaks, with the model's map.

A clip's frames take the model in :data:`~.compute.MODEL_TIME`'s background turns, one frame at
a time, behind every student's click: analysing a clip never holds up a class. The analysis is
kept in the session (keyed by the upload's id, the models' versions and the sampling; an
upload's id is new for every file chosen, and hashing a 200 MB clip on every rerun is not
free), so picking another face or downloading redraws instead of analysing again.
"""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

from fer_core.evaluate import predict_proba
from fer_core.explain import method_class, overlay
from fer_core.store import StoredModel
from fer_core.video import VideoAnalysis, analyse_video

from .compute import MODEL_TIME
from .explaining import explanations
from .figures import emotion_timeline
from .messages import user_errors
from .sources import load_model, model_version

HELD = "video_analysis"
PEAK_SIDE = 150


def _key(upload: str, models: list[StoredModel], every: int) -> tuple:
    return upload, tuple(model_version(m) for m in models), every


def held_analysis(upload: str, models: list[StoredModel], every: int) -> VideoAnalysis | None:
    """This session's analysis of the upload (by its id) by these models at this sampling, if
    it has one."""
    held = st.session_state.get(HELD)
    return held[1] if held and held[0] == _key(upload, models, every) else None


def analyse(upload: str, data: bytes, name: str, models: list[StoredModel], every: int
            ) -> VideoAnalysis | None:
    """The clip's analysis by ``models``, made now with a progress bar and held for this
    session; None, with the reason on the page, when it cannot be made."""
    networks = [(stored, load_model(stored)) for stored in models]
    if any(network is None for _, network in networks):
        return None
    bar = st.progress(0.0, text=f"Reading {name}...")

    def classify(faces: np.ndarray) -> dict[str, np.ndarray]:
        with MODEL_TIME.background:  # behind every student's click
            return {stored.name: predict_proba(network, faces) for stored, network in networks}

    def progress(read: int, expected: int | None, left: float) -> None:
        share = min(1.0, read / expected) if expected else 0.0
        about = f" of about {expected}" if expected else ""
        bar.progress(share, text=f"Frame {read}{about}: about {left:.0f} s left")

    with user_errors():
        analysis = analyse_video(data, classify, models[0].classes, every=every,
                                 progress=progress)
        bar.empty()
        st.session_state[HELD] = (_key(upload, models, every), analysis)
        return analysis
    bar.empty()
    return None


def face_timelines(analysis: VideoAnalysis, track: int) -> None:
    """One chart per model: the face's probability of each emotion over the clip."""
    mine = analysis.of_track(track)
    times = [r.seconds for r in mine]
    for name in analysis.models:
        st.markdown(f"**{name}**")
        proba = np.stack([r.probabilities[name] for r in mine])
        st.plotly_chart(emotion_timeline(times, proba, analysis.classes),
                        key=f"timeline_{track}_{name}")


def peak_frames(analysis: VideoAnalysis, track: int, models: list[StoredModel]) -> None:
    """For each model, the face at the moment each emotion it reads is strongest, with that
    model's own map of why."""
    for stored in models:
        network = load_model(stored)
        if network is None:
            continue
        peaks = analysis.peaks(track, stored.name)
        shown = analysis.shown(track, stored.name)
        method = stored.own_method
        st.markdown(f"**{stored.name}**: {method_class(method).title} maps at each emotion's "
                    "peak")
        columns = st.columns(max(len(shown), 4))
        for column, emotion in zip(columns, shown, strict=False):
            record = peaks[emotion]
            target = analysis.classes.index(emotion)
            result = explanations(network, model_version(stored), stored.gradcam_layer,
                                  (method,), record.crop, target)[method]
            share = record.probabilities[stored.name][target]
            column.image(overlay(record.crop, result.heatmap, size=PEAK_SIDE),
                         caption=f"{emotion} {share:.0%} at {record.seconds:.1f} s")


def downloads(analysis: VideoAnalysis, name: str) -> None:
    """Every sampled frame and face, each model's probabilities: as CSV and as JSON."""
    stem = name.rsplit(".", 1)[0] or "video"
    left, right = st.columns(2)
    left.download_button("Download the timeline (CSV)", analysis.csv(),
                         file_name=f"{stem}_emotions.csv", mime="text/csv",
                         icon=":material/download:", key="video_csv")
    right.download_button("Download the timeline (JSON)",
                          json.dumps(analysis.document(name), indent=1),
                          file_name=f"{stem}_emotions.json", mime="application/json",
                          icon=":material/download:", key="video_json")
