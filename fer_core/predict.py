"""Photos in, emotions out, by the Explain page's own path: read, find every face, classify.

A stored ensemble predicts the average of its members' probabilities, as on the page. Where the
two most likely emotions are close, :func:`prediction_in_words` says so: a label the model is
not sure of should not be shown as if it were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .ensemble import member_models
from .errors import DataError, FerError
from .evaluate import ensemble_proba, predict_proba
from .faces import EXTENSIONS, find_faces, read_image
from .store import ModelStore, StoredModel

UNSURE_MARGIN = 0.15
"""Top two probabilities closer than this are read as the model being unsure between them."""


def prediction_in_words(classes: Sequence[str], proba: np.ndarray) -> str:
    """The prediction in words: ``"happy 82%"``, or ``"happy or neutral: the model is unsure"``
    when the runner-up is within :data:`UNSURE_MARGIN`."""
    first, second = np.argsort(proba)[::-1][:2]
    if proba[first] - proba[second] < UNSURE_MARGIN:
        return f"{classes[first]} or {classes[second]}: the model is unsure"
    return f"{classes[first]} {proba[first]:.0%}"


@dataclass
class Predictor:
    """Stored models (ensembles as the average of their members), loaded once."""

    models: list[tuple[StoredModel, list]]

    @classmethod
    def load(cls, names: Sequence[str], store: ModelStore | None = None) -> "Predictor":
        store = store or ModelStore()
        chosen = [store.get(name) for name in names]
        loaded = {}
        for member in member_models(store, list(names)):
            loaded.setdefault(member.name, member.load_keras())
        return cls([(stored, [loaded[n] for n in (stored.members or [stored.name])])
                    for stored in chosen])

    def probabilities(self, faces: np.ndarray) -> dict[str, np.ndarray]:
        """Each model's (N, classes) probabilities for uint8 (N, 48, 48) faces."""
        return {stored.name: ensemble_proba([predict_proba(m, faces) for m in networks])
                for stored, networks in self.models}

    def photo(self, path: Path) -> dict[str, Any]:
        """One photo's faces, largest first, each with its box, how face-like it is and every
        model's probabilities (boxes in the photo turned by ``turn`` degrees, as the faces
        were found); ``error`` instead when the file cannot be read."""
        try:
            search = find_faces(read_image(path))
        except FerError as error:
            return {"file": str(path), "error": str(error)}
        crops = np.stack([face.crop for face in search.faces])
        per_model = self.probabilities(crops)
        faces = []
        for i, face in enumerate(search.faces):
            models = {}
            for stored, _ in self.models:
                proba = per_model[stored.name][i]
                models[stored.name] = {
                    "predicted": stored.classes[int(proba.argmax())],
                    "in_words": prediction_in_words(stored.classes, proba),
                    "probabilities": dict(zip(stored.classes, proba.round(4).tolist(),
                                              strict=True))}
            faces.append({"box": face.box._asdict(), "source": face.source,
                          "is_face": face.is_face, "likeness": face.likeness, "models": models})
        return {"file": str(path), "found": search.found, "message": search.message,
                "turn": search.turn, "faces": faces}


def photo_paths(paths: Sequence[str | Path]) -> list[Path]:
    """The photos named: files as given, folders searched recursively for image files."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower().lstrip(".") in EXTENSIONS)
        elif path.exists():
            found.append(path)
        else:
            raise DataError(f"no such file or folder: {path}")
    return found


def scored(records: list[dict[str, Any]], classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy, recall and a confusion table per model over photos whose parent folder names
    their emotion; photos with no detected face are counted, not scored (the page would say
    it found no face)."""
    labelled = [(r, Path(r["file"]).parent.name.lower()) for r in records if "error" not in r]
    labelled = [(r, label) for r, label in labelled if label in classes]
    scoring = [(r, classes.index(label)) for r, label in labelled if r["found"]]
    if not scoring:
        raise DataError("no photo lies in an emotion folder with a face found "
                        f"(folders named {', '.join(classes)})")
    report = {"photos": len(labelled), "faces_found": len(scoring), "models": {}}
    truth = np.array([label for _, label in scoring])
    for name in scoring[0][0]["faces"][0]["models"]:
        predicted = np.array([classes.index(r["faces"][0]["models"][name]["predicted"])
                              for r, _ in scoring])
        confusion = np.zeros((len(classes), len(classes)), dtype=int)
        np.add.at(confusion, (truth, predicted), 1)
        recall = {c: float(confusion[i, i] / confusion[i].sum())
                  for i, c in enumerate(classes) if confusion[i].sum()}
        report["models"][name] = {"accuracy": float((predicted == truth).mean()),
                                  "recall": recall, "confusion": confusion.tolist()}
    return report


def record_scores(report: dict[str, Any], models: Sequence[StoredModel], photo_set: str,
                  store: ModelStore | None = None) -> None:
    """Keep each model's scores on a labelled photo set in its ``metrics.json`` under
    ``real_photos.<photo_set>``, beside its FER2013 figures; other sets' scores stay."""
    store = store or ModelStore()
    for stored in models:
        scores = report["models"][stored.name]
        kept = dict((stored.metrics or {}).get("real_photos") or {})
        kept[photo_set] = {"accuracy": scores["accuracy"], "recall": scores["recall"],
                           "faces_found": report["faces_found"], "photos": report["photos"]}
        store.update_metrics(stored.path, {"real_photos": kept})
