"""The README's generated table matches the stored models' own files."""

from __future__ import annotations

from tools.readme_tables import MARKERS, README, shipped_table


def test_the_models_table_is_generated_from_the_stored_files() -> None:
    found = MARKERS.search(README.read_text())
    assert found, "the README lost its models-table markers"
    assert found.group(0).split("\n")[1:-1] == shipped_table().split("\n"), \
        "the README's table is stale: run python tools/readme_tables.py"
