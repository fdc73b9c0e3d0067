"""Plotly figures of the tables in :mod:`.tables`, styled alike on every page.

Every builder takes a tidy table and returns a figure: a page shows it with ``st.plotly_chart``
and offers the same table as CSV.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

PALETTE = px.colors.qualitative.Safe
SPLIT_COLOURS = {"train": "#2f6db5", "val": "#8fb3e0", "test": "#e07b39"}
MARGIN = dict(l=10, r=10, t=40, b=10)


def _styled(figure: go.Figure, height: int = 360) -> go.Figure:
    figure.update_layout(height=height, margin=MARGIN, legend_title_text="",
                         template="plotly_white")
    return figure


def model_colours(names: Sequence[str]) -> dict[str, str]:
    """One colour per model, from the order of ``names`` (every stored model): a model keeps
    its colour in every chart of the app, whichever models a chart shows."""
    return dict(zip(names, itertools.cycle(PALETTE)))


def _room_for_labels(figure: go.Figure, widest: float, axis: str = "x") -> None:
    """Bar labels outside the bars, never clipped: the axis runs a fifth past the longest."""
    figure.update_traces(textposition="outside", cliponaxis=False)
    (figure.update_xaxes if axis == "x" else figure.update_yaxes)(range=[0, widest * 1.2])


def split_counts(counts: dict[str, dict[str, int]]) -> go.Figure:
    """Images per class, one bar per split: shows at a glance how rare *disgust* is. Bars lie
    on their side, so the class names and counts read at any width."""
    frame = pd.DataFrame(counts).rename_axis("class").reset_index().melt(
        id_vars="class", var_name="split", value_name="images")
    figure = px.bar(frame, y="class", x="images", color="split", barmode="group",
                    orientation="h", color_discrete_map=SPLIT_COLOURS, text="images")
    figure.update_traces(texttemplate="%{x:,}")
    _room_for_labels(figure, frame["images"].max())
    figure.update_yaxes(autorange="reversed", title="")
    figure.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return _styled(figure, height=120 + 18 * len(frame))


def reason_counts(counts: dict[str, int]) -> go.Figure:
    """Images flagged per audit reason."""
    frame = pd.DataFrame({"reason": [r.replace("_", " ") for r in counts],
                          "images": list(counts.values())})
    figure = px.bar(frame, x="images", y="reason", orientation="h", text_auto=True,
                    color_discrete_sequence=["#e07b39"])
    figure.update_yaxes(autorange="reversed", title="")
    _room_for_labels(figure, max(frame["images"].max(), 1))
    return _styled(figure, height=80 + 40 * len(frame))


def learning_curves(history: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Loss and accuracy per epoch, each model in its colour; training solid, validation dashed.

    A widening gap between the solid and the dashed line is overfitting, visible at once. The
    legend sits below the plots, so that they keep the width on a narrow screen.
    """
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"))
    for model, rows in history.groupby("model", sort=False):
        colour = colours.get(model, PALETTE[0])
        for col, metric in ((1, "loss"), (2, "accuracy")):
            for prefix, dash, label in (("", "solid", "train"), ("val_", "dash", "validation")):
                figure.add_scatter(
                    x=rows["epoch"], y=rows[prefix + metric], row=1, col=col,
                    name=f"{model} ({label})", legendgroup=model, showlegend=col == 1,
                    mode="lines+markers", line=dict(color=colour, dash=dash),
                    hovertemplate=f"{model}<br>{label} {metric}: %{{y:.3f}}<br>epoch %{{x}}"
                                  "<extra></extra>")
    figure.update_xaxes(title="epoch", dtick=1 if history["epoch"].max() <= 20 else None)
    figure.update_yaxes(tickformat=".0%", row=1, col=2)
    figure = _styled(figure, height=460)
    figure.update_layout(legend=dict(orientation="h", y=-0.2, yanchor="top", x=0))
    return figure


def confusion(frame: pd.DataFrame, normalised: bool, title: str) -> go.Figure:
    """One model's confusion matrix: rows are the true classes, columns the predicted ones."""
    value = "row_share" if normalised else "count"
    matrix = frame.pivot(index="true", columns="predicted", values=value)
    order = list(dict.fromkeys(frame["true"]))
    matrix = matrix.loc[order, order]
    figure = px.imshow(matrix, text_auto=".0%" if normalised else "d", aspect="auto",
                       color_continuous_scale="Blues", zmin=0, zmax=1 if normalised else None,
                       labels=dict(x="predicted", y="true",
                                   color="share" if normalised else "images"))
    figure.update_layout(title=title, coloraxis_showscale=False)
    figure.update_xaxes(side="bottom", tickangle=-45)
    return _styled(figure, height=400)


