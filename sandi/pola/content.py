"""What a pola file says, read the same way whether it is trusted or not.

:class:`PolaContent` holds a parsed pola file (every field checked by
:func:`~sandi.pola._wire.decode_pola`) and answers what it says: its id, version,
decree, authority, agencies, rules, requirements, and who may send what to whom.
It decides nothing about trust. Two classes build on it: :class:`~sandi.pola.Pola`
(verified: the only one seal, open and verify accept) and :class:`~sandi.pola.Draft`
(a file being signed, or any file a person wants to look at before trusting it).
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sandi._internal import fs as _fs
from sandi._internal.time import from_epoch
from sandi.crypto.suite import Suite
from sandi.errors import InvalidArgument, MalformedPola, UnknownAgency
from sandi.pola._wire import SignedPola
from sandi.pola.classification import Classification
from sandi.pola.model import (
    MAX_RECIPIENTS,
    Agency,
    Authority,
    Decree,
    Freshness,
    Requirement,
    Rule,
    TimeStamping,
)
from sandi.pola.records import AgencyTable
from sandi.pola.tables import Decisions, RuleTable
from sandi.pola.trust import SignatureStatus, signature_status

#: How many (sender, recipient) decisions a pola remembers: enough for every pair a busy
#: agency uses, bounded so a service deciding millions of distinct pairs keeps ~10 MB.
DECISION_CACHE = 65_536


class PolaContent:
    """The content of a parsed pola file; made only by its subclasses' constructors."""

    _signed: SignedPola

    def _index(self, signed: SignedPola, decision_cache: int = DECISION_CACHE) -> None:
        """Take ``signed`` and index it for lookups and decisions (the last
        ``decision_cache`` (sender, recipient) decisions remembered)."""
        if decision_cache < 0:
            raise InvalidArgument("decision_cache must be >= 0, got {size}", size=decision_cache)
        self._signed = signed
        agencies, rules = signed.body.agencies, signed.body.rules
        self._by_id = agencies.ids if isinstance(agencies, AgencyTable) else {
            a.id: i for i, a in enumerate(agencies)}
        # Built here, so that the first decision is as fast as any (0.06 s at 250,000 rules).
        self._decisions = Decisions(rules if isinstance(rules, RuleTable)
                                    else RuleTable(RuleTable.encode(rules)))
        self._selectors: dict[str, tuple[int, ...]] = {}  # at most one per agency
        self._decision_cache = decision_cache
        self._limits = lru_cache(maxsize=decision_cache)(self._decide)
        self._agencies: tuple[Agency, ...] | None = None
        self._rules: tuple[Rule, ...] | None = None
        # Every level's requirement, looked up several times per seal and per open.
        stated: dict[Classification, Requirement] = {}
        for req in signed.body.requirements:
            stated.setdefault(req.level, req)  # the first one stated, as a scan would find
        self._requirement = {level: stated.get(level) or Requirement(level, Suite.CLASSICAL,
                                                                     MAX_RECIPIENTS)
                             for level in Classification}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, v{self.version}, {len(self._by_id)} agencies)"

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
    def issued_at(self) -> datetime:
        """When the authority compiled it (UTC)."""
        return from_epoch(self._signed.body.issued_at)

    @property
    def expires_at(self) -> datetime:
        """When it stops being valid (UTC)."""
        return from_epoch(self._signed.body.expires_at)

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
    def freshness(self) -> Freshness | None:
        """The timestamp role: who signs freshness statements, and their limits."""
        return self._signed.body.freshness

    @property
    def signed(self) -> SignedPola:
        """The parsed file (for authoring tools)."""
        return self._signed

    def signature_status(self) -> SignatureStatus:
        """Which authority keys signed it ("signed 2/3")."""
        return signature_status(self._signed, self.authority)

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
        return self._requirement[level]

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


def read_pola_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a pola file, or MalformedPola saying why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise MalformedPola("cannot read pola {source}: {reason}", source=path,
                            reason=_fs.os_reason(exc, reading=True)) from None
