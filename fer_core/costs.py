"""What a model costs to run: multiply-adds per face, counted from its layers, and milliseconds
per face, measured on this machine."""

from __future__ import annotations

import statistics
import time
from typing import Callable

import keras
import numpy as np

from .data import IMAGE_SIZE
from .inference import forward


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds to classify one face: every convolution's and dense layer's, counted from
    its kernel and output size (normalisation, activations and pooling are left out: they
    cost a few percent)."""
    total = 0
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        output = layer.output.shape  # a kernel's every weight is used once per output position
        positions = int(np.prod(output[1:-1])) if len(output) > 2 else 1
        total += positions * int(np.prod(kernel.shape))
    return total


def ms_per_face(model: keras.Model, repeats: int = 20) -> float:
    """Median milliseconds to classify one face alone (batch 1), after a warm-up call."""
    face = np.random.default_rng(0).integers(0, 256, (1, IMAGE_SIZE, IMAGE_SIZE), np.uint8)
    return median_ms(lambda faces: forward(model, faces), face, repeats)


def median_ms(classify: Callable[[np.ndarray], np.ndarray], faces: np.ndarray,
              repeats: int) -> float:
    """Median milliseconds of ``classify(faces)`` over ``repeats`` calls, after a warm-up call
    (any form of a model: Keras, an exported file's runner)."""
    classify(faces)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        classify(faces)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)
