"""The arithmetic a run trains in: float32, or Keras' ``mixed_bfloat16`` policy (bfloat16
compute, float32 weights) where the CPU has bfloat16 matrix units.

Where ``/proc/cpuinfo`` lists ``amx_bf16`` (matrix units), mixed bfloat16 trains the
convolutional families several times faster under TensorFlow, so it is the default there. With
only ``avx512_bf16`` (dot products) the gain is small and a paired validation run ended lower
than float32 (docs/models.md): float32 stays the default, and bfloat16 is there to ask for.
Whatever a run trains in, the stored model is float32: evaluation and explanations never see
bfloat16.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import keras

PRECISIONS = ("float32", "mixed_bfloat16")
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags() -> set[str]:
    """The instruction-set flags the CPU reports (empty where ``/proc/cpuinfo`` is absent)."""
    try:
        text = CPUINFO.read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def default_precision() -> str:
    """``mixed_bfloat16`` under TensorFlow on a CPU with AMX bfloat16 units, else
    ``float32``."""
    fast = keras.backend.backend() == "tensorflow" and "amx_bf16" in cpu_flags()
    return "mixed_bfloat16" if fast else "float32"


@contextmanager
def dtype_policy(precision: str) -> Iterator[None]:
    """Layers built inside take ``precision``'s policy; the global policy is restored after."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def in_precision(build: Callable[[], keras.Model], precision: str) -> keras.Model:
    """The network ``build`` makes, with its layers in ``precision``; under mixed precision its
    probabilities are cast to float32 for the loss (a bfloat16 softmax loses small ones)."""
    if precision == "float32":
        return build()
    with dtype_policy(precision):
        network = build()
    probabilities = keras.layers.Activation("linear", dtype="float32",
                                            name="float32_probabilities")(network.output)
    return keras.Model(network.inputs, probabilities, name=network.name)


def as_float32(network: keras.Model, plain: keras.Model) -> keras.Model:
    """``network``'s weights in ``plain``, its float32 twin, unless it is float32 itself: the
    form that is stored."""
    if network is plain or all(layer.dtype_policy.name == "float32" for layer in network.layers):
        return network
    plain.set_weights(network.get_weights())
    return plain
