"""The pola: who may send which classification to whom, signed by the authority.

A :class:`Pola` exists only verified: it comes from :meth:`Pola.load` or
:meth:`Pola.from_bytes`, which check the authority's threshold signatures, the
expiry and, given the trusted pola, rollback and authority continuity
(:mod:`sandi.pola.trust`), or from a home (``Home.pola()``), which also checks the
files against the hashes it pinned when it installed them.

One rule judges every envelope (docs/pola.md §3): this pola's requirements and key
history always apply; the flows of the older version an envelope names count only
if that version was in force at the envelope's creation time, which only the
history of a home knows. A Pola from :meth:`load` or :meth:`from_bytes` has no
history: for it, only its own version's flows count.

>>> import sandi
>>> from sandi.demo import demo_world
>>> pola = demo_world().pola
>>> pola.may_send("dispendukcapil", "dinkes", sandi.Classification.RAHASIA)
True
>>> pola.may_send("dinkes", "dispendukcapil", sandi.Classification.SANGAT_RAHASIA)
False
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sandi._internal.time import epoch, from_epoch, show
from sandi.crypto.suite import Suite
from sandi.errors import (
    ClockBehind,
    InvalidArgument,
    PolaExpired,
    PolaStale,
    PolicyViolation,
)
from sandi.pola import flows as _flows
from sandi.pola._wire import SignedPola, decode_pola
from sandi.pola.classification import Classification
from sandi.pola.content import DECISION_CACHE, PolaContent, read_pola_file
from sandi.pola.freshness import FreshnessStatus, freshness_status, seen_for
from sandi.pola.history import History, Seen
from sandi.pola.model import (
    Agency,
    KeyState,
    KeyVersion,
    Rule,
    TimeStamping,
)
from sandi.pola.records import AgencyTable
from sandi.pola.trust import SignatureStatus, verify_pola

#: How far clocks may disagree: an envelope dated later than now plus this is refused,
#: and a clock this much before the home's floor is still accepted (seconds).
MAX_SKEW = 300


class Pola(PolaContent):
    """A verified pola. Build it with :meth:`load` or :meth:`from_bytes` only (or get it
    from a home); there is no way to build an unverified one."""

    def __init__(self, *_: object, **__: object) -> None:
        raise InvalidArgument("a Pola is made only by Pola.load, Pola.from_bytes or a home")

    @classmethod
    def _verified(cls, signed: SignedPola, status: SignatureStatus, *,
                  history: History | None = None, seen: Seen | None = None,
                  decision_cache: int = DECISION_CACHE) -> Pola:
        """The one way in, for this module's constructors: ``signed`` has been verified."""
        self = object.__new__(cls)
        self._setup(signed, status, history, seen, decision_cache)
        return self

    def _setup(self, signed: SignedPola, status: SignatureStatus, history: History | None,
               seen: Seen | None, decision_cache: int = DECISION_CACHE) -> None:
        self._index(signed, decision_cache)
        self._status = status
        self._history = history
        self._seen = seen
        # The latest trusted time: this pola's issue, a statement's, or the home's floor.
        floors = [signed.body.issued_at, seen.issued_at if seen else 0]
        self._floor = max(floors + ([history.state.floor] if history else []))

    def __repr__(self) -> str:
        return f"Pola({self.id!r}, v{self.version}, {len(self._by_id)} agencies)"

    if not TYPE_CHECKING:  # (for mypy, a missing attribute stays an error)
        def __getattr__(self, name: str) -> Any:
            # Reached only for a missing attribute: an object made by Pola.__new__ has no
            # verified state, and says so rather than fail somewhere inside seal.
            if name.startswith("_") and not name.startswith("__"):
                raise InvalidArgument("a Pola is made only by Pola.load, Pola.from_bytes or "
                                      "a home")
            raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_limits"]  # a cache of a bound method: made again on the other side
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._limits = lru_cache(maxsize=self._decision_cache)(self._decide)

    # --- construction -------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, *, trusted: Pola | None = None,
                   freshness: bytes | None = None, now: datetime | None = None,
                   decision_cache: int = DECISION_CACHE) -> Pola:
        """Parse and verify a signed pola; ``trusted`` is the pola installed before it,
        ``freshness`` a freshness statement naming it (:mod:`sandi.pola.freshness`).
        ``decision_cache`` bounds how many (sender, recipient) decisions it remembers
        (65,536 by default, about 10 MB)."""
        signed = decode_pola(data)
        status = verify_pola(signed, trusted._signed if trusted else None, now)
        return cls._verified(signed, status, decision_cache=decision_cache,
                             seen=None if freshness is None else seen_for(signed, freshness))

    @classmethod
    def _anchor(cls, data: bytes, history: History | None = None, seen: Seen | None = None
                ) -> Pola:
        """A home's installed pola (signatures checked, expiry not), with its history."""
        signed = decode_pola(data)
        return cls._verified(signed, verify_pola(signed, None, expiry=False), history=history,
                             seen=seen)

    def _in_home(self, history: History, seen: Seen | None) -> Pola:
        """This verified pola as a home hands it out, with its history (no re-decoding)."""
        return Pola._verified(self._signed, self._status, history=history, seen=seen)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, trusted: Pola | None = None,
             freshness: str | os.PathLike[str] | None = None, now: datetime | None = None,
             decision_cache: int = DECISION_CACHE) -> Pola:
        """Read and verify a signed pola file (and a freshness statement file); the
        options are those of :meth:`from_bytes`."""
        data = read_pola_file(path)
        statement = None if freshness is None else read_pola_file(freshness)
        return cls.from_bytes(data, trusted=trusted, freshness=statement, now=now,
                              decision_cache=decision_cache)

    # --- what it says beyond its content ---------------------------------------------

    @property
    def clock_floor(self) -> datetime:
        """The latest trusted time known: no judgment uses an earlier clock."""
        return from_epoch(self._floor)

    def freshness_status(self, now: datetime | None = None) -> FreshnessStatus:
        """Whether this pola is known to be current at ``now``."""
        return freshness_status(self.freshness, self._signed.body.issued_at, self._seen,
                                epoch(now))

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether ``now`` is past its expiry."""
        return epoch(now) >= self._signed.body.expires_at

    # --- decisions ------------------------------------------------------------------

    def check_flow(self, sender: str, to: Sequence[str], level: Classification,
                   suite: Suite) -> None:
        """Raise PolicyViolation unless every recipient may receive ``level`` from
        ``sender`` and the envelope meets the level's requirement (what seal checks)."""
        self.check_requirement(level, len(to), suite)
        self._check_flows(self.may_send, self.version, sender, to, level)

    def check_requirement(self, level: Classification, count: int, suite: Suite) -> None:
        """Raise PolicyViolation unless ``count`` recipients and ``suite`` meet what this
        pola requires of ``level`` (always this pola's: docs/pola.md §3)."""
        req = self.requirement(level)
        if count > req.max_recipients:
            raise PolicyViolation("{label} allows at most {max} recipients, not {count}",
                                  label=level.label, max=req.max_recipients, count=count)
        if suite < req.suite:
            raise PolicyViolation("{label} requires the {required} suite; this envelope uses"
                                  " {used}", label=level.label, required=req.suite.slug,
                                  used=suite.slug)

    def check_flows_at(self, version: int, at: datetime, sender: str, to: Sequence[str],
                       level: Classification) -> None:
        """Raise PolicyViolation unless the flows that count for an envelope naming
        ``version`` and created at ``at`` allow it: that version's, if it is older and
        was in force at ``at`` (known only to a home's history), else this version's."""
        older = None
        if version != self.version and self._history is not None:
            older = self._history.flows_in_force(version, epoch(at))
        if older is None:
            self._check_flows(self.may_send, self.version, sender, to, level)
        else:
            self._check_flows(older.may_send, older.version, sender, to, level)

    def _check_flows(self, may_send: Any, version: int, sender: str, to: Sequence[str],
                     level: Classification) -> None:
        for recipient in to:
            if recipient == sender:
                continue  # an agency may always keep a copy for itself
            if not may_send(sender, recipient, level):
                raise PolicyViolation("pola {id} v{version} does not allow {sender} to send "
                                      "{label} to {recipient}", id=self.id, version=version,
                                      sender=sender, label=level.label, recipient=recipient)

    def sealing_key(self, agency_id: str) -> KeyVersion:
        """The current key version of an agency: the one seal wraps to and signs with."""
        return self.agency(agency_id).current

    def check_time(self, now: datetime | None, level: Classification | None = None) -> None:
        """Raise unless this pola may judge at ``now``: the clock is not before the latest
        trusted time seen (ClockBehind), the pola has not expired (PolaExpired, a frozen
        pola), and, for ``level``, it is known to be current (PolaStale)."""
        at = epoch(now)
        if at < self._floor - MAX_SKEW:
            raise ClockBehind("this computer's clock says {now}, earlier than {floor}, the "
                              "latest trusted time this home has seen (pola {id} v{version})",
                              now=show(at), floor=show(self._floor), id=self.id,
                              version=self.version)
        if at >= self._signed.body.expires_at:
            raise PolaExpired("pola {id} v{version} expired on {expires}", id=self.id,
                              version=self.version, expires=show(self._signed.body.expires_at))
        policy = self.freshness
        if level is not None and policy is not None:
            status = freshness_status(policy, self._signed.body.issued_at, self._seen, at)
            if status.refuses(level):
                assert status.fresh_until is not None
                raise PolaStale(
                    "pola {id} v{version} is not confirmed current since {since}: {label} needs"
                    " a freshness statement from the authority at most {hours} hours old",
                    id=self.id, version=self.version, since=show(epoch(status.fresh_until)),
                    label=level.label, hours=policy.max_age // 3600)

    def tsa_for(self, version: int) -> TimeStamping | None:
        """The time-stamping authority of the pola version an envelope names: that
        version's if it is an older one this home installed (from its pinned file; a
        token made then chains to the TSA of then), else this pola's."""
        if version == self.version or self._history is None:
            return self.tsa
        return self._history.tsa_of(version, self.tsa)

    def _flows_index(self) -> bytes:
        """This version's flows, indexed for a home's history (:mod:`sandi.pola.flows`)."""
        agencies = self._signed.body.agencies
        pairs = ([(r[0], r[4]) for r in agencies.records] if isinstance(agencies, AgencyTable)
                 else [(a.id, a.groups) for a in agencies])
        return _flows.build(self.version, self._decisions, pairs)


__all__ = ["Agency", "KeyState", "Pola", "Rule"]
