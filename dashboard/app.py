"""The dashboard's entry point: ``streamlit run dashboard/app.py`` once the project is
installed (``pip install -e .``), which is how ``dashboard`` and ``fer_core`` import from here.
The menu lists one module per page of ``pages/``; the dataset path sits in the sidebar of every
page.
"""

from fer_core.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # before anything imports it: no start-up chatter in the server log

import streamlit as st  # noqa: E402

from dashboard.compute import begin_turn  # noqa: E402
from dashboard.navigation import navigation  # noqa: E402
from dashboard.server import keep_models_warm  # noqa: E402
from dashboard.sources import dataset_input  # noqa: E402
from dashboard.train.view import sidebar_status  # noqa: E402


def run() -> None:
    """One run of the script for one visitor: the page set up, its menu built, the page shown."""
    begin_turn()  # this run's model computations queue behind earlier clicks, ahead of later
    keep_models_warm()
    st.set_page_config(page_title="FER explained", page_icon=":material/mood:", layout="wide")
    page = navigation()
    dataset_input()
    sidebar_status()
    page.run()


run()
