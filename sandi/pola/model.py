"""The pola's parts: agencies, key versions, rules, requirements, authority.

Plain frozen dataclasses with their rules enforced in ``__post_init__``; the
signed wire form is in :mod:`sandi.pola._wire`, the decisions in :mod:`sandi.pola.policy`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import NoReturn

from sandi._internal.codec import is_slug, pack
from sandi._internal.i18n import Phrase
from sandi._internal.time import epoch_of, optional_epoch, show
from sandi.crypto.primitives import fingerprint
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import MLDSA65_PUBLIC_SIZE, Suite
from sandi.errors import KeyNotValid, KeyRevoked, MalformedPola
from sandi.pola.classification import Classification

#: The most recipients an envelope may name (and so the highest cap a pola may set).
MAX_RECIPIENTS = 1024


class KeyState(enum.Enum):
    """Where a key version is in its life."""

    CURRENT = "current"  # seals and opens
    RETIRED = "retired"  # opens and verifies old documents, seals nothing new
    REVOKED = "revoked"  # dead from ``revoked_at`` on


class RevocationReason(enum.Enum):
    """Why a key version was revoked."""

    SUPERSEDED = "superseded"  # signatures before revoked_at stay valid
    COMPROMISED = "compromised"  # no signature by it is trusted, whatever its date


@dataclass(frozen=True)
class KeyVersion:
    """One public key version of an agency, with its state and window in the pola.

    A signature by it counts only for a creation time inside ``[not_before,
    retired_at)`` and, if it is revoked, before ``revoked_at`` (never, if
    compromised). ``retired_at`` is set when its successor is published. The
    times are timezone-aware datetimes (whole seconds on the wire; a naive one
    is refused with InvalidArgument).
    """

    version: int
    keys: PublicKeys
    state: KeyState
    not_before: datetime
    revoked_at: datetime | None = None
    reason: RevocationReason | None = None
    retired_at: datetime | None = None

    @cached_property
    def _window(self) -> tuple[int, int | None, int | None]:
        """(not_before, retired_at, revoked_at) in seconds, for the checks and the wire."""
        return (epoch_of(self.not_before), optional_epoch(self.retired_at),
                optional_epoch(self.revoked_at))

    def __post_init__(self) -> None:
        window = self._window  # a naive or non-datetime time is refused here
        revoked = self.state is KeyState.REVOKED
        if revoked != (self.revoked_at is not None) or revoked != (self.reason is not None):
            raise MalformedPola("key v{version}: revoked_at and reason go with, and only with, "
                                "state revoked", version=self.version)
        check_window(self.version, self.state, window[0], window[1], _malformed)

    def retire(self, at: datetime) -> KeyVersion:
        """This version retired at ``at`` (its successor was published then)."""
        epoch_of(at)  # a naive ``at`` is refused before it is compared
        end = at if self.retired_at is None else min(at, self.retired_at)
        state = self.state if self.state is KeyState.REVOKED else KeyState.RETIRED
        return replace(self, state=state, retired_at=max(end, self.not_before))

    def check_signed_at(self, owner: str, at: datetime) -> None:
        """Raise unless a signature dated ``at`` by this version is acceptable."""
        self._check_signed_at(owner, epoch_of(at))

    def _check_signed_at(self, owner: str, at: int) -> None:
        """:meth:`check_signed_at`, for a time in seconds since the epoch (a wire's)."""
        not_before, retired_at, revoked_at = self._window
        if at < not_before:
            raise KeyNotValid("{owner} key v{version} was not yet valid at the envelope's "
                              "creation time", owner=owner, version=self.version)
        if revoked_at is not None:
            if self.reason is RevocationReason.COMPROMISED:
                raise KeyRevoked("{owner} key v{version} is revoked as compromised; none of its "
                                 "signatures is trusted", owner=owner, version=self.version)
            if at >= revoked_at:
                raise KeyRevoked("{owner} key v{version} was revoked before the envelope was "
                                 "created", owner=owner, version=self.version)
        if retired_at is not None and at >= retired_at:
            raise KeyRevoked("{owner} key v{version} was retired on {retired}, before the "
                             "envelope was created", owner=owner, version=self.version,
                             retired=show(retired_at))


def check_window(version: int, state: KeyState, not_before: int, retired_at: int | None,
                 fail: Callable[..., NoReturn]) -> None:
    """A current key has no end; a retired one has one, not before its start."""
    if state is not KeyState.REVOKED and (state is KeyState.RETIRED) != (retired_at is not None):
        fail("key v{version}: a retired key has an end (retired_at), a current one none",
             version=version)
    if retired_at is not None and retired_at < not_before:
        fail("key v{version}: retired_at is before not_before", version=version)


def _malformed(template: str, /, **params: object) -> NoReturn:
    raise MalformedPola(template, **params)


class MemberStatus(enum.Enum):
    """Whether a member may act for the agency."""

    ACTIVE = "active"
    SUSPENDED = "suspended"  # signatures from ``status_at`` on are refused
    REMOVED = "removed"  # likewise, and the agency key has been rotated away from them


#: A member's status in messages ("was suspended from ..."), in the reader's language.
_STATUS_WORDS = {MemberStatus.ACTIVE: Phrase("active"), MemberStatus.SUSPENDED: Phrase("suspended"),
                 MemberStatus.REMOVED: Phrase("removed")}


#: The most suspensions a member's record keeps (each ended one stays for good).
MAX_SUSPENSIONS = 4096
#: Member-status request sequence numbers are 0 .. this (0: none applied yet).
MAX_SEQ = 2**63 - 1


@dataclass(frozen=True)
class Member:
    """A named official of an agency, with personal key versions (signing and opening).

    A member's signatures are refused from ``status_at`` on while suspended or removed,
    and inside every ended suspension ``[from, until)`` in ``suspensions``: reinstating
    ends a suspension, it never erases it. ``seq`` is the sequence number of the last
    member-status request the authority applied (a request must carry a larger one).
    The times are timezone-aware datetimes (a naive one is refused).
    """

    id: str
    name: str
    jabatan: str
    nip: str | None
    keys: tuple[KeyVersion, ...]
    joined_at: datetime
    status: MemberStatus = MemberStatus.ACTIVE
    status_at: datetime | None = None
    suspensions: tuple[tuple[datetime, datetime], ...] = ()
    seq: int = 0

    @cached_property
    def _seconds(self) -> tuple[int, int | None, tuple[tuple[int, int], ...]]:
        """(joined_at, status_at, suspensions) in seconds, for the checks and the wire."""
        return (epoch_of(self.joined_at), optional_epoch(self.status_at),
                tuple((epoch_of(f), epoch_of(u)) for f, u in self.suspensions))

    def __post_init__(self) -> None:
        if not is_slug(self.id):
            raise MalformedPola("member id {member!r} is not a slug", member=self.id)
        seconds = self._seconds  # a naive or non-datetime time is refused here
        if (self.status is MemberStatus.ACTIVE) != (self.status_at is None):
            raise MalformedPola("member {member}: status_at goes with, and only with, a suspended"
                                " or removed member", member=self.id)
        if not self.keys:
            raise MalformedPola("member {member} has no key", member=self.id)
        check_suspensions(self.id, seconds[2], seconds[1], _malformed)

    def key(self, version: int) -> KeyVersion:
        """A personal key version, or KeyNotValid."""
        for k in self.keys:
            if k.version == version:
                return k
        raise KeyNotValid("the pola lists no key v{version} for member {member}",
                          version=version, member=self.id)

    def check_active_at(self, agency: str, at: datetime) -> None:
        """Raise unless this person was a member of ``agency`` in good standing at ``at``."""
        self._check_active_at(agency, epoch_of(at))

    def _check_active_at(self, agency: str, at: int) -> None:
        """:meth:`check_active_at`, for a time in seconds since the epoch (a wire's)."""
        joined_at, status_at, suspensions = self._seconds
        if at < joined_at:
            raise KeyNotValid("{name} was not yet a member of {agency} when the envelope was "
                              "created", name=self.name, agency=agency)
        if status_at is not None and at >= status_at:
            raise KeyRevoked("{name} was {status} from {agency} before the envelope was created",
                             name=self.name, status=_STATUS_WORDS[self.status], agency=agency)
        for start, until in suspensions:
            if start <= at < until:
                raise KeyRevoked("{name} was suspended from {agency} from {start} until {until},"
                                 " when the envelope was created", name=self.name, agency=agency,
                                 start=show(start), until=show(until))


def check_suspensions(member: str, suspensions: tuple[tuple[int, int], ...],
                      status_at: int | None, fail: Callable[..., NoReturn]) -> None:
    """Ended suspensions are non-empty, ascending, apart, and before a current one."""
    end = -1
    for start, until in suspensions:
        if not end < start < until:
            fail("member {member}: suspensions must be non-empty, ascending and apart",
                 member=member)
        end = until
    if status_at is not None and status_at <= end:
        fail("member {member}: a suspension ends after the current one began", member=member)


@dataclass(frozen=True)
class Agency:
    """An OPD: id, official name, abbreviation, SIPD code, groups, key versions, members."""

    id: str
    name: str
    abbrev: str
    sipd: str | None
    groups: tuple[str, ...]
    keys: tuple[KeyVersion, ...]
    members: tuple[Member, ...] = ()

    def __post_init__(self) -> None:
        if not is_slug(self.id):
            raise MalformedPola("agency id {agency!r} is not a slug", agency=self.id)
        if sum(k.state is KeyState.CURRENT for k in self.keys) != 1:
            raise MalformedPola("agency {agency} must have exactly one current key version",
                                agency=self.id)
        versions = [k.version for k in self.keys]
        if versions != sorted(set(versions)):
            raise MalformedPola("agency {agency}: key versions must be unique and ascending",
                                agency=self.id)
        if len({m.id for m in self.members}) != len(self.members):
            raise MalformedPola("agency {agency}: member ids must be unique", agency=self.id)

    def member(self, member_id: str) -> Member:
        """A member by id; KeyNotValid if this agency has no such member."""
        for m in self.members:
            if m.id == member_id:
                return m
        raise KeyNotValid("{member} is not a member of {agency}", member=member_id, agency=self.id)

    @property
    def current(self) -> KeyVersion:
        """The version that seals."""
        return next(k for k in self.keys if k.state is KeyState.CURRENT)

    def key(self, version: int) -> KeyVersion:
        """A key version by number, or KeyNotValid."""
        for k in self.keys:
            if k.version == version:
                return k
        raise KeyNotValid("the pola lists no key v{version} for {agency}", version=version,
                          agency=self.id)

    @property
    def selectors(self) -> tuple[str, ...]:
        """Every rule selector that matches this agency: itself, its groups, ``*``."""
        return (self.id, *(f"group:{g}" for g in self.groups), "*")


class Effect(enum.Enum):
    """What a rule does."""

    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True)
