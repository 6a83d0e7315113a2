"""What changed between two pola files, field by field, for the custodians who sign.

:func:`diff` compares everything the authority signs: the pola's id, name, version,
dates and decree; the authority (name, threshold, each custodian key); each agency
(names, SIPD code, groups, each key version with its keys, state and window, each
member with their keys and status); the rules; what each classification requires
(suite, recipient cap, receipts), the time-stamping authority, the freshness policy
and the history. It walks the model's own fields (:mod:`sandi.pola.model`), so a
field added to the model is compared without changing this module. For people it
adds the effect on the flows: each (sender, recipient) pair whose highest allowed
classification changed, for pola of up to :data:`FLOW_LIMIT` agencies.

Both sides may be drafts (:class:`~sandi.pola.Draft`, any number of signatures) or
verified :class:`~sandi.pola.Pola`: a custodian reviews before signing.

>>> from sandi.demo import demo_world
>>> p = demo_world().pola
>>> diff(p, p)
()
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from sandi.crypto.public import PublicKeys
from sandi.pola._wire import PolaBody
from sandi.pola.classification import Classification
from sandi.pola.content import PolaContent
from sandi.pola.model import Agency, AuthorityKey, KeyVersion, Member
from sandi.pola.records import AgencyTable

#: Flows (the highest classification each agency may send each other) are compared
#: for pola of at most this many agencies: 40,000 pairs, a fraction of a second.
FLOW_LIMIT = 200

Scalar = str | int | bool | datetime | None
Value = Scalar | tuple[Scalar, ...]
#: One step of a change's path: a field name, and the key of the item when the field
#: holds many (an agency id, a key version, a member id, a classification slug).
Step = tuple[str, str | int | None]

#: Fields holding seconds since the epoch: shown as UTC datetimes.
TIME_FIELDS = frozenset({"issued_at", "expires_at", "not_before", "retired_at", "revoked_at",
                         "joined_at", "status_at"})
#: The identity of the items of a collection: two items with the same key are the same
#: thing, changed (rules have none: one is added or removed as a whole).
KEYS: dict[type, str] = {Agency: "id", KeyVersion: "version", Member: "id", AuthorityKey: "id"}


class ChangeKind(enum.Enum):
    """Whether an item appeared, disappeared, or one of its fields changed."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Change:
    """One difference between two pola.

    ``path`` says where, from the pola down: ``(("agencies", "dinkes"), ("keys", 2),
    ("state", None))`` is the state of key v2 of agency dinkes. A CHANGED field has
    ``old`` and ``new``; an ADDED or REMOVED item (an agency, a key version, a member,
    a rule, a time-stamping authority...) lists its own ``fields``, and its key
    versions and members follow as ADDED or REMOVED changes of their own. Times are
    UTC datetimes, public keys their fingerprint, other bytes ``sha256:`` and 16 hex
    digits, enumerations their slug.
    """

    kind: ChangeKind
    path: tuple[Step, ...]
    old: Value = None
    new: Value = None
    fields: tuple[tuple[str, Value], ...] = ()

    @property
    def field(self) -> str:
        """The name of the field or collection that changed (the last step's)."""
        return self.path[-1][0]


def diff(old: PolaContent, new: PolaContent) -> tuple[Change, ...]:
    """Every difference from ``old`` to ``new`` (each a pola or a draft), in the order
    of the model's fields, then the flows whose highest classification changed."""
    out: list[Change] = []
    a, b = old.signed.body, new.signed.body
    for f in fields(PolaBody):
        if f.name == "requirements":
            _requirements(old, new, out)
        else:
            _field((), f.name, getattr(a, f.name), getattr(b, f.name), out)
    if max(len(a.agencies), len(b.agencies)) <= FLOW_LIMIT:
        _flow_changes(old, new, out)
    if not out and old.signed.body_bytes != new.signed.body_bytes:
        # Same meaning, other bytes (rules or agencies in another order): the custodian
        # still signs other bytes, so say so rather than "no differences".
        out.append(Change(ChangeKind.CHANGED, (("body", None),), _digest(old.signed.body_bytes),
                          _digest(new.signed.body_bytes)))
    return tuple(out)


def _is_node(value: object) -> bool:
    """A part of the model walked field by field (public keys are compared whole)."""
    return is_dataclass(value) and not isinstance(value, (type, PublicKeys))


def _field(path: tuple[Step, ...], name: str, a: Any, b: Any, out: list[Change]) -> None:
    here = (*path, (name, None))
    if a == b:
        return
    if _is_node(a) or _is_node(b):
        if a is None:
            _appeared(ChangeKind.ADDED, here, b, out)
        elif b is None:
            _appeared(ChangeKind.REMOVED, here, a, out)
        else:
            for f in fields(a):
                _field(here, f.name, getattr(a, f.name), getattr(b, f.name), out)
    elif _is_collection(a) or _is_collection(b):
        _collection(path, name, a, b, out)
    else:
        out.append(Change(ChangeKind.CHANGED, here, _value(name, a), _value(name, b)))


