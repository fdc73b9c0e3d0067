"""The dashboard's entry point: ``streamlit run dashboard/app.py`` from the project root.

Streamlit puts this file's folder on ``sys.path``, not the project root, so the root is added
here before anything of the project is imported. The menu lists one module per page of
``pages/``; the dataset path sits in the sidebar of every page.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise in the server's log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import streamlit as st  # noqa: E402

from dashboard.navigation import navigation  # noqa: E402
from dashboard.sources import dataset_input  # noqa: E402
from dashboard.train_view import sidebar_status  # noqa: E402

st.set_page_config(page_title="FER explained", page_icon=":material/mood:", layout="wide")
page = navigation()
dataset_input()
sidebar_status()
page.run()
