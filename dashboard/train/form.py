"""The Train page's settings form: every hyperparameter of a family, its recipe filled in.

The form returns only the settings the user changed: a run with untouched settings then has the
same configuration (and cache key) as ``python -m fer_core train --model FAMILY``, so asking for
it again finds the stored model instead of training a copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st

from fer_core.cleaning import PRESETS
from fer_core.store import check_name
from fer_core.training import TrainConfig
from fer_core.training.config import AUGMENTATIONS, LR_SCHEDULES, OPTIMIZERS
from fer_core.training.precision import PRECISIONS


@dataclass(frozen=True)
class Setting:
    """One field of :class:`TrainConfig` as a widget: its label, help and allowed values."""

    key: str
    label: str
    help: str
    choices: tuple[str, ...] = ()


MAIN = (
    Setting("epochs", "Epochs", "Passes over the training images; early stopping may end sooner."),
    Setting("batch_size", "Batch size", "Images per weight update."),
    Setting("optimizer", "Optimizer", "Adam adapts its steps; SGD uses Nesterov momentum.",
            OPTIMIZERS),
    Setting("learning_rate", "Learning rate", "Size of the weight updates."),
    Setting("lr_schedule", "Learning-rate schedule",
            "constant; plateau: divide it when validation loss stalls; cosine: decay per epoch.",
            LR_SCHEDULES),
    Setting("patience", "Early-stopping patience",
            "Epochs without a better validation loss before training stops."),
    Setting("cleaning", "Data cleaning",
            "default: drop duplicates, leaked and blank images; study: also drop disgust; "
            "raw: train on everything.", tuple(PRESETS)),
    Setting("limit", "Training images (0 = all)",
            "A cap on the training images, for a quick demonstration run."),
)
ADVANCED = (
    Setting("momentum", "Momentum (SGD)", "Momentum of SGD; Adam ignores it."),
    Setting("weight_decay", "Weight decay", "Shrinks the weights a little at every step."),
    Setting("label_smoothing", "Label smoothing", "Softens the one-hot targets, e.g. 0.1."),
    Setting("class_weights", "Balance classes",
            "Weight rare emotions (disgust) up in the loss, in inverse proportion to their count."),
    Setting("restore_best_weights", "Keep the best epoch",
            "Keep the epoch with the lowest validation loss (the study's); off keeps the last, "
            "as a cosine schedule run to its end wants."),
    Setting("seed", "Random seed", "The same seed and settings give the same model."),
    Setting("precision", "Arithmetic precision",
            "mixed_bfloat16 trains faster on CPUs with bfloat16 instructions (the default "
            "there); the stored model is float32 either way.", PRECISIONS),
    Setting("extra_train", "Extra training photos (folder)",
            "A folder of real photos in <emotion>/ folders whose detected faces are added to "
            "the training faces (never to validation). Empty: FER2013 alone."),
)
AUGMENTATION_HELP = {
    "flip": "Mirror faces left-right at random.",
    "shift": "Shift by up to this fraction of the image.",
    "rotation": "Rotate by up to this fraction of a full turn.",
    "zoom": "Zoom in or out by up to this fraction.",
    "erasing": "Probability of erasing a random patch.",
    "contrast": "Change the contrast by up to this fraction, as real photos differ from "
                "FER2013's crops.",
    "brightness": "Brighten or darken by up to this fraction of the grey range.",
    "blur": "Soften faces by up to this strength (0 to 1), as a webcam or a small photo does.",
}
OPTION_HELP = {
    "weights": "imagenet (Keras' cache or a download), random, or the path of the .h5 file.",
    "schedule": "frozen_then_unfrozen: head first, then all layers; gradual: one block at a "
                "time; finetune: all layers from the start.",
    "image_size": "Side the 48x48 face is resized to for the ImageNet backbone.",
    "width": "Filters of the first block; doubled in each later block.",
    "dropout": "Dropout of the dense head.",
}
EMPTY = {"limit": 0, "extra_train": ""}
"""What a widget shows for a setting that is None (no cap, no folder)."""
AUGMENTATION_COLUMNS = 4


def _step(default: float) -> float:
    return 10.0 ** math.floor(math.log10(default)) if default > 0 else 0.01


def _widget(label: str, default: Any, key: str, help: str, choices: tuple[str, ...] = ()) -> Any:
    """The input that suits the default's type: a choice, a checkbox, a number or text."""
    if choices:
        return st.selectbox(label, choices, index=choices.index(default), key=key, help=help)
    if isinstance(default, bool):
        return st.checkbox(label, value=default, key=key, help=help)
    if isinstance(default, int):
        return st.number_input(label, value=default, min_value=0, step=1, key=key, help=help)
    if isinstance(default, float):
        return st.number_input(label, value=default, min_value=0.0, step=_step(default),
                               format="%g", key=key, help=help)
    return st.text_input(label, value=str(default), key=key, help=help)


