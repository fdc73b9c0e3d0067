"""The model store: one folder per trained model, written atomically.

``models/<name>/`` holds ``model.keras`` (the network), ``config.json`` (every hyperparameter,
library versions, seed, wall time, machine, cache key), ``history.json`` (per-epoch curves) and
``metrics.json`` (test figures with and without TTA, and which data they were measured on). An
ensemble is a folder with ``ensemble.json`` naming its members instead of weights.

Folders are staged under a temporary name and renamed into place, so an interrupted write never
leaves a half model that looks valid.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .atomic import atomic_path, json_text, write_json
from .errors import ModelError, NameTaken
from .paths import models_dir
from .shared_cache import exclusive, held, holder, read_note

if TYPE_CHECKING:
    from .explain.metrics.checks import MethodChecks

MODEL_FILE = "model.keras"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][\w.-]*")
ENSEMBLE_FILE = "ensemble.json"
FALLBACK_METHOD = "gradcam"  # the study's method, for a model whose default was never chosen
REAL_PHOTOS_SET = "realphotos"
"""The labelled real photos whose recorded scores the models table and the pickers read: the
validation set for reading people (``../shared/realphotos``), never trained on."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from None


@dataclass(eq=False)
class StoredModel:
    """One stored model (or ensemble): its files, read lazily."""

    path: Path
    config: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_ensemble(self) -> bool:
        return (self.path / ENSEMBLE_FILE).is_file()

    @property
    def members(self) -> list[str]:
        """The stored models an ensemble averages (empty for a plain model)."""
        return _read_json(self.path / ENSEMBLE_FILE)["members"] if self.is_ensemble else []

    @property
    def classes(self) -> list[str]:
        return list(self.config["classes"])

    @property
    def family(self) -> str:
        return self.config.get("model", "ensemble")

    @property
    def gradcam_layer(self) -> str | None:
        return self.config.get("gradcam_layer")

    @property
    def protected(self) -> bool:
        """A protected model (the shipped ones) is never replaced or deleted from the browser."""
        return bool(self.config.get("protected"))

    @property
    def test_accuracy(self) -> float | None:
        """Raw test accuracy, where it was measured."""
        return (self.metrics or {}).get("accuracy")

    @property
    def real_photo_scores(self) -> dict[str, Any]:
        """Scores on the real validation photos (accuracy, per-class recall, faces found),
        where ``fer predict --record`` kept them; empty where it never ran."""
        recorded = (self.metrics or {}).get("real_photos") or {}
        return recorded.get(REAL_PHOTOS_SET) or {}

    @property
    def real_photo_accuracy(self) -> float | None:
        """Accuracy on the real validation photos, where ``fer predict --record`` kept it."""
        return self.real_photo_scores.get("accuracy")

    @property
    def default_method(self) -> str | None:
        """The explanation method chosen for this model on the validation split, if any."""
        return self.config.get("default_method")

    @property
    def own_method(self) -> str:
        """The method its maps open with: its default, else the study's Grad-CAM."""
        return self.default_method or FALLBACK_METHOD

    def method_checks(self) -> dict[str, MethodChecks]:
        """What ``fer explain-defaults`` found of each method on validation faces (empty until
        it has run): the page's verdicts and the live view's choice read it here."""
        from .explain.metrics.checks import MethodChecks

        found = self.config.get("explanation_checks") or {}
        return {method: MethodChecks.of(checks, faces=found.get("n"), split=found.get("split"))
                for method, checks in found.get("methods", {}).items()}

    @cached_property
    def history(self) -> list[dict[str, Any]]:
        path = self.path / "history.json"
        return _read_json(path)["epochs"] if path.is_file() else []

    @cached_property
    def metrics(self) -> dict[str, Any] | None:
        path = self.path / "metrics.json"
        return _read_json(path) if path.is_file() else None

    def load_keras(self):
        """The Keras model, loaded in safe mode; a clear error when the file is not a model."""
        import keras  # heavy: only when a model is actually needed

        from . import models  # noqa: F401  registers the families' layers

        path = self.path / MODEL_FILE
        if not path.is_file():
            raise ModelError(f"{self.name}: {path} is missing")
        try:
            return keras.saving.load_model(path, compile=False, safe_mode=True)
        except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{self.name}: {path} is not a loadable Keras model ({exc})") from None


def _inference_copy(model):
    """The model without its optimizer: a stored model is for predicting and explaining, and the
    optimizer's state would triple the file."""
    import keras

    if getattr(model, "optimizer", None) is None:
        return model
    copy = keras.Model.from_config(model.get_config())  # clone_model would keep the optimizer
    copy.set_weights(model.get_weights())
    return copy


def check_name(name: str) -> None:
    """Refuse a model name that is not one plain folder name: nothing may land outside the store."""
    if not NAME_PATTERN.fullmatch(name):
        raise ModelError(f"{name!r} is not a model name: use letters, digits, '.', '_', '-'")


