"""Accuracy and happy / neutral recall of stored models under the shifts real photos bring.

    python -m benchmarks.robustness --model fer_vgg [--model ensemble ...] --data FER2013_DIR
        [--split test|val] [--n 1000] [--shifts clean blur ...] [--markdown]

The faces are a seeded sample of the split; each shift of :mod:`fer_core.robustness` is applied
to them and every model is measured on the result. Choose anything on ``--split val``; the test
split is for reporting what was chosen.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", required=True,
                        help="stored model or ensemble; repeat")
    parser.add_argument("--data", required=True, help="dataset path")
    parser.add_argument("--split", choices=("val", "test"), default="test")
    parser.add_argument("--n", type=int, default=1000, help="faces sampled (0: all)")
    parser.add_argument("--shifts", nargs="+", help="shift names (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    from fer_core.startup import import_tensorflow_quietly

    import_tensorflow_quietly()  # before anything imports it
    from fer_core.data import load_dataset
    from fer_core.ensemble import member_models
    from fer_core.evaluate import align_to_classes
    from fer_core.robustness import SHIFTS, reframe, robustness_rows
    from fer_core.store import ModelStore

    store = ModelStore()
    models = {name: [m.load_keras() for m in member_models(store, [name])]
              for name in args.model}
    classes = store.get(args.model[0]).classes
    images, labels = align_to_classes(load_dataset(args.data).split(args.split), classes)
    if args.n and args.n < len(images):
        pick = np.sort(np.random.default_rng(0).choice(len(images), args.n, replace=False))
        images, labels = images[pick], labels[pick]
    shifts = args.shifts or list(SHIFTS)
    unknown = set(shifts) - set(SHIFTS)
    if unknown:
        parser.error(f"unknown shift(s) {', '.join(sorted(unknown))}; known: {', '.join(SHIFTS)}")
    rows = robustness_rows(models, images, labels, classes, shifts)
    found = reframe(images)[1].mean() if "found in a photo" in shifts else None
    print(f"{len(images)} {args.split} faces (seed 0)"
          + (f"; the detector found {found:.0%} of them again in larger photos"
             if found is not None else ""))
    names = list(models)
    header = ["shift", *(f"{n} {what}" for n in names for what in ("acc", "happy", "neutral"))]
    table = {}
    for row in rows:
        table.setdefault(row["shift"], {})[row["model"]] = row
    lines = []
    for shift, by_model in table.items():
        cells = [shift]
        for name in names:
            row = by_model[name]
            cells += [f"{row['accuracy']:.1%}"] + [
                "-" if row[k] is None else f"{row[k]:.0%}" for k in ("happy", "neutral")]
        lines.append(cells)
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
        for cells in [header, *lines]:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    main()
