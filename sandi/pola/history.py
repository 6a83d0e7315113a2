"""What a home trusts, and the pola versions in force over time. No I/O but reading an index.

The home's trust state (``trust.sandi``, written only by installing a pola or
accepting a freshness statement) pins, as TUF's client keeps its trusted root:

::

    "SANDH" 0x01 || canonical msgpack map
      floor     int: the latest trusted time this home has seen (a pola's issue time,
                a freshness statement's); it never judges with a clock before it
      fresh     nil | [version, issued, expires]: the newest freshness statement accepted
      issued    [[version, issued_at], ...] ascending: the issue time of every version
                this home knows of (installed, or listed in an installed body's history)
      pola      the pola id
      root      the authority fingerprint: given at the first install, moved only by an
                authority rotation signed by k old and k new keys
      versions  [[version, body SHA-256, issued, expires, flows SHA-256], ...] ascending:
                every pola this home installed and the hash of its flows index

A version is *in force* from its issue time until the issue time of the next
version (installed or named in a later body's history) or its expiry, whichever
comes first (docs/pola.md §3).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import MAX_TIME
from sandi.errors import MalformedPola, PolaNotTrusted
from sandi.pola._wire import decode_pola
from sandi.pola.flows import Flows
from sandi.pola.model import TimeStamping
from sandi.pola.tables import fixed_map

STATE_MAGIC = b"SANDH\x01"
_KEYS = ("floor", "fresh", "issued", "pola", "root", "versions")
_F = Fields(MalformedPola, Phrase("home trust state"))


@dataclass(frozen=True)
class Installed:
    """One pola version this home installed."""

    version: int
    body_sha256: bytes
    issued_at: int
    expires_at: int
    flows_sha256: bytes


@dataclass(frozen=True)
class Seen:
    """A freshness statement this home accepted."""

    version: int
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class TrustState:
    """A home's pins (see the module docstring)."""

    pola_id: str
    root: str
    versions: tuple[Installed, ...]
    issued: tuple[tuple[int, int], ...]
    floor: int
    fresh: Seen | None = None

    @property
    def newest(self) -> Installed:
        """The installed (current) version."""
        return self.versions[-1]

    def end(self, version: Installed) -> int:
        """When ``version`` stopped being in force: superseded or expired, the earlier."""
        later = [at for v, at in self.issued if v > version.version]
        return min([version.expires_at, *later])

    def in_force(self, version: int, at: int) -> Installed | None:
        """The installed ``version`` if it was in force at ``at``, else None."""
        for v in self.versions:
            if v.version == version:
                return v if v.issued_at <= at < self.end(v) else None
        return None

    def installing(self, version: Installed, root: str, history: tuple[tuple[int, int], ...]
                   ) -> TrustState:
        """The state after installing ``version`` (a newer one, verified)."""
        issued = dict(self.issued)
        issued.update(history)
        issued[version.version] = version.issued_at
        return replace(self, root=root, versions=(*self.versions, version),
                       issued=tuple(sorted(issued.items())),
                       floor=max(self.floor, version.issued_at))

    def seeing(self, seen: Seen) -> TrustState:
        """The state after accepting a freshness statement."""
        newer = self.fresh is None or seen.issued_at >= self.fresh.issued_at
        return replace(self, fresh=seen if newer else self.fresh,
                       floor=max(self.floor, seen.issued_at))

    def encode(self) -> bytes:
        """The file form."""
        fresh = None if self.fresh is None else [self.fresh.version, self.fresh.issued_at,
                                                 self.fresh.expires_at]
        return STATE_MAGIC + pack({
            "fresh": fresh, "floor": self.floor, "issued": [list(i) for i in self.issued],
            "pola": self.pola_id, "root": self.root,
            "versions": [[v.version, v.body_sha256, v.issued_at, v.expires_at, v.flows_sha256]
                         for v in self.versions]})

    @classmethod
    def decode(cls, data: bytes) -> TrustState:
        """Parse a trust state, every field checked."""
        f = _F
        if not data.startswith(STATE_MAGIC):
            f.fail("bad magic")
        d = fixed_map(unpack(data[len(STATE_MAGIC):], MalformedPola, Phrase("home trust state"),
                             1 << 24, caller_checks_key_order=True), "state", _KEYS)
        versions = []
        for item in f.array(d["versions"], "versions", 1, 1 << 20):
            r = f.record(item, "version", 5)
            versions.append(Installed(
                f.integer(r[0], "version", 1, 2**63 - 1), f.blob(r[1], "body hash", 32),
                f.integer(r[2], "issued", 0, MAX_TIME), f.integer(r[3], "expires", 0, MAX_TIME),
                f.blob(r[4], "flows hash", 32)))
        issued = tuple((f.integer(r[0], "version", 1, 2**63 - 1),
                        f.integer(r[1], "issued", 0, MAX_TIME))
                       for r in (f.record(i, "issued", 2)
                                 for i in f.array(d["issued"], "issued", 0, 1 << 20)))
        if [v.version for v in versions] != sorted({v.version for v in versions}):
            f.fail("versions must be ascending")
        fresh = None
        if d["fresh"] is not None:
            r = f.record(d["fresh"], "fresh", 3)
            fresh = Seen(f.integer(r[0], "version", 1, 2**63 - 1),
                         f.integer(r[1], "issued", 0, MAX_TIME),
                         f.integer(r[2], "expires", 0, MAX_TIME))
        return cls(f.slug(d["pola"], "pola id"), f.text(d["root"], "root", 64),
                   tuple(versions), issued, f.integer(d["floor"], "floor", 0, MAX_TIME), fresh)


