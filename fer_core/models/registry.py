"""The registry of named architectures, and the one function that builds any of them.

Every model takes raw FER pixels, float (48, 48, 1) in 0..255, and does its own preprocessing
inside the graph (rescaling; for ImageNet backbones resizing, grey-to-RGB and the backbone's own
``preprocess_input``). Evaluation, explanation and the dashboard can then feed any stored model
the same array, and a stored model needs nothing else to be used.

Every model is one flat functional graph (layers called on tensors, never a model inside a model):
tf-keras-vis cannot differentiate through nested models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import keras

from ..data import IMAGE_SIZE
from ..errors import ModelError
from .equalise import HistogramEqualisation

BodyBuilder = Callable[..., keras.KerasTensor]


@dataclass(frozen=True)
class ModelSpec:
    """What the project knows about one architecture.

    ``name`` is the family's key (what ``--model`` takes and a stored model's ``family`` is);
    ``label`` says in a few words what the family is, for tables and ``fer models``.
    ``body(x, num_classes, **options)`` maps the (possibly augmented) raw-pixel input tensor to
    class probabilities. ``input_size`` and ``channels`` are what the network itself works on after
    its in-graph preprocessing; ``gradcam_layer`` is the layer whose feature maps CAM methods weight
    by default: a post-ReLU output, as Grad-CAM++ assumes non-negative activations (on the
    pre-activation conv output it left most of fer_vgg's maps flat).
    ``defaults`` are the training settings of the recipe this family is meant to be trained with,
    on top of the study's defaults.
    ``layer_groups`` and ``schedules`` are for families built on a pretrained backbone: the
    backbone's layer-name prefixes from the top of the network to the bottom (what gradual
    unfreezing opens one at a time) and the training schedules the family's ``schedule`` option
    may name. The trainer and the Train page read them here, so neither needs to know how a
    family is built.
    """

    name: str
    label: str
    description: str
    body: BodyBuilder
    input_size: int
    channels: int
    preprocessing: str
    gradcam_layer: str
    study_accuracy: float | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    layer_groups: tuple[str, ...] = ()
    schedules: tuple[str, ...] = ()

    @property
    def network_input(self) -> str:
        """What the network works on, for people comparing families: a transfer backbone sees
        upscaled RGB faces, not the 48x48 grey pixels of FER2013."""
        colour = "grey" if self.channels == 1 else "RGB"
        return f"{self.input_size}x{self.input_size} {colour} ({self.preprocessing})"


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add an architecture to the registry under its name."""
    _REGISTRY[spec.name] = spec
    return spec


def get_spec(name: str) -> ModelSpec:
    """The spec of a registered architecture; a clear error naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ModelError(
            f"unknown model family {name!r}; known: {', '.join(sorted(_REGISTRY))}"
        ) from None


def list_specs() -> list[ModelSpec]:
    """All registered architectures, in registration order."""
    return list(_REGISTRY.values())


def build_model(
    spec: ModelSpec,
    num_classes: int,
    augmentation: keras.Sequential | None = None,
    options: dict[str, Any] | None = None,
    equalise: bool = False,
) -> keras.Model:
    """Build ``spec`` as one flat functional model taking raw (48, 48, 1) pixels.

    Augmentation layers, when given, are applied to the input inside the graph: they act only in
    training, so the stored model predicts and explains like a plain one. ``equalise`` then
    equalises each face's histogram (:mod:`.equalise`), in training and after it.
    """
    unknown = set(options or {}) - set(spec.options)
    if unknown:
        raise ModelError(
            f"{spec.name} has no option(s) {', '.join(sorted(unknown))}; "
            f"its options: {', '.join(spec.options) or 'none'}"
        )
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="face")
    x = inputs
    for layer in augmentation.layers if augmentation is not None else ():
        x = layer(x)
    if equalise:
        x = HistogramEqualisation(name="equalise")(x)
    outputs = spec.body(x, num_classes, **{**spec.options, **(options or {})})
    return keras.Model(inputs, outputs, name=spec.name)
