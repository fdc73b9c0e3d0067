"""Where the pages get their data and models: read once per process, shared by every session.

The dataset is held with ``st.cache_resource``, not ``st.cache_data``: it is an immutable
:class:`~fer_core.data.Dataset` of ~80 MB that nobody modifies, and ``cache_data`` would pickle a
copy of it on every rerun of every page. Keras models are shared the same way, keyed by their
file's modification time so that a model retrained under the same name is loaded again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from fer_core.data import Dataset, load_dataset
from fer_core.errors import DataError, FerError, ModelError
from fer_core.store import MODEL_FILE, ModelStore, StoredModel

from .classroom import classroom_mode
from .compute import MODEL_TIME
from .messages import user_errors

if TYPE_CHECKING:
    import keras

DATA_KEY = "data_path"


def dataset_input() -> None:
    """The sidebar's dataset path. A widget of the main script keeps its value on every page.
    In classroom mode there is no field: the server's ``FER2013_DIR`` is the dataset."""
    if classroom_mode():
        return
    st.sidebar.text_input(
        "FER2013 dataset",
        value=os.environ.get("FER2013_DIR", ""),
        key=DATA_KEY,
        placeholder="/path/to/fer2013",
        help="The Kaggle fer2013.csv (or its folder), or a folder with train/<class>/ and "
             "test/<class>/ images. Starts as $FER2013_DIR.",
    )


def dataset_path() -> str:
    if classroom_mode():
        return os.environ.get("FER2013_DIR", "").strip()
    return st.session_state.get(DATA_KEY, "").strip()


def current_dataset() -> Dataset | None:
    """The dataset at the sidebar's path, or None: no path set, or (said on the page) unusable."""
    path = dataset_path()
    if not path:
        return None
    with user_errors(prefix="Dataset: "):
        loaded = _read_dataset(path, _signature(path))
        if isinstance(loaded, str):
            raise DataError(loaded)
        return loaded
    return None


def _signature(path: str) -> tuple[tuple[str, int, int], ...]:
    """Modification times and sizes of the path and its entries: they change when the user fixes
    a file or a folder layout there, which must read the dataset again."""
    root = Path(path).expanduser()
    try:
        entries = [root, *root.iterdir()] if root.is_dir() else [root]
        stats = [(entry.name, entry.stat()) for entry in entries]
        return tuple((name, stat.st_mtime_ns, stat.st_size) for name, stat in stats)
    except OSError:
        return ()


@st.cache_resource(max_entries=4,
                   show_spinner="Reading the dataset (the first time decodes every image)...")
def _read_dataset(path: str, signature: tuple[tuple[str, int, int], ...]) -> Dataset | str:
    """The dataset, or why it cannot be read. Failures are cached too (keyed by ``signature``),
    so a malformed CSV is not parsed again on every click of every page."""
    try:
        return load_dataset(path)
    except FerError as exc:
        return str(exc)


def stored_models() -> list[StoredModel]:
    """Every stored model, read afresh on each run so that a model trained a moment ago shows
    up; one whose history or metrics cannot be read is left out with a warning."""
    usable = []
    for model in ModelStore().list():
        with user_errors("warning"):
            _ = model.history, model.metrics  # read now: a damaged file is reported here, once
            usable.append(model)
    return usable


def single_models() -> list[StoredModel]:
    """Stored models with their own network (ensembles only name other models)."""
    return [m for m in stored_models() if not m.is_ensemble]


def model_version(stored: StoredModel) -> str:
    """A key that changes whenever the stored network does: its folder and file time."""
    file = stored.path / MODEL_FILE
    return f"{stored.path}@{file.stat().st_mtime_ns if file.is_file() else 0}"


def load_model(stored: StoredModel) -> keras.Model | None:
    """The stored network, loaded once; None (with a warning on the page) if it cannot be."""
    with user_errors("warning"):
        return _load_keras(model_version(stored))
    return None


@st.cache_resource(show_spinner="Loading the model...", max_entries=12)
def _load_keras(version: str) -> keras.Model:
    path = version.rpartition("@")[0]
    return ModelStore().get(path).load_keras()


def study_accuracy(stored: StoredModel) -> float | None:
    """The study's test accuracy for the stored model's family, where the study reports one."""
    from fer_core.models import get_spec  # imports Keras: only when a page needs the zoo

    try:
        return get_spec(stored.family).study_accuracy
    except ModelError:  # an ensemble, or a family this version no longer has
        return None


@st.cache_resource(show_spinner="Timing the model...", max_entries=32)
def _costs(version: str) -> tuple[int, float]:
    from fer_core.costs import ms_per_face, multiply_adds

    model = _load_keras(version)
    with MODEL_TIME.quick:  # timed alone, not beside another session's computation
        return multiply_adds(model), ms_per_face(model)


def model_costs(stored: StoredModel) -> tuple[int | None, float | None]:
    """Multiply-adds per face and milliseconds per face on this machine (an ensemble's are its
    members' summed); None where the network cannot be loaded."""
    members = [stored] if not stored.is_ensemble else [ModelStore().get(stored.path.parent / m)
                                                      for m in stored.members]
    found = []
    for member in members:
        try:
            found.append(_costs(model_version(member)))
        except FerError:
            return None, None
    return sum(m for m, _ in found), sum(ms for _, ms in found)
