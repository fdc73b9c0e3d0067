"""The Explain page's face: from an upload, the camera, or a dataset sample.

Photos go through fer_core's ``read_image`` and ``find_faces``; the faces found are drawn as
numbered boxes and one is chosen. A dataset sample is already a 48x48 face, with its label.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import numpy as np
import streamlit as st
from PIL import Image

from fer_core.faces import EXTENSIONS, FaceSearch, find_faces, read_image
from fer_core.store import StoredModel

from ..classroom import classroom_mode
from ..explaining import misclassified
from ..messages import user_errors
from ..pictures import enlarged, with_boxes
from ..sources import current_dataset, load_model, model_version

UPLOAD, CAMERA, SAMPLE = "Upload", "Camera", "Dataset"
SOURCES = (UPLOAD, CAMERA, SAMPLE)
ANY = "any emotion"
PHOTO_WIDTH = 320  # pixels at most: the photo with its boxes, not a banner above the maps


@dataclass(frozen=True)
class Picked:
    """The crop to explain (uint8 48x48), for a dataset sample its label, and whether it is a
    face at all (a photo where none was found gives its centre, which is not)."""

    crop: np.ndarray
    truth: str | None = None
    is_face: bool = True


@st.cache_data(max_entries=16, show_spinner="Looking for faces...")
def _faces(data: bytes, name: str) -> tuple[Image.Image, FaceSearch]:
    """The photo, upright, and the faces in it (each upload is searched once)."""
    upload = BytesIO(data)
    upload.name = name
    image = read_image(upload)
    return image, find_faces(image)


def _photo_face(data: bytes, name: str) -> Picked | None:
    """The chosen face of a photo, after showing the photo with its face boxes."""
    with user_errors():
        image, search = _faces(data, name)
        (st.caption if search.found else st.warning)(search.message)
        chosen = 0
        if len(search.faces) > 1:
            chosen = st.segmented_control(
                "Face to explain", range(len(search.faces)), default=0,
                format_func=lambda i: f"face {i + 1}", key="face_choice") or 0
        st.image(with_boxes(search.upright(image), search.faces, chosen), width=PHOTO_WIDTH)
        face = search.faces[chosen]
        st.image(enlarged(face.crop, 160), caption="What the models see: 48x48 grey pixels")
        if face.source == "detected":
            st.caption(f"The detector found it {face.likeness}.")
        return Picked(face.crop, is_face=face.is_face)
    st.stop()  # the file's message is the page's last word, not a prompt to upload one


def _sample(models: list[StoredModel]) -> Picked | None:
    """A random test face, of one emotion or any, optionally one the first model gets wrong."""
    dataset = current_dataset()
    if dataset is None:
        st.info("The server has no dataset: its FER2013_DIR is not set." if classroom_mode()
                else "Set the dataset path in the sidebar to pick faces from FER2013.",
                icon=":material/folder_open:")
        return None
    test = dataset.split("test" if "test" in dataset.split_names else dataset.split_names[-1])
    emotion = st.selectbox("Emotion", (ANY, *dataset.classes), key="sample_emotion")
    candidates = np.ones(len(test), bool) if emotion == ANY else (
        np.asarray(test.classes)[test.labels] == emotion)
    judge = models[0] if models else None
    model = load_model(judge) if judge else None
    wrong = model is not None and st.toggle(f"Only faces {judge.name} gets wrong",
                                            key="sample_wrong")
    if wrong:
        with user_errors("warning"):
            candidates &= misclassified(model, model_version(judge), judge.classes, test)
    rows = np.flatnonzero(candidates)
    if not len(rows):
        st.warning("No test face matches: pick another emotion or model.")
        return None
    # A new face only when asked, or when the current one no longer fits the choices.
    asked = (emotion, wrong, judge.name if judge else None, len(test))
    row = st.session_state.get("sample_row")
    if (st.button("Another face", icon=":material/shuffle:")
            or st.session_state.get("sample_asked") != asked or not candidates[row]):
        st.session_state.sample_asked = asked
        row = st.session_state.sample_row = int(np.random.default_rng().choice(rows))
    truth = test.classes[test.labels[row]]
    st.image(enlarged(test.images[row], 240), caption=f"{test.ids[row]}: labelled {truth}")
    return Picked(test.images[row], truth)


def choose_face(source: str, models: list[StoredModel]) -> Picked | None:
    """The widgets of ``source``, and the face they give (None until there is one)."""
    if source == SAMPLE:
        return _sample(models)
    if source == CAMERA:
        shot = st.camera_input("Take a photo", key="camera")
        return _photo_face(shot.getvalue(), "camera photo") if shot else None
    upload = st.file_uploader(
        "A photo with a face", type=list(EXTENSIONS), key="upload",
        help=f"{', '.join(EXTENSIONS)}; of an animation, its first frame")
    return _photo_face(upload.getvalue(), upload.name) if upload else None
