"""Explain: a face from an upload, the camera or the dataset; each model's prediction and the
maps of what made it decide, each map judged against random maps."""

import streamlit as st

from dashboard.explain.faces import SOURCES, UPLOAD, choose_face
from dashboard.explain.grid import Style, explanation_grid
from dashboard.explain.lessons import cover_and_see, inside_network
from dashboard.explaining import CHOICES, OWN, method_title
from dashboard.guards import require_models
from dashboard.layout import wrapping_columns
from dashboard.pictures import colour_scale
from fer_core.explain import COLORMAPS, method_class
from fer_core.explain.metrics import SCORES
from fer_core.picks import EXPLAIN_MODELS, first_picks

PREDICTED = "the predicted one"

st.title("Explain a prediction")
st.caption("Which parts of the face made a model decide? Warm colours mark what pushed the "
           "model towards the emotion; every map is checked against random maps.")
models = require_models()

source = st.segmented_control("Face from", SOURCES, default=UPLOAD, key="face_source")
models_col, methods_col = wrapping_columns("explain-controls", [3, 2], [18, 14])
names = [m.name for m in models]
picked = models_col.multiselect(
    "Models", names, default=first_picks(models, EXPLAIN_MODELS, best_readers=True),
    key="explain_models")
methods = methods_col.multiselect(
    "Methods", CHOICES, default=[OWN], format_func=method_title, key="explain_methods",
    help="Each model's own: the method that was most faithful for that model on validation "
         "faces. Hover a map's title for what its method shows.")
chosen = [m for m in models if m.name in picked]
classes = chosen[0].classes if chosen else models[0].classes

face_col, grid_col = wrapping_columns("explain-face", [1, 3], [11, 24], gap="large")
with face_col:
    face = choose_face(source or UPLOAD, chosen)
    with st.expander("Heatmap colours"):
        style = Style(st.selectbox("Colour map", list(COLORMAPS), key="colormap"),
                      st.slider("Opacity", 0.0, 1.0, 0.5, 0.05, key="alpha"))
    st.image(colour_scale(style.colormap), width="stretch")
    st.caption("Colour scale: left, what did not move the score; right, what raised it most. "
               "Each map is scaled on its own.")
if face is None:
    grid_col.info("Upload a photo, take one with the camera, or pick a dataset face.",
                  icon=":material/face:")
    st.stop()
if not chosen or not methods:
    grid_col.info("Pick at least one model and one method.")
    st.stop()

with grid_col:
    emotion = st.selectbox("Emotion to explain", [PREDICTED, *classes], key="emotion",
                           help="Explain why a model might see another emotion than the one "
                                "it predicts")
    anyway = False
    if not face.is_face:
        st.warning("**No face here**, so there is nothing to explain. Below is what the "
                   "models say anyway: they were only ever shown faces, and they answer with "
                   "an emotion whatever they see. That is a lesson in itself: a confident "
                   "answer is not a sign that the input made sense.",
                   icon=":material/sentiment_neutral:")
        anyway = st.toggle("Explain it anyway", key="explain_anyway",
                           help="For a face the detector missed, or to see what the maps make "
                                "of something that is not a face.")
    explained = face.is_face or anyway
    grid = explanation_grid(face.crop, chosen, methods if explained else [], style,
                            None if emotion == PREDICTED else emotion, face.truth)
    if explained:
        st.download_button("Download the grid (PNG)", grid.png, file_name="explanations.png",
                           mime="image/png", icon=":material/download:", key="grid_png")
        st.markdown("\n".join(f"- **{method_class(m).title}**: {method_class(m).description}"
                               for m in grid.methods))

if explained:
    with st.expander("The numbers behind each verdict"):
        st.caption("Scores on this face; each map is compared with a random map of the same "
                   "face. " + " ".join(f"**{s.label}** {s.arrow}: {s.help}" for s in SCORES))
        st.dataframe(grid.scores, hide_index=True, width="stretch", column_config={
            **{s.name: st.column_config.NumberColumn(f"{s.label} {s.arrow}", help=s.help,
                                                     format="%.3f") for s in SCORES},
            "beats_random": st.column_config.TextColumn(
                "beats random on", help="On how many of the four scores the map does better "
                                        "than a random map of the same face"),
        })

if explained:
    INSIDE, COVER = "Inside the network", "Cover and see"
    further = st.segmented_control("Look further", [INSIDE, COVER], key="look_further",
                                   help="Computed only when asked, so the grid comes first")
    if further == INSIDE:
        inside_network(face.crop, chosen)
    elif further == COVER:
        cover_and_see(face.crop, chosen)
