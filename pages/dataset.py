"""Dataset: how many faces per split and emotion, what they look like, and what the audit found."""

import streamlit as st

from dashboard.data_views import audit_findings, class_samples, gallery_rows
from dashboard.figures import reason_counts, split_counts
from dashboard.messages import DATA_HELP
from dashboard.pictures import mosaic
from dashboard.sources import current_dataset, dataset_path

PER_CLASS = 12
GALLERIES = {
    "conflicting_label_duplicate": (
        "The same picture filed under different emotions",
        "Identical pixels, different labels: at most one of them can be right. The default "
        "cleaning drops every copy."),
    "cross_split_duplicate": (
        "Leaks: the same picture in more than one split",
        "A test face that also sits in train measures memory, not skill. Cleaning keeps only "
        "the first copy."),
    "blank": (
        "Blank images",
        "Near-constant frames with no face at all."),
}

st.title("The dataset")
dataset = current_dataset()
if dataset is None:
    if not dataset_path():
        st.info(DATA_HELP, icon=":material/folder_open:")
    st.stop()

st.caption(f"{dataset.source}: {len(dataset):,} faces, {len(dataset.classes)} emotions.")
if dataset.converted:
    st.caption(f"{dataset.converted:,} images were not 48x48 grayscale and were converted.")

st.subheader("Faces per split and emotion")
counts = dataset.counts()
st.plotly_chart(split_counts(counts), key="counts_chart")

st.subheader("What the faces look like")
split = st.segmented_control("Split", dataset.split_names, default="train", key="sample_split")
if st.button("Show other faces", icon=":material/shuffle:"):
    st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1
samples = class_samples(dataset, split or "train", PER_CLASS, st.session_state.get("sample_seed", 0))
for name, faces in samples.items():
    label, pictures = st.columns([1, 8], vertical_alignment="center")
    label.markdown(f"**{name}**  \n{counts.get(split or 'train', {}).get(name, 0):,} faces")
    if len(faces):
        pictures.image(mosaic(faces, PER_CLASS, side=64))
    else:
        pictures.caption("none in this split")

st.subheader("The audit: what is wrong with the data")
findings, by_reason = audit_findings(dataset, dataset.fingerprint)
if not any(by_reason.values()):
    st.success("No duplicates, leaks or blank images found.", icon=":material/check_circle:")
    st.stop()
st.plotly_chart(reason_counts(by_reason), key="audit_chart")
shown = st.slider("Rows to show per gallery", 1, 30, 6, key="audit_rows")
for reason, (title, explanation) in GALLERIES.items():
    rows = gallery_rows(findings, reason)
    count = by_reason.get(reason, 0)
    with st.expander(f"{title}: {count:,} image{'' if count == 1 else 's'}", expanded=bool(rows)):
        st.caption(explanation)
        for members in rows[:shown]:
            st.image([dataset.images[row] for row in members["row"]], width=96,
                     caption=[f"{m.label} ({m.split})" for m in members.itertuples()])
        if len(rows) > shown:
            st.caption(f"... and {len(rows) - shown:,} more rows.")
