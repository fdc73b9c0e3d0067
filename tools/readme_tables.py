"""Write the README's generated tables from the stored files: ``python tools/readme_tables.py``.

Two tables, each between its pair of README markers: the shipped models (``python -m fer_core
models --markdown``) and their scores on the real validation photos (as ``fer predict --record``
kept them). ``tests/test_readme.py`` checks both are up to date.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from fer_core.store import ModelStore, StoredModel
from fer_core.zoo_table import real_photos_markdown, zoo_markdown

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TABLES: dict[str, Callable[[list[StoredModel]], str]] = {
    "models table": zoo_markdown, "real photos table": real_photos_markdown}
"""Each generated table: the name in its markers, and what writes it from the stored models."""


def markers(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name} -->\n).*?(<!-- end of {name} -->)", re.S)


def shipped_tables() -> dict[str, str]:
    models = ModelStore(ROOT / "models").list()
    return {name: write(models) for name, write in TABLES.items()}


def with_tables(text: str, tables: dict[str, str]) -> str:
    for name, table in tables.items():
        text = markers(name).sub(lambda m: f"{m.group(1)}{table}\n{m.group(2)}", text)
    return text


if __name__ == "__main__":
    README.write_text(with_tables(README.read_text(), shipped_tables()))
