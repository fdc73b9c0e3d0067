"""Explain: a face from an upload, the camera or the dataset; each model's prediction and the
heatmaps of the pixels behind it, method by method, with how faithful each map is."""

import streamlit as st

from dashboard.explain_view import Style, explanation_grid
from dashboard.explaining import METHOD_NAMES, SCORE_NAMES
from dashboard.face_input import SOURCES, UPLOAD, choose_face
from dashboard.messages import NO_MODELS_HELP
from dashboard.sources import first_picks, single_models
from fer_core.explain import COLORMAPS, METHODS

DEFAULT_METHODS = ["gradcam", "gradcampp", "smoothgrad"]

st.title("Explain a prediction")
st.caption("Which pixels made a model decide? Warm colours mark the parts of the face that "
           "pushed the model towards the emotion it predicted.")
models = single_models()
if not models:
    st.info(NO_MODELS_HELP, icon=":material/model_training:")
    st.stop()

source_col, models_col, methods_col = st.columns([1.2, 1.4, 1.6])
with source_col:
    source = st.segmented_control("Face from", SOURCES, default=UPLOAD, key="face_source")
names = [m.name for m in models]
picked = models_col.multiselect("Models", names, default=first_picks(models, 3),
                                key="explain_models")
methods = methods_col.multiselect("Methods", METHODS, default=DEFAULT_METHODS,
                                  format_func=METHOD_NAMES.get, key="explain_methods")
chosen = [m for m in models if m.name in picked]

face_col, grid_col = st.columns([1, 3], gap="large")
with face_col:
    face = choose_face(source or UPLOAD, chosen)
    with st.expander("Heatmap colours"):
        style = Style(st.selectbox("Colour map", list(COLORMAPS), key="colormap"),
                      st.slider("Opacity", 0.0, 1.0, 0.5, 0.05, key="alpha"))
if face is None:
    grid_col.info("Upload a photo, take one with the camera, or pick a dataset face.",
                  icon=":material/face:")
    st.stop()
if not chosen or not methods:
    grid_col.info("Pick at least one model and one method.")
    st.stop()

with grid_col:
    grid = explanation_grid(face.face, chosen, methods, style, face.truth)
    st.download_button("Download the grid (PNG)", grid.png, file_name="explanations.png",
                       mime="image/png", icon=":material/download:", key="grid_png")

st.subheader("Is each map faithful to its model?")
st.caption("Deletion blurs the face's pixels in the map's order, most important first: a "
           "faithful map makes the probability fall fast (small area). Insertion reveals them "
           "on a blurred face: it should rise fast (large area). Average drop and increase "
           "compare the face with the face times the map. A method is only worth trusting "
           "where it beats the random maps.")
st.dataframe(grid.scores, hide_index=True, width="stretch", column_config={
    **{key: st.column_config.NumberColumn(label, help=help, format="%.3f")
       for key, (label, help) in SCORE_NAMES.items()},
    "beats_random": st.column_config.TextColumn(
        "beats random on", help="On how many of the four scores the map does better than "
                                "random maps of the same face"),
})
