"""Classroom mode: the app served to a class from one machine.

With ``FER_CLASSROOM=1`` (or ``classroom = true`` in ``.streamlit/secrets.toml``) the dataset is
the server's own (``FER2013_DIR``) and nothing a visitor types names a server path; training from
the browser is off, or, when a ``teacher_password`` secret is set, open to whoever gives it
(compared in constant time, remembered for that browser session only). Without the setting the
app is a teacher's own tool on their own machine, and everything stays open.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

UNLOCKED = "teacher_unlocked"
TRUE = {"1", "true", "yes", "on"}


def secret(key: str) -> str | None:
    try:
        value = st.secrets.get(key)
    except FileNotFoundError:  # no secrets.toml: an ordinary setup
        return None
    return None if value is None else str(value)


def classroom_mode() -> bool:
    """Whether the app is served to a class (``FER_CLASSROOM`` or the ``classroom`` secret)."""
    setting = os.environ.get("FER_CLASSROOM") or secret("classroom") or ""
    return setting.strip().lower() in TRUE


def training_allowed() -> bool:
    """Outside classroom mode always; in it, once this session has given the teacher's
    password (never, when no password is set)."""
    return not classroom_mode() or bool(st.session_state.get(UNLOCKED))


def teacher_login() -> None:
    """The Train page's gate in classroom mode: a password field, or why training is off."""
    password = secret("teacher_password")
    if not password:
        st.info("Training from the browser is off while the app is served to a class. The "
                "teacher can train from a terminal (`python -m fer_core train ...`), or set a "
                "`teacher_password` secret to train from here.", icon=":material/lock:")
        return
    given = st.text_input("Teacher password", type="password", key="teacher_password_input")
    if given and hmac.compare_digest(given.encode(), password.encode()):
        st.session_state[UNLOCKED] = True
        st.rerun()
    if given:
        st.error("That is not the teacher's password.", icon=":material/lock:")
