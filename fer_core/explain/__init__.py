"""Explanations of any flat FER model: ten methods (the random baseline among them), overlays,
and tests of whether an explanation is faithful (:mod:`.metrics`) and right (:mod:`.synthetic`).

>>> heatmaps = make_explainer("gradcam", model, stored.gradcam_layer).explain(faces)
>>> overlay(faces[0], heatmaps[0], size=192).save("face0.png")
"""

from .base import Explainer
from .heatmaps import COLORMAPS, normalize_maps, overlay
from .methods import (
                      BASELINE,
                      EXPLAINERS,
                      METHODS,
                      make_explainer,
                      method_class,
                      random_maps,
)
from .one_face import MethodResult, explain_face

__all__ = ["BASELINE", "COLORMAPS", "EXPLAINERS", "METHODS", "Explainer", "MethodResult",
           "explain_face", "make_explainer", "method_class",
           "normalize_maps", "overlay", "random_maps"]
