"""The pages of the app, in menu order, and links between them.

Pages are files in ``pages/`` given by absolute path, so navigation and links work whatever the
working directory ``streamlit run`` was started from.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
PAGES = {
    "overview": ("Overview", ":material/home:"),
    "dataset": ("Dataset", ":material/photo_library:"),
    "compare": ("Compare", ":material/leaderboard:"),
    "explain": ("Explain", ":material/visibility:"),
    "emotions": ("Emotions", ":material/mood:"),
    "lesson": ("Lesson", ":material/school:"),
    "train": ("Train", ":material/model_training:"),
}


def navigation() -> st.navigation:
    """The sidebar menu over every page, Overview first and default."""
    return st.navigation([
        st.Page(PAGES_DIR / f"{name}.py", title=title, icon=icon, default=name == "overview")
        for name, (title, icon) in PAGES.items()
    ])


def link(name: str, label: str | None = None) -> None:
    """A link to another page of the app."""
    title, icon = PAGES[name]
    st.page_link(str(PAGES_DIR / f"{name}.py"), label=label or title, icon=icon)