class Rule:
    """``source -> target``: allow up to ``level``, or deny from ``level`` upwards."""

    effect: Effect
    source: str
    target: str
    level: Classification
    sarana: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Requirement:
    """What a classification demands of an envelope."""

    level: Classification
    suite: Suite = Suite.CLASSICAL
    max_recipients: int = MAX_RECIPIENTS
    receipts: bool = False  # every recipient must be asked for a signed receipt
    member_signed: bool = False  # signed by a member's personal key, never the agency's


@dataclass(frozen=True)
class TimeStamping:
    """The RFC 3161 time-stamping authority (TSA) the pola names: where to ask, the
    certificates its tokens must chain to (DER: the TSA's own first, its root last),
    and whether an envelope must carry a token (seal fails without one, open and
    verify refuse one without) or carries one when the TSA answers."""

    url: str
    certificates: tuple[bytes, ...]
    required: bool = False

    def __post_init__(self) -> None:
        if not 1 <= len(self.certificates) <= 4:
            raise MalformedPola("tsa: 1..4 certificates, the TSA's own first")


@dataclass(frozen=True)
class AuthorityKey:
    """One custodian's signing key of the persandian authority: Ed25519, and ML-DSA-65
    where it is hybrid (its pola signatures then need both halves)."""

    id: str
    ed25519: bytes
    custodian: str
    mldsa: bytes | None = None

    @property
    def has_pq(self) -> bool:
        """Whether its signatures are hybrid (Ed25519 + ML-DSA-65)."""
        return self.mldsa is not None


