"""Cleaning policies: what to remove given an audit, named so every metric can cite its data."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError


@dataclass(frozen=True)
class CleaningPolicy:
    """What :func:`~.cleaner.clean` removes; the defaults are the project's standard cleaning.

    ``deduplicate``: of each exact-duplicate group keep one copy (the first by id, in the first of
    train, val, test that holds one), so duplicates within a split go and test/val copies of train
    images (leakage) go; a group filed under different emotions is dropped whole, since no copy
    can be trusted. ``drop_blank``: drop near-constant images. ``drop_near_duplicates``: treat
    groups of perceptual-hash distance <= ``near_distance`` like exact duplicates.
    ``drop_no_face``: drop images a face detector rejected. ``drop_classes``: remove these
    emotions entirely, renumbering the remaining labels 0..k-1 in their order.
    """

    deduplicate: bool = True
    drop_blank: bool = True
    drop_near_duplicates: bool = False
    near_distance: int = 4
    drop_no_face: bool = False
    drop_classes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.drop_near_duplicates and not self.deduplicate:
            raise DataError(
                "dropping near duplicates needs deduplicate=True: both are handled alike"
            )
        # Lower-case and sort the classes so equal policies always describe themselves equally
        # (and take a lone name as one class, not as its letters).
        names = (self.drop_classes,) if isinstance(self.drop_classes, str) else self.drop_classes
        object.__setattr__(self, "drop_classes", tuple(sorted({n.strip().lower() for n in names})))

    @property
    def needs_audit(self) -> bool:
        """Whether it removes anything besides whole classes: only then is an audit needed."""
        return self.deduplicate or self.drop_blank or self.drop_no_face

    def describe(self) -> str:
        """A short stable name: a preset's name, or ``default``/``raw`` spelled with its changes."""
        spelled = self._spelled()
        return _PRESET_NAMES.get(spelled, spelled)

    def _spelled(self) -> str:
        if not (self.deduplicate or self.drop_blank):
            base = "raw"
        else:
            base = "default" + ("" if self.deduplicate else "+keep-duplicates")
            base += "" if self.drop_blank else "+keep-blank"
        changes = [
            f"+near<={self.near_distance}" if self.drop_near_duplicates else "",
            "+no-face" if self.drop_no_face else "",
            *(f"-{c}" for c in self.drop_classes),
        ]
        return base + "".join(changes)


DEFAULT_POLICY = CleaningPolicy()
STUDY_POLICY = CleaningPolicy(drop_classes=("disgust",))
RAW_POLICY = CleaningPolicy(deduplicate=False, drop_blank=False)

PRESETS: dict[str, CleaningPolicy] = {
    "raw": RAW_POLICY,
    "default": DEFAULT_POLICY,
    "study": STUDY_POLICY,
}
# Policies that behave alike spell alike, so a preset's name is found whatever the unused settings.
_PRESET_NAMES = {policy._spelled(): name for name, policy in PRESETS.items()}


def policy_from_name(name: str) -> CleaningPolicy:
    """The preset called ``name`` (``raw``, ``default`` or ``study``)."""
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        raise DataError(
            f"unknown cleaning policy {name!r}; expected one of: {', '.join(PRESETS)}"
        ) from None
