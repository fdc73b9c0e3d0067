"""Rows of columns that wrap onto the next line instead of squeezing their content.

Streamlit's columns keep their shares of the width down to a phone's width, where they stack:
on a laptop with the sidebar open (800 px) or a low-resolution projector, three controls side by
side cut their labels ("Upload | Ca") and a grid of maps shrinks them to thumbnails. A wrapping
row gives each column a minimum width; the columns that do not fit beside the others move to
the next line and take its width, so a wide screen keeps the side-by-side layout and a narrow
one stacks what must stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

_ROW = ('.st-key-wrap-{key} > [data-testid="stLayoutWrapper"] > '
        '[data-testid="stHorizontalBlock"]')


def wrapping_columns(key: str, spec: int | Sequence[float], min_rem: float | Sequence[float],
                     **options) -> list:
    """``st.columns(spec, **options)`` in a row that wraps any column narrower than its
    ``min_rem`` (one width for all, or one per column) onto the next line. ``key`` names the
    row: unique on the page (other characters than letters, digits, ``-`` and ``_`` become
    ``-``)."""
    key = re.sub(r"[^A-Za-z0-9_-]", "-", key)
    count = spec if isinstance(spec, int) else len(spec)
    minimums = [min_rem] * count if isinstance(min_rem, (int, float)) else list(min_rem)
    row = _ROW.format(key=key)
    rules = [f"{row} {{ flex-wrap: wrap; row-gap: 1rem; }}"] + [
        f'{row} > [data-testid="stColumn"]:nth-child({i}) {{ min-width: min(100%, {m}rem); }}'
        for i, m in enumerate(minimums, start=1)]
    st.html(f"<style>{' '.join(rules)}</style>")
    return st.container(key=f"wrap-{key}").columns(spec, **options)
