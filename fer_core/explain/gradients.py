"""One forward and backward pass that serves every gradient method of a model.

Grad-CAM, Grad-CAM++, HiResCAM and LayerCAM all combine the same two tensors, a layer's feature
maps and the class score's gradient with respect to them; saliency needs the gradient with
respect to the pixels, which the same backward pass yields. Computing them once per face and
class, and remembering the last few results, makes each further method almost free.

Scores are the model's *linear* outputs (pre-softmax): gradients through a softmax saturate and
mix the classes. The functions are traced once per model and layer, for any batch size.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from tf_keras_vis.utils.model_modifiers import ReplaceToLinear

from ..data import IMAGE_SIZE
from ..errors import ModelError

FACES = tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)
CLASSES = tf.TensorSpec((None,), tf.int32)
REMEMBERED = 16  # passes kept: a few faces x the classes asked of them


@dataclass(frozen=True)
class Pass:
    """What one pass gives for a batch: feature maps (N, h, w, c) of the layer, the score's
    gradients with respect to them and to the pixels (N, 48, 48), and the scores (N,)."""

    activations: np.ndarray
    gradients: np.ndarray
    pixel_gradients: np.ndarray
    scores: np.ndarray


def require_tensorflow_backend() -> None:
    """Gradients are taken with TensorFlow's GradientTape: other backends cannot work."""
    if keras.backend.backend() != "tensorflow":
        raise ModelError(f"explanations need Keras' TensorFlow backend; this process runs on "
                         f"{keras.backend.backend()!r} (unset KERAS_BACKEND or set it to "
                         "'tensorflow')")


@functools.lru_cache(maxsize=8)
def linear_clone(model: keras.Model) -> keras.Model:
    """One copy of ``model`` whose output is the pre-softmax score, shared by its explainers.

    tf-keras-vis' ``ReplaceToLinear`` swaps the last activation for the identity in place, hence
    on a clone, which snapshots the weights: a stored model is never changed in place, a new
    version is a new model object. The clone's input is declared as a list, the
    structure tf-keras-vis feeds it (Keras 3 warns on every call otherwise).
    """
    require_tensorflow_backend()
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    ReplaceToLinear()(clone)
    return keras.Model(inputs=clone.inputs, outputs=clone.outputs, name=f"{model.name}_linear")


def _class_scores(logits: tf.Tensor, classes: tf.Tensor) -> tf.Tensor:
    return tf.gather(logits, classes, axis=1, batch_dims=1)


class GradientPass:
    """The traced pass of one model and layer (``layer`` None: pixel gradients only)."""

    def __init__(self, model: keras.Model, layer: str | None) -> None:
        clone = linear_clone(model)
        outputs = [clone.output if not isinstance(clone.output, list) else clone.output[0]]
        if layer is not None:
            outputs.append(clone.get_layer(layer).output)
        self.layer = layer
        self._graph = keras.Model(clone.inputs, outputs)
        self._run = tf.function(self._compute, input_signature=[FACES, CLASSES])
        self._pixels = tf.function(self._pixel_gradients, input_signature=[FACES, CLASSES])
        self._remembered: OrderedDict[tuple, Pass] = OrderedDict()

    def _compute(self, x: tf.Tensor, classes: tf.Tensor):
        with tf.GradientTape() as tape:
            tape.watch(x)
            logits, features = self._graph([x], training=False)
            scores = _class_scores(logits, classes)
        pixel_grads, feature_grads = tape.gradient(scores, [x, features])
        return features, feature_grads, pixel_grads[..., 0], scores

    def _pixel_gradients(self, x: tf.Tensor, classes: tf.Tensor):
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = self._graph([x], training=False)
            logits = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
            scores = _class_scores(logits, classes)
        return tape.gradient(scores, x)[..., 0]

    def __call__(self, x: np.ndarray, classes: list[int]) -> Pass:
        """The pass for a model-input batch and one class per face, remembered by content."""
        if self.layer is None:
            raise ModelError("this pass has no layer: use pixel_gradients")
        key = (x.tobytes(), tuple(classes))
        if key in self._remembered:
            self._remembered.move_to_end(key)
            return self._remembered[key]
        features, grads, pixel_grads, scores = self._run(x, np.asarray(classes, np.int32))
        result = Pass(features.numpy(), grads.numpy(), pixel_grads.numpy(), scores.numpy())
        self._remembered[key] = result
        if len(self._remembered) > REMEMBERED:
            self._remembered.popitem(last=False)
        return result

    def pixel_gradients(self, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """d score / d pixel (N, 48, 48) for a batch, without the layer's tensors: SmoothGrad
        and Integrated Gradients send many copies of a face through here in one batch."""
        return self._pixels(x, np.asarray(classes, np.int32)).numpy()


@functools.lru_cache(maxsize=32)
def gradient_pass(model: keras.Model, layer: str | None) -> GradientPass:
    """The pass of ``model`` at ``layer``, built and traced once."""
    return GradientPass(model, layer)