def _changed(pairs: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    """The (key, default, chosen) pairs whose choice differs from the default, as overrides."""
    return {key: value for key, default, value in pairs if value != default}


def _inputs(config: TrainConfig, settings: tuple[Setting, ...], columns: int) -> dict[str, Any]:
    """Widgets for ``settings`` in a grid; the values that differ from ``config``'s."""
    cells = st.columns(columns)
    pairs = []
    for i, setting in enumerate(settings):
        default = getattr(config, setting.key)
        shown = EMPTY.get(setting.key, default) if default is None else default
        with cells[i % columns]:
            value = _widget(setting.label, shown, f"{config.model}.{setting.key}", setting.help,
                            setting.choices)
        pairs.append((setting.key, shown, value))
    changed = _changed(pairs)
    return {key: None if key in EMPTY and value == EMPTY[key] else value
            for key, value in changed.items()}


def _augmentation(config: TrainConfig) -> dict[str, Any]:
    cells = st.columns(AUGMENTATION_COLUMNS)
    pairs = []
    for i, name in enumerate(AUGMENTATIONS):
        default = config.augmentation.get(name, False if name == "flip" else 0.0)
        with cells[i % AUGMENTATION_COLUMNS]:
            value = _widget(name.capitalize(), default, f"{config.model}.aug.{name}",
                            AUGMENTATION_HELP[name])
        pairs.append((name, default, value))
    return _changed(pairs)


def _option_choices(config: TrainConfig, name: str) -> tuple[str, ...]:
    """The values an option may take, where the family lists them (its schedules); none
    otherwise: the option is then typed in."""
    return config.spec.schedules if name == "schedule" else ()


def _options(config: TrainConfig) -> dict[str, Any]:
    if not config.options:
        return {}
    st.markdown(f"**{config.model} options**")
    cells = st.columns(len(config.options))
    pairs = []
    for cell, (name, default) in zip(cells, config.options.items(), strict=True):
        with cell:
            value = _widget(name.replace("_", " ").capitalize(), default,
                            f"{config.model}.opt.{name}", OPTION_HELP.get(name, ""),
                            _option_choices(config, name))
        pairs.append((name, default, value))
    return _changed(pairs)


def settings_form(config: TrainConfig) -> dict[str, Any]:
    """All of ``config``'s settings as widgets (recipe values filled in); the changed ones.

    Family options come first among the advanced ones: for a transfer family the weights option
    is what decides whether training can start at all.
    """
    changed = _inputs(config, MAIN, columns=4)
    with st.expander("More settings: augmentation, regularisation, family options",
                     expanded=bool(config.options)):
        changed |= _options(config)
        st.markdown("**Augmentation** (training only)")
        changed |= _augmentation(config)
        st.markdown("**Regularisation and reproducibility**")
        changed |= _inputs(config, ADVANCED, columns=5)
    return changed


def store_name(text: str, family: str) -> str:
    """The store folder asked for (the family's name when left blank), checked by the store:
    one plain folder name, so that a name like ``../x`` cannot write outside it."""
    name = text.strip() or family
    check_name(name)
    return name
