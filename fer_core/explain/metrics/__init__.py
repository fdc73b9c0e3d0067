"""Is an explanation faithful to the model, and does it point where it should?

Perturbation curves (deletion / insertion AUC), confidence change (average drop / increase), the
pointing game against known regions, sanity and stability checks, and the comparison of methods,
each next to random maps.
"""

from .checks import SANE_BELOW, STABLE_ABOVE, MethodChecks, rank_correlation, stability
from .faithfulness import (
                           best_row,
                           compare_methods,
                           earns_default,
                           format_markdown,
                           format_table,
)
from .perturbation import (
    Perturbation,
    area_under,
    baseline_images,
    perturbation_curves,
    saliency_ranks,
)
from .pointing import pointing_game
from .scores import (
                           METRICS,
                           SCORE,
                           SCORES,
                           Score,
                           beats_random,
                           bootstrap_interval,
                           face_scores,
                           faithfulness,
)

__all__ = [
    "METRICS", "MethodChecks", "Perturbation", "SANE_BELOW", "SCORE", "SCORES", "STABLE_ABOVE",
    "Score", "area_under", "baseline_images", "beats_random", "best_row", "bootstrap_interval",
    "compare_methods",
    "earns_default", "face_scores", "faithfulness", "format_markdown", "format_table",
    "perturbation_curves", "pointing_game", "rank_correlation", "saliency_ranks", "stability",
]
