"""Per family on this machine: parameters, training images/second, inference ms per image.

    python benchmarks/bench_models.py [--families custom_cnn fer_vgg ...] [--steps 10]
        [--batch 32] [--precision float32|mixed_bfloat16] [--jit]

Transfer families are built with random weights at their default input size. Run on an idle
machine: the figures are wall-clock.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="*")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps")
    parser.add_argument("--batch", type=int, default=32, help="training batch size")
    parser.add_argument("--jit", action="store_true", help="compile with XLA (jit_compile)")
    parser.add_argument("--precision", default="float32",
                        help="float32 or mixed_bfloat16 (the arithmetic a run trains in)")
    args = parser.parse_args()

    import keras
    import numpy as np

    from fer_core.models import build_model, get_spec, list_specs
    from fer_core.training.precision import in_precision

    names = args.families or [s.name for s in list_specs()]
    rng = np.random.default_rng(0)
    print(f"backend {keras.backend.backend()}, {os.cpu_count()} CPUs, batch {args.batch}, "
          f"jit_compile={args.jit}, {args.precision}")
    print(f"{'family':<26}{'params':>12}{'train img/s':>13}{'ms/img b=1':>12}{'ms/img b=64':>13}")
    for name in names:
        spec = get_spec(name)
        options = {"weights": "random"} if name.startswith("transfer_") else {}
        model = in_precision(lambda: build_model(spec, 7, options=options), args.precision)
        model.compile("adam", "categorical_crossentropy", jit_compile=args.jit)
        x = rng.uniform(0, 255, (args.batch, 48, 48, 1)).astype("float32")
        y = keras.utils.to_categorical(rng.integers(0, 7, args.batch), 7)
        model.train_on_batch(x, y)  # warm-up: tracing and compilation
        started = time.perf_counter()
        for _ in range(args.steps):
            model.train_on_batch(x, y)
        train_rate = args.steps * args.batch / (time.perf_counter() - started)
        latency = {}
        for size, repeats in ((1, 20), (64, 3)):
            batch = rng.uniform(0, 255, (size, 48, 48, 1)).astype("float32")
            model.predict_on_batch(batch)
            started = time.perf_counter()
            for _ in range(repeats):
                model.predict_on_batch(batch)
            latency[size] = (time.perf_counter() - started) / repeats / size * 1000
        print(f"{name:<26}{model.count_params():>12,}{train_rate:>13.1f}"
              f"{latency[1]:>12.2f}{latency[64]:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
