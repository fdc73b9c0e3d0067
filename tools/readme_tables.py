"""Write the README's generated tables from the stored files: ``python tools/readme_tables.py``.

Today one table: the shipped models (``python -m fer_core models --markdown``), between the
README's ``<!-- models table -->`` markers. ``tests/test_readme.py`` checks it is up to date.
"""

from __future__ import annotations

import re
from pathlib import Path

from fer_core.store import ModelStore
from fer_core.zoo_table import zoo_markdown

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKERS = re.compile(r"(<!-- models table -->\n).*?(<!-- end of models table -->)", re.S)


def shipped_table() -> str:
    return zoo_markdown(ModelStore(ROOT / "models").list())


def with_table(text: str, table: str) -> str:
    return MARKERS.sub(lambda m: f"{m.group(1)}{table}\n{m.group(2)}", text)


if __name__ == "__main__":
    README.write_text(with_table(README.read_text(), shipped_table()))
