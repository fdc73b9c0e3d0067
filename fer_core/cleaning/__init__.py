"""Auditing and cleaning a FER :class:`~fer_core.data.Dataset`: duplicates, leakage, blanks.

:func:`audit` lists every suspect image with its reason and removes nothing; :func:`clean` applies
a named :class:`CleaningPolicy` and records its name in ``Dataset.policy``. Nothing here knows of
models.
"""

from .auditing import DEFAULT_BLANK_STD, REASON_WORDS, REASONS, Audit, Finding, audit
from .cleaner import clean
from .policy import (
    DEFAULT_POLICY,
    PRESETS,
    RAW_POLICY,
    STUDY_POLICY,
    CleaningPolicy,
    policy_from_name,
)

__all__ = [
    "DEFAULT_BLANK_STD",
    "DEFAULT_POLICY",
    "PRESETS",
    "RAW_POLICY",
    "REASONS",
    "REASON_WORDS",
    "STUDY_POLICY",
    "Audit",
    "CleaningPolicy",
    "Finding",
    "audit",
    "clean",
    "policy_from_name",
]
