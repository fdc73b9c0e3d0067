"""Training beyond one device: Keras' distribution API, under the JAX backend.

``distribution=data_parallel`` builds the network under a :class:`keras.distribution.DataParallel`
over every device Keras finds (its GPUs, else its CPUs): each weight is replicated on every
device, each training batch is split between them, and XLA sums their gradients, so a step is the
one-device step on the whole batch (batch normalisation too sees the whole batch). Keras'
distribution API is JAX-only: asked under TensorFlow, it is a clear error.

A batch must split evenly between the devices, so the batch size must be a multiple of their
number, and an epoch's last, partial batch is cut to a multiple of it: the few faces left over
(fewer than the devices) sit that epoch out, a different few in each epoch's shuffle. Validation
and the final evaluation run on one device: they take whatever batch a split ends with.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import keras

from ..errors import ModelError

DISTRIBUTIONS = ("none", "data_parallel")


def devices() -> list[str]:
    """The devices a data-parallel run spreads over: the GPUs (or TPUs) Keras finds, else its
    CPUs (several under ``XLA_FLAGS=--xla_force_host_platform_device_count=N``)."""
    return keras.distribution.list_devices()


def batch_problem(batch_size: int, faces: int, replicas: int) -> str | None:
    """Why a run of ``faces`` training faces in batches of ``batch_size`` cannot be split between
    ``replicas`` devices; None when it can."""
    if batch_size % replicas:
        fits = max(batch_size // replicas, 1) * replicas
        return (f"distribution=data_parallel splits each batch between {replicas} devices: "
                f"batch_size must be a multiple of {replicas} (got {batch_size}; "
                f"--set batch_size={fits}, say)")
    if faces < replicas:
        return (f"distribution=data_parallel needs at least one training face per device "
                f"({faces} faces, {replicas} devices)")
    return None


def training_distribution(name: str, batch_size: int) -> keras.distribution.Distribution | None:
    """The distribution a run named ``name`` trains under (None: one device, as always); a clear
    error under TensorFlow or for a batch size the devices do not divide."""
    if name == "none":
        return None
    if name != "data_parallel":
        raise ModelError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {name!r}")
    backend = keras.backend.backend()
    if backend != "jax":
        raise ModelError(
            "distribution=data_parallel needs Keras' JAX backend (its distribution API is "
            f"JAX-only) and this process runs {backend}: train with KERAS_BACKEND=jax, or "
            "--set distribution=none")
    found = devices()
    problem = batch_problem(batch_size, batch_size, len(found))
    if problem:
        raise ModelError(problem)
    return keras.distribution.DataParallel(devices=found)


@contextmanager
def distributed(distribution: keras.distribution.Distribution | None) -> Iterator[None]:
    """Networks built and trained inside are spread per ``distribution`` (none: as always)."""
    if distribution is None:
        yield
        return
    with distribution.scope():
        yield


@contextmanager
def undistributed() -> Iterator[None]:
    """Inside, no distribution is active: a network trained under one predicts and evaluates on
    one device, on batches of any size. The active distribution is restored after."""
    active = keras.distribution.distribution()
    if active is None:
        yield
        return
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(active)


def replicas() -> int:
    """The number of devices the active distribution splits a batch between (1: none)."""
    active = keras.distribution.distribution()
    return 1 if active is None else int(active.num_model_replicas)
