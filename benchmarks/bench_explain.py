"""Milliseconds per explanation, per method and model, for one face and for a batch of 32.

    python -m benchmarks.bench_explain [--methods gradcam ...] [--repeats 3] [--n 200] [--fresh]

Times the stored models (ensembles skipped), or, when none is stored or with ``--fresh``, freshly
built ``custom_cnn``, ``fer_vgg`` and ``vgg16_modified`` with random weights: the time depends on
the architecture, not on the weights. With ``FER2013_DIR`` set and models stored, also prints the
faithfulness table of every method on ``--n`` seeded random test faces. Run on an idle machine:
the figures are wall-clock medians after one warm-up call.
"""

from __future__ import annotations

import argparse
import os
import time
from functools import partial

import keras
import numpy as np

from benchmarks.timing import median_ms
from fer_core.cli.explain_cmd import run_explain_metrics
from fer_core.explain import METHODS, make_explainer
from fer_core.models import build_model, get_spec
from fer_core.store import ModelStore, StoredModel

FRESH_FAMILIES = ("custom_cnn", "fer_vgg", "vgg16_modified")
BATCH = 32


def stored_models() -> list[StoredModel]:
    """The stored models that have weights of their own (ensembles only average them)."""
    return [m for m in ModelStore().list() if not m.is_ensemble]


def models_to_time(fresh: bool) -> dict[str, tuple[keras.Model, str | None]]:
    """Stored plain models with their CAM layer, else (or if ``fresh``) the fresh families."""
    stored = [] if fresh else stored_models()
    if stored:
        return {m.name: (m.load_keras(), m.gradcam_layer) for m in stored}
    return {name: (build_model(get_spec(name), 7), get_spec(name).gradcam_layer)
            for name in FRESH_FAMILIES}


def bench_speed(models: dict[str, tuple[keras.Model, str | None]], methods: list[str],
                repeats: int) -> None:
    """One line per model and method: build time, ms for 1 face, ms per face in a batch."""
    faces = np.random.default_rng(0).integers(0, 256, (BATCH, 48, 48), dtype=np.uint8)
    print(f"backend {keras.backend.backend()}, {os.cpu_count()} CPUs; median of {repeats}")
    print(f"{'model':<22}{'method':<12}{'build ms':>10}{'ms b=1':>10}"
          f"{f'ms b={BATCH}':>11}{'ms/face b=' + str(BATCH):>15}")
    for name, (model, layer) in models.items():
        for method in methods:
            start = time.perf_counter()
            explainer = make_explainer(method, model, layer)
            build = 1000 * (time.perf_counter() - start)
            one = median_ms(partial(explainer.explain, faces[:1]), repeats)
            batch = median_ms(partial(explainer.explain, faces), repeats)
            print(f"{name:<22}{method:<12}{build:>10.0f}{one:>10.1f}{batch:>11.0f}"
                  f"{batch / BATCH:>15.1f}", flush=True)


def bench_faithfulness(n: int, methods: list[str]) -> None:
    """The ``explain-metrics`` table of the stored models on ``n`` test faces of FER2013_DIR."""
    stored = stored_models()
    if not os.environ.get("FER2013_DIR") or not stored:
        print("\nfaithfulness: skipped (needs FER2013_DIR and stored models)")
        return
    start = time.perf_counter()
    print()
    run_explain_metrics(argparse.Namespace(
        model=[m.name for m in stored], data=os.environ["FER2013_DIR"], n=n, methods=methods,
        seed=0, json=False))
    print(f"({time.perf_counter() - start:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="*", choices=METHODS, default=list(METHODS))
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per figure")
    parser.add_argument("--n", type=int, default=200, help="test faces for faithfulness")
    parser.add_argument("--fresh", action="store_true",
                        help="time the fresh families even when models are stored")
    args = parser.parse_args()
    bench_speed(models_to_time(args.fresh), args.methods, args.repeats)
    bench_faithfulness(args.n, args.methods)


if __name__ == "__main__":
    main()
