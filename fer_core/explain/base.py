"""What every explanation method shares: faces in, target classes, one map in [0, 1] out.

A method is one small :class:`Explainer` subclass (see :mod:`.methods`) that carries what it is
(its title, what it shows, its reference, whether it reads a layer) and how it computes raw
maps. This base turns faces into model input, decides which class each face is explained for,
and normalises what comes back, so every method answers the same question in the same form:
one (48, 48) map in [0, 1] per face, high where the face pushed the model towards the class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Sequence

import keras
import numpy as np

from ..data import IMAGE_SIZE
from ..errors import ModelError
from ..inference import forward, model_input
from .gradients import require_tensorflow_backend
from .heatmaps import normalize_maps, upsample

ClassIndex = int | Sequence[int] | None


def predicted_classes(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The model's top class for each face."""
    return forward(model, x).argmax(axis=1)


def target_classes(model: keras.Model, x: np.ndarray, class_index: ClassIndex) -> list[int]:
    """The class each face is explained for: the predicted one, one for all, or one per face."""
    if class_index is None:
        return predicted_classes(model, x).tolist()
    targets = ([class_index] * len(x) if isinstance(class_index, (int, np.integer))
               else list(class_index))
    if len(targets) != len(x):
        raise ModelError(f"{len(targets)} class indices given for {len(x)} images")
    num_classes = model.output_shape[-1]
    wrong = [t for t in targets if not 0 <= t < num_classes]
    if wrong:
        raise ModelError(f"class index {wrong[0]} is out of range: the model has "
                         f"{num_classes} classes (0..{num_classes - 1})")
    return [int(t) for t in targets]


def feature_layer(model: keras.Model, name: str | None) -> str:
    """The layer CAM methods weight: ``name``, checked, else the last one with a spatial output.

    Checked here because a typo must not explain the wrong layer without a word.
    """
    spatial = [layer.name for layer in model.layers[1:] if len(layer.output.shape) == 4]
    if name is None:
        if not spatial:
            raise ModelError(f"model {model.name!r} has no layer with a spatial (N, H, W, C) "
                             "output for a class activation map")
        return spatial[-1]
    if name not in {layer.name for layer in model.layers}:
        raise ModelError(f"model {model.name!r} has no layer {name!r}; layers with a spatial "
                         f"output: {', '.join(spatial) or 'none'}")
    shape = model.get_layer(name).output.shape
    if len(shape) != 4:
        raise ModelError(f"layer {name!r} of {model.name!r} outputs {tuple(shape)}, not the "
                         "(N, H, W, C) feature maps a class activation map needs")
    return name


class Explainer(ABC):
    """One explanation method bound to one model: ``explain`` maps faces to heatmaps in [0, 1].

    ``layer`` is the conv layer CAM methods weight (a model's declared CAM layer, or an
    override); every method may share that layer's gradient pass, and pixel methods without a
    layer take a pass of their own.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    """One line for a class: what the map shows."""
    reference: ClassVar[str]
    uses_layer: ClassVar[bool] = False
    needs_gradients: ClassVar[bool] = True
    one_pass: ClassVar[bool] = False
    """Whether a map costs one forward and backward pass: quick enough to follow a live camera."""

    @classmethod
    def settings(cls) -> dict[str, int | float]:
        """The method's numeric settings (steps, patch size...): with its name, what names the
        maps it makes, e.g. in a cache key."""
        return {key: getattr(cls, key) for klass in reversed(cls.__mro__)
                for key, value in vars(klass).items()
                if not key.startswith("_") and isinstance(value, (int, float))
                and not isinstance(value, bool)}

    def __init__(self, model: keras.Model, layer: str | None = None) -> None:
        if self.needs_gradients:
            require_tensorflow_backend()
        self.model = model
        self.layer = feature_layer(model, layer) if (self.uses_layer or layer) else None

    @abstractmethod
    def run(self, x: np.ndarray, classes: list[int]) -> np.ndarray:
        """Raw maps (N, h, w) for a model-input batch, each for its class; any h, w."""

    def explain(self, images: np.ndarray, class_index: ClassIndex = None) -> np.ndarray:
        """Heatmaps (N, 48, 48) in [0, 1] for uint8 faces (N, 48, 48).

        ``class_index``: None explains each face's predicted class; an int, that class for all;
        a sequence, one class per face.
        """
        x = model_input(images)
        raw = self.run(x, target_classes(self.model, x, class_index))
        return normalize_maps(upsample(raw, IMAGE_SIZE))
