"""The Train page's live panel: progress, learning curves and the outcome of the one run.

Two fragments poll the process-wide :data:`~.job.JOB` while a run goes on, so the rest
of the page (and every other page) stays responsive: the progress bar every
:data:`PROGRESS_SECONDS`, the learning curves (which change once an epoch, and cost far more to
redraw) every :data:`CURVES_SECONDS`. Polling is not free: on a busy two-core machine a rerun
takes most of a second, and polling every second made the reruns run back to back and a small
run three times slower. When the run ends the whole page reruns once, which stops the polling.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from fer_core.errors import FerError
from fer_core.store import ModelStore

from ..figures import learning_curves
from ..messages import user_errors
from ..navigation import link
from ..sources import study_accuracy
from ..tables import curves_frame
from .job import JOB, Snapshot

PROGRESS_SECONDS = 2.0
CURVES_SECONDS = 10.0
WEIGHTS_HINT = ("Fix it in **More settings**: set *Weights* to the path of the `.h5` file (or a "
                "folder holding it), or to `random` to train from random initialisation on "
                "purpose.")


EVALUATION_NAMES = {"plain": "the faces as they are", "flip": "with mirrored copies",
                    "tencrop": "with ten crops each"}


def _progress(snap: Snapshot) -> None:
    plan = snap.plan
    if snap.evaluation is not None:
        done, total, what = snap.evaluation
        st.progress(done / total, text=f"Training done. Measuring the new model on the test "
                                       f"split: pass {done + 1} of {total}, "
                                       f"{EVALUATION_NAMES.get(what, what)}")
        return
    if plan is None:
        st.progress(0.0, text="Preparing the data and building the model...")
        return
    text = f"Epoch {min(snap.epoch + 1, plan.epochs)} of {plan.epochs}"
    if snap.batch:
        text += f", batch {snap.batch} of {plan.batches_per_epoch}"
    if snap.batch_logs:
        text += (f": loss {snap.batch_logs['loss']:.3f}, "
                 f"accuracy {snap.batch_logs['accuracy']:.1%}")
    st.progress(snap.fraction, text=text)
    if snap.message:  # while running: how a time budget cut the run
        st.caption(f"{snap.message[:1].upper()}{snap.message[1:]}.")


def _offer_replacement(snap: Snapshot) -> None:
    """The new run beside the model the user asked to replace, and the choice."""
    store = ModelStore()
    old_name = snap.request.replaces
    try:
        new, old = store.get(snap.stored), store.get(old_name)
    except FerError:
        return  # already moved, or the old one was removed meanwhile
    st.info(f"You asked to store this run as **{old_name}**, which holds another model. Both "
            "are kept until you choose.", icon=":material/compare_arrows:")
    st.dataframe([{"model": f"{old_name} (stored)", "test accuracy": old.test_accuracy},
                  {"model": f"{new.name} (this run)", "test accuracy": new.test_accuracy}],
                 hide_index=True, column_config={"test accuracy": st.column_config.NumberColumn(
                     format="percent")})
    if st.button(f"Replace {old_name} with this run", key="replace_model",
                 icon=":material/swap_horiz:"):
        with user_errors():
            store.move(new.name, old_name, replace=True, allow_protected=False)
            JOB.update(stored=old_name, request=replace(snap.request, replaces=None))
            st.rerun()


def _standing(name: str) -> None:
    """The new model's test accuracy beside the best other model of its family and the
    study's figure, where there are such."""
    store = ModelStore()
    try:
        new = store.get(name)
    except FerError:
        return
    rivals = [m for m in store.list() if m.family == new.family and m.name != new.name
              and m.test_accuracy is not None]
    rows = [{"model": f"{new.name} (this run)", "test accuracy": new.test_accuracy}]
    if rivals:
        best = max(rivals, key=lambda m: m.test_accuracy)
        rows.append({"model": f"{best.name} (best stored {new.family})",
                     "test accuracy": best.test_accuracy})
    if (study := study_accuracy(new)) is not None:
        rows.append({"model": "the study", "test accuracy": study})
    if new.test_accuracy is not None:
        st.dataframe(rows, hide_index=True, column_config={
            "test accuracy": st.column_config.NumberColumn(format="percent")})


