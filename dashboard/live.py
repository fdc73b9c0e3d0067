"""The Live page's camera: the browser's frames sent to the server over WebRTC
(streamlit-webrtc, aiortc in the server), annotated by :class:`~fer_core.video.LiveAnnotator`
and sent back, with the timeline of the last seconds beside them.

Only the newest frame is worked on: streamlit-webrtc hands the callback the latest of the
frames that came while it was busy and drops the rest, so a slow server shows fewer frames,
never late ones. Each frame takes the model in a background turn of
:data:`~.compute.MODEL_TIME`, behind every student's click: a live view cannot starve a class.
Frames stay in memory; nothing is written to disk.

No STUN or TURN server is needed on localhost or on a network where the browser reaches the
server directly; where it cannot (a school network between them), a TURN server is named by
the ``turn_url``, ``turn_username`` and ``turn_password`` secrets or the ``FER_TURN_URL``,
``FER_TURN_USERNAME`` and ``FER_TURN_PASSWORD`` variables.
"""

from __future__ import annotations

import os
import time
from typing import Any

import av
import numpy as np
import streamlit as st

from fer_core.evaluate import predict_proba
from fer_core.explain import make_explainer
from fer_core.store import StoredModel
from fer_core.video.live import LiveAnnotator, live_method

from .classroom import secret
from .compute import MODEL_TIME
from .sources import model_version

MESSAGES = {
    "device_ask_permission": "Allow this page to use your camera: the browser asks above.",
    "device_access_denied": "The camera was refused. Allow it in the browser's address bar "
                            "(the camera icon), then press Start again.",
    "device_not_available": "No camera found: plug one in, or close the app that holds it, "
                            "then press Start again.",
    "media_api_not_available": "This browser gives no camera to this page: open the app on "
                               "localhost, or serve it over https (see the README).",
}


def ice_servers() -> list[dict[str, Any]]:
    """The TURN server the secrets or the environment name, if any; none is needed on one
    machine or one network."""
    url = secret("turn_url") or os.environ.get("FER_TURN_URL")
    if not url:
        return []
    return [{"urls": [url],
             "username": secret("turn_username") or os.environ.get("FER_TURN_USERNAME", ""),
             "credential": secret("turn_password") or os.environ.get("FER_TURN_PASSWORD", "")}]


def annotator(stored: StoredModel, network: Any, with_map: bool) -> LiveAnnotator:
    """This session's annotator for the model (a new one when the model or the map changes)."""
    key = (model_version(stored), with_map)
    held = st.session_state.get("live_annotator")
    if held and held[0] == key:
        return held[1]
    method = live_method(stored.own_method, stored.method_checks())
    explainer = make_explainer(method, network, stored.gradcam_layer) if with_map else None

    def classify(faces: np.ndarray) -> np.ndarray:
        with MODEL_TIME.background:
            return predict_proba(network, faces)

    def explain(face: np.ndarray, target: int) -> np.ndarray:
        with MODEL_TIME.background:
            return explainer.explain(face[None], target)[0]

    made = LiveAnnotator(classify, stored.classes, explain if with_map else None,
                         method=method if with_map else None)
    st.session_state["live_annotator"] = (key, made)
    return made


def frame_callback(live: LiveAnnotator):
    """The callback streamlit-webrtc runs on its worker thread for each frame it keeps. While
    the model is in use or asked for by others, a frame is not read, only drawn with the last
    faces: the class is served first, and the live view's CPU goes to it too."""
    def annotate(frame: av.VideoFrame) -> av.VideoFrame:
        rgb = frame.to_ndarray(format="rgb24")
        shown = live.redraw(rgb) if MODEL_TIME.crowded() else live.annotate(rgb, time.monotonic())
        return av.VideoFrame.from_ndarray(shown, format="rgb24")
    return annotate
