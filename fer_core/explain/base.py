"""What every explanation method shares: faces in, target classes, the model copy it reads.

A method is one small :class:`Explainer` subclass (see :mod:`.methods`) naming its tf-keras-vis
class and how to call it. This base turns faces into model input, decides which class each face
is explained for, and normalises what comes back, so every method answers the same question in
the same form: one (48, 48) map in [0, 1] per face.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from typing import ClassVar, Sequence

import keras
import numpy as np
import tensorflow as tf
from tf_keras_vis import ModelVisualization
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear

from ..data import IMAGE_SIZE
from ..errors import ImageError, ModelError
from .heatmaps import normalize_maps, upsample

ClassIndex = int | Sequence[int] | None
PREDICT_BATCH = 256


def model_input(images: np.ndarray) -> np.ndarray:
    """Faces (N, 48, 48) or (N, 48, 48, 1) as the float32 (N, 48, 48, 1) batch models take.

    Pixels stay in 0..255: every model rescales them itself.
    """
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or not len(array):
        raise ImageError(
            f"expected a batch of {IMAGE_SIZE}x{IMAGE_SIZE} grey faces (N, {IMAGE_SIZE}, "
            f"{IMAGE_SIZE}), got an array shaped {array.shape}"
        )
    return array[..., None].astype(np.float32)


def predicted_classes(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The model's top class for each face of a model-input batch.

    ``predict_on_batch`` rather than ``predict``: Keras' predict loop spends some 50 ms setting
    up each call, more than explaining one face with Grad-CAM takes on a small model.
    """
    return np.concatenate([model.predict_on_batch(x[i:i + PREDICT_BATCH])
                           for i in range(0, len(x), PREDICT_BATCH)]).argmax(axis=1)


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

    Checked here because tf-keras-vis, given a name it cannot find, silently falls back to the
    model's last conv layer: a typo would explain the wrong layer without a word.
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


def require_tensorflow_backend() -> None:
    """tf-keras-vis differentiates with TensorFlow's GradientTape: other backends cannot work."""
    if keras.backend.backend() != "tensorflow":
        raise ModelError(f"explanations need Keras' TensorFlow backend; this process runs on "
                         f"{keras.backend.backend()!r} (unset KERAS_BACKEND or set it to "
                         "'tensorflow')")


def direct_predict(model: keras.Model):
    """A ``predict`` for ``model`` that calls it on each batch directly, without Keras' loop.

    Score-CAM calls ``predict`` once per face: Keras builds a tf.data pipeline each time
    (about 100 ms, most of Score-CAM's time on small models) and prints a progress bar, which
    would land in the middle of a command's JSON output. This does neither.
    """

    forward = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def predict(inputs: list[np.ndarray], batch_size: int = PREDICT_BATCH, **_) -> np.ndarray:
        return np.concatenate([forward([x[i:i + batch_size] for x in inputs]).numpy()
                               for i in range(0, len(inputs[0]), batch_size)])

    return predict


@functools.lru_cache(maxsize=8)
def linear_clone(model: keras.Model) -> keras.Model:
    """One copy of ``model`` with a linear output, shared by all explainers of that model.

    Gradients through a softmax saturate and mix the classes, so tf-keras-vis' ``ReplaceToLinear``
    swaps it for the identity; it does so in place, hence on a clone, which snapshots the weights
    (after changing them, call :func:`~fer_core.explain.forget_explainers`). Cloning is what
    makes an explainer slow to build, so it happens once per model, not once per method.
    Score-CAM applies a softmax to this clone's outputs itself, so its scores are the true
    probabilities.

    The clone's input is declared as a list, the structure tf-keras-vis feeds it (Keras 3 warns
    on every call otherwise), and its ``predict`` is :func:`direct_predict`.
    """
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    ReplaceToLinear()(clone)
    clone = keras.Model(inputs=clone.inputs, outputs=clone.outputs, name=f"{model.name}_linear")
    clone.predict = direct_predict(clone)
    return clone


class Explainer(ABC):
    """One explanation method bound to one model: ``explain`` maps faces to heatmaps in [0, 1].

    ``layer`` is the conv layer CAM methods weight (a model's declared ``gradcam_layer``, or an
    override); pixel-gradient methods ignore it. The tf-keras-vis object is built once, here.
    """

    name: ClassVar[str]
    visualizer_class: ClassVar[type[ModelVisualization]]
    uses_layer: ClassVar[bool] = True

    def __init__(self, model: keras.Model, layer: str | None = None) -> None:
        require_tensorflow_backend()
        self.model = model
        self.layer = feature_layer(model, layer) if self.uses_layer else None
        self.visualizer = self.visualizer_class(linear_clone(model), clone=False)

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
