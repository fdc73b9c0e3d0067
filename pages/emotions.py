"""Emotions: what each model looks at for each emotion, over the test faces of that emotion,
side by side across models, and how much of it falls on the eyes, nose and mouth."""

import streamlit as st

from dashboard.emotions.views import emotion_grid, region_chart
from dashboard.guards import require_models
from dashboard.messages import DATA_HELP
from dashboard.sources import current_dataset, dataset_path
from fer_core.picks import first_picks

st.title("What each model looks at, per emotion")
st.caption("Each picture is one model's maps averaged over test faces of one emotion, drawn "
           "over the average of those faces. FER2013's faces are roughly aligned, so the "
           "averages show where a model looks for fear, for joy, for disgust.")
models = require_models()
dataset = current_dataset()
if dataset is None or "test" not in dataset.split_names:
    st.info("This view averages the maps of the test faces: it needs the dataset.",
            icon=":material/folder_open:")
    if not dataset_path():
        st.info(DATA_HELP)
    st.stop()

picked = st.multiselect("Models", [m.name for m in models], default=first_picks(models, 3),
                        key="emotion_models")
chosen = [m for m in models if m.name in picked]
if not chosen:
    st.info("Pick at least one model.")
    st.stop()
found = emotion_grid(chosen, dataset)
st.subheader("Where the maps fall")
region_chart(found)
