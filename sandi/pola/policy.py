"""The pola: who may send which classification to whom, signed by the authority.

A :class:`Pola` exists only verified: it comes from :meth:`Pola.load` or
:meth:`Pola.from_bytes`, which check the authority's threshold signatures, the
expiry and, given the trusted pola, rollback and authority continuity
(:mod:`sandi.pola.trust`).

>>> import sandi
>>> from sandi.demo import demo_world
>>> pola = demo_world().pola
>>> pola.may_send("dispendukcapil", "dinkes", sandi.Classification.RAHASIA)
True
>>> pola.may_send("dinkes", "dispendukcapil", sandi.Classification.SANGAT_RAHASIA)
False
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sandi._internal import fs as _fs
from sandi._internal.time import epoch
from sandi.crypto.suite import Suite
from sandi.errors import (
    MalformedPola,
    PolaExpired,
    PolicyViolation,
    UnknownAgency,
)
from sandi.pola._wire import SignedPola, decode_pola
from sandi.pola.classification import Classification
from sandi.pola.model import (
    MAX_RECIPIENTS,
    Agency,
    Authority,
    Decree,
    KeyState,
    KeyVersion,
    Requirement,
    Rule,
    TimeStamping,
)
from sandi.pola.records import AgencyTable
from sandi.pola.tables import Decisions, RuleTable
from sandi.pola.trust import SignatureStatus, signature_status, verify_pola

#: How many (sender, recipient) decisions a Pola remembers: enough for every pair a busy
#: agency uses, bounded so a service deciding millions of distinct pairs keeps ~10 MB.
DECISION_CACHE = 65_536


class Pola:
    """A verified pola. Build it with :meth:`load` or :meth:`from_bytes` only."""

    def __init__(self, signed: SignedPola, status: SignatureStatus) -> None:
        self._signed = signed
        self._status = status
        agencies, rules = signed.body.agencies, signed.body.rules
        self._by_id = agencies.ids if isinstance(agencies, AgencyTable) else {
            a.id: i for i, a in enumerate(agencies)}
        # Built here, so that the first decision is as fast as any (0.06 s at 250,000 rules).
        self._decisions = Decisions(rules if isinstance(rules, RuleTable)
                                    else RuleTable(RuleTable.encode(rules)))
        self._selectors: dict[str, tuple[int, ...]] = {}  # at most one per agency
        self._limits = lru_cache(maxsize=DECISION_CACHE)(self._decide)
        self._agencies: tuple[Agency, ...] | None = None
        self._rules: tuple[Rule, ...] | None = None
        self._history_dir: Path | None = None

    def __repr__(self) -> str:
        return f"Pola({self.id!r}, v{self.version}, {len(self._by_id)} agencies)"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_limits"]  # a cache of a bound method: made again on the other side
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._limits = lru_cache(maxsize=DECISION_CACHE)(self._decide)

    # --- construction -------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, *, trusted: Pola | None = None,
                   now: datetime | None = None) -> Pola:
        """Parse and verify a signed pola; ``trusted`` is the pola installed before it."""
        signed = decode_pola(data)
        status = verify_pola(signed, trusted._signed if trusted else None, epoch(now))
        return cls(signed, status)

    @classmethod
    def _anchor(cls, data: bytes) -> Pola:
        """The home's installed pola as a trust anchor: signatures checked, expiry not."""
        signed = decode_pola(data)
        return cls(signed, verify_pola(signed, None, None))

    @classmethod
    def load(cls, path: Path | str, *, trusted: Pola | None = None,
             now: datetime | None = None) -> Pola:
        """Read and verify a signed pola file."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise MalformedPola("cannot read pola {source}: {reason}", source=path,
                                reason=_fs.os_reason(exc, reading=True)) from None
        return cls.from_bytes(data, trusted=trusted, now=now)

    def to_bytes(self) -> bytes:
        """The signed file form, byte for byte as loaded."""
        return self._signed.to_bytes()

    # --- what it says ---------------------------------------------------------------

    @property
    def id(self) -> str:
        """The pola's id, e.g. ``kota-contoh``."""
        return self._signed.body.id

    @property
    def version(self) -> int:
        """The version; it only grows."""
        return self._signed.body.version

    @property
    def name(self) -> str:
        """Its title."""
        return self._signed.body.name

    @property
    def issued_at(self) -> int:
        """When the authority compiled it (seconds since the epoch)."""
        return self._signed.body.issued_at

    @property
    def expires_at(self) -> int:
        """When it stops being valid (seconds since the epoch)."""
        return self._signed.body.expires_at

    @property
    def decree(self) -> Decree:
        """The regulation it implements."""
        return self._signed.body.decree

    @property
    def authority(self) -> Authority:
        """The k-of-n authority that signs it."""
        return self._signed.body.authority

    @property
    def agencies(self) -> tuple[Agency, ...]:
        """Every agency, in pola order."""
        if self._agencies is None:
            self._agencies = tuple(self._signed.body.agencies)
        return self._agencies

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Allow and deny rules, in pola order."""
        if self._rules is None:
            self._rules = tuple(self._signed.body.rules)
        return self._rules

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """Per-classification requirements."""
        return self._signed.body.requirements

    @property
    def tsa(self) -> TimeStamping | None:
        """The RFC 3161 time-stamping authority it names, if any."""
        return self._signed.body.tsa

    @property
    def signed(self) -> SignedPola:
        """The parsed file (for authoring tools)."""
        return self._signed

    def signature_status(self) -> SignatureStatus:
        """Which authority keys signed it ("signed 2/3")."""
        return signature_status(self._signed, self.authority)

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether ``now`` is past its expiry."""
        return epoch(now) >= self.expires_at

    def agency(self, agency_id: str) -> Agency:
        """An agency by id, or UnknownAgency."""
        return self._signed.body.agencies[self._position(agency_id)]

    def _position(self, agency_id: str) -> int:
        i = self._by_id.get(agency_id)
        if i is None:
            raise UnknownAgency("agency {agency!r} is not in pola {id} v{version}",
                                agency=agency_id, id=self.id, version=self.version)
        return i

    def requirement(self, level: Classification) -> Requirement:
        """What ``level`` demands (defaults: classical suite, up to 1,024 recipients)."""
        for req in self.requirements:
            if req.level == level:
                return req
        return Requirement(level, Suite.CLASSICAL, MAX_RECIPIENTS)

    # --- decisions ------------------------------------------------------------------

    def _selectors_of(self, agency_id: str) -> tuple[int, ...]:
        found = self._selectors.get(agency_id)
        if found is None:
            i = self._position(agency_id)
            agencies = self._signed.body.agencies
            groups = (agencies.groups(i) if isinstance(agencies, AgencyTable)
                      else agencies[i].groups)
            found = self._selectors[agency_id] = self._decisions.selectors_of(agency_id, groups)
        return found

    def _decide(self, sender: str, recipient: str) -> tuple[int, int]:
        # Every rule whose from is a selector of the sender and whose to is one of the
        # recipient's (docs/pola.md section 3): the highest allow and the lowest deny.
        return self._decisions.limits(self._selectors_of(sender), self._selectors_of(recipient))

    def may_send(self, sender: str, recipient: str, level: Classification | str) -> bool:
        """Whether ``sender`` may send ``level`` to ``recipient``: some allow reaches the
        level and no deny covers it (denials win)."""
        lvl = int(Classification.parse(level))
        allow, deny = self._limits(sender, recipient)
        return lvl <= allow and lvl < deny

    def check_flow(self, sender: str, to: Sequence[str], level: Classification,
                   suite: Suite) -> None:
        """Raise PolicyViolation unless every recipient may receive ``level`` from
        ``sender`` and the envelope meets the level's requirement."""
        req = self.requirement(level)
        if len(to) > req.max_recipients:
            raise PolicyViolation("{label} allows at most {max} recipients, not {count}",
                                  label=level.label, max=req.max_recipients, count=len(to))
        if suite < req.suite:
            raise PolicyViolation("{label} requires the {required} suite; this envelope uses"
                                  " {used}", label=level.label, required=req.suite.slug,
                                  used=suite.slug)
        for recipient in to:
            if recipient == sender:
                continue  # an agency may always keep a copy for itself
            if not self.may_send(sender, recipient, level):
                raise PolicyViolation("pola {id} v{version} does not allow {sender} to send "
                                      "{label} to {recipient}", id=self.id, version=self.version,
                                      sender=sender, label=level.label, recipient=recipient)

    def sealing_key(self, agency_id: str) -> KeyVersion:
        """The current key version of an agency: the one seal wraps to and signs with."""
        return self.agency(agency_id).current

    def attach_history(self, directory: Path) -> None:
        """Judge envelopes by the pola version they name, from a home's ``polas/``
        (every pola it installed, each verified when it was installed)."""
        self._history_dir = directory

    def version_named(self, version: int) -> Pola:
        """The pola version an envelope names, as this home keeps it (else this one)."""
        if version == self.version or self._history_dir is None:
            return self
        path = self._history_dir / f"pola-v{version}.sandi"
        if not path.exists():
            return self  # a version this home never saw: today's rules (docs/pola.md)
        older = Pola._anchor(path.read_bytes())
        return older if older.id == self.id else self

    def check_expiry(self, now: datetime | None) -> None:
        """Raise PolaExpired if ``now`` is past the expiry (a frozen pola is refused)."""
        if self.is_expired(now):
            from sandi._internal.time import show

            raise PolaExpired("pola {id} v{version} expired on {expires}", id=self.id,
                              version=self.version, expires=show(self.expires_at))


__all__ = ["Agency", "KeyState", "Pola", "Rule"]