def demo_reading(metrics: dict) -> str:
    """What a demonstration run's test figures mean: a run of minutes on a few thousand faces
    mostly learns the largest class first, which its recall of that class next to the others'
    shows."""
    per_class = metrics["per_class"]
    largest = max(per_class, key=lambda c: per_class[c]["support"])
    share = per_class[largest]["support"] / metrics["n"]
    others = [c for c in per_class if c != largest]
    rest = sum(per_class[c]["recall"] for c in others) / len(others)
    return (f"It scores {metrics['accuracy']:.0%} on the test faces, where always answering "
            f"*{largest}*, the largest class, would score {share:.0%}: it finds "
            f"{per_class[largest]['recall']:.0%} of the {largest} faces and on average "
            f"{rest:.0%} of each other emotion's (macro-F1 {metrics['macro_f1']:.2f}). In a "
            "minute a network learns the largest class first; the stored models train for "
            "hours on all 28,709 faces. The demo is kept in the project's cache, not in "
            "`models/`, so it is not listed on the other pages; the next demo replaces it.")


def _demo_outcome(snap: Snapshot) -> None:
    try:
        demo = snap.request.store.get(snap.stored)
    except FerError:
        return
    epochs = len(demo.history)
    st.success(f"Demo done: {epochs} epoch{'s' if epochs != 1 else ''} of "
               f"{snap.request.family} on {demo.config['trained_on']['train_images']:,} faces.",
               icon=":material/check_circle:")
    if demo.metrics:
        st.markdown(demo_reading(demo.metrics))


def _outcome(snap: Snapshot) -> None:
    """What became of the finished run, and where to go next."""
    if snap.request is not None and snap.request.scratch and snap.state in ("done", "reused"):
        _demo_outcome(snap)
        return
    if snap.state == "done":
        st.success(f"Trained and stored as **{snap.stored}**.", icon=":material/check_circle:")
        _standing(snap.stored)
        if snap.request is not None and snap.request.replaces:
            _offer_replacement(snap)
    elif snap.state == "reused":
        st.info(f"This configuration was already trained on this data: it is stored as "
                f"**{snap.stored}**, so nothing was trained. Tick *Train again* to retrain it.",
                icon=":material/inventory_2:")
    elif snap.state == "stopped":
        st.warning(snap.message, icon=":material/pause_circle:")
        if st.button("Resume", icon=":material/play_arrow:", key="resume_training"):
            JOB.start(snap.request, resume=True)
            st.rerun()
    elif snap.state == "failed":
        st.error(snap.message, icon=":material/error:")
        if snap.needs_weights:
            st.info(WEIGHTS_HINT)
    if snap.stored:
        left, right = st.columns(2)
        with left:
            link("compare", f"Compare {snap.stored} with the other models")
        with right:
            link("explain", f"Explain {snap.stored}'s predictions")


def _status(polling: bool) -> None:
    snap = JOB.snapshot()
    if polling and not snap.running:
        st.rerun()  # the run ended: redraw the whole page, without polling
    name = snap.request.name if snap.request else ""
    st.subheader(f"Training {name}" if snap.running else f"Last run: {name}")
    if not snap.running:
        _outcome(snap)
        return
    _progress(snap)
    if JOB.stopping:
        st.caption("Stopping after this batch, then saving a checkpoint...")
    elif st.button("Stop", icon=":material/stop_circle:", key="stop_training"):
        JOB.stop()


def _curves() -> None:
    snap = JOB.snapshot()
    if snap.history:
        name = snap.request.name if snap.request else ""
        st.plotly_chart(learning_curves(curves_frame(snap.history, name), {}),
                        key="live_curves")


def live_panel() -> None:
    """The run's panel, refreshed while it runs; nothing before the first run."""
    snap = JOB.snapshot()
    if snap.state == "idle":
        return
    polling = snap.running
    st.fragment(_status, run_every=PROGRESS_SECONDS if polling else None)(polling)
    st.fragment(_curves, run_every=CURVES_SECONDS if polling else None)()


def _sidebar_line() -> None:
    snap = JOB.snapshot()
    if not snap.running or snap.request is None:
        return
    if snap.evaluation is not None:
        done, total, _ = snap.evaluation
        st.caption(f":material/model_training: {snap.request.name}: measuring on the test "
                   f"split, pass {done + 1} of {total}")
    else:
        st.caption(f":material/model_training: Training {snap.request.name}: "
                   f"{snap.fraction:.0%} done")


def sidebar_status() -> None:
    """A line in the sidebar while a run goes on, kept up to date, so that it is not
    forgotten on other pages."""
    if JOB.snapshot().running:
        with st.sidebar:
            st.fragment(_sidebar_line, run_every=PROGRESS_SECONDS * 2)()
