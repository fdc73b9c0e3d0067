"""Train: pick an architecture and its settings, start, watch it learn, stop or resume."""

import streamlit as st

from dashboard.classroom import teacher_login, training_allowed
from dashboard.messages import DATA_HELP, user_errors
from dashboard.sources import current_dataset, dataset_path, stored_models
from dashboard.train.form import settings_form, store_name
from dashboard.train.job import JOB, Request
from dashboard.train.view import live_panel
from fer_core.errors import NameTaken
from fer_core.models import list_specs
from fer_core.store import ModelStore
from fer_core.training import make_config

st.title("Train a model")
st.caption("One run at a time for the whole app; it goes on in the background while you use "
           "the other pages, and lands in Compare and Explain when it ends.")
if not training_allowed():
    teacher_login()
    st.stop()
live_panel()

dataset = current_dataset()
if dataset is None:
    if not dataset_path():
        st.info(DATA_HELP, icon=":material/folder_open:")
    st.stop()

specs = {spec.name: spec for spec in list_specs()}
family = st.selectbox("Architecture", list(specs), key="train_family",
                      format_func=lambda name: f"{name}: {specs[name].description}")
spec = specs[family]
study = f"The study's test accuracy: {spec.study_accuracy:.1%}." if spec.study_accuracy \
    else "Not in the study: ours."
st.caption(f"{study} The network sees {spec.network_input}.")
DEMO = {"limit": 2000, "epochs": 5}
DEMO_MINUTES = 1.0
if st.button(f"Quick demo: {family} on {DEMO['limit']:,} faces for about a minute",
             icon=":material/bolt:", key="quick_demo", disabled=JOB.snapshot().running,
             help="A small, fast run kept in the project's cache (not with the stored "
                  "models): it shows the learning curves and ends with its test accuracy, "
                  "and what it means. A real run takes tens of minutes to hours."):
    with user_errors():
        demo = Request(family, f"{family}_demo", DEMO, dataset, max_minutes=DEMO_MINUTES,
                       scratch=True)
        if JOB.start(demo):
            st.rerun()
defaults = make_config(family)
stored = stored_models()
same_family = [m.name for m in stored if m.family == family]
with st.form("train_form"):
    name_cell, start_cell, budget_cell = st.columns(3)
    name = name_cell.text_input(
        "Store as", value=ModelStore().free_name(family), key=f"{family}.store_name",
        help="The folder under models/. A name that is taken keeps its model: the run is "
             "stored beside it, and you choose at the end whether it replaces that model "
             "(never a protected one).")
    init_from = start_cell.selectbox(
        "Start from", [None, *same_family], key=f"{family}.init_from",
        format_func=lambda m: "random weights" if m is None else f"the weights of {m}",
        help="Continue a stored model of this family (same options) for more epochs, e.g. a "
             "second cosine cycle at a lower learning rate.")
    minutes = budget_cell.number_input(
        "Time budget (minutes, 0 = none)", min_value=0.0, value=0.0, step=5.0, format="%g",
        key=f"{family}.max_minutes",
        help="Fit the run into a lesson: after the first epoch, keep only the epochs that fit, "
             "so the learning-rate schedule still runs its course.")
    overrides = settings_form(defaults)
    force = st.checkbox("Train again even if this configuration is already stored",
                        key="train_force")
    start = st.form_submit_button("Start training", type="primary",
                                  icon=":material/play_arrow:", disabled=JOB.snapshot().running)
if stored:
    st.caption(f"Stored models: {', '.join(m.name for m in stored)}.")

if start:
    with user_errors():
        make_config(family, overrides)  # refuses impossible settings before a thread starts
        target, replaces = store_name(name, family), None
        store = ModelStore()
        try:
            store.check_free(target, allow_protected=False)
        except NameTaken:
            if store.get(target).protected:
                raise
            target, replaces = store.free_name(target), target
        request = Request(family, target, overrides, dataset, force, init_from, minutes or None,
                          replaces)
        if JOB.start(request, resume=True):  # a run cut short (even by a restart) goes on
            st.rerun()
        st.warning("Another run is going: wait for it to end or stop it first.")
