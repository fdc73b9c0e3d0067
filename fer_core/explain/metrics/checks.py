"""Is a method's map about the model at all, and does it survive a harmless change of the face?

Sanity (Adebayo et al. 2018): re-initialise the top layers of the network (from the output down
to the convolution behind the CAM layer) and explain again. A map that barely changes shows the
face, not the model. The random-logit check explains another class instead: a map that does not
change says nothing about *this* emotion. Stability: the same face re-encoded as JPEG or shifted
by one pixel should get nearly the same map. All three are Spearman rank correlations between
maps, averaged over faces: near 1 means "the same map".
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields
from typing import Any, Mapping

import keras
import numpy as np
from PIL import Image
from scipy.stats import rankdata

SANE_BELOW = 0.5  # rank correlation with the randomised model's maps
STABLE_ABOVE = 0.7  # rank correlation under a re-encoding or a one-pixel shift


@dataclass(frozen=True)
class MethodChecks:
    """What the checks found of one method's maps on a model's validation faces (kept in its
    config.json by ``fer explain-defaults``); None where a check was not run."""

    beats_random: int | None = None
    sanity: float | None = None
    random_logit: float | None = None
    stability: float | None = None
    faces: int | None = None
    split: str | None = None

    @classmethod
    def of(cls, found: Mapping[str, Any], **sample: Any) -> MethodChecks:
        """From a results row or a config entry: the checks' keys, the rest ignored."""
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in found.items() if key in names}, **sample)

    @property
    def sane(self) -> bool | None:
        """The maps change when the top layers are randomised (None: not checked)."""
        return None if self.sanity is None else self.sanity < SANE_BELOW

    @property
    def stable(self) -> bool | None:
        """A re-encoded or shifted face gets nearly the same map (None: not checked)."""
        return None if self.stability is None else self.stability >= STABLE_ABOVE


def rank_correlation(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Spearman correlation of each pair of maps (N,); 0 where a map is flat."""
    a = rankdata(first.reshape(len(first), -1), axis=1)
    b = rankdata(second.reshape(len(second), -1), axis=1)
    a -= a.mean(axis=1, keepdims=True)
    b -= b.mean(axis=1, keepdims=True)
    norm = np.sqrt((a ** 2).sum(axis=1) * (b ** 2).sum(axis=1))
    return np.divide((a * b).sum(axis=1), norm, out=np.zeros(len(a)), where=norm > 0)


def randomised_top(model: keras.Model, layer: str) -> keras.Model:
    """A copy of ``model`` whose weighted layers from the convolution behind ``layer`` up to the
    output are freshly initialised; the layers below keep their trained weights."""
    names = [item.name for item in model.layers]
    start = names.index(layer)
    while start > 0 and not isinstance(model.layers[start], (keras.layers.Conv2D,
                                                              keras.layers.Dense)):
        start -= 1
    copy = keras.models.clone_model(model)  # fresh initial weights everywhere
    for original, fresh in zip(model.layers[:start], copy.layers[:start], strict=True):
        fresh.set_weights(original.get_weights())
    return copy


def other_classes(classes: np.ndarray, num_classes: int, seed: int = 0) -> np.ndarray:
    """A random class other than each face's own."""
    shift = np.random.default_rng(seed).integers(1, num_classes, len(classes))
    return (np.asarray(classes) + shift) % num_classes


def jpeg(images: np.ndarray, quality: int = 75) -> np.ndarray:
    """Faces re-encoded as JPEG: what an upload of the same photo may look like."""
    out = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
        out.append(np.asarray(Image.open(buffer)))
    return np.stack(out)


def shifted(images: np.ndarray) -> np.ndarray:
    """Faces moved one pixel right (the left column repeated)."""
    return np.concatenate([images[:, :, :1], images[:, :, :-1]], axis=2)


def stability(explain, images: np.ndarray, classes: np.ndarray, maps: np.ndarray) -> float:
    """Mean rank correlation of ``maps`` with the maps of the re-encoded and of the shifted
    faces (shifted maps moved back, the edge column left out). ``explain(images, classes)``
    gives maps."""
    recoded = rank_correlation(maps, explain(jpeg(images), classes))
    moved = explain(shifted(images), classes)[:, :, 1:]
    return float(np.mean([recoded.mean(), rank_correlation(maps[:, :, :-1], moved).mean()]))
