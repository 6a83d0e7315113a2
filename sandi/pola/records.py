"""Agencies, their key versions and members as positional wire records.

::

    agency  [id, name, abbrev, sipd | nil, groups, keys, members]
    key     [v, x25519, ed25519, mlkem | nil, mldsa | nil, state, not_before,
             retired_at | nil, revoked_at | nil, reason | nil]
    member  [id, name, jabatan, nip | nil, keys, joined, status, status_at | nil,
             suspensions: [[from, until], ...], seq]

:func:`check_agency` checks one record completely, with a message naming the field.
:meth:`AgencyTable.decode` checks the records of agencies without members (nearly all)
column by column, at C speed, and the others with ``check_agency``; when a column check
fails it goes record by record, to name the field. Agencies are built on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress
from operator import not_
from typing import Any

from sandi._internal.codec import Fields
from sandi._internal.i18n import Phrase
from sandi._internal.time import LAST_SECOND, from_epoch, optional_datetime
from sandi.crypto.public import PublicKeys
from sandi.errors import MalformedPola
from sandi.pola.model import (
    MAX_SEQ,
    MAX_SUSPENSIONS,
    Agency,
    KeyState,
    KeyVersion,
    Member,
    MemberStatus,
    RevocationReason,
    check_suspensions,
    check_window,
)
from sandi.pola.tables import TEXT, Table, check_slugs, check_texts, types_are

_F = Fields(MalformedPola, Phrase("pola"))
_STATES = {s.value: s for s in KeyState}
_REASONS = {r.value: r for r in RevocationReason}
_STATUSES = {s.value: s for s in MemberStatus}
_NIL = {type(None)}
MAX_KEYS = 4096
MAX_MEMBERS = 100_000


# --- encode ----------------------------------------------------------------------


def _key_record(k: KeyVersion) -> list[Any]:
    not_before, retired_at, revoked_at = k._window
    return [k.version, k.keys.x25519, k.keys.ed25519, k.keys.mlkem, k.keys.mldsa, k.state.value,
            not_before, retired_at, revoked_at, k.reason.value if k.reason else None]


def _member_record(m: Member) -> list[Any]:
    joined_at, status_at, suspensions = m._seconds
    return [m.id, m.name, m.jabatan, m.nip, [_key_record(k) for k in m.keys], joined_at,
            m.status.value, status_at, [list(s) for s in suspensions], m.seq]


def agency_record(a: Agency) -> list[Any]:
    """The wire record of an agency."""
    return [a.id, a.name, a.abbrev, a.sipd, list(a.groups), [_key_record(k) for k in a.keys],
            [_member_record(m) for m in a.members]]


# --- check, record by record -------------------------------------------------------


def _enum(table: dict[str, Any], value: object, name: str) -> Any:
    if not isinstance(value, str) or value not in table:
        _F.fail("unknown {name} {value!r}", name=name, value=value)
    return table[value]


def _check_key(value: object) -> tuple[int, KeyState]:
    r = _F.record(value, "key", 10)
    version = _F.integer(r[0], "key version", 1, 2**31)
    _F.blob(r[1], "x25519", 32)
    _F.blob(r[2], "ed25519", 32)
    if (r[3] is None) != (r[4] is None):
        _F.fail("a key has both post-quantum halves or neither")
    if r[3] is not None:
        _F.blob(r[3], "mlkem", 1184)
        _F.blob(r[4], "mldsa", 1952)
    state = _enum(_STATES, r[5], "key state")
    not_before = _F.integer(r[6], "not_before", 0, LAST_SECOND)
    retired_at = None if r[7] is None else _F.integer(r[7], "retired_at", 0, LAST_SECOND)
    if r[8] is not None:
        _F.integer(r[8], "revoked_at", 0, LAST_SECOND)
    if r[9] is not None:
        _enum(_REASONS, r[9], "reason")
    revoked = state is KeyState.REVOKED
    if revoked != (r[8] is not None) or revoked != (r[9] is not None):
        _F.fail("key v{version}: revoked_at and reason go with, and only with, state revoked",
                version=version)
    check_window(version, state, not_before, retired_at, _F.fail)
    return version, state


def _check_member(value: object) -> str:
    r = _F.record(value, "member", 10)
    member_id = _F.slug(r[0], "member id")
    _F.text(r[1], "member name", TEXT)
    _F.text(r[2], "jabatan", TEXT)
    if r[3] is not None:
        _F.text(r[3], "NIP", 32)
    for k in _F.array(r[4], "member keys", 1, MAX_KEYS):
        _check_key(k)
    _F.integer(r[5], "joined", 0, LAST_SECOND)
    status = _enum(_STATUSES, r[6], "member status")
    if r[7] is not None:
        _F.integer(r[7], "status_at", 0, LAST_SECOND)
    if (status is MemberStatus.ACTIVE) != (r[7] is None):
        _F.fail("member {member}: status_at goes with, and only with, a suspended or removed"
                " member", member=member_id)
    suspensions = tuple(
        (_F.integer(f, "suspension start", 0, LAST_SECOND),
         _F.integer(u, "suspension end", 0, LAST_SECOND))
        for f, u in (_F.record(s, "suspension", 2)
                     for s in _F.array(r[8], "suspensions", 0, MAX_SUSPENSIONS)))
    check_suspensions(member_id, suspensions, r[7], _F.fail)
    _F.integer(r[9], "seq", 0, MAX_SEQ)
    return member_id


def check_agency(value: object) -> None:
    """Check one agency record completely (MalformedPola naming the first bad field)."""
    r = _F.record(value, "agency", 7)
    agency_id = _F.slug(r[0], "agency id")
    _F.text(r[1], "agency name", TEXT)
    _F.text(r[2], "abbreviation", 64)
    if r[3] is not None:
        _F.text(r[3], "SIPD code", 64)
    check_slugs(_F.array(r[4], "groups", 0, 64), "group")
    keys = [_check_key(k) for k in _F.array(r[5], "keys", 1, MAX_KEYS)]
    if sum(state is KeyState.CURRENT for _, state in keys) != 1:
        _F.fail("agency {agency} must have exactly one current key version", agency=agency_id)
    versions = [v for v, _ in keys]
    if versions != sorted(set(versions)):
        _F.fail("agency {agency}: key versions must be unique and ascending", agency=agency_id)
    members = [_check_member(m) for m in _F.array(r[6], "members", 0, MAX_MEMBERS)]
    if len(set(members)) != len(members):
        _F.fail("agency {agency}: member ids must be unique", agency=agency_id)


# --- check, column by column ---------------------------------------------------------


def _ints(column: Sequence[Any], lo: int, hi: int) -> bool:
    return not column or (types_are(column, {int}) and min(column) >= lo and max(column) <= hi)


def _blobs(column: Sequence[Any], size: int) -> bool:
    return types_are(column, {bytes}) and set(map(len, column)) <= {size}


def _keys_ok(flat: list[Any]) -> bool:
    """Whether every item is a key record with every field in range (column by column)."""
    if not (types_are(flat, {list}) and set(map(len, flat)) == {10}):
        return False
    vs, xs, eds, mlkems, mldsas, states, nbs, rets, revs, reasons = zip(*flat, strict=True)
    pq = [m is not None for m in mlkems]
    revoked = [s == "revoked" for s in states]
    named = [r for r in reasons if r is not None]
    ended = [r is not None for r in rets]
    return (_ints(vs, 1, 2**31) and _blobs(xs, 32) and _blobs(eds, 32)
            and pq == [m is not None for m in mldsas]
            and _blobs([m for m in mlkems if m is not None], 1184)
            and _blobs([m for m in mldsas if m is not None], 1952)
            and types_are(states, {str}) and set(states) <= _STATES.keys()
            and _ints(nbs, 0, LAST_SECOND)
            and revoked == [r is not None for r in revs] == [r is not None for r in reasons]
            and _ints([r for r in revs if r is not None], 0, LAST_SECOND)
            # a window: current keys have no end, retired ones have one, after their start
            and all(e == (s == "retired") for e, s in zip(ended, states, strict=True)
                    if s != "revoked")
            and _ints([r for r in rets if r is not None], 0, LAST_SECOND)
            and all(r is None or r >= n for r, n in zip(rets, nbs, strict=True))
            and types_are(named, {str}) and set(named) <= _REASONS.keys())


def _one_current_ascending(keys: Sequence[list[Any]]) -> bool:
    for ks in keys:  # most agencies hold one key: that one must be current
        if len(ks) == 1:
            if ks[0][5] != "current":
                return False
        elif sum(k[5] == "current" for k in ks) != 1 or [k[0] for k in ks] != sorted(
                {k[0] for k in ks}):
            return False
    return True


def _agencies_ok(records: list[Any]) -> bool:
    """Whether every record (each an array of 7 with no members) is a valid agency, checked
    column by column; False means "look record by record", never "refuse"."""
    if not records:
        return True
    ids, names, abbrevs, sipds, groups, keys, _ = zip(*records, strict=True)
    if not (types_are(groups, {list}) and types_are(keys, {list})
            and max(map(len, groups)) <= 64 and min(map(len, keys)) >= 1
            and max(map(len, keys)) <= MAX_KEYS):
        return False
    try:
        check_slugs(ids, "agency id")
        check_texts(names, "agency name", TEXT)
        check_texts(abbrevs, "abbreviation", 64)
        check_texts(sipds, "SIPD code", 64, optional=True)
        check_slugs([g for gs in groups for g in gs], "group")
    except MalformedPola:
        return False
    return _keys_ok([k for ks in keys for k in ks]) and _one_current_ascending(keys)


# --- build -------------------------------------------------------------------------


# The one place the wire's seconds become the model's datetimes (checked: 0 .. LAST_SECOND).


def _key(r: list[Any]) -> KeyVersion:
    return KeyVersion(r[0], PublicKeys(r[1], r[2], r[3], r[4]), _STATES[r[5]], from_epoch(r[6]),
                      optional_datetime(r[8]), None if r[9] is None else _REASONS[r[9]],
                      optional_datetime(r[7]))


def _member(m: list[Any]) -> Member:
    return Member(m[0], m[1], m[2], m[3], tuple(_key(k) for k in m[4]), from_epoch(m[5]),
                  _STATUSES[m[6]], optional_datetime(m[7]),
                  tuple((from_epoch(f), from_epoch(u)) for f, u in m[8]), m[9])


def _agency(r: list[Any]) -> Agency:
    return Agency(r[0], r[1], r[2], r[3], tuple(r[4]), tuple(_key(k) for k in r[5]),
                  tuple(_member(m) for m in r[6]))


class AgencyTable(Table[Agency]):
    """The checked agency records; :class:`~sandi.pola.model.Agency` objects on demand."""

    __slots__ = ("ids", "records")

    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self.ids = {r[0]: i for i, r in enumerate(records)}
        super().__init__(len(records), lambda i: _agency(records[i]))

    @classmethod
    def decode(cls, records: list[Any]) -> AgencyTable:
        """Check every agency record (see the module docstring) and that ids are unique."""
        shaped = [type(r) is list and len(r) == 7 and r[6] == [] for r in records]
        plain = list(compress(records, shaped))  # no members: checked column by column
        if len(plain) != len(records):
            for r in compress(records, map(not_, shaped)):
                check_agency(r)
        if not _agencies_ok(plain):
            for r in plain:
                check_agency(r)
        table = cls(records)
        if len(table.ids) != len(records):
            _F.fail("agency ids must be unique")
        return table

    def groups(self, i: int) -> list[str]:
        """The groups of the agency at ``i``, without building it."""
        groups: list[str] = self.records[i][4]
        return groups
