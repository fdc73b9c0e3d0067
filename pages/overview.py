"""Overview: what the app shows, how to use it in class, the model zoo and the data in use."""

import streamlit as st

from dashboard.messages import DATA_HELP, NO_MODELS_HELP
from dashboard.sources import current_dataset, dataset_path, stored_models
from dashboard.tables import cost_frame, zoo_frame
from fer_core.models import list_specs

st.title("FER explained")
st.markdown(
    "Can a computer tell how someone feels from a photo of their face, and **why** does it "
    "decide what it decides? This app trains and compares neural networks on **FER2013** "
    "(35,887 grey 48x48 faces, seven emotions) and shows, pixel by pixel, what each one "
    "looks at.")

st.subheader("How to use it")
st.markdown("""
1. **Dataset**: how many faces of each emotion there are, what they look like, and what is
   wrong with the data (duplicates, faces in both train and test, blank images).
2. **Compare**: learning curves, confusion matrices and accuracy of the trained models, next to
   the figures of the study we reproduce.
3. **Explain**: upload a photo, take one with the camera, or pick a dataset face: see each
   model's prediction and heatmaps (Grad-CAM and others) of the pixels behind it.
4. **Train**: pick an architecture and its settings and watch it learn.
""")

st.subheader("The model zoo")
models = stored_models()
zoo = zoo_frame(list_specs(), models).merge(
    cost_frame(models).drop(columns="accuracy"), on="model", how="left")
shown = zoo.assign(**{c: zoo[c] * 100 for c in (
    "accuracy", "accuracy_flip", "accuracy_tencrop", "study_accuracy")})
st.dataframe(
    shown, hide_index=True, width="stretch", placeholder="-",  # families not trained yet
    column_config={
        "model": "stored model", "family": "family",
        "parameters": st.column_config.NumberColumn("parameters", format="localized"),
        "accuracy": st.column_config.NumberColumn("test accuracy", format="%.1f%%"),
        "accuracy_flip": st.column_config.NumberColumn("+ flip TTA", format="%.1f%%"),
        "accuracy_tencrop": st.column_config.NumberColumn("+ ten-crop TTA", format="%.1f%%"),
        "macro_f1": st.column_config.NumberColumn("macro-F1", format="%.3f"),
        "study_accuracy": st.column_config.NumberColumn("the study's", format="%.1f%%"),
        "test_images": st.column_config.NumberColumn("test images", format="localized"),
        "multiply_adds_m": st.column_config.NumberColumn(
            "multiply-adds per face", format="%.0f M", help="Counted from the layers"),
        "ms_per_face": st.column_config.NumberColumn(
            "ms per face", format="%.1f", help="One face at a time, on this machine"),
        "training_hours": st.column_config.NumberColumn(
            "training hours", format="%.1f", help="The last run, on the machine that trained it"),
    })
st.caption("TTA (test-time augmentation) averages the predictions for the face and its mirror "
           "image (flip) or for ten crops of it (ten-crop).")
if not models:
    st.info(NO_MODELS_HELP, icon=":material/model_training:")

st.subheader("Data source")
dataset = current_dataset()
if dataset is not None:
    counts = {split: sum(per_class.values()) for split, per_class in dataset.counts().items()}
    st.success(f"**{dataset.source}**: {len(dataset):,} faces "
               f"({', '.join(f'{n:,} {s}' for s, n in counts.items())}).",
               icon=":material/check_circle:")
elif not dataset_path():
    st.info(DATA_HELP, icon=":material/folder_open:")
