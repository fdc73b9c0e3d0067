"""Two lessons on the Explain page's face: what the network sees inside, block by block, and
what happens when a part of the face is covered, next to what the maps claimed mattered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fer_core.explain.inside import feature_maps
from fer_core.explain.regions import PARTS, cover_effect, covered, covering, part_mask
from fer_core.store import StoredModel

from ..compute import MODEL_TIME
from ..explaining import explanations
from ..pictures import enlarged, mosaic
from ..sources import load_model, model_version

CHANNELS = 8
GRID = "a cell of a 3x3 grid"


@st.cache_data(max_entries=64, show_spinner="Looking inside...")
def _blocks(_model, version: str, face: np.ndarray) -> list:
    with MODEL_TIME:
        return feature_maps(_model, face, top=CHANNELS)


def inside_network(face: np.ndarray, models: list[StoredModel]) -> None:
    """The strongest feature maps of each block of one model for this face, big to small."""
    stored = next(m for m in models if m.name == st.selectbox(
        "Model", [m.name for m in models], key="inside_model"))
    model = load_model(stored)
    if model is None:
        return
    for block in _blocks(model, model_version(stored), face):
        left, right = st.columns([1, 4], vertical_alignment="center")
        left.markdown(f"**{block.layer}**  \n{block.size[0]}x{block.size[1]} pixels, "
                      f"its {len(block.channels)} strongest channels")
        pictures = np.uint8(np.round(block.maps * 255))
        right.image(mosaic(pictures, CHANNELS, side=72), width="stretch")
    st.caption("Early blocks see edges and light at full size; later ones fewer, coarser "
               "patterns, each a combination of the ones before. The last feeds the "
               "prediction.")


def _chosen_mask() -> tuple[str, np.ndarray]:
    part = st.segmented_control("Cover", [*PARTS, GRID], default="mouth", key="cover_part")
    part = part or "mouth"
    if part == GRID:
        row, column = st.columns(2)
        part = (f"grid {row.number_input('Grid row', 1, 3, 2, key='cover_row')},"
                f"{column.number_input('Grid column', 1, 3, 2, key='cover_column')}")
    return part, part_mask(part)


def cover_and_see(face: np.ndarray, models: list[StoredModel]) -> None:
    """Cover a part of the face: each model's probability of its emotion before and after,
    beside the share of its own map that lay on that part."""
    name, mask = _chosen_mask()
    left, right = st.columns([1, 3])
    left.image(enlarged(np.uint8(np.clip(covered(face, mask), 0, 255)), 192),
               caption=f"{name} covered")
    rows = []
    for stored in models:
        model = load_model(stored)
        if model is None:
            continue
        with MODEL_TIME:
            effect = cover_effect(model, face, {name: mask})
        top = int(np.argmax(effect["nothing"]))
        method = stored.own_method
        heatmap = explanations(model, model_version(stored), stored.gradcam_layer, (method,),
                               face, top)[method].heatmap
        change = covering(effect["nothing"], effect[name], mask, heatmap)
        rows.append({"model": stored.name, "emotion": stored.classes[change.emotion],
                     "before": change.before, "after": change.after,
                     "now predicted": stored.classes[change.now],
                     "map's share there": change.map_share,
                     "share of the face": change.face_share})
    with right:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
            "before": st.column_config.NumberColumn("probability before", format="percent"),
            "after": st.column_config.NumberColumn("after covering", format="percent"),
            "map's share there": st.column_config.NumberColumn(
                format="percent", help="How much of the model's own map lay on the covered "
                                       "part: a faithful map is high where covering hurts"),
            "share of the face": st.column_config.NumberColumn(format="percent"),
        })
        st.caption("A part the map said mattered should, once covered, cost the model "
                   "confidence; a part it ignored should not.")

