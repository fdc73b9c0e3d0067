"""Faces into a model and probabilities out: the one place that converts and calls.

Every model takes raw 48x48 grey pixels as float32 (N, 48, 48, 1) in 0..255 and rescales them
itself. Calls go straight to the model through one traced function per model, with a fixed
input shape, instead of Keras' ``predict``: its loop spends some 50-100 ms setting up each call,
more than a small model takes to classify a face, and an explanation makes dozens of calls.
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from .data import IMAGE_SIZE
from .errors import ImageError

BATCH = 256


def model_input(images: np.ndarray) -> np.ndarray:
    """Faces (N, 48, 48) or (N, 48, 48, 1) as the float32 (N, 48, 48, 1) batch models take."""
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or not len(array):
        raise ImageError(
            f"expected a batch of {IMAGE_SIZE}x{IMAGE_SIZE} grey faces (N, {IMAGE_SIZE}, "
            f"{IMAGE_SIZE}), got an array shaped {array.shape}"
        )
    return array[..., None].astype(np.float32)


@functools.lru_cache(maxsize=32)
def _forward(model: keras.Model):
    """``model`` in inference mode as a function traced once for any batch of faces."""
    if keras.backend.backend() != "tensorflow":
        return lambda x: model(x, training=False)
    import tensorflow as tf

    spec = tf.TensorSpec((None, IMAGE_SIZE, IMAGE_SIZE, 1), tf.float32)
    return tf.function(lambda x: model(x, training=False), input_signature=[spec])


def forward(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """The model's outputs (N, classes) for faces, in batches of :data:`BATCH`."""
    x = model_input(images)
    run = _forward(model)
    return np.concatenate([keras.ops.convert_to_numpy(run(x[i:i + BATCH]))
                           for i in range(0, len(x), BATCH)])
