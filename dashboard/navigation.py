"""The pages of the app, in menu order, and links between them.

Pages are files in ``pages/`` given by absolute path, so navigation and links work whatever the
working directory ``streamlit run`` was started from.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


class Page(NamedTuple):
    title: str
    icon: str
    what: str
    """What a visitor finds there, for the Overview's list of pages."""


PAGES = {
    "overview": Page("Overview", ":material/home:",
                     "this page: what the app is, the model zoo and the data in use."),
    "dataset": Page("Dataset", ":material/photo_library:",
                    "how many faces of each emotion there are, what they look like, and what "
                    "is wrong with the data (duplicates, faces in both train and test, blank "
                    "images)."),
    "compare": Page("Compare", ":material/leaderboard:",
                    "learning curves, confusion matrices and accuracy of the trained models, "
                    "next to the figures of the study we reproduce."),
    "explain": Page("Explain", ":material/visibility:",
                    "upload a photo, take one with the camera, or pick a dataset face: each "
                    "model's prediction and heatmaps (Grad-CAM and others) of the pixels "
                    "behind it, each checked against random maps."),
    "live": Page("Live", ":material/videocam:",
                 "the camera read as it plays: each face boxed with the model's top emotions "
                 "and its map, the last seconds as a timeline, a frame frozen and explained."),
    "video": Page("Video", ":material/movie:",
                  "upload a clip: every face followed over time, each model's emotions frame by "
                  "frame, and the moments each emotion peaks, explained."),
    "emotions": Page("Emotions", ":material/mood:",
                     "what a model looks at for each emotion: its maps averaged over the test "
                     "faces of that emotion, and the share on eyes, nose and mouth."),
    "lesson": Page("Lesson", ":material/school:",
                   "a guided lesson in steps, from a confident right answer to the maps' "
                   "limits, for a class to follow on the projector."),
    "train": Page("Train", ":material/model_training:",
                  "pick an architecture and its settings and watch it learn (a teacher's "
                  "password may guard it)."),
}


def navigation() -> st.navigation:
    """The sidebar menu over every page, Overview first and default."""
    return st.navigation([
        st.Page(PAGES_DIR / f"{name}.py", title=page.title, icon=page.icon,
                default=name == "overview")
        for name, page in PAGES.items()
    ])


def link(name: str, label: str | None = None) -> None:
    """A link to another page of the app."""
    page = PAGES[name]
    st.page_link(str(PAGES_DIR / f"{name}.py"), label=label or page.title, icon=page.icon)


def page_list() -> str:
    """Every page but this one as a numbered Markdown list, in menu order."""
    return "\n".join(f"{i}. **{page.title}**: {page.what}"
                     for i, page in enumerate((p for n, p in PAGES.items() if n != "overview"),
                                              start=1))
