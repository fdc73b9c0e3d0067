"""The explanation methods, one small class each, and the factory by name.

CAM methods weight the feature maps of one conv layer and upsample the result to the face, so
they show *regions*; gradient methods differentiate the score by each pixel, so they show
*pixels*; occlusion covers the face patch by patch and needs no gradient at all. Every method
explains the score of one class; the random maps are a method too, the baseline the others must
beat. Gradient methods explain the model's linear (pre-softmax) score; Score-CAM and occlusion
read the probability, the quantity a class sees change.
"""

from __future__ import annotations

import functools

import cv2
import keras
import numpy as np

from ..errors import ModelError
from ..inference import forward
from .base import Explainer
from .gradients import gradient_pass

BATCH = 256  # faces per call when a method sends many copies of each face


def blurred(x: np.ndarray, sigma: float = 5.0) -> np.ndarray:
    """Model-input faces (N, 48, 48, 1) heavily blurred: shapes gone, lighting kept. What a
    removed region becomes, so the model sees missing evidence rather than a dark patch."""
    return np.stack([cv2.GaussianBlur(face[..., 0], (0, 0), sigmaX=sigma)
                     for face in x])[..., None]


def _probabilities(model: keras.Model, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probability of each row's class, for any number of model-input rows."""
    proba = forward(model, x)
    return proba[np.arange(len(x)), classes]


class CamExplainer(Explainer):
    """A class activation map over ``self.layer``: feature maps A (h, w, c) and the score's
    gradients G with respect to them, from the pass every CAM method of the model shares."""

    uses_layer = True
    one_pass = True

    def run(self, x: np.ndarray, classes: list[int]) -> np.ndarray:
        result = gradient_pass(self.model, self.layer)(x, classes)
        return np.maximum(self.combine(result.activations, result.gradients), 0.0)

    def combine(self, activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
        """The map (N, h, w) before the final ReLU."""
        raise NotImplementedError


class GradCAM(CamExplainer):
    name = "gradcam"
    title = "Grad-CAM"
    description = "Regions whose feature maps raise the score, each map weighted by its " \
                  "average gradient."
    reference = "Selvaraju et al. 2017"

    def combine(self, activations, gradients):
        return np.einsum("nhwc,nc->nhw", activations, gradients.mean(axis=(1, 2)))


class GradCAMPlusPlus(CamExplainer):
    name = "gradcampp"
    title = "Grad-CAM++"
    description = "Like Grad-CAM, with per-location weights: better when an emotion shows in " \
                  "several places."
    reference = "Chattopadhay et al. 2018"

    def combine(self, activations, gradients):
        # tf-keras-vis' formulation; its exp(score) factor scales every weight of a face alike,
        # so it is left out (it also overflows on large scores).
        second, third = gradients ** 2, gradients ** 3
        total = activations.sum(axis=(1, 2), keepdims=True)
        denominator = 2.0 * second + third * total
        alphas = second / np.where(second == 0.0, 1.0, denominator)
        norm = alphas.sum(axis=(1, 2), keepdims=True)
        alphas = alphas / np.where(norm == 0.0, 1.0, norm)
        weights = (np.maximum(gradients, 0.0) * alphas).sum(axis=(1, 2))
        return np.einsum("nhwc,nc->nhw", activations, weights)


class HiResCAM(CamExplainer):
    name = "hirescam"
    title = "HiResCAM"
    description = "Gradient times feature map at each location: exactly what each region " \
                  "adds to the score when the head flattens the maps."
    reference = "Draelos & Carin 2020"

    def combine(self, activations, gradients):
        return (activations * gradients).sum(axis=-1)


class LayerCAM(CamExplainer):
    name = "layercam"
    title = "LayerCAM"
    description = "Each location weighted by its own positive gradients: finer than Grad-CAM."
    reference = "Jiang et al. 2021"

    def combine(self, activations, gradients):
        return (activations * np.maximum(gradients, 0.0)).sum(axis=-1)


class ScoreCAM(CamExplainer):
    """Faster Score-CAM: only the ``max_n`` most varied feature maps of each face mask it."""

    name = "scorecam"
    title = "Score-CAM"
    description = "No gradients: each feature map masks the face, weighted by the probability " \
                  "the masked face gets."
    reference = "Wang et al. 2020"
    one_pass = False  # a model call per feature map it masks with
    max_n = 16

    def run(self, x, classes):
        activations = gradient_pass(self.model, self.layer)(x, classes).activations
        maps = []
        for face, features, target in zip(x, activations, classes, strict=True):
            top = np.argsort(-features.reshape(-1, features.shape[-1]).var(axis=0))[:self.max_n]
            chosen = features[..., top]
            masks = np.stack([cv2.resize(chosen[..., k], x.shape[1:3][::-1],
                                         interpolation=cv2.INTER_LINEAR)
                              for k in range(len(top))])
            low = masks.min(axis=(1, 2), keepdims=True)
            span = masks.max(axis=(1, 2), keepdims=True) - low
            masks = np.divide(masks - low, span, out=np.zeros_like(masks), where=span > 0)
            weights = _probabilities(self.model, face[None] * masks[..., None],
                                     np.full(len(top), target))
            maps.append(np.maximum((chosen * weights).sum(axis=-1), 0.0))
        return np.stack(maps)


class Saliency(Explainer):
    name = "saliency"
    title = "Saliency"
    description = "How strongly each pixel's change would move the score: sharp but speckled."
    reference = "Simonyan et al. 2014"
    one_pass = True

    def run(self, x, classes):
        if self.layer is not None:  # the pass the CAM methods of this model share
            return np.abs(gradient_pass(self.model, self.layer)(x, classes).pixel_gradients)
        return np.abs(gradient_pass(self.model, None).pixel_gradients(x, classes))


def _pixel_gradients(model, x: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """d score / d pixel for many rows at once, in batches."""
    engine = gradient_pass(model, None)
    return np.concatenate([engine.pixel_gradients(x[i:i + BATCH], classes[i:i + BATCH])
                           for i in range(0, len(x), BATCH)])


class SmoothGrad(Explainer):
    name = "smoothgrad"
    title = "SmoothGrad"
    description = "Saliency averaged over noisy copies of the face: the speckle fades, the " \
                  "features stay."
    reference = "Smilkov et al. 2017"
    samples = 20
    noise = 0.2  # standard deviation, as a fraction of the face's range of grey

    def run(self, x, classes):
        rng = np.random.default_rng(0)  # the same face always gets the same map
        span = (x.max(axis=(1, 2, 3)) - x.min(axis=(1, 2, 3)))[:, None, None, None, None]
        noisy = x[:, None] + rng.normal(0.0, 1.0, (len(x), self.samples, *x.shape[1:])) \
            * self.noise * np.maximum(span, 1.0)
        grads = _pixel_gradients(self.model, noisy.reshape(-1, *x.shape[1:]).astype(np.float32),
                                 np.repeat(classes, self.samples))
        return np.abs(grads).reshape(len(x), self.samples, *x.shape[1:3]).mean(axis=1)


class IntegratedGradients(Explainer):
    name = "integrated_gradients"
    title = "Integrated Gradients"
    description = "What each pixel adds to the score on the way from a blurred face to this " \
                  "one (positive part)."
    reference = "Sundararajan et al. 2017"
    steps = 24

    def run(self, x, classes):
        base = blurred(x)
        alphas = (np.arange(self.steps, dtype=np.float32) + 0.5) / self.steps  # midpoints
        path = base[:, None] + alphas[None, :, None, None, None] * (x - base)[:, None]
        grads = _pixel_gradients(self.model, path.reshape(-1, *x.shape[1:]),
                                 np.repeat(classes, self.steps))
        mean = grads.reshape(len(x), self.steps, *x.shape[1:3]).mean(axis=1)
        return np.maximum((x - base)[..., 0] * mean, 0.0)


class Occlusion(Explainer):
    name = "occlusion"
    title = "Occlusion"
    description = "Cover the face with a blurred patch, place by place: how much the " \
                  "probability falls where each pixel is covered."
    reference = "Zeiler & Fergus 2014"
    needs_gradients = False
    patch = 12
    stride = 6

    def run(self, x, classes):
        side = x.shape[1]
        starts = range(0, side - self.patch + 1, self.stride)
        windows = [(top, left) for top in starts for left in starts]
        base = blurred(x)
        maps = []
        for face, fill, target in zip(x, base, classes, strict=True):
            covered = np.repeat(face[None], len(windows), axis=0)
            for k, (top, left) in enumerate(windows):
                covered[k, top:top + self.patch, left:left + self.patch] = \
                    fill[top:top + self.patch, left:left + self.patch]
            rows = np.concatenate([face[None], covered])
            proba = _probabilities(self.model, rows, np.full(len(rows), target))
            drop, count = np.zeros((side, side)), np.zeros((side, side))
            for k, (top, left) in enumerate(windows):
                drop[top:top + self.patch, left:left + self.patch] += proba[0] - proba[k + 1]
                count[top:top + self.patch, left:left + self.patch] += 1
            maps.append(drop / np.maximum(count, 1))
        return np.stack(maps)


class RandomMaps(Explainer):
    """Uniform noise (the same seeded noise for every face): the baseline every method has to
    beat."""

    name = "random"
    title = "Random (baseline)"
    description = "Noise: a map no better than this explains nothing."
    reference = "the baseline of every faithfulness score"
    needs_gradients = False

    def run(self, x, classes):
        return random_maps(x.shape[:3])


def random_maps(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Uniform noise maps (N, H, W) in [0, 1]."""
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


EXPLAINERS: dict[str, type[Explainer]] = {
    cls.name: cls
    for cls in (GradCAM, GradCAMPlusPlus, HiResCAM, LayerCAM, ScoreCAM, Saliency, SmoothGrad,
                IntegratedGradients, Occlusion, RandomMaps)
}
METHODS: tuple[str, ...] = tuple(EXPLAINERS)
BASELINE = RandomMaps.name


def method_class(method: str) -> type[Explainer]:
    """The class of ``method``, with its title and description; a clear error if unknown."""
    if method not in EXPLAINERS:
        raise ModelError(f"unknown explanation method {method!r}; known: {', '.join(METHODS)}")
    return EXPLAINERS[method]


@functools.lru_cache(maxsize=128)
def make_explainer(method: str, model: keras.Model, layer: str | None = None) -> Explainer:
    """The explainer ``method`` for ``model`` (on ``layer``), built once and cached."""
    return method_class(method)(model, layer)

