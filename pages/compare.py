"""Compare: learning curves, confusion matrices, per-class F1 and accuracy of stored models."""

import streamlit as st

from dashboard.compare.mistakes import mistakes
from dashboard.figures import (
    accuracy_vs_cost,
    accuracy_vs_study,
    chart_with_csv,
    confusion,
    learning_curves,
    model_colours,
    per_class_f1,
)
from dashboard.guards import require_models
from dashboard.layout import wrapping_columns
from dashboard.sources import current_dataset
from dashboard.tables import (
    accuracy_frame,
    confusion_frame,
    cost_frame,
    history_frame,
    per_class_frame,
)
from fer_core.picks import first_picks

MATRICES_PER_ROW = 2  # three side by side leave one to wrap alone and stretch to the full width

st.title("Compare models")
models = require_models(ensembles=True)

names = [m.name for m in models]
picked = st.multiselect("Models", names, default=first_picks(models, 4),
                        key="compare_models")
chosen = [m for m in models if m.name in picked]
if not chosen:
    st.info("Pick at least one model above.")
    st.stop()

st.subheader("Accuracy on the test split, next to the study's")
accuracy = accuracy_frame(chosen)
chart_with_csv(accuracy_vs_study(accuracy), accuracy, "accuracy.csv", "accuracy")

st.subheader("What each point of accuracy costs")
st.caption("Each model's test accuracy against the hours of training it took (on the machine "
           "that trained it, its last run) and against the milliseconds it takes to classify "
           "one face on this machine. Up and to the left is better.")
costs = cost_frame(chosen)
colours = model_colours(names)
left, right = wrapping_columns("costs", 2, 20)
with left:
    st.plotly_chart(accuracy_vs_cost(costs, "training_hours", "hours of training", colours),
                    key="cost_training")
with right:
    st.plotly_chart(accuracy_vs_cost(costs, "ms_per_face", "ms per face (this machine)",
                                     colours), key="cost_inference")
st.download_button("Download the costs (CSV)", costs.to_csv(index=False), file_name="costs.csv",
                   mime="text/csv", icon=":material/download:", key="costs_csv")

st.subheader("Learning curves")
st.caption("Solid: training data; dashed: validation data. A dashed line that stops improving "
           "while the solid one keeps going is the model memorising its training faces.")
history = history_frame(chosen)
if history.empty:
    st.caption("No training history stored for these models.")
else:
    chart_with_csv(learning_curves(history, colours), history, "learning_curves.csv", "curves")

st.subheader("Confusion matrices")
normalised = st.toggle("Share of each true emotion (rows add up to 100%)", value=True,
                       key="confusion_normalised")
matrices = confusion_frame(chosen)
with_matrix = list(dict.fromkeys(matrices["model"]))
for start in range(0, len(with_matrix), MATRICES_PER_ROW):  # a matrix too narrow to read wraps
    cells = wrapping_columns(f"confusion-{start}", MATRICES_PER_ROW, 19)
    for cell, name in zip(cells, with_matrix[start:start + MATRICES_PER_ROW], strict=False):
        with cell:
            st.plotly_chart(confusion(matrices[matrices["model"] == name], normalised, name),
                            key=f"confusion_{name}", config={"displayModeBar": False})
if with_matrix:
    st.download_button("Download the matrices (CSV)", matrices.to_csv(index=False),
                       file_name="confusion_matrices.csv", mime="text/csv",
                       icon=":material/download:", key="confusion_csv")
missing = [m.name for m in chosen if m.name not in with_matrix]
if missing:
    st.caption(f"No test metrics stored for {', '.join(missing)} (trained without a test split).")

st.subheader("Mistakes: the faces behind a cell")
dataset = current_dataset()
if dataset is None or "test" not in dataset.split_names:
    st.info("Set a dataset with a test split to see the faces behind each cell.",
            icon=":material/folder_open:")
else:
    mistakes(chosen, dataset)

st.subheader("F1 per emotion")
per_class = per_class_frame(chosen)
if not per_class.empty:
    chart_with_csv(per_class_f1(per_class, colours), per_class, "per_class.csv", "per_class")
