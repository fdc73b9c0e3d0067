"""What one face costs a stored model in each form: Keras, TensorFlow Lite and ONNX Runtime.

    python -m benchmarks.bench_export [--models NAME ...] [--repeats 200] [--tta flip]

Each model is exported to a temporary folder (``fer export``'s code, with its check), then
classifies one face at a time (batch 1, a real FER2013 test face when ``FER2013_DIR`` is set):
the median milliseconds over ``--repeats`` calls, after a warm-up. The Keras column runs the
network that is exported. ``--tta flip`` times the networks that average each face with its
mirror. ONNX needs ``requirements-export.txt``. Run on an idle machine: the figures are
wall-clock.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from fer_core.startup import import_tensorflow_quietly

import_tensorflow_quietly()  # before fer_core's modules import it

from fer_core.costs import median_ms, ms_per_face  # noqa: E402
from fer_core.export import (  # noqa: E402
    FORMATS,
    TOLERANCE,
    export_model,
    exported_runner,
    inference_network,
    largest_difference,
)
from fer_core.store import ModelStore  # noqa: E402


def one_face() -> np.ndarray:
    if os.environ.get("FER2013_DIR"):
        from fer_core.data import load_dataset

        return load_dataset(os.environ["FER2013_DIR"]).split("test").images[:1]
    return np.random.default_rng(0).integers(0, 256, (1, 48, 48), dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", help="stored models (default: every single one)")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--tta", choices=("flip",), help="each face with its mirror")
    args = parser.parse_args()
    stored = [m for m in ModelStore().list() if not m.is_ensemble
              and (not args.models or m.name in args.models)]
    face = one_face()
    tta = f", {args.tta} TTA inside" if args.tta else ""
    print(f"{os.cpu_count()} CPUs; ms per face, batch 1{tta}, median of {args.repeats}")
    print(f"{'model':<22}{'keras':>8}" + "".join(f"{fmt:>8}" for fmt in FORMATS))
    with tempfile.TemporaryDirectory() as folder:
        for model in stored:
            row = [ms_per_face(inference_network(model, args.tta), args.repeats)]
            for fmt in FORMATS:
                path = export_model(model, fmt, Path(folder) / f"{model.name}.{fmt}", args.tta)
                if largest_difference(model, path, fmt, face, args.tta) > TOLERANCE:
                    raise SystemExit(f"{model.name}: the {fmt} export predicts otherwise")
                row.append(median_ms(exported_runner(path, fmt), face, args.repeats))
            print(f"{model.name:<22}" + "".join(f"{ms:>8.2f}" for ms in row), flush=True)


if __name__ == "__main__":
    main()