@dataclass
class History:
    """A home's installed versions, with the flows index of each read on first use.

    Given to the :class:`~sandi.pola.policy.Pola` a home hands out, so that an
    envelope naming an older version is judged by it when it was in force.
    """

    state: TrustState
    directory: Path  # the home's polas/, holding pola-vN.flows
    _flows: dict[int, Flows] = field(default_factory=dict, repr=False)
    _tsa: dict[int, TimeStamping | None] = field(default_factory=dict, repr=False)

    def flows_in_force(self, version: int, at: int) -> Flows | None:
        """The flows of ``version`` if it was in force at ``at`` (else None)."""
        installed = self.state.in_force(version, at)
        if installed is None:
            return None
        found = self._flows.get(version)
        if found is None:
            found = self._flows[version] = self._read(installed)
        return found

    def tsa_of(self, version: int, default: TimeStamping | None) -> TimeStamping | None:
        """The TSA that installed ``version`` named (``default`` for a version this home
        did not install), read once from its pinned file."""
        installed = next((v for v in self.state.versions if v.version == version), None)
        if installed is None:
            return default
        if version not in self._tsa:
            path = self.directory / pola_name(version)
            try:
                signed = decode_pola(path.read_bytes())
            except OSError:
                signed = None
            if signed is None or hashlib.sha256(signed.body_bytes).digest() \
                    != installed.body_sha256:
                raise PolaNotTrusted("{path} is not the pola this home installed as v{version}",
                                     path=path, version=version)
            self._tsa[version] = signed.body.tsa
        return self._tsa[version]

    def _read(self, installed: Installed) -> Flows:
        path = self.directory / flows_name(installed.version)
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if hashlib.sha256(data).digest() != installed.flows_sha256:
            raise PolaNotTrusted("{path} is not the flows index this home wrote when it "
                                 "installed v{version}", path=path, version=installed.version)
        return Flows(data)


def pola_name(version: int) -> str:
    """The file name of an installed version in the home's ``polas/``."""
    return f"pola-v{version}.sandi"


def flows_name(version: int) -> str:
    """The file name of a version's flows index in the home's ``polas/``."""
    return f"pola-v{version}.flows"