@dataclass(frozen=True)
class Authority:
    """The k-of-n custodian keys that sign the pola."""

    name: str
    threshold: int
    keys: tuple[AuthorityKey, ...]

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise MalformedPola("threshold must be >= 1, got {threshold}", threshold=self.threshold)
        if self.threshold > len(self.keys):
            raise MalformedPola("threshold {threshold} is more than the {keys} authority keys",
                                threshold=self.threshold, keys=len(self.keys))
        ids = [k.id for k in self.keys]
        if len(set(ids)) != len(ids) or len({k.ed25519 for k in self.keys}) != len(ids):
            raise MalformedPola("authority key ids and keys must be distinct")

    def fingerprint(self) -> str:
        """A short code for the whole authority set, to compare before first trust."""
        return fingerprint(b"sandi/v1/authority", pack([self.threshold, sorted(
            k.ed25519 + (k.mldsa or b"") for k in self.keys)]))


#: A freshness statement may be at most this old, by any pola's limit (31 days).
MAX_FRESHNESS_AGE = 31 * 86_400


@dataclass(frozen=True)
class Freshness:
    """The pola's timestamp role (docs/pola.md, "Freshness").

    ``key`` (Ed25519) signs short-lived freshness statements naming the current pola,
    and ``mldsa`` (ML-DSA-65), when given, signs them too: both halves are then
    required, as for a hybrid authority key. A pola that requires the hybrid suite
    for any level names both. A home that has seen no statement for ``max_age``
    seconds warns, and refuses envelopes above ``refuse_above``.
    """

    key: bytes
    max_age: int
    refuse_above: Classification
    mldsa: bytes | None = None

    def __post_init__(self) -> None:
        if len(self.key) != 32:
            raise MalformedPola("the timestamp key must be 32 bytes of Ed25519")
        if self.mldsa is not None and len(self.mldsa) != MLDSA65_PUBLIC_SIZE:
            raise MalformedPola("the timestamp key's ML-DSA-65 half must be {size} bytes",
                                size=MLDSA65_PUBLIC_SIZE)
        if not 3600 <= self.max_age <= MAX_FRESHNESS_AGE:
            raise MalformedPola("freshness max_age must be 1 hour to 31 days, got {seconds} "
                                "seconds", seconds=self.max_age)

    @property
    def has_pq(self) -> bool:
        """Whether its statements are hybrid (Ed25519 + ML-DSA-65, both required)."""
        return self.mldsa is not None


@dataclass(frozen=True)
class Decree:
    """The regulation the pola implements (Perwal/Perbup/Pergub)."""

    number: str
    date: str
    title: str