class ModelStore:
    """The folder of stored models (``models/`` or ``$FER_MODELS_DIR``)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else models_dir()

    def list(self) -> list[StoredModel]:
        """Every stored model and ensemble, by name; folders that are not models are skipped."""
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            if folder.name.startswith(".") or not (folder / "config.json").is_file():
                continue
            try:
                found.append(StoredModel(folder, _read_json(folder / "config.json")))
            except ModelError:
                continue  # unreadable: listed by `get`'s error when asked for by name
        return found

    def get(self, name_or_path: str | Path) -> StoredModel:
        """A stored model by name, or by the path of its folder."""
        candidate = Path(name_or_path)
        folder = candidate if candidate.is_dir() else self.root / str(name_or_path)
        if not (folder / "config.json").is_file():
            known = ", ".join(m.name for m in self.list()) or "none"
            raise ModelError(f"no stored model {str(name_or_path)!r} (stored: {known})")
        return StoredModel(folder, _read_json(folder / "config.json"))

    def find(self, cache_key: str) -> StoredModel | None:
        """The stored model trained from exactly this config and data, if any."""
        return next((m for m in self.list() if m.config.get("cache_key") == cache_key), None)

    def check_free(self, name: str, replace: bool = False,
                   allow_protected: bool = True) -> None:
        """Refuse ``name`` when a model is stored under it, unless ``replace``; refuse a
        protected one unless ``allow_protected`` too."""
        check_name(name)
        if not (self.root / name / "config.json").is_file():
            return
        existing = self.get(name)
        accuracy = existing.test_accuracy
        held = f"{existing.path} already holds a model" + (
            f" (test accuracy {accuracy:.1%})" if accuracy is not None else "")
        if existing.protected and not allow_protected:
            raise NameTaken(f"{held}, and it is protected: choose another name")
        if not replace:
            raise NameTaken(f"{held}: choose another name, or ask to replace it")

    def free_name(self, base: str) -> str:
        """``base`` if no model has it and no run is training it, else ``base_2``,
        ``base_3``...: a name that replaces nothing."""
        candidates = (base, *(f"{base}_{i}" for i in range(2, 10_000)))
        return next(c for c in candidates
                    if not (self.root / c).exists() and not self.training(c))

    def _training_lock_file(self, name: str) -> Path:
        """The lock file a run holds while it trains ``name`` (hidden: not a model)."""
        check_name(name)
        return self.root / f".{name}.training.lock"

    def training(self, name: str) -> bool:
        """Whether a run (of any process sharing this store) is training ``name`` now."""
        return bool(NAME_PATTERN.fullmatch(name)) and held(self._training_lock_file(name))

    @contextmanager
    def training_lock(self, name: str, tries: int = 5) -> Iterator[None]:
        """Hold ``name`` for a training run's life: while held, a second run asking for it (in
        this process, another server or the command line) is refused with :class:`NameTaken`.
        A hidden lock file in the store, taken with ``flock``: the system lets go of it when
        the process ends, however it ends. A few tries a tenth of a second apart step over a
        :meth:`training` look, which holds it for an instant."""
        path = self._training_lock_file(name)
        for attempt in range(tries):
            with exclusive(path, note=holder()) as taken:
                if taken is not None:
                    yield
                    return
            if attempt < tries - 1:
                time.sleep(0.1)
        who = read_note(path)
        raise NameTaken(f"a run is already training {name}" + (f" ({who})" if who else "")
                        + ": wait for it to end, or choose another name")

    def save(self, name: str, *, model=None, config: dict, history: list | None = None,
             metrics: dict | None = None, members: list[str] | None = None,
             replace: bool = False, allow_protected: bool = True) -> StoredModel:
        """Write a model (or, with ``members``, an ensemble manifest) as one atomic folder.

        ``name`` must be one plain folder name, so nothing is ever written outside the store;
        a stored model of that name is replaced only with ``replace`` (see
        :meth:`check_free`), and then only once the new folder is complete.
        """
        self.check_free(name, replace, allow_protected)
        target = self.root / name
        with atomic_path(target) as staged:
            staged.mkdir()
            if model is not None:
                _inference_copy(model).save(staged / MODEL_FILE)
            files = {ENSEMBLE_FILE: None if members is None else {"members": members},
                     "config.json": config,
                     "history.json": None if history is None else {"epochs": history},
                     "metrics.json": metrics}
            for file, payload in files.items():
                if payload is not None:
                    (staged / file).write_text(json_text(payload), encoding="utf-8")
        return self.get(name)

    def update_config(self, name: str, changes: dict[str, Any]) -> StoredModel:
        """Set some keys of a stored model's ``config.json``, atomically; nothing else moves."""
        stored = self.get(name)
        write_json(stored.path / "config.json", {**stored.config, **changes})
        return self.get(stored.path)

    def update_metrics(self, name: str, changes: dict[str, Any]) -> StoredModel:
        """Set some keys of a stored model's ``metrics.json``, atomically; nothing else moves."""
        stored = self.get(name)
        write_json(stored.path / "metrics.json", {**(stored.metrics or {}), **changes})
        return self.get(stored.path)

    def move(self, name: str, to: str, *, replace: bool = False,
             allow_protected: bool = True) -> StoredModel:
        """Store model ``name`` as ``to`` instead (replacing it only as :meth:`check_free`
        allows); the model under ``to`` stays intact until the moved copy is complete."""
        source = self.get(name)
        self.check_free(to, replace, allow_protected)
        with atomic_path(self.root / to) as staged:
            shutil.copytree(source.path, staged)
            (staged / "config.json").write_text(json_text({**source.config, "name": to}),
                                                encoding="utf-8")
        shutil.rmtree(source.path)
        return self.get(to)

    def delete(self, name: str, allow_protected: bool = True) -> None:
        stored = self.get(name)
        if stored.protected and not allow_protected:
            raise NameTaken(f"{stored.path} is protected: it cannot be deleted from here")
        shutil.rmtree(stored.path)
