"""Video: a clip's faces followed over time, each model's emotions frame by frame, and the
frames where each emotion peaks with the model's map."""

import streamlit as st

from dashboard.guards import require_models
from dashboard.layout import wrapping_columns
from dashboard.video_file import analyse, downloads, face_timelines, held_analysis, peak_frames
from fer_core.picks import first_picks
from fer_core.video import EXTENSIONS, MAX_BYTES, MAX_SECONDS

EVERY = (1, 2, 3, 5, 10, 25)

st.title("Emotions in a video")
st.caption("Upload a clip: every face in it is followed from frame to frame, each model reads "
           "its emotions over time, and the moments where each emotion peaks are explained.")
models = require_models()

upload = st.file_uploader(
    "A video with faces", type=[e.lstrip(".") for e in EXTENSIONS], key="video_upload",
    max_upload_size=MAX_BYTES // 2**20,
    help=f"{', '.join(EXTENSIONS)}; up to {MAX_BYTES // 2**20} MB, and the first "
         f"{MAX_SECONDS / 60:.0f} minutes are analysed")
models_col, every_col = wrapping_columns("video-controls", [3, 2], [18, 14])
names = [m.name for m in models]
picked = models_col.multiselect("Models", names, default=first_picks(models, 1, best_readers=True),
                                key="video_models")
every = every_col.select_slider(
    "Analyse every", EVERY, value=5, key="video_every",
    format_func=lambda n: "frame" if n == 1 else f"{n}th frame" if n > 3 else
    f"{'2nd' if n == 2 else '3rd'} frame",
    help="Fewer frames finish sooner; at 25 frames a second, every 5th is five a second, "
         "enough to follow an expression.")
chosen = [m for m in models if m.name in picked]
if upload is None:
    st.info("Upload a clip of a face that changes its expression: a student's phone video "
            "works.", icon=":material/movie:")
    st.stop()
if not chosen:
    st.info("Pick at least one model.")
    st.stop()

data = upload.getvalue()
analysis = held_analysis(upload.file_id, chosen, every)
if analysis is None:
    if not st.button("Analyse the video", type="primary", icon=":material/play_arrow:",
                     key="video_go"):
        st.stop()
    analysis = analyse(upload.file_id, data, upload.name, chosen, every)
    if analysis is None:
        st.stop()

info = analysis.info
st.caption(f"{analysis.frames_read} frames analysed (every {every} of {info.fps:.0f} a "
           f"second, {info.width}x{info.height}), {len(analysis.tracks)} face(s) followed, in "
           f"{analysis.seconds_taken:.1f} s.")
if not analysis.records:
    st.warning(f"No face was found in the {analysis.frames_read} frames analysed. A frontal, "
               "upright, well-lit face works best.", icon=":material/face:")
    st.stop()

tracks = analysis.tracks
track = tracks[0]
if len(tracks) > 1:
    def span(number: int) -> str:
        mine = analysis.of_track(number)
        return f"face {number + 1} ({mine[0].seconds:.1f}-{mine[-1].seconds:.1f} s)"
    track = st.segmented_control("Face", tracks, default=tracks[0], format_func=span,
                                 key="video_face") or tracks[0]
video_col, chart_col = wrapping_columns("video-view", [1, 2], [11, 24], gap="large")
video_col.video(data)
with chart_col:
    face_timelines(analysis, track)
peak_frames(analysis, track, chosen)
downloads(analysis, upload.name)
