"""The two big parts of a pola body, agencies and rules, checked in bulk and built lazily.

A province-sized pola has 25,000 agencies and 250,000 rules. Checking them field by field
and building a frozen dataclass for each would take seconds, so the wire form keeps them
compact (agency records are arrays; rules are columns of small integers, with ``from``
and ``to`` indices into a sorted table of selectors, see docs/format.md) and this module
checks every field of them with whole-column operations that run at C speed. The model
objects (:class:`~sandi.pola_model.Agency`, :class:`~sandi.pola_model.Rule`) are built on
first use by :class:`Table`; everything is checked before the pola is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import lt
from typing import Any, TypeVar, cast, overload

from sandi._codec import Fields, is_slug
from sandi.classification import Classification
from sandi.errors import MalformedPola
from sandi.pola_model import Effect, Rule

T = TypeVar("T")
_F = Fields(MalformedPola, "pola")
MAX_RULES = 1_000_000
TEXT = 1024
EFFECTS = (Effect.ALLOW, Effect.DENY)  # wire value = position
LEVELS = tuple(Classification)  # wire value = Classification's int value
RULE_COLUMNS = ("effect", "from", "level", "note", "sarana", "selectors", "to")


class Table(Sequence[T]):
    """A read-only sequence whose items are built on first use from checked wire records.

    It compares equal to a tuple (or another table) with the same items, so a decoded
    body equals the body it was encoded from.
    """

    __slots__ = ("_made", "_make", "_n")

    def __init__(self, n: int, make: Callable[[int], T]) -> None:
        self._n = n
        self._make = make
        self._made: dict[int, T] = {}

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...

    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(self._n)))
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("table index out of range")
        item = self._made.get(i)
        if item is None:
            item = self._made[i] = self._make(i)
        return item

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(self._n))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (tuple, Table)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Table({tuple(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))  # pickles (and copies) as the tuple it stands for


# --- bulk checks ---------------------------------------------------------------------


def types_are(column: Sequence[object], allowed: set[type]) -> bool:
    """Whether every item's exact type is one of ``allowed`` (``bool`` is not ``int``)."""
    return set(map(type, column)) <= allowed


def check_texts(column: Sequence[object], name: str, hi: int, *, optional: bool = False
                ) -> None:
    """Every item is 1..``hi`` bytes of UTF-8 text (or nil, if ``optional``)."""
    if not types_are(column, {str, type(None)} if optional else {str}):
        for value in column:
            if value is not None or not optional:
                _F.text(value, name, hi)
    for value in set(column):  # each distinct text once; most are repeated
        if value is not None and not 0 < len(value) <= hi // 4:  # type: ignore[arg-type]
            _F.text(value, name, hi)  # only where the length in characters leaves a doubt


_SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def check_slugs(column: Sequence[object], name: str) -> None:
    """Every item is a slug (a-z, 0-9, inner '-', 1..32 bytes)."""
    if not _all_slugs(column):
        for value in column:
            _F.slug(value, name)


def _all_slugs(column: Sequence[object]) -> bool:
    if not column:
        return True
    if not types_are(column, {str}):
        return False
    texts = cast(Sequence[str], column)
    return (set("".join(texts)) <= _SLUG_CHARS and min(map(len, texts)) > 0
            and max(map(len, texts)) <= 32 and not any(t[0] == "-" or t[-1] == "-"
                                                       for t in texts))


def check_selector(value: object) -> str:
    """``*``, an agency id, or ``group:`` and a group id (at most 40 bytes)."""
    text = _F.text(value, "selector", 40)
    if text != "*" and not is_slug(text.removeprefix("group:")):
        _F.fail(f"selector {text!r} is not an agency, group:<slug> or *")
    return text


def check_selectors(column: list[Any]) -> None:
    """Every item is a selector (see :func:`check_selector`)."""
    bare = ([s[6:] if s.startswith("group:") else s for s in column if s != "*"]
            if types_are(column, {str}) else None)
    if bare is None or not _all_slugs(bare):  # a slug is at most 32 bytes: all fit in 40
        for value in column:
            check_selector(value)


def _indices(column: list[Any], name: str, top: int) -> None:
    if not types_are(column, {int}):
        _F.fail(f"rule {name} must be integers")
    if column and not (min(column) >= 0 and max(column) < top):
        _F.fail(f"rule {name} must be in 0..{top - 1}")


# --- rules ---------------------------------------------------------------------------


