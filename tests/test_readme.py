"""The README's generated tables match the stored models' own files."""

from __future__ import annotations

import pytest

from tools.readme_tables import README, TABLES, markers, shipped_tables


@pytest.mark.parametrize("name", TABLES)
def test_each_table_is_generated_from_the_stored_files(name: str) -> None:
    found = markers(name).search(README.read_text())
    assert found, f"the README lost its {name} markers"
    assert found.group(0).split("\n")[1:-1] == shipped_tables()[name].split("\n"), \
        f"the README's {name} is stale: run python tools/readme_tables.py"
