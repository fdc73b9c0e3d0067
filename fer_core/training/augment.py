"""Augmentation as Keras layers, so it runs inside the model graph on any backend."""

from __future__ import annotations

import keras
from keras import layers


def augmentation_layers(settings: dict[str, float], seed: int) -> keras.Sequential | None:
    """The augmentation a config asks for, or None when it asks for none.

    Strengths follow Keras' conventions: shift and zoom are fractions of the image size, rotation
    a fraction of a full turn, erasing the probability of blanking a random patch, contrast and
    brightness the largest change as a fraction (of the contrast, and of the 0..255 range), blur
    the largest softening (0..1 of a 5x5 Gaussian's).
    The layers act only when training, so the stored model predicts and explains without them.
    """
    pipeline = []
    if settings.get("flip"):
        pipeline.append(layers.RandomFlip("horizontal", seed=seed, name="aug_flip"))
    if shift := settings.get("shift"):
        pipeline.append(layers.RandomTranslation(shift, shift, fill_mode="nearest", seed=seed + 1,
                                                 name="aug_shift"))
    if rotation := settings.get("rotation"):
        pipeline.append(layers.RandomRotation(rotation, fill_mode="nearest", seed=seed + 2,
                                              name="aug_rotation"))
    if zoom := settings.get("zoom"):
        pipeline.append(layers.RandomZoom(zoom, fill_mode="nearest", seed=seed + 3,
                                          name="aug_zoom"))
    if erasing := settings.get("erasing"):
        pipeline.append(layers.RandomErasing(factor=erasing, scale=(0.02, 0.15),
                                             value_range=(0, 255), seed=seed + 4,
                                             name="aug_erasing"))
    if contrast := settings.get("contrast"):
        pipeline.append(layers.RandomContrast(contrast, value_range=(0, 255), seed=seed + 5,
                                              name="aug_contrast"))
    if brightness := settings.get("brightness"):
        pipeline.append(layers.RandomBrightness(brightness, value_range=(0, 255),
                                                seed=seed + 6, name="aug_brightness"))
    if blur := settings.get("blur"):
        pipeline.append(layers.RandomGaussianBlur(blur, kernel_size=5, sigma=1.0,
                                                  value_range=(0, 255), seed=seed + 7,
                                                  name="aug_blur"))
    return keras.Sequential(pipeline, name="augmentation") if pipeline else None
