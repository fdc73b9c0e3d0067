"""Class offsets: the final layer's biases shifted so that real photos are read as people show
emotions, not as FER2013 mixes them.

FER2013's faces and a visitor's photos differ in how often each emotion comes and in how it
looks: a model that learned FER2013 calls many real faces "fear" that a person calls something
else. A constant added to one class's logit moves every decision between that class and the
others the same way (a prior-shift correction, Saerens et al. 2002), so a few numbers chosen on
validation correct it without retraining. They are chosen on validation alone: the labelled
real photos must gain while FER2013's validation faces keep their accuracy (within ``keep``),
and only the classes named move. Written into the final layer's bias, they reach the page, the
command line, evaluation and every export as one network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import ModelError

STEPS = np.round(np.arange(-1.5, 1.5001, 0.1), 2)
"""The offsets tried for each class: a tenth of a logit apart, up to 1.5 either way."""

ROUNDS = 3
"""Passes over the classes: an offset's best value moves a little once the others have."""


@dataclass(frozen=True)
class Scored:
    """Probabilities (N, classes) of labelled faces, with their labels."""

    proba: np.ndarray
    labels: np.ndarray

    def accuracy(self, offsets: np.ndarray) -> float:
        logits = np.log(np.clip(self.proba, 1e-9, 1.0)) + offsets
        return float((logits.argmax(axis=1) == self.labels).mean())


def choose_offsets(fer_val: Scored, photos: Scored, classes: Sequence[int], *,
                   keep: float = 0.003) -> np.ndarray:
    """Per-class logit offsets (zero for classes not named) that most raise accuracy on
    ``photos`` while accuracy on ``fer_val`` stays within ``keep`` of its own; coordinate
    ascent over :data:`STEPS`, ties keeping the smaller change."""
    offsets = np.zeros(fer_val.proba.shape[1])
    floor = fer_val.accuracy(offsets) - keep
    for _ in range(ROUNDS):
        for c in classes:
            best, best_gain = offsets[c], photos.accuracy(offsets)
            for step in sorted(STEPS, key=abs):
                tried = offsets.copy()
                tried[c] = step
                if fer_val.accuracy(tried) < floor:
                    continue
                gain = photos.accuracy(tried)
                if gain > best_gain + 1e-12:
                    best, best_gain = step, gain
            offsets[c] = best
    return offsets


def add_offsets(model, offsets: np.ndarray) -> None:
    """Add ``offsets`` to the bias of ``model``'s final softmax layer, in place."""
    import keras

    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    if not isinstance(last, keras.layers.Dense) or getattr(activation, "__name__", "") != "softmax":
        raise ModelError(f"{model.name} does not end in a softmax Dense layer: class offsets "
                         "need one to shift")
    kernel, bias = last.get_weights()
    if len(bias) != len(offsets):
        raise ModelError(f"{len(offsets)} offsets for a model of {len(bias)} classes")
    last.set_weights([kernel, bias + offsets.astype(bias.dtype)])
