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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .. import __version__
from ..cleaning import clean, policy_from_name
from ..data import Dataset, load_dataset
from ..errors import DataError, ModelError
from ..evaluate import full_report
from ..faces.labelled import LabelledFaces, load_labelled_faces
from ..models import build_model
from ..paths import cache_dir
from ..store import ModelStore, StoredModel, check_name
from .augment import augmentation_layers
from .config import TrainConfig, make_config
from .distill import soft_targets, teacher_key, teacher_probabilities
from .loop import Arrays, discard_checkpoint, run_training
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
    Raises :class:`~fer_core.training.loop.TrainingStopped` when ``stop`` is set.
    """
    config = make_config(model, overrides)
    if max_minutes is not None and max_minutes <= 0:
        raise ModelError("the time budget must be a positive number of minutes")
    check_name(name or model)  # before hours of training, not after
    store = store or ModelStore()
    dataset = data if isinstance(data, Dataset) else load_dataset(data)
    extra = extra_faces(config)
    cleaned, train, val = training_data(dataset, config, extra)
    spec = config.spec
    source = store.get(init_from) if init_from else None
    initial = source.load_keras().get_weights() if source is not None else None

    def build() -> keras.Model:
        augmentation = augmentation_layers(config.augmentation, config.seed)
        network = build_model(spec, len(cleaned.classes), augmentation, config.options,
                              equalise=config.equalise)
        if initial is not None:
            start_weights(network, initial, source.name)
        return network

    # Built once, seeded so that its first weights and random layers are reproducible: the
    # float32 network names the architecture and is what is stored; a bfloat16 run trains its
    # mixed-precision twin. The architecture is part of the key: a family whose code changed is
    # trained anew. So are the starting weights: a run from another stored model is another run.
    keras.utils.set_random_seed(config.seed)
    plain = build()
    trained = plain if config.precision == "float32" else in_precision(build, config.precision)
    architecture = hashlib.sha256(json.dumps(plain.get_config(), sort_keys=True,
                                             default=str).encode()).hexdigest()[:16]
    start = f":{source.config.get('cache_key')}" if source is not None else ""
    budget = f":{max_minutes:g} min" if max_minutes is not None else ""
    taught = f":{teacher_key(store, config.teacher)}" if config.teacher else ""
    added = f":extra {extra.fingerprint}" if extra is not None else ""
    key = config.cache_key(
        f"{cleaned.fingerprint}{added}:{architecture}{start}{budget}{taught}")
    if not force and (stored := store.find(key)) is not None:
        return stored, True
    store.check_free(name or model, replace, allow_protected)  # before hours of training

    started = time.time()

    if config.teacher:
        teacher = teacher_probabilities(store, config.teacher, train.images, cleaned.classes,
                                        progress.on_teacher if progress else None)
        train = Arrays(train.images, train.labels,
                       soft_targets(train.labels, teacher, config.teacher_weight))
    run_dir = cache_dir("runs", key)
    network, run = run_training(
        lambda: trained, config, train, val, len(cleaned.classes), run_dir,
        resume=resume, progress=progress, stop=stop, max_minutes=max_minutes)
    network = as_float32(network, plain)
    history = run.history if source is None else continued_history(source.history, run.history)
    has_test = len(dataset.split("test")) > 0
    metrics = (full_report([network], cleaned.classes, dataset,
                           on_step=progress.on_evaluation if progress else None)
               if has_test else None)
    record = {
        **config.to_dict(),
        "epochs": run.epochs,
        **({"time_budget": {"minutes": max_minutes, "epochs_asked": config.epochs}}
           if max_minutes is not None else {}),
        "name": name or model,
        "family": spec.family,
        "classes": list(cleaned.classes),
        "gradcam_layer": spec.gradcam_layer,
        "cache_key": key,
        "trained_on": {"dataset_fingerprint": cleaned.fingerprint, "policy": cleaned.policy,
                       "source": cleaned.source, "train_images": len(train.labels),
                       "val_images": len(val.labels),
                       **({"extra_train": {"source": extra.root, "faces": extra.counts(),
                                           "fingerprint": extra.fingerprint}}
                          if extra is not None else {})},
        **({"started_from": {"name": source.name, "cache_key": source.config.get("cache_key")}}
           if source is not None else {}),
        "parameters": int(network.count_params()),
        "training_seconds": round(run.seconds, 1),
        "wall_seconds": round(time.time() - started, 1),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment(),
    }
    stored = store.save(name or model, model=network, config=record, history=history,
                        metrics=metrics, replace=replace, allow_protected=allow_protected)
    discard_checkpoint(run_dir)
    return stored, False
