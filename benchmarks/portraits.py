"""Smiles and neutral faces on portraits, read by the Explain page's own path.

    python -m benchmarks.portraits FOLDER --model fer_vgg [--model ensemble ...] [--markdown]

FOLDER holds ``happy/broad_*`` (teeth showing), ``happy/subtle_*`` and ``neutral/*`` photos
(``tools/heldout_portraits.py`` lays out the held-out portrait sets so). Per model: how many
broad smiles, all smiles and neutral faces it reads as such, from the largest face of each photo;
photos with no face found count as missed. These are the figures the real-faces issue asks of a
model, on photos kept aside to check it, never to choose anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

GROUPS = {"broad smiles": ("happy", "broad_"), "all smiles": ("happy", ""),
          "neutral": ("neutral", "")}
"""Each reported group: the label it should get and the file-name prefix that selects it."""


def group_rows(records: list[dict[str, Any]], models: list[str]) -> list[dict[str, Any]]:
    """Per model and group: photos, those read as the group's label, the share."""
    rows = []
    for name in models:
        for group, (label, prefix) in GROUPS.items():
            chosen = [r for r in records if Path(r["file"]).parent.name == label
                      and Path(r["file"]).name.startswith(prefix)]
            hits = sum(1 for r in chosen if r.get("faces")
                       and r["faces"][0]["models"][name]["predicted"] == label)
            rows.append({"model": name, "group": group, "photos": len(chosen), "read": hits,
                         "share": hits / len(chosen) if chosen else None})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| model | " + " | ".join(GROUPS) + " |", "|---|" + "---:|" * len(GROUPS)]
    for name in dict.fromkeys(r["model"] for r in rows):
        cells = [f"{r['share']:.0%} ({r['read']}/{r['photos']})" if r["photos"] else "-"
                 for r in rows if r["model"] == name]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="happy/broad_*, happy/subtle_*, neutral/* photos")
    parser.add_argument("--model", action="append", required=True,
                        help="stored model or ensemble; repeat")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    from fer_core.startup import import_tensorflow_quietly

    import_tensorflow_quietly()  # before anything imports it
    from fer_core.predict import Predictor, photo_paths

    predictor = Predictor.load(args.model)
    records = [predictor.photo(path) for path in photo_paths([args.folder])]
    names = [stored.name for stored, _ in predictor.models]
    rows = group_rows(records, names)
    if args.markdown:
        print(markdown(rows))
        return
    for row in rows:
        share = "-" if row["share"] is None else f"{row['share']:.1%}"
        print(f"{row['model']:<18} {row['group']:<13} "
              f"{row['read']:>3} of {row['photos']:<3} {share}")


if __name__ == "__main__":
    main()
