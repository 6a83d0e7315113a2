"""Classification levels and urgency, as Indonesian records rules name them.

Classification is ordered: Biasa (also called Terbuka) < Terbatas < Rahasia <
Sangat Rahasia. Urgency (Biasa, Segera, Sangat Segera, Kilat) is a different
field of a document and is never compared with a classification.

>>> from sandi.pola.classification import Classification
>>> Classification.parse("rahasia") > Classification.TERBATAS
True
>>> Classification.parse("Sangat Rahasia").label
'Sangat Rahasia'
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from sandi._internal.i18n import Phrase
from sandi.errors import InvalidArgument


def _norm(text: str) -> str:
    return text.strip().lower().replace(" ", "-").replace("_", "-")


_L = TypeVar("_L", "Classification", "Urgency")
_CLASSIFICATION = Phrase("classification")
_URGENCY = Phrase("urgency")


def _parse(cls: type[_L], what: Phrase, value: str) -> _L:
    found: _L | None = _BY_NAME[cls].get(_norm(value))
    if found is not None:
        return found
    choices = ", ".join(level.slug for level in cls)
    raise InvalidArgument("unknown {what} {value!r}; choose one of {choices}", what=what,
                          value=value, choices=choices)


class Classification(enum.IntEnum):
    """An ordered classification level; ``slug`` is its wire and CLI form."""

    BIASA = 0
    TERBATAS = 1
    RAHASIA = 2
    SANGAT_RAHASIA = 3

    @property
    def slug(self) -> str:
        """The lowercase wire form: ``biasa`` ... ``sangat-rahasia``."""
        return _CLASSIFICATION_SLUGS[self]

    @property
    def label(self) -> str:
        """The label printed for people: ``Biasa`` ... ``Sangat Rahasia``."""
        return self.name.replace("_", " ").title()

    @classmethod
    def parse(cls, value: str | Classification) -> Classification:
        """Parse a slug or label (``terbuka`` is accepted for ``biasa``)."""
        if isinstance(value, Classification):
            return value
        return _parse(cls, _CLASSIFICATION, value)


class Urgency(enum.IntEnum):
    """How fast a document must be handled; never a classification."""

    BIASA = 0
    SEGERA = 1
    SANGAT_SEGERA = 2
    KILAT = 3

    @property
    def slug(self) -> str:
        """The lowercase wire form: ``biasa``, ``segera``, ``sangat-segera``, ``kilat``."""
        return _URGENCY_SLUGS[self]

    @classmethod
    def parse(cls, value: str | Urgency) -> Urgency:
        """Parse a slug or label."""
        if isinstance(value, Urgency):
            return value
        return _parse(cls, _URGENCY, value)


# Each level's slug, computed once: every seal, open and verify encodes, parses or
# compares several, and an enum's ``name`` is slow. (One table per enum: the members of
# two IntEnums with the same value are equal.)
_CLASSIFICATION_SLUGS = {c: c.name.lower().replace("_", "-") for c in Classification}
_URGENCY_SLUGS = {u: u.name.lower().replace("_", "-") for u in Urgency}
# What parse accepts, normalised (slugs, and "terbuka" for Biasa), looked up rather than
# found by iterating the enum (~3 us for each seal's classification and urgency).
_BY_NAME: dict[type, dict[str, Any]] = {
    Classification: {"terbuka": Classification.BIASA,
                     **{slug: c for c, slug in _CLASSIFICATION_SLUGS.items()}},
    Urgency: {slug: u for u, slug in _URGENCY_SLUGS.items()}}
