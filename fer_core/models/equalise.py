"""Histogram equalisation as the first layer of a network, so every face it reads, in training,
on the page, from the CLI or from an exported file, has the same spread of grey levels.

FER2013's web crops are hard-contrasted; a portrait in even light or a webcam frame is soft grey.
A network trained on the first learns their look along with the expression, and reads the soft
faces as "neutral". Equalising each face first removes most of that difference: every face's
grey levels are spread evenly over 0..255, as OpenCV's ``equalizeHist`` does, whatever the
camera and light made of them.

The grey levels' ranks have no useful gradient (zero almost everywhere), which would blind every
gradient-based explanation. The layer passes gradients straight through instead: a map then
says how the score changes with the pixels of the equalised face, the face the network sees.
"""

from __future__ import annotations

import keras
from keras import ops

LEVELS = 256


@keras.saving.register_keras_serializable(package="fer_core")
class HistogramEqualisation(keras.layers.Layer):
    """Faces (N, H, W, 1) of 0..255 pixels, each equalised on its own histogram (rounded to
    whole levels, as OpenCV does); a face of one grey level stays as it is."""

    def call(self, faces):
        shape = ops.shape(faces)
        pixels = ops.reshape(faces, (shape[0], -1))
        levels = ops.clip(ops.round(pixels), 0, LEVELS - 1)
        # one-hot levels (N, pixels, 256): plain arithmetic that TFLite and ONNX carry
        one_hot = ops.cast(ops.expand_dims(levels, -1) == ops.arange(LEVELS, dtype=faces.dtype),
                           faces.dtype)
        cumulative = ops.cumsum(ops.sum(one_hot, axis=1), axis=-1)  # (N, 256)
        at_pixel = ops.sum(one_hot * ops.expand_dims(cumulative, 1), axis=-1)
        count = ops.cast(ops.shape(pixels)[1], faces.dtype)
        darkest = ops.min(at_pixel, axis=1, keepdims=True)  # pixels at the lowest level
        spread = count - darkest
        equalised = ops.round((at_pixel - darkest) * (LEVELS - 1) / ops.maximum(spread, 1.0))
        equalised = ops.where(spread > 0, equalised, pixels)
        equalised = ops.reshape(equalised, shape)
        return faces + ops.stop_gradient(equalised - faces)

    def compute_output_shape(self, input_shape):
        return input_shape
