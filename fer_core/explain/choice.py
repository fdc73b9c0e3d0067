"""Each model's CAM layer and default method, chosen by faithfulness on validation faces.

Which layer gives faithful CAM maps depends on the network (a flattening head loses position, a
coarse last layer blurs it), and which method works best depends on both; so both are measured,
never assumed, and on the validation split, never on test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from .inside import block_outputs
from .methods import BASELINE, EXPLAINERS
from .metrics.faithfulness import best_row, compare_methods

CAM_METHODS = tuple(name for name, cls in EXPLAINERS.items() if cls.uses_layer)
PIXEL_METHODS = tuple(name for name, cls in EXPLAINERS.items()
                      if not cls.uses_layer and name != BASELINE)
CHECKED = ("beats_random", "sanity", "random_logit", "stability")
RESOLUTIONS = 3  # candidate layers: the last activation at each of the last three sizes


def candidate_layers(model: keras.Model, count: int = RESOLUTIONS) -> list[str]:
    """The last activation (ReLU or swish output) at each of the model's last ``count``
    spatial resolutions, deepest first: non-negative feature maps, as Grad-CAM++ assumes."""
    return block_outputs(model)[::-1][:count]


@dataclass
class Choice:
    """The chosen layer and method (None when no method earns the default), and the rows."""

    layer: str
    method: str | None
    rows: list[dict[str, Any]] = field(repr=False)

    def summary(self) -> dict[str, Any]:
        return {"gradcam_layer": self.layer, "default_method": self.method, "rows": self.rows}

    def checks(self, split: str) -> dict[str, Any]:
        """What the page says of each method of this model: its validation verdict at the
        chosen layer (CAM methods) or on the pixels."""
        kept = [row for row in self.rows if row["layer"] in (self.layer, None)
                and row["method"] != BASELINE]
        return {"split": split, "n": self.rows[0]["n"],
                "methods": {row["method"]: {key: row.get(key) for key in CHECKED}
                            for row in kept}}

    def describe(self) -> str:
        if self.method is None:
            return (f"no method beats random maps on deletion and insertion with separate 95% "
                    f"intervals while passing the sanity check; CAM layer {self.layer}")
        return f"{self.method} on {self.layer}"


def choose_defaults(model: keras.Model, faces: np.ndarray) -> Choice:
    """Measure every CAM method at each candidate layer and the pixel methods once, on
    ``faces``; keep the method (and layer) that earns the default by the widest margin."""
    layers = candidate_layers(model)
    rows = []
    for layer in layers:
        for row in compare_methods({layer: (model, layer)}, faces, CAM_METHODS):
            rows.append({**row, "model": model.name, "layer": layer})
    for row in compare_methods({layers[0]: (model, layers[0])}, faces, PIXEL_METHODS):
        rows.append({**row, "model": model.name,
                     "layer": None if row["method"] != BASELINE else layers[0]})
    return choose(rows)


def choose(rows: list[dict[str, Any]]) -> Choice:
    """From measured rows (each with its ``layer``, None for pixel methods): the method that
    earns the default by the widest margin, and the CAM layer of the best CAM row (the
    deepest measured layer when no CAM row earns it)."""
    winner = best_row(rows)
    cam_rows = [row for row in rows if row["layer"] is not None and row["method"] != BASELINE]
    chance = next(row for row in rows if row["method"] == BASELINE)
    best_cam = best_row([*cam_rows, chance])
    layer = best_cam["layer"] if best_cam else cam_rows[0]["layer"]
    return Choice(layer, winner["method"] if winner else None, rows)
