"""Is an explanation faithful to the model, and does it point where it should?

Perturbation curves (deletion / insertion AUC), confidence change (average drop / increase), the
pointing game against known regions, and the comparison of methods, each next to random maps.
"""

from .confidence import confidence_change
from .faithfulness import (LOWER_IS_BETTER, METRICS, RANDOM, beats_random, compare_methods,
                           faithfulness, format_table, random_maps)
from .perturbation import area_under, baseline_images, perturbation_curves, saliency_ranks
from .pointing import pointing_game

__all__ = [
    "LOWER_IS_BETTER", "METRICS", "RANDOM", "area_under", "baseline_images", "beats_random",
    "compare_methods", "confidence_change", "faithfulness", "format_table", "perturbation_curves",
    "pointing_game", "random_maps", "saliency_ranks",
]