class RuleTable(Table[Rule]):
    """The rules as checked columns; :class:`~sandi.pola_model.Rule` objects on demand."""

    __slots__ = ("effect", "level", "note", "sarana", "selectors", "source", "target")

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self.effect: list[int] = columns["effect"]
        self.level: list[int] = columns["level"]
        self.source: list[int] = columns["from"]
        self.target: list[int] = columns["to"]
        self.sarana: list[str | None] = columns["sarana"]
        self.note: list[str | None] = columns["note"]
        self.selectors: list[str] = columns["selectors"]
        super().__init__(len(self.effect), self._rule)

    def _rule(self, i: int) -> Rule:
        sel = self.selectors
        return Rule(EFFECTS[self.effect[i]], sel[self.source[i]], sel[self.target[i]],
                    LEVELS[self.level[i]], self.sarana[i], self.note[i])

    @classmethod
    def decode(cls, value: object) -> RuleTable:
        """Check the ``rules`` map of a body: every column, every index, the selector table."""
        cols = fixed_map(value, "rules", RULE_COLUMNS)
        for name in RULE_COLUMNS:
            if not isinstance(cols[name], list):
                _F.fail(f"rule {name} must be an array")
        n = len(cols["effect"])
        if n > MAX_RULES:
            _F.fail(f"rules must have 0..{MAX_RULES} items, has {n}")
        if any(len(cols[c]) != n for c in RULE_COLUMNS if c != "selectors"):
            _F.fail("rule columns must all have the same length")
        _indices(cols["effect"], "effect", len(EFFECTS))
        _indices(cols["level"], "level", len(LEVELS))
        selectors = cols["selectors"]
        _indices(cols["from"], "from", len(selectors))
        _indices(cols["to"], "to", len(selectors))
        check_texts(cols["sarana"], "sarana", TEXT, optional=True)
        check_texts(cols["note"], "note", TEXT, optional=True)
        check_selectors(selectors)
        # One byte form: the table is sorted, holds each selector once and only those
        # some rule uses, so it follows from the rules (encode builds it the same way).
        if not all(map(lt, selectors, selectors[1:])):
            _F.fail("selectors must be strictly ascending")
        if len(set(cols["from"]).union(cols["to"])) != len(selectors):
            _F.fail("every selector must be used by a rule")
        return cls(cols)

    @staticmethod
    def encode(rules: Sequence[Rule]) -> dict[str, list[Any]]:
        """The ``rules`` map of a body."""
        selectors = sorted({r.source for r in rules} | {r.target for r in rules})
        at = {s: i for i, s in enumerate(selectors)}
        return {"effect": [EFFECTS.index(r.effect) for r in rules],
                "from": [at[r.source] for r in rules],
                "level": [int(r.level) for r in rules],
                "note": [r.note for r in rules], "sarana": [r.sarana for r in rules],
                "selectors": selectors, "to": [at[r.target] for r in rules]}


def fixed_map(value: object, name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A map with exactly ``keys``, in that (canonical, sorted) order."""
    if not isinstance(value, dict) or tuple(value) != keys:
        d = _F.map(value, name, set(keys))  # names what is missing or unknown
        if tuple(d) != keys:
            _F.fail(f"{name} keys are not in canonical (sorted) order")
    return value  # type: ignore[return-value]


class Decisions:
    """``(from selector, to selector) -> (highest allow, lowest deny)``, built in one pass."""

    NONE = -1  # "no level": below biasa
    ALL = len(LEVELS)  # "no deny": above sangat-rahasia

    def __init__(self, rules: RuleTable) -> None:
        width = len(rules.selectors)
        self.width = width
        self.selector = {s: i for i, s in enumerate(rules.selectors)}
        allow: dict[int, int] = {}
        deny: dict[int, int] = {}
        get_a, get_d = allow.get, deny.get
        for effect, level, src, dst in zip(rules.effect, rules.level, rules.source,
                                           rules.target, strict=True):
            key = src * width + dst
            if effect:
                if get_d(key, 4) > level:
                    deny[key] = level
            elif get_a(key, -1) < level:
                allow[key] = level
        self.allow = allow
        self.deny = deny

    def selectors_of(self, agency_id: str, groups: Sequence[str]) -> tuple[int, ...]:
        """The table positions of an agency's selectors (itself, its groups, ``*``) that
        some rule names."""
        at = self.selector.get
        found = (at(agency_id), *(at(f"group:{g}") for g in groups), at("*"))
        return tuple(i for i in found if i is not None)

    def limits(self, sender: tuple[int, ...], recipient: tuple[int, ...]) -> tuple[int, int]:
        """Highest allowed and lowest denied level over every selector pair."""
        allow, deny = self.NONE, self.ALL
        get_a, get_d, width = self.allow.get, self.deny.get, self.width
        for s in sender:
            base = s * width
            for r in recipient:
                a = get_a(base + r, allow)
                if a > allow:
                    allow = a
                d = get_d(base + r, deny)
                if d < deny:
                    deny = d
        return allow, deny