def per_class_f1(frame: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """F1 per class, one bar per model in its colour: which emotions each model gets right."""
    figure = px.bar(frame, x="class", y="f1", color="model", barmode="group",
                    color_discrete_map=colours, range_y=[0, 1])
    figure.update_yaxes(title="F1")
    return _styled(figure)


def accuracy_vs_study(frame: pd.DataFrame) -> go.Figure:
    """Test accuracy per model without and with TTA, and the study's figure for its family."""
    columns = {"accuracy": "ours", "accuracy_flip": "ours + flip TTA",
               "accuracy_tencrop": "ours + ten-crop TTA", "study_accuracy": "the study"}
    long = frame.melt(id_vars="model", value_vars=list(columns), var_name="figure",
                      value_name="test accuracy").dropna()
    long["figure"] = long["figure"].map(columns)
    figure = px.bar(long, x="model", y="test accuracy", color="figure", barmode="group",
                    text_auto=".1%", range_y=[0, 1],
                    color_discrete_sequence=["#2f6db5", "#5b8fd0", "#8fb3e0", "#e07b39"])
    figure.update_yaxes(tickformat=".0%")
    return _styled(figure)


def accuracy_vs_cost(frame: pd.DataFrame, cost: str, label: str,
                     colours: dict[str, str]) -> go.Figure:
    """Test accuracy against a cost (hours of training, ms per face), one point per model."""
    known = frame.dropna(subset=[cost, "accuracy"])
    figure = px.scatter(known, x=cost, y="accuracy", text="model", color="model",
                        color_discrete_map=colours)
    figure.update_traces(marker_size=12, showlegend=False)
    by_cost = known.sort_values(cost)["model"].tolist()  # neighbours' names above and below
    figure.for_each_trace(lambda trace: trace.update(
        textposition="bottom center" if by_cost.index(trace.name) % 2 else "top center"))
    figure.update_yaxes(tickformat=".0%", title="test accuracy")
    figure.update_xaxes(title=label)
    if len(known):  # room for the names at the edges
        low, high, widest = known["accuracy"].min(), known["accuracy"].max(), known[cost].max()
        figure.update_yaxes(range=[low - 0.04, high + 0.04])
        figure.update_xaxes(range=[-0.3 * widest, 1.45 * widest])
    return _styled(figure, height=340)


def probability_chart(proba: np.ndarray, classes: Sequence[str], height: int = 240) -> go.Figure:
    """A model's probability per emotion for one face, the predicted one highlighted."""
    top = int(np.argmax(proba))
    colours = ["#2f6db5" if i == top else "#b8c7dc" for i in range(len(classes))]
    figure = go.Figure(go.Bar(x=proba, y=list(classes), orientation="h", marker_color=colours,
                              text=[f"{p:.0%}" for p in proba], textangle=0,
                              hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    _room_for_labels(figure, 1.0)  # a sure "100%" still fits beside its bar
    figure.update_xaxes(tickformat=".0%", tickvals=[0, 0.5, 1])
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(showlegend=False, margin=dict(l=10, r=10, t=10, b=10), height=height,
                         template="plotly_white")
    return figure


def chart_with_csv(figure: go.Figure, data: pd.DataFrame, filename: str, key: str) -> None:
    """The chart, and below it the table it draws as a CSV download."""
    st.plotly_chart(figure, key=f"{key}_chart")
    st.download_button("Download the data (CSV)", data.to_csv(index=False), file_name=filename,
                       mime="text/csv", icon=":material/download:", key=f"{key}_csv")


def emotion_timeline(times: Sequence[float], proba: np.ndarray, classes: Sequence[str],
                     height: int = 300) -> go.Figure:
    """One face's probability of each emotion over time (one line per emotion, one colour per
    emotion in every timeline), for a clip or a live camera's last seconds."""
    figure = go.Figure([
        go.Scatter(x=list(times), y=proba[:, i], name=emotion, mode="lines",
                   line=dict(color=PALETTE[i % len(PALETTE)], width=2),
                   hovertemplate=f"{emotion} %{{y:.0%}} at %{{x:.1f}} s<extra></extra>")
        for i, emotion in enumerate(classes)])
    figure.update_xaxes(title_text="seconds")
    figure.update_yaxes(tickformat=".0%", range=[0, 1])
    return _styled(figure, height)
