"""Explanations of any flat FER model: six methods over tf-keras-vis, overlays, and tests of
whether an explanation is faithful (:mod:`.metrics`) and right (:mod:`.synthetic`).

>>> heatmaps = make_explainer("gradcam", model, stored.gradcam_layer).explain(faces)
>>> overlay(faces[0], heatmaps[0], size=192).save("face0.png")
"""

from .base import Explainer
from .heatmaps import COLORMAPS, normalize_maps, overlay
from .methods import METHODS, forget_explainers, make_explainer

__all__ = ["COLORMAPS", "METHODS", "Explainer", "forget_explainers", "make_explainer",
           "normalize_maps", "overlay"]
