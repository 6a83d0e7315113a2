"""The two big parts of a pola body, agencies and rules, checked in bulk and built lazily.

A province-sized pola has 25,000 agencies and 250,000 rules. Checking them field by field
and building a frozen dataclass for each would take seconds, so the wire form keeps them
compact (agency records are arrays; rules are columns of small integers, with ``from``
and ``to`` indices into a sorted table of selectors, see docs/format.md) and this module
checks every field of them with whole-column operations that run at C speed. The model
objects (:class:`~sandi.pola.model.Agency`, :class:`~sandi.pola.model.Rule`) are built on
first use by :class:`Table`; everything is checked before the pola is accepted.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from operator import lt
from typing import Any, TypeVar, cast, overload

from sandi._internal.codec import Fields, is_slug
from sandi._internal.i18n import Phrase
from sandi.errors import MalformedPola
from sandi.pola.classification import Classification
from sandi.pola.model import Effect, Rule

T = TypeVar("T")
_F = Fields(MalformedPola, Phrase("pola"))
MAX_RULES = 1_000_000
TEXT = 1024
EFFECTS = (Effect.ALLOW, Effect.DENY)  # wire value = position
LEVELS = tuple(Classification)  # wire value = Classification's int value
RULE_COLUMNS = ("effect", "from", "level", "note", "sarana", "selectors", "texts", "to")


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
    texts = cast(set[str], set(column) - {None})  # each distinct text once; many repeat
    if texts and not (min(map(len, texts)) > 0 and max(map(len, texts)) <= hi // 4):
        for value in texts:  # a character is 1 to 4 bytes: look closer where that matters
            _F.text(value, name, hi)


_SLUG_LINES = b"abcdefghijklmnopqrstuvwxyz0123456789-\n"  # deleted, nothing may remain


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
    if not (min(map(len, texts)) > 0 and max(map(len, texts)) <= 32):
        return False
    joined = "\n".join(texts)  # no slug holds a line break, so each text is one line
    return (joined.isascii() and not joined.encode().translate(None, _SLUG_LINES)
            and joined.count("\n") == len(texts) - 1
            and joined[0] != "-" and joined[-1] != "-" and "\n-" not in joined
            and "-\n" not in joined)


def check_selector(value: object) -> str:
    """``*``, an agency id, or ``group:`` and a group id (at most 40 bytes)."""
    text = _F.text(value, "selector", 40)
    if text != "*" and not is_slug(text.removeprefix("group:")):
        _F.fail("selector {text!r} is not an agency, group:<slug> or *", text=text)
    return text


def check_selectors(column: list[Any]) -> None:
    """Every item is a selector (see :func:`check_selector`)."""
    bare = ([s[6:] if s.startswith("group:") else s for s in column if s != "*"]
            if types_are(column, {str}) else None)
    if bare is None or not _all_slugs(bare):  # a slug is at most 32 bytes: all fit in 40
        for value in column:
            check_selector(value)


# --- rules ---------------------------------------------------------------------------

_U32 = next(code for code in "IL" if array(code).itemsize == 4)


def u32s(blob: bytes) -> array[int]:
    """Big-endian u32 values packed one after another."""
    values = array(_U32, blob)
    if sys.byteorder == "little":
        values.byteswap()
    return values


def pack_u32s(values: Sequence[int]) -> bytes:
    """The inverse of :func:`u32s`."""
    out = array(_U32, values)
    if sys.byteorder == "little":
        out.byteswap()
    return out.tobytes()


def _one_form(table: list[Any], name: str, used: int) -> None:
    # One byte form: a table is sorted, holds each entry once and only those some rule
    # uses, so it follows from the rules (encode builds it the same way).
    if not all(map(lt, table, table[1:])):
        _F.fail("{name} must be strictly ascending", name=name)
    if used != len(table):
        _F.fail("every one of the {name} must be used by a rule", name=name)


class RuleTable(Table[Rule]):
    """The rules as checked columns; :class:`~sandi.pola.model.Rule` objects on demand."""

    __slots__ = ("effect", "level", "note", "sarana", "selectors", "source", "target", "texts")

    def __init__(self, columns: dict[str, Any]) -> None:
        self.effect: bytes = columns["effect"]
        self.level: bytes = columns["level"]
        self.source = u32s(columns["from"])
        self.target = u32s(columns["to"])
        self.sarana = u32s(columns["sarana"])
        self.note = u32s(columns["note"])
        self.selectors: list[str] = columns["selectors"]
        self.texts: list[str] = columns["texts"]
        super().__init__(len(self.effect), self._rule)

    def _rule(self, i: int) -> Rule:
        sel, sarana, note = self.selectors, self.sarana[i], self.note[i]
        return Rule(EFFECTS[self.effect[i]], sel[self.source[i]], sel[self.target[i]],
                    LEVELS[self.level[i]], self.texts[sarana - 1] if sarana else None,
                    self.texts[note - 1] if note else None)

    @classmethod
    def decode(cls, value: object) -> RuleTable:
        """Check the ``rules`` map of a body: every column, every index, both tables."""
        cols = fixed_map(value, "rules", RULE_COLUMNS)
        n = len(_F.blob(cols["effect"], "rule effect", 0, MAX_RULES))
        for name, width in (("level", 1), ("from", 4), ("to", 4), ("sarana", 4), ("note", 4)):
            _F.blob(cols[name], f"rule {name}", width * n)
        if cols["effect"].translate(None, b"\x00\x01"):
            _F.fail("rule effect must be 0 (allow) or 1 (deny)")
        if cols["level"].translate(None, b"\x00\x01\x02\x03"):
            _F.fail("rule level must be 0..3")
        selectors = _F.array(cols["selectors"], "selectors", 0, 2 * MAX_RULES)
        texts = _F.array(cols["texts"], "texts", 0, 2 * MAX_RULES)
        table = cls(cols)
        used: dict[str, set[int]] = {}
        for name, column, top in (("from", table.source, len(selectors) - 1),
                                  ("to", table.target, len(selectors) - 1),
                                  ("sarana", table.sarana, len(texts)),
                                  ("note", table.note, len(texts))):
            used[name] = set(column)  # each index once: the bound and the tables need no more
            if used[name] and max(used[name]) > top:
                _F.fail("rule {name} must be in 0..{top}", name=name, top=top)
        check_selectors(selectors)
        check_texts(texts, "text", TEXT)
        _one_form(selectors, "selectors", len(used["from"] | used["to"]))
        _one_form(texts, "texts", len((used["sarana"] | used["note"]) - {0}))
        return table

    @staticmethod
    def encode(rules: Sequence[Rule]) -> dict[str, Any]:
        """The ``rules`` map of a body."""
        selectors = sorted({r.source for r in rules} | {r.target for r in rules})
        texts = sorted({t for r in rules for t in (r.sarana, r.note) if t is not None})
        at = {s: i for i, s in enumerate(selectors)}
        text: dict[str | None, int] = {None: 0, **{t: i for i, t in enumerate(texts, 1)}}
        return {"effect": bytes(EFFECTS.index(r.effect) for r in rules),
                "from": pack_u32s([at[r.source] for r in rules]),
                "level": bytes(int(r.level) for r in rules),
                "note": pack_u32s([text[r.note] for r in rules]),
                "sarana": pack_u32s([text[r.sarana] for r in rules]),
                "selectors": selectors, "texts": texts,
                "to": pack_u32s([at[r.target] for r in rules])}


def fixed_map(value: object, name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A map with exactly ``keys``, in that (canonical, sorted) order."""
    if not isinstance(value, dict) or tuple(value) != keys:
        d = _F.map(value, name, set(keys))  # names what is missing or unknown
        if tuple(d) != keys:
            _F.fail("{name} keys are not in canonical (sorted) order", name=name)
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
        found = [at(agency_id), at("*"), *[at("group:" + g) for g in groups]]
        return tuple([i for i in found if i is not None])

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
