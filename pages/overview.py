"""Overview: what the app shows, how to use it in class, the model zoo and the data in use."""

import streamlit as st

from dashboard.messages import DATA_HELP, NO_MODELS_HELP
from dashboard.navigation import page_list
from dashboard.sources import current_dataset, dataset_path, stored_models
from dashboard.tables import cost_frame, zoo_frame
from fer_core.data import FER2013_SIZES
from fer_core.models import list_specs

st.title("FER explained")
st.markdown(
    "Can a computer tell how someone feels from a photo of their face, and **why** does it "
    "decide what it decides? This app trains and compares neural networks on **FER2013** "
    f"(grey 48x48 faces of seven emotions: {FER2013_SIZES['train']:,} to train on and "
    f"{FER2013_SIZES['test']:,} to test) and shows, pixel by pixel, "
    "what each one looks at.")

st.subheader("How to use it")
st.markdown(page_list())

st.subheader("The model zoo")
models = stored_models()
zoo = zoo_frame(list_specs(), models).merge(
    cost_frame(models).drop(columns="accuracy"), on="model", how="left")
shown = zoo.drop(columns="test_images").assign(**{c: zoo[c] * 100 for c in (
    "accuracy", "accuracy_flip", "accuracy_tencrop", "study_accuracy")})
st.dataframe(  # short headers, the rest in their help: every column fits beside the menu
    shown, hide_index=True, width="stretch", placeholder="-",  # families not trained yet
    column_config={
        "model": "stored model", "family": "family",
        "parameters": st.column_config.NumberColumn("parameters", format="compact"),
        "accuracy": st.column_config.NumberColumn(
            "test acc.", format="%.1f%%", help="Accuracy on the raw test faces"),
        "accuracy_flip": st.column_config.NumberColumn(
            "+ flip", format="%.1f%%", help="With flip TTA: each face and its mirror"),
        "accuracy_tencrop": st.column_config.NumberColumn(
            "+ ten-crop", format="%.1f%%", help="With ten-crop TTA: ten crops of each face"),
        "macro_f1": st.column_config.NumberColumn(
            "macro-F1", format="%.3f", help="F1 averaged over the emotions, each counted alike"),
        "study_accuracy": st.column_config.NumberColumn(
            "study", format="%.1f%%", help="The study's test accuracy for this family"),
        "multiply_adds_m": st.column_config.NumberColumn(
            "mult-adds", format="%.0f M", help="Multiply-adds to classify one face, counted "
                                                "from the layers"),
        "ms_per_face": st.column_config.NumberColumn(
            "ms / face", format="%.1f", help="Milliseconds to classify one face alone, on "
                                             "this machine"),
        "training_hours": st.column_config.NumberColumn(
            "train h", format="%.1f", help="Hours of training of the last run, on the machine "
                                           "that trained it"),
    })
tested = sorted({int(n) for n in zoo["test_images"].dropna()})
st.caption("TTA (test-time augmentation) averages the predictions for the face and its mirror "
           "image (flip) or for ten crops of it (ten-crop). Hover a header for what it counts."
           + (f" Test figures are on {', '.join(f'{n:,}' for n in tested)} test faces."
              if tested else ""))
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
