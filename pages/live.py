"""Live: the browser's camera read as it plays, each face boxed with the model's top emotions
and its map, a smoothed timeline of the last seconds, and a frame frozen into the full grid."""

import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from dashboard.explain.grid import Style, explanation_grid
from dashboard.explaining import OWN
from dashboard.figures import emotion_timeline
from dashboard.guards import require_models
from dashboard.layout import wrapping_columns
from dashboard.live import MESSAGES, annotator, frame_callback, ice_servers
from dashboard.pictures import enlarged
from dashboard.sources import load_model
from fer_core.explain import method_class
from fer_core.picks import first_picks
from fer_core.video.live import HALF_LIFE

FROZEN = "live_frozen"

st.title("Live camera")
st.caption("Press Start and face the camera: the model reads every face as it moves. The "
           "frames go to this app's server and back, and are never stored.")
models = require_models()

names = [m.name for m in models]
model_col, map_col = wrapping_columns("live-controls", [3, 2], [18, 14])
picked = model_col.multiselect("Models", names, default=first_picks(models, 1, best_readers=True),
                               key="live_models",
                               help="The camera shows the first; a frozen frame is explained "
                                    "by all of them.")
with_map = map_col.toggle("Map over each face", value=True, key="live_map",
                          help="The model's own method where it takes one pass, else its "
                               "most faithful one-pass method: slower than the bars alone.")
chosen = [m for m in models if m.name in picked]
if not chosen:
    st.info("Pick at least one model.")
    st.stop()
network = load_model(chosen[0])
if network is None:
    st.stop()
live = annotator(chosen[0], network, with_map)

video_col, chart_col = wrapping_columns("live-view", [3, 2], [18, 14], gap="large")
with video_col:
    context = webrtc_streamer(
        key="live", mode=WebRtcMode.SENDRECV, rtc_configuration={"iceServers": ice_servers()},
        video_frame_callback=frame_callback(live), translations=MESSAGES,
        media_stream_constraints={"video": {"width": 640, "height": 480}, "audio": False})
    if live.method:
        st.caption(f"{chosen[0].name}'s map: {method_class(live.method).title}, "
                   f"{method_class(live.method).description[0].lower()}"
                   f"{method_class(live.method).description[1:]}")


@st.fragment(run_every=1.0)
def timeline() -> None:
    """The last seconds of the first face, redrawn every second while the camera plays."""
    if not context.state.playing:
        st.caption("The timeline of the last seconds appears here once the camera plays.")
        return
    points = live.timeline()
    first = min((track for _, track, _ in points), default=None)
    mine = [(t, p) for t, track, p in points if track == first]
    st.caption(f"{live.rate():.0f} frames a second annotated, {live.frames} in all.")
    if not mine:
        st.info("No face in view yet: face the camera, in even light.", icon=":material/face:")
        return
    st.plotly_chart(emotion_timeline([t - mine[-1][0] for t, _ in mine],
                                     np.stack([p for _, p in mine]), live.classes),
                    key="live_timeline")
    st.caption(f"Seconds before now; each frame smoothed with the ones before it (their "
               f"weight halves every {HALF_LIFE} s).")


with chart_col:
    timeline()
    if st.button("Freeze this frame", icon=":material/photo_camera:", key="live_freeze",
                 help="Explain the current face with every chosen model, as on the Explain "
                      "page"):
        newest = live.newest()
        if newest is None or not newest[1]:
            st.warning("No face in the current frame to freeze.", icon=":material/face:")
        else:
            st.session_state[FROZEN] = newest[1][0].crop

frozen = st.session_state.get(FROZEN)
if frozen is not None:
    st.subheader("The frozen frame, explained")
    face_col, grid_col = wrapping_columns("live-frozen", [1, 3], [11, 24], gap="large")
    face_col.image(enlarged(frozen, 160), caption="What the models see: 48x48 grey pixels")
    with grid_col:
        explanation_grid(frozen, chosen, [OWN], Style())
