"""What a page needs before it can show anything, asked for in one place: a page without it
says how to get it and stops there."""

from __future__ import annotations

import streamlit as st

from fer_core.store import StoredModel

from .messages import NO_MODELS_HELP
from .sources import single_models, stored_models


def require_models(*, ensembles: bool = False) -> list[StoredModel]:
    """The stored models with a network of their own (with ``ensembles``, ensembles too), or
    the page stops with how to train one."""
    models = stored_models() if ensembles else single_models()
    if not models:
        st.info(NO_MODELS_HELP, icon=":material/model_training:")
        st.stop()
    return models
