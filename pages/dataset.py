"""Dataset: how many faces per split and emotion, what they look like, and what the audit found."""

import streamlit as st

from dashboard.data_views import audit_findings, class_samples, gallery_rows
from dashboard.figures import reason_counts, split_counts
from dashboard.layout import wrapping_columns
from dashboard.messages import DATA_HELP
from dashboard.pictures import mosaic
from dashboard.sources import current_dataset, dataset_path
from fer_core.cleaning import REASON_WORDS

PER_CLASS = 12
GROUP_WIDTH = 8  # images per gallery row: a bigger duplicate group is summed up in a caption
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
first_split = dataset.split_names[0]
split = st.segmented_control("Split", dataset.split_names, default=first_split,
                             key="sample_split") or first_split
if st.button("Show other faces", icon=":material/shuffle:"):
    st.session_state.sample_seed = st.session_state.get("sample_seed", 0) + 1
samples = class_samples(dataset, split, PER_CLASS, st.session_state.get("sample_seed", 0))
for name, faces in samples.items():
    label, pictures = wrapping_columns(f"samples-{name}", [1, 8], [6, 12],
                                       vertical_alignment="center")
    label.markdown(f"**{name}**  \n{counts.get(split, {}).get(name, 0):,} faces")
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
st.markdown("\n".join(f"- **{reason.replace('_', ' ')}**: {words}"
                       for reason, words in REASON_WORDS.items() if by_reason.get(reason)))
st.caption("Training drops what the cleaning policy names (duplicates, leaks, conflicting "
           "labels, blanks); test figures always use the raw test split. Without a val/ "
           "folder, the validation split is a stratified, seeded 10% of train: epochs, "
           "ensembles and explanation methods are chosen on it, never on test.")
shown = st.slider("Rows to show per gallery", 1, 30, 6, key="audit_rows")
for reason, (title, explanation) in GALLERIES.items():
    rows = gallery_rows(findings, reason, dataset, GROUP_WIDTH)
    count = by_reason.get(reason, 0)
    plural = "" if count == 1 else "s"
    with st.expander(f"{title}: {count:,} image{plural}", expanded=bool(rows)):
        st.caption(explanation)
        for members in rows[:shown]:
            first = members.head(GROUP_WIDTH)
            st.image([dataset.images[row] for row in first["row"]], width=96,
                     caption=[f"{m.label} ({m.split})" for m in first.itertuples()])
            if len(members) > GROUP_WIDTH:
                st.caption(f"... and {len(members) - GROUP_WIDTH} more copies of this picture.")
        if len(rows) > shown:
            st.caption(f"... and {len(rows) - shown:,} more rows.")
