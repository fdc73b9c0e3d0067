"""The explanation methods, one small class each over tf-keras-vis, and the factory by name.

CAM methods weight the feature maps of one conv layer and upsample the result to the face, so
they show *regions*; saliency methods differentiate the score by each input pixel, so they show
*pixels*. Every method explains the score of one class on the model's linear (pre-softmax)
output.
"""

from __future__ import annotations

import functools
from typing import Any

import keras
import numpy as np
from tf_keras_vis.gradcam import Gradcam
from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
from tf_keras_vis.layercam import Layercam
from tf_keras_vis.saliency import Saliency
from tf_keras_vis.scorecam import Scorecam
from tf_keras_vis.utils.scores import CategoricalScore

from ..errors import ModelError
from .base import Explainer, linear_clone


class CamExplainer(Explainer):
    """A class activation map over ``self.layer``; subclasses differ in how maps are weighted.

    Maps come back at the layer's resolution (``expand_cam=False``): the base upsamples them.
    """

    def run(self, x: np.ndarray, classes: list[int]) -> np.ndarray:
        return self.visualizer(CategoricalScore(classes), x, **self.cam_options())

    def cam_options(self) -> dict[str, Any]:
        """Use exactly ``self.layer`` (no search for a conv layer), raw and unexpanded."""
        return {"penultimate_layer": self.layer, "seek_penultimate_conv_layer": False,
                "expand_cam": False, "normalize_cam": False}


class GradCAM(CamExplainer):
    """Grad-CAM (Selvaraju et al. 2017): each feature map weighted by its mean gradient."""

    name = "gradcam"
    visualizer_class = Gradcam


class GradCAMPlusPlus(CamExplainer):
    """Grad-CAM++ (Chattopadhay et al. 2018): pixel-wise weights from higher-order gradients,
    better when a class shows in several places."""

    name = "gradcampp"
    visualizer_class = GradcamPlusPlus


class LayerCAM(CamExplainer):
    """LayerCAM (Jiang et al. 2021): positive gradients weight each location separately."""

    name = "layercam"
    visualizer_class = Layercam


class ScoreCAM(CamExplainer):
    """Faster Score-CAM (Wang et al. 2020): no gradients; each of the ``max_n`` most varied
    feature maps masks the face and is weighted by the class probability that masked face gets.

    Faces are explained one at a time: tf-keras-vis unites the top maps of a whole batch, so a
    batch would cost (maps of all faces) x (faces) predictions instead of max_n per face.
    """

    name = "scorecam"
    visualizer_class = Scorecam
    max_n = 16

    def run(self, x: np.ndarray, classes: list[int]) -> np.ndarray:
        channels = self.model.get_layer(self.layer).output.shape[-1]
        return np.concatenate([
            self.visualizer(CategoricalScore([c]), x[i:i + 1], max_N=min(self.max_n, channels),
                            **self.cam_options())
            for i, c in enumerate(classes)
        ])


class SaliencyMap(Explainer):
    """Vanilla saliency (Simonyan et al. 2014): |d score / d pixel|."""

    name = "saliency"
    visualizer_class = Saliency
    uses_layer = False
    smooth_samples = 0

    def run(self, x: np.ndarray, classes: list[int]) -> np.ndarray:
        return self.visualizer(CategoricalScore(classes), x, smooth_samples=self.smooth_samples,
                               normalize_map=False)


class SmoothGrad(SaliencyMap):
    """SmoothGrad (Smilkov et al. 2017): saliency averaged over noisy copies of the face, which
    removes most of vanilla saliency's speckle."""

    name = "smoothgrad"
    smooth_samples = 20


EXPLAINERS: dict[str, type[Explainer]] = {
    cls.name: cls
    for cls in (GradCAM, GradCAMPlusPlus, ScoreCAM, LayerCAM, SaliencyMap, SmoothGrad)
}
METHODS: tuple[str, ...] = tuple(EXPLAINERS)


@functools.lru_cache(maxsize=64)
def make_explainer(method: str, model: keras.Model, layer: str | None = None) -> Explainer:
    """The explainer ``method`` for ``model`` (CAM methods on ``layer``), built once and cached.

    The cache holds it per (method, model, layer): the dashboard can ask on every click without
    rebuilding tf-keras-vis objects.
    """
    if method not in EXPLAINERS:
        raise ModelError(f"unknown explanation method {method!r}; known: {', '.join(METHODS)}")
    return EXPLAINERS[method](model, layer)


def forget_explainers() -> None:
    """Drop every cached explainer and model clone: needed after changing a model's weights,
    since each clone is a snapshot of them."""
    make_explainer.cache_clear()
    linear_clone.cache_clear()
