"""The study's shallow custom CNN (34.8% on FER2013 in the study)."""

from __future__ import annotations

import keras

from .blocks import dense_head, rescale, vgg_block
from .registry import ModelSpec, register


def custom_cnn_body(x: keras.KerasTensor, num_classes: int) -> keras.KerasTensor:
    """Two pairs of 3x3 conv layers (32, 64 filters), each conv batch-normalised, each pair with
    max-pooling and dropout, then a dense layer: the study's description.

    The dense layer has no dropout of its own: batch norm plus a 0.5 dropout before the softmax
    left the network predicting the majority class for epochs (docs/experiments.md).
    """
    x = rescale(x)
    x = vgg_block(x, 32, 2, "block1", dropout=0.25)
    x = vgg_block(x, 64, 2, "block2", dropout=0.25)
    x = keras.layers.Flatten(name="flatten")(x)
    return dense_head(x, (128,), num_classes, dropout=0.0)


CUSTOM_CNN = register(ModelSpec(
    name="custom_cnn",
    label="custom CNN (study)",
    description="The study's shallow CNN: 2x(conv, conv, BN, pool, dropout), dense 128.",
    body=custom_cnn_body,
    input_size=48,
    channels=1,
    preprocessing="pixels / 255",
    gradcam_layer="block2_conv2_relu",
    study_accuracy=0.348,
))
