"""Training configuration: the study's defaults, each family's recipe, and user overrides.

A config is plain data: it is stored beside every trained model (``config.json``) and hashed,
with the dataset's fingerprint, into the cache key that decides whether a model is already stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from ..errors import ModelError
from ..models import ModelSpec, get_spec
from .distribution import DISTRIBUTIONS
from .precision import PRECISIONS, default_precision

AUGMENTATIONS = ("flip", "shift", "rotation", "zoom", "erasing", "contrast", "brightness",
                 "blur")
OPTIMIZERS = ("adam", "sgd")
LR_SCHEDULES = ("constant", "plateau", "cosine")
# Settings added after models were stored: at these values they stay out of the cache key, so the
# stored models' keys still hold and asking for one of them again still finds it.
KEY_NEUTRAL = {"restore_best_weights": True, "precision": "float32", "teacher": None,
               "teacher_weight": 0.7, "extra_train": None, "equalise": False,
               "distribution": "none"}
# Settings that name a place rather than a value: the key holds what they lead to (the extra
# faces' fingerprint), so the same photos in another folder or machine give the same key.
KEY_BY_CONTENT = ("extra_train",)


@dataclass(frozen=True)
class TrainConfig:
    """Every hyperparameter of a run. The defaults are the study's: batch 32, 10 epochs, Adam,
    early stopping on validation loss with patience 3, restoring the best weights.

    ``augmentation`` maps flip (bool), shift and zoom (fractions of the image), rotation (fraction
    of a full turn) and erasing (probability of erasing a random patch) to their strength; zero
    or false turns one off. ``options`` are the family's own (width, weights, schedule...).
    ``restore_best_weights`` false keeps the last epoch's weights instead of the best by
    validation loss: a cosine schedule run to its end may keep improving in accuracy while
    its validation loss creeps up with confidence.
    ``limit`` caps the training images, for quick runs and tests. ``precision`` is the
    arithmetic of training (:mod:`.precision`); the stored model is float32 either way.
    ``teacher`` names a stored model or ensemble to distil (:mod:`.distill`): each training
    face's target becomes ``teacher_weight`` of the teacher's ten-crop probabilities and the
    rest of its one-hot label. ``extra_train`` is a folder of labelled real photos
    (``<emotion>/<photo>``) whose detected faces join the training split (never validation):
    FER2013's web crops alone teach the look of FER2013, not of a webcam or a portrait.
    ``contrast`` and ``brightness`` augmentation vary each face's contrast and brightness by up
    to that fraction, and ``blur`` softens faces by a random amount up to that strength (0..1):
    the shifts between FER2013's crops and real photos, seen then in every emotion.
    ``equalise`` makes histogram equalisation the network's first layer
    (:mod:`fer_core.models.equalise`): every face, FER2013's or a camera's, is read with the
    same spread of grey levels, in training and in the stored model.
    ``distribution`` spreads training over devices (:mod:`.distribution`): ``none`` trains on
    one, ``data_parallel`` splits each batch between all the devices found (JAX backend only).
    """

    model: str
    epochs: int = 10
    batch_size: int = 32
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    lr_schedule: str = "constant"
    patience: int = 3
    restore_best_weights: bool = True
    augmentation: dict[str, float] = field(default_factory=dict)
    class_weights: bool = False
    label_smoothing: float = 0.0
    cleaning: str = "default"
    seed: int = 0
    limit: int | None = None
    precision: str = "float32"
    teacher: str | None = None
    teacher_weight: float = 0.7
    extra_train: str | None = None
    equalise: bool = False
    distribution: str = "none"
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> ModelSpec:
        return get_spec(self.model)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def cache_key(self, dataset_fingerprint: str) -> str:
        """A hash of everything that decides the result: this config and the data it sees
        (``dataset_fingerprint`` names the extra faces too, when there are any)."""
        settings = {key: value for key, value in self.to_dict().items()
                    if (key not in KEY_NEUTRAL or value != KEY_NEUTRAL[key])
                    and key not in KEY_BY_CONTENT}
        payload = json.dumps([settings, dataset_fingerprint], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def validate(self) -> "TrainConfig":
        problems = []
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if not 0.0 <= self.teacher_weight <= 1.0:
            problems.append("teacher_weight must be between 0 and 1")
        if self.precision not in PRECISIONS:
            problems.append(f"precision must be one of {', '.join(PRECISIONS)}")
        if self.distribution not in DISTRIBUTIONS:
            problems.append(f"distribution must be one of {', '.join(DISTRIBUTIONS)} "
                            f"(got {self.distribution!r})")
        if self.lr_schedule not in LR_SCHEDULES:
            problems.append(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}")
        if self.epochs < 1 or self.batch_size < 1:
            problems.append("epochs and batch_size must be positive")
        unknown = set(self.augmentation) - set(AUGMENTATIONS)
        if unknown:
            problems.append(f"unknown augmentation {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(AUGMENTATIONS)}")
        unknown = set(self.options) - set(self.spec.options)
        if unknown:
            problems.append(f"{self.model} has no option {', '.join(sorted(unknown))}; "
                            f"its options: {', '.join(self.spec.options) or 'none'}")
        if problems:
            raise ModelError("invalid training settings: " + "; ".join(problems))
        return self


def _coerce(text: str, like: Any) -> Any:
    """A ``--set`` value parsed as JSON when it can be (numbers, true, null), else kept as text.

    Values that are not strings (from Python or the dashboard) pass through unchanged.
    """
    if not isinstance(text, str):
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if isinstance(like, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    return value


def make_config(model: str, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The config of ``model``: study defaults, then the family's recipe and this machine's
    precision, then ``overrides``.

    Override keys are config fields, ``augmentation.<name>`` / ``<augmentation name>``, or the
    family's own options (``width``, ``weights``...). Values may be strings, as from the CLI.
    """
    spec = get_spec(model)
    base = TrainConfig(model=model)
    values = {**base.to_dict(), **spec.defaults, "precision": default_precision()}
    values["augmentation"] = dict(values["augmentation"])
    values["options"] = dict(spec.options)
    names = {f.name for f in fields(TrainConfig)}
    for key, raw in (overrides or {}).items():
        augmentation_key = key.removeprefix("augmentation.")
        if augmentation_key in AUGMENTATIONS:
            values["augmentation"][augmentation_key] = _coerce(raw, 0.0)
        elif key in spec.options:
            values["options"][key] = _coerce(raw, spec.options[key])
        elif key in names and key not in ("model", "augmentation", "options"):
            values[key] = _coerce(raw, values[key])
        else:
            raise ModelError(
                f"unknown setting {key!r}; settings: {', '.join(sorted(names - {'model'}))}, "
                f"augmentation: {', '.join(AUGMENTATIONS)}"
                + (f", {model} options: {', '.join(spec.options)}" if spec.options else "")
            )
    return replace(base, **values).validate()


def recorded_settings(record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The family and settings of a stored model's ``config.json``, as ``make_config``
    overrides: what replays its run. The epochs are those asked for (a time budget may have
    cut the run short); settings the record predates take the values that left its key
    unchanged (``KEY_NEUTRAL``)."""
    if "model" not in record:
        raise ModelError("that config.json names no family: it is not a trained model's")
    names = {f.name for f in fields(TrainConfig)} - {"model", "augmentation", "options"}
    settings = {key: record.get(key, KEY_NEUTRAL.get(key)) for key in names
                if key in record or key in KEY_NEUTRAL}
    settings["epochs"] = record.get("time_budget", {}).get("epochs_asked", record.get("epochs"))
    settings.update({f"augmentation.{k}": v for k, v in record.get("augmentation", {}).items()})
    settings.update(record.get("options", {}))
    return record["model"], {k: v for k, v in settings.items() if v is not None}


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["epochs=3", "width=64"]`` from the CLI's ``--set`` into a dict; an error for bad pairs."""
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ModelError(f"--set expects key=value, got {pair!r}")
        result[key.strip()] = value.strip()
    return result
