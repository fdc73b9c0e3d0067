"""User mistakes as plain messages, and the help texts several pages share.

Every :class:`~fer_core.errors.FerError` is something a user can fix (a wrong dataset path, a
broken upload, a model file that does not load): the page shows its message and goes on. Any
other exception is a bug, and Streamlit's traceback is then the right thing to show.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Literal

import streamlit as st

from fer_core.errors import FerError

DATA_HELP = """
**FER2013 is not shipped with the app.** Get it from Kaggle:
*Challenges in Representation Learning: Facial Expression Recognition Challenge* for
`fer2013.csv`, or the image-folder copy *FER-2013*. Then type its path in the sidebar (or start
the app with `FER2013_DIR=/path/to/it`). Two layouts are read:

1. **Kaggle CSV** `fer2013.csv` (columns `emotion,pixels,Usage`): the file, or a folder holding it.
2. **Image folders** `train/<class>/*.jpg|png` and `test/<class>/...`, optionally `val/<class>/...`
   (class names as in *angry, disgust, fear, happy, sad, surprise, neutral*).

The first read decodes every image and takes a minute; later reads come from a cache.
"""

NO_MODELS_HELP = """
**No trained model is stored yet.** Train one on the **Train** page (it needs the dataset), or
from a terminal:

    python -m fer_core train --model custom_cnn --data /path/to/fer2013

The study's shallow CNN (`custom_cnn`) is the quickest to train on a laptop's CPU. Stored
models land in `models/` (or `$FER_MODELS_DIR`) and appear here at once.
"""


@contextmanager
def user_errors(level: Literal["error", "warning"] = "error", prefix: str = "") -> Iterator[None]:
    """Show a :class:`FerError` raised in the block as a message; the rest of the page runs on."""
    try:
        yield
    except FerError as exc:
        if level == "error":
            st.error(f"{prefix}{exc}", icon=":material/error:")
        else:
            st.warning(f"{prefix}{exc}", icon=":material/warning:")
