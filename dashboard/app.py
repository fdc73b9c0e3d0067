"""The dashboard's entry point: ``streamlit run dashboard/app.py`` once the project is
installed (``pip install -e .``), which is how ``dashboard`` and ``fer_core`` import from here.
The menu lists one module per page of ``pages/``; the dataset path sits in the sidebar of every
page.
"""

import os

# TensorFlow's C++ start-up chatter (CPU features) is noise in the server's log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

from dashboard.navigation import navigation  # noqa: E402
from dashboard.server import keep_models_warm  # noqa: E402
from dashboard.sources import dataset_input  # noqa: E402
from dashboard.train_view import sidebar_status  # noqa: E402

keep_models_warm()
st.set_page_config(page_title="FER explained", page_icon=":material/mood:", layout="wide")
page = navigation()
dataset_input()
sidebar_status()
page.run()
