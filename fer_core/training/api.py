"""``train_model``: from a family name and a dataset to a stored, evaluated model.

Loads and cleans the data, returns the stored model when this exact config was already trained on
this exact data (unless forced), otherwise trains with checkpoints, evaluates on the raw test split
and stores everything atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .. import __version__
from ..cleaning import clean, policy_from_name
from ..data import Dataset, load_dataset
from ..errors import DataError, ModelError, NameTaken
from ..evaluate import full_report
from ..faces.labelled import LabelledFaces, load_labelled_faces
from ..models import build_model
from ..paths import cache_dir
from ..shared_cache import exclusive, holder, lock_path, read_note
from ..store import ModelStore, StoredModel, check_name
from .augment import augmentation_layers
from .checkpoint import RunState, discard_checkpoint
from .config import TrainConfig, make_config
from .distill import soft_targets, teacher_key, teacher_probabilities
from .distribution import devices, distributed, replicas, training_distribution
from .loop import Arrays, run_training
from .precision import as_float32, in_precision
from .progress import Progress


def environment() -> dict[str, Any]:
    """Library versions and machine, recorded with every run."""
    import sklearn

    versions = {"fer_core": __version__, "keras": keras.__version__,
                "backend": keras.backend.backend(), "numpy": np.__version__,
                "scikit-learn": sklearn.__version__, "python": platform.python_version()}
    if keras.backend.backend() == "tensorflow":
        import tensorflow

        versions["tensorflow"] = tensorflow.__version__
    return {"versions": versions,
            "machine": {"platform": platform.platform(), "processor": platform.machine(),
                        "cpus": os.cpu_count()}}


def training_data(dataset: Dataset, config: TrainConfig,
                  extra: LabelledFaces | None = None) -> tuple[Dataset, Arrays, Arrays]:
    """The cleaned dataset, and the train and validation arrays a run uses (``limit`` applied
    to the dataset's faces; the ``extra`` faces are all added to train)."""
    if config.cleaning == "raw":
        cleaned = dataset
    else:
        cleaned = clean(dataset, policy_from_name(config.cleaning))
    train, val = cleaned.split("train"), cleaned.split("val")
    for split, part in (("train", train), ("val", val)):
        if not len(part):
            raise DataError(f"the dataset has no {split!r} images to train with")
    if config.limit:
        rng = np.random.default_rng(config.seed)
        train = train.select(np.sort(rng.permutation(len(train))[:config.limit]))
        val = val.select(np.sort(rng.permutation(len(val))[:max(config.limit // 4, 1)]))
    images, labels = train.images, train.labels
    if extra is not None:
        images = np.concatenate([images, extra.images])
        labels = np.concatenate([labels, extra.labels])
    return cleaned, Arrays(images, labels), Arrays(val.images, val.labels)


def extra_faces(config: TrainConfig) -> LabelledFaces | None:
    """The faces of the config's ``extra_train`` photos; a clear error when it has none."""
    if not config.extra_train:
        return None
    faces = load_labelled_faces(config.extra_train)
    if not len(faces):
        raise DataError(f"no face was detected in the photos of {config.extra_train}")
    return faces


def start_weights(network: keras.Model, weights: list[np.ndarray], source: str) -> None:
    """Give ``network`` the ``weights`` of the stored model named ``source``; a clear error
    when the two architectures differ (another family, width or class list)."""
    if [w.shape for w in weights] != [w.shape for w in network.get_weights()]:
        raise ModelError(f"{source} cannot start this run: its architecture differs "
                         "(train it with the same family, options and classes)")
    network.set_weights(weights)


def continued_history(earlier: list[dict[str, Any]],
                      later: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The learning curves of a run that started from a stored model: that model's epochs, then
    this run's numbered on from them, so the curves show the whole path to the weights."""
    offset = earlier[-1]["epoch"] if earlier else 0
    return [*earlier, *({**record, "epoch": record["epoch"] + offset} for record in later)]


@dataclass(frozen=True)
class RunInputs:
    """What a run is made of, fixed before it trains: its config, the dataset as given and as
    cleaned, the train and validation arrays, the extra faces, and the stored model it starts
    from (None: a random init)."""

    config: TrainConfig
    dataset: Dataset
    cleaned: Dataset
    train: Arrays
    val: Arrays
    extra: LabelledFaces | None
    source: StoredModel | None


def gather_inputs(config: TrainConfig, data: str | Path | Dataset, store: ModelStore,
                  init_from: str | None) -> RunInputs:
    dataset = data if isinstance(data, Dataset) else load_dataset(data)
    extra = extra_faces(config)
    cleaned, train, val = training_data(dataset, config, extra)
    source = store.get(init_from) if init_from else None
    return RunInputs(config, dataset, cleaned, train, val, extra, source)


def networks(inputs: RunInputs) -> tuple[keras.Model, keras.Model]:
    """The run's network in float32 and the one that trains: the same, or in a bfloat16 run its
    mixed-precision twin.

    Built once, seeded so that its first weights and random layers are reproducible: the
    float32 network names the architecture and is what is stored.
    """
    config, source = inputs.config, inputs.source
    initial = source.load_keras().get_weights() if source is not None else None

    def build() -> keras.Model:
        augmentation = augmentation_layers(config.augmentation, config.seed)
        network = build_model(config.spec, len(inputs.cleaned.classes), augmentation,
                              config.options, equalise=config.equalise)
        if initial is not None:
            start_weights(network, initial, source.name)
        return network

    keras.utils.set_random_seed(config.seed)
    plain = build()
    trained = plain if config.precision == "float32" else in_precision(build, config.precision)
    return plain, trained


def architecture_hash(network: keras.Model) -> str:
    return hashlib.sha256(json.dumps(network.get_config(), sort_keys=True,
                                     default=str).encode()).hexdigest()[:16]


def run_key(inputs: RunInputs, plain: keras.Model, store: ModelStore,
            max_minutes: float | None) -> str:
    """The cache key of the run: its config and everything else that decides its result.

    The architecture is part of it: a family whose code changed is trained anew. So are the
    starting weights (a run from another stored model is another run), the time budget, the
    teacher, the extra faces and, for a run spread over devices, their number (called under its
    distribution).
    """
    config, source, extra = inputs.config, inputs.source, inputs.extra
    start = f":{source.config.get('cache_key')}" if source is not None else ""
    budget = f":{max_minutes:g} min" if max_minutes is not None else ""
    taught = f":{teacher_key(store, config.teacher)}" if config.teacher else ""
    added = f":extra {extra.fingerprint}" if extra is not None else ""
    # the devices decide which faces an epoch's last batch leaves out
    spread = f":{replicas()} devices" if config.distribution != "none" else ""
    return config.cache_key(f"{inputs.cleaned.fingerprint}{added}:{architecture_hash(plain)}"
                            f"{start}{budget}{taught}{spread}")


def taught_train(inputs: RunInputs, store: ModelStore, progress: Progress | None) -> Arrays:
    """The training arrays, with the teacher's soft targets when the run distils one."""
    config, train = inputs.config, inputs.train
    if not config.teacher:
        return train
    teacher = teacher_probabilities(store, config.teacher, train.images, inputs.cleaned.classes,
                                    progress.on_teacher if progress else None)
    return Arrays(train.images, train.labels,
                  soft_targets(train.labels, teacher, config.teacher_weight))


def test_report(network: keras.Model, inputs: RunInputs,
                 progress: Progress | None) -> dict[str, Any] | None:
    """The trained model's report on the raw test split; None when the dataset has none."""
    if not len(inputs.dataset.split("test")):
        return None
    return full_report([network], inputs.cleaned.classes, inputs.dataset,
                       on_step=progress.on_evaluation if progress else None)


def trained_on(inputs: RunInputs) -> dict[str, Any]:
    """The record's account of the data the run saw."""
    cleaned, extra = inputs.cleaned, inputs.extra
    return {"dataset_fingerprint": cleaned.fingerprint, "policy": cleaned.policy,
            "source": cleaned.source, "train_images": len(inputs.train.labels),
            "val_images": len(inputs.val.labels),
            **({"extra_train": {"source": extra.root, "faces": extra.counts(),
                                "fingerprint": extra.fingerprint}}
               if extra is not None else {})}


def run_record(inputs: RunInputs, name: str, key: str, network: keras.Model, run: RunState,
               max_minutes: float | None, started: float) -> dict[str, Any]:
    """The stored ``config.json`` of a finished run (``started``: its wall-clock start)."""
    config, source = inputs.config, inputs.source
    return {
        **config.to_dict(),
        "epochs": run.epochs,
        **({"time_budget": {"minutes": max_minutes, "epochs_asked": config.epochs}}
           if max_minutes is not None else {}),
        "name": name,
        "label": config.spec.label,
        "classes": list(inputs.cleaned.classes),
        "gradcam_layer": config.spec.gradcam_layer,
        "cache_key": key,
        "trained_on": trained_on(inputs),
        **({"started_from": {"name": source.name, "cache_key": source.config.get("cache_key")}}
           if source is not None else {}),
        "parameters": int(network.count_params()),
        **({"devices": len(devices())} if config.distribution != "none" else {}),
        "training_seconds": round(run.seconds, 1),
        "wall_seconds": round(time.time() - started, 1),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }


def train_model(
    model: str,
    data: str | Path | Dataset,
    *,
    overrides: dict[str, Any] | None = None,
    name: str | None = None,
    store: ModelStore | None = None,
    resume: bool = False,
    force: bool = False,
    init_from: str | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    max_minutes: float | None = None,
    replace: bool = False,
    allow_protected: bool = True,
) -> tuple[StoredModel, bool]:
    """Train (or find) ``model`` on ``data``; return the stored model and whether it was reused.

    ``overrides`` are settings as in ``make_config``; ``name`` is the store folder (default: the
    family name). ``init_from`` names a stored model of the same family and options whose weights
    the run starts from instead of a random init: a second cosine cycle (a warm restart) that
    continues a finished run, for example in a later session of a machine that keeps no
    checkpoints; the stored history then holds both runs' epochs. ``max_minutes`` bounds the
    training time: after the first epoch the run keeps only the epochs that fit, so its schedule
    still runs its course (a lesson's slot, a lent GPU's minutes). A model already stored
    under the name is replaced only with ``replace`` (a protected one only with
    ``allow_protected`` too); that is checked before training and again before the write.
    ``distribution=data_parallel`` (JAX only) builds and trains the network over all the
    devices found (:mod:`.distribution`); validation and the test report run on one.
    Raises :class:`~fer_core.training.loop.TrainingStopped` when ``stop`` is set.
    """
    config = make_config(model, overrides)
    distribution = training_distribution(config.distribution, config.batch_size)
    if max_minutes is not None and max_minutes <= 0:
        raise ModelError("the time budget must be a positive number of minutes")
    name = name or model
    check_name(name)  # before hours of training, not after
    store = store or ModelStore()
    inputs = gather_inputs(config, data, store, init_from)
    with distributed(distribution):  # the weights are placed as the network is built
        plain, trained = networks(inputs)
        key = run_key(inputs, plain, store, max_minutes)
    if not force and (stored := store.find(key)) is not None:
        return stored, True
    store.check_free(name, replace, allow_protected)  # before hours of training

    started = time.time()
    run_dir = cache_dir("runs", key)
    train = taught_train(inputs, store, progress)  # the teacher predicts on one device
    # Two runs of the same settings share one checkpoint folder (on a cache servers share, too).
    with exclusive(lock_path(run_dir), note=holder()) as taken, distributed(distribution):
        if taken is None:
            raise NameTaken(f"another run is training these settings "
                            f"({read_note(lock_path(run_dir))}): wait for it to end")
        network, run = run_training(
            lambda: trained, config, train, inputs.val, len(inputs.cleaned.classes), run_dir,
            resume=resume, progress=progress, stop=stop, max_minutes=max_minutes)
    network = as_float32(network, plain)
    history = (run.history if inputs.source is None
               else continued_history(inputs.source.history, run.history))
    metrics = test_report(network, inputs, progress)
    record = run_record(inputs, name, key, network, run, max_minutes, started)
    stored = store.save(name, model=network, config=record, history=history, metrics=metrics,
                        replace=replace, allow_protected=allow_protected)
    discard_checkpoint(run_dir)
    return stored, False
