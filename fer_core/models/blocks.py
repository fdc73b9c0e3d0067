"""Building blocks shared by the families: VGG-style conv blocks and dense heads."""

from __future__ import annotations

import keras
from keras import layers


def rescale(x: keras.KerasTensor) -> keras.KerasTensor:
    """Raw 0..255 pixels to 0..1, the input scaling of every from-scratch family."""
    return layers.Rescaling(1.0 / 255, name="rescale")(x)


def conv_bn(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    """3x3 conv named ``name``, batch norm, ReLU: the unit the from-scratch families stack."""
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def vgg_block(
    x: keras.KerasTensor,
    filters: int,
    convs: int,
    name: str,
    *,
    batch_norm: bool = True,
    pool: bool = True,
    dropout: float = 0.0,
) -> keras.KerasTensor:
    """``convs`` 3x3 convolutions then max-pooling, VGG's repeating unit.

    Conv layers are named ``{name}_conv{i}`` (with batch norm, their ReLU outputs
    ``{name}_conv{i}_relu``) so Grad-CAM targets can be declared by name.
    Without batch norm they start from He initialisation, made for ReLU stacks: Keras' default
    (Glorot) halves the signal's variance at every ReLU layer, which a deep plain stack cannot
    afford.
    """
    for i in range(1, convs + 1):
        if batch_norm:
            x = conv_bn(x, filters, f"{name}_conv{i}")
        else:
            x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                              kernel_initializer="he_normal", name=f"{name}_conv{i}")(x)
    if pool:
        x = layers.MaxPooling2D(2, name=f"{name}_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"{name}_drop")(x)
    return x


def dense_head(
    x: keras.KerasTensor, units: tuple[int, ...], num_classes: int, dropout: float,
    *, batch_norm: bool = False,
) -> keras.KerasTensor:
    """Flattened features through ReLU dense layers (with dropout) to a softmax.

    ``batch_norm`` normalises each dense layer before its ReLU, as the conv blocks do: measured
    on FER2013 it speeds up early learning (see ``fer_vgg``).
    """
    for i, width in enumerate(units, start=1):
        if batch_norm:
            x = layers.Dense(width, use_bias=False, name=f"fc{i}")(x)
            x = layers.BatchNormalization(name=f"fc{i}_bn")(x)
            x = layers.Activation("relu", name=f"fc{i}_relu")(x)
        else:
            x = layers.Dense(width, activation="relu", name=f"fc{i}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"fc{i}_drop")(x)
    return layers.Dense(num_classes, activation="softmax", name="predictions")(x)
