"""Lesson: five faces, each teaching one thing about what these models do, one click apart."""

import streamlit as st

from dashboard.explain.grid import Style, explanation_grid
from dashboard.explaining import OWN
from dashboard.guards import require_models
from dashboard.lesson.examples import (
    confident_right,
    leaked,
    map_trust,
    mistaken,
    sanity_pair,
)
from dashboard.sources import current_dataset
from fer_core.explain.synthetic import synthetic_faces
from fer_core.lesson import failing_method, not_a_face
from fer_core.picks import first_picks

SANITY_FACES = 16  # faces the sanity step chooses its typical one from

STEPS = ("1. A confident right answer", "2. Fear taken for surprise", "3. A train/test leak",
         "4. Not a face, still an answer", "5. A map that fails its sanity check")
LESSONS = {
    STEPS[0]: "The model is sure, and right. Its map shows what it used: is that where you "
              "would look? Whether the map itself can be trusted is a question of its own: "
              "see how it fares against random maps.",
    STEPS[1]: "Fear and surprise share wide eyes and an open mouth. The label says fear; the "
              "model says surprise. Who is right is not always clear, even to people.",
    STEPS[2]: "This test face is also in the training faces. A model right here may only "
              "remember it: a leak makes test accuracy look better than it is.",
    STEPS[3]: "The models were only ever shown faces, so they answer with an emotion whatever "
              "they see. A confident answer is no sign that the input made sense.",
    STEPS[4]: "A map that stays much the same when the network's top layers are replaced by "
              "random ones shows the face, not what the network learned (Adebayo et al. 2018). "
              "The check measures how alike the two maps are over many faces.",
}

st.title("A lesson in five faces")
models = require_models()
chosen = [m for m in models if m.name in first_picks(models, 3)]
step = st.segmented_control("Step", STEPS, default=STEPS[0], key="lesson_step") or STEPS[0]
st.markdown(LESSONS[step])
dataset = current_dataset()
needs_data = step in STEPS[:3]
if needs_data and (dataset is None or "test" not in dataset.split_names):
    st.info("This step picks its face from the test split: set the dataset to see it. Steps 4 "
            "and 5 work without one.", icon=":material/folder_open:")
    st.stop()

if step == STEPS[4]:
    found = failing_method(chosen + [m for m in models if m not in chosen])  # any will teach
    if found is None:
        st.success("Every method of these models passed the sanity check on validation faces: "
                   "nothing to show here.", icon=":material/check_circle:")
        st.stop()
    stored, method = found
    sanity_pair(stored, method, synthetic_faces(SANITY_FACES).images if dataset is None
                else dataset.split("test").images[:SANITY_FACES])
    st.stop()

example = {STEPS[0]: lambda: confident_right(chosen[0], dataset),
           STEPS[1]: lambda: mistaken(chosen[0], dataset),
           STEPS[2]: lambda: leaked(dataset),
           STEPS[3]: not_a_face}[step]()
if example is None:
    st.warning("No such face in this data: try another step.")
    st.stop()
st.caption(example.note)
grid = explanation_grid(example.face, chosen, [OWN] if example.is_face else [], Style(),
                        truth=example.truth)
if step == STEPS[0] and not grid.scores.empty:
    st.caption(map_trust(grid.scores))