def _is_collection(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and any(
        _is_node(item) for item in value)


def _collection(path: tuple[Step, ...], name: str, a: Sequence[Any], b: Sequence[Any],
                out: list[Change]) -> None:
    """Items matched by their key (added, removed, changed), or, without one, as a
    multiset (each rule added or removed as a whole, order aside)."""
    kind = type(next(iter(a), None) or next(iter(b)))
    key = KEYS.get(kind)
    if key is None:
        before, after = Counter(a), Counter(b)
        for item in (before - after).elements():
            _appeared(ChangeKind.REMOVED, (*path, (name, None)), item, out)
        for item in (after - before).elements():
            _appeared(ChangeKind.ADDED, (*path, (name, None)), item, out)
        return
    old, new = _keyed(a, key), _keyed(b, key)
    for k in old:
        if k not in new:
            _appeared(ChangeKind.REMOVED, (*path, (name, k)), old[k](), out)
    for k in new:
        if k not in old:
            _appeared(ChangeKind.ADDED, (*path, (name, k)), new[k](), out)
        elif (x := old[k]()) != (y := new[k]()):
            for f in fields(x):
                _field((*path, (name, k)), f.name, getattr(x, f.name), getattr(y, f.name), out)


def _keyed(items: Sequence[Any], key: str) -> dict[Any, Any]:
    """Item getters by key; an agency table's items are built only when asked."""
    if isinstance(items, AgencyTable):
        return {k: (lambda i=i: items[i]) for k, i in items.ids.items()}
    return {getattr(item, key): (lambda item=item: item) for item in items}


def _appeared(kind: ChangeKind, path: tuple[Step, ...], item: Any, out: list[Change]) -> None:
    """An item added or removed: its own fields, then its parts, each as a change."""
    own, parts = [], []
    for f in fields(item):
        value = getattr(item, f.name)
        if _is_node(value) or _is_collection(value):
            parts.append((f.name, value))
        else:
            own.append((f.name, _value(f.name, value)))
    out.append(Change(kind, path, fields=tuple(own)))
    for name, value in parts:
        if _is_node(value):
            _appeared(kind, (*path, (name, None)), value, out)
            continue
        key = KEYS.get(type(value[0]))
        for sub in value:
            _appeared(kind, (*path, (name, None if key is None else getattr(sub, key))), sub,
                      out)


def _requirements(old: PolaContent, new: PolaContent, out: list[Change]) -> None:
    # Compared as they apply: a classification the pola does not list gets the
    # defaults, so listing the defaults changes nothing a home enforces.
    for level in Classification:
        a, b = old.requirement(level), new.requirement(level)
        if a != b:
            for f in fields(a):
                _field((("requirements", level.slug),), f.name, getattr(a, f.name),
                       getattr(b, f.name), out)


def _flow_changes(old: PolaContent, new: PolaContent, out: list[Change]) -> None:
    before, after = _flows(old), _flows(new)
    for pair in sorted(before.keys() | after.keys()):
        x, y = before.get(pair), after.get(pair)
        if x != y:
            out.append(Change(ChangeKind.CHANGED, (("flows", f"{pair[0]} -> {pair[1]}"),),
                              None if x is None else x.slug, None if y is None else y.slug))


def _flows(pola: PolaContent) -> dict[tuple[str, str], Classification]:
    """The highest classification allowed on every pair of distinct agencies."""
    out = {}
    ids = [a.id for a in pola.agencies]
    for s in ids:
        for r in ids:
            if s != r:
                best = None
                for level in Classification:
                    if pola.may_send(s, r, level):
                        best = level
                if best is not None:
                    out[(s, r)] = best
    return out


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def _value(name: str, value: object) -> Value:
    """A field's value as a change reports it (see :class:`Change`)."""
    if value is None or isinstance(value, (bool, str, datetime)):
        return value
    if isinstance(value, int) and not isinstance(value, enum.Enum):
        return datetime.fromtimestamp(value, UTC) if name in TIME_FIELDS else value
    if isinstance(value, PublicKeys):
        return value.fingerprint()
    if isinstance(value, bytes):
        return _digest(value)
    if isinstance(value, enum.Enum):
        slug = getattr(value, "slug", None)
        return slug if isinstance(slug, str) else str(value.value)
    if name == "history":  # (version, issued) pairs
        return tuple(f"v{v} {datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%SZ}"
                     for v, t in value)  # type: ignore[attr-defined]
    if isinstance(value, (tuple, list)):
        return tuple(_value(name, item) for item in value)  # type: ignore[misc]
    raise TypeError(f"pola diff: no way to show field {name!r}")
