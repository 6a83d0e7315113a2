"""The signed pola file, version 2. No keys here.

::

    "SANDP" 0x02          magic and version
    u32be B, body         canonical msgpack map (sorted keys), B <= 64 MiB
    u32be G, signatures   canonical msgpack array of [authority key id, Ed25519 signature]

Each authority custodian signs ``"sandi/v2/pola-signature\\x00" || magic ||
version || B || SHA-256(body)``: the body is hashed once, however many custodians
signed it. Agencies are positional records and rules are columns (see
:mod:`sandi.pola.tables`); docs/format.md gives every field.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import MAX_TIME
from sandi.crypto.suite import MLDSA65_PUBLIC_SIZE, MLDSA65_SIGNATURE_SIZE, Suite
from sandi.errors import MalformedPola, UnsupportedPolaVersion
from sandi.pola.classification import Classification
from sandi.pola.model import (
    MAX_FRESHNESS_AGE,
    MAX_RECIPIENTS,
    Agency,
    Authority,
    AuthorityKey,
    Decree,
    Freshness,
    Requirement,
    Rule,
    TimeStamping,
)
from sandi.pola.records import AgencyTable, agency_record
from sandi.pola.tables import TEXT, RuleTable, fixed_map

POLA_MAGIC = b"SANDP"
POLA_VERSION = 2
POLA_PREFIX = POLA_MAGIC + bytes([POLA_VERSION])
POLA_SIGNATURE_LABEL = b"sandi/v2/pola-signature\x00"
#: The ML-DSA-65 context of a pola signature's ML-DSA-65 half (a hybrid authority key's).
POLA_MLDSA_CONTEXT = b"sandi/v2/pola-signature"
MAX_HISTORY = 65_536
MAX_BODY = 64 * 1024 * 1024
MAX_SIGNATURES = 64
_U32 = struct.Struct(">I")


@dataclass(frozen=True)
class PolaBody:
    """Everything the authority signs."""

    id: str
    version: int
    name: str
    issued_at: int
    expires_at: int
    decree: Decree
    authority: Authority
    agencies: Sequence[Agency]
    rules: Sequence[Rule]
    requirements: tuple[Requirement, ...]
    tsa: TimeStamping | None = None
    freshness: Freshness | None = None
    #: ``(version, issued_at)`` of every earlier version the authority published, ascending:
    #: when each was superseded, for a home that skipped some (docs/pola.md §3)
    history: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SignedPola:
    """A parsed pola file: the body, its exact bytes and the signatures on them."""

    body: PolaBody
    body_bytes: bytes
    signatures: tuple[tuple[str, bytes], ...]

    def signed_message(self) -> bytes:
        """The bytes each authority key signs."""
        return self._message

    @cached_property
    def _message(self) -> bytes:
        return pola_message(self.body_bytes)

    def to_bytes(self) -> bytes:
        """The file form."""
        sigs = pack([[kid, sig] for kid, sig in self.signatures])
        return b"".join([POLA_PREFIX, _U32.pack(len(self.body_bytes)), self.body_bytes,
                         _U32.pack(len(sigs)), sigs])


def pola_message(body_bytes: bytes) -> bytes:
    """The signature input for a pola body: its length and SHA-256, labelled."""
    return (POLA_SIGNATURE_LABEL + POLA_PREFIX + _U32.pack(len(body_bytes))
            + hashlib.sha256(body_bytes).digest())


# --- encode ----------------------------------------------------------------------


def encode_body(b: PolaBody) -> bytes:
    """The canonical msgpack of a pola body."""
    return pack({
        "id": b.id, "version": b.version, "name": b.name,
        "issued": b.issued_at, "expires": b.expires_at,
        "decree": {"number": b.decree.number, "date": b.decree.date, "title": b.decree.title},
        "authority": {"name": b.authority.name, "threshold": b.authority.threshold,
                      "keys": [{"id": k.id, "ed25519": k.ed25519, "custodian": k.custodian,
                                "mldsa": k.mldsa} for k in b.authority.keys]},
        "agencies": [agency_record(a) for a in b.agencies],
        "rules": RuleTable.encode(b.rules),
        "requirements": [{"level": q.level.slug, "suite": q.suite.slug,
                          "max_recipients": q.max_recipients, "receipts": q.receipts,
                          "member_signed": q.member_signed}
                         for q in b.requirements],
        "tsa": None if b.tsa is None else {"url": b.tsa.url, "required": b.tsa.required,
                                           "certificates": list(b.tsa.certificates)},
        "freshness": None if b.freshness is None else {
            "key": b.freshness.key, "max_age": b.freshness.max_age,
            "mldsa": b.freshness.mldsa, "refuse_above": b.freshness.refuse_above.slug},
        "history": [list(h) for h in b.history],
    })


# --- decode ----------------------------------------------------------------------

_F = Fields(MalformedPola, Phrase("pola"))
_BODY = ("agencies", "authority", "decree", "expires", "freshness", "history", "id", "issued",
         "name", "requirements", "rules", "tsa", "version")
_LEVELS = {c.slug: c for c in Classification}
_SUITES = {s.slug: s for s in Suite}


def _requirement(m: object) -> Requirement:
    d = fixed_map(m, "requirement", ("level", "max_recipients", "member_signed", "receipts",
                                     "suite"))
    level, suite = d["level"], d["suite"]
    if not isinstance(level, str) or level not in _LEVELS:
        _F.fail("unknown level {level!r}", level=level)
    if not isinstance(suite, str) or suite not in _SUITES:
        _F.fail("unknown suite {suite!r}", suite=suite)
    return Requirement(_LEVELS[level], _SUITES[suite],
                       _F.integer(d["max_recipients"], "max_recipients", 1, MAX_RECIPIENTS),
                       _boolean(d["receipts"], "receipts"),
                       _boolean(d["member_signed"], "member_signed"))


def _boolean(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        _F.fail("{name} must be true or false", name=name)
    return value


def _tsa(m: object) -> TimeStamping | None:
    if m is None:
        return None
    d = fixed_map(m, "tsa", ("certificates", "required", "url"))
    certs = tuple(_F.blob(c, "tsa certificate", 1, 8192)
                  for c in _F.array(d["certificates"], "tsa certificates", 1, 4))
    url = _F.text(d["url"], "tsa url", TEXT)
    if not url.startswith(("http://", "https://")):
        _F.fail("tsa url must be http:// or https://")
    return TimeStamping(url, certs, _boolean(d["required"], "tsa required"))


def _freshness(m: object) -> Freshness | None:
    if m is None:
        return None
    d = fixed_map(m, "freshness", ("key", "max_age", "mldsa", "refuse_above"))
    level = d["refuse_above"]
    if not isinstance(level, str) or level not in _LEVELS:
        _F.fail("unknown level {level!r}", level=level)
    return Freshness(_F.blob(d["key"], "timestamp key", 32),
                     _F.integer(d["max_age"], "max_age", 3600, MAX_FRESHNESS_AGE),
                     _LEVELS[level], None if d["mldsa"] is None else
                     _F.blob(d["mldsa"], "timestamp ML-DSA-65 key", MLDSA65_PUBLIC_SIZE))


def _history(m: object, version: int, issued: int) -> tuple[tuple[int, int], ...]:
    out = []
    for item in _F.array(m, "history", 0, MAX_HISTORY):
        r = _F.record(item, "history entry", 2)
        out.append((_F.integer(r[0], "history version", 1, version - 1),
                    _F.integer(r[1], "history issued", 0, issued)))
    if any(a[0] >= b[0] or a[1] > b[1] for a, b in itertools.pairwise(out)):
        _F.fail("history must be ascending in version and time")
    return tuple(out)


def _authority(m: object) -> Authority:
    auth = fixed_map(m, "authority", ("keys", "name", "threshold"))
    keys = []
    for k in _F.array(auth["keys"], "authority keys", 1, MAX_SIGNATURES):
        km = fixed_map(k, "authority key", ("custodian", "ed25519", "id", "mldsa"))
        keys.append(AuthorityKey(_F.slug(km["id"], "authority key id"),
                                 _F.blob(km["ed25519"], "authority key", 32),
                                 _F.text(km["custodian"], "custodian", TEXT),
                                 None if km["mldsa"] is None else
                                 _F.blob(km["mldsa"], "authority ML-DSA-65 key",
                                         MLDSA65_PUBLIC_SIZE)))
    return Authority(_F.text(auth["name"], "authority name", TEXT),
                     _F.integer(auth["threshold"], "threshold", 1, MAX_SIGNATURES), tuple(keys))


def decode_body(data: bytes) -> PolaBody:
    """Parse a pola body, checking every field (agencies and rules in bulk).

    Nothing here touches process-wide state: no pausing of the garbage collector,
    which a server's other threads share (see tests/test_pola_gc.py for the cost).
    """
    f = _F
    # Every map below is read through fixed_map, which checks its key order.
    d = fixed_map(unpack(data, MalformedPola, Phrase("pola body"), MAX_BODY,
                         caller_checks_key_order=True), "body", _BODY)
    dec = fixed_map(d["decree"], "decree", ("date", "number", "title"))
    issued = f.integer(d["issued"], "issued", 0, MAX_TIME)
    if f.integer(d["expires"], "expires", 0, MAX_TIME) < issued:
        f.fail("expires is before issued")
    reqs = tuple(_requirement(r) for r in f.array(d["requirements"], "requirements", 0, 4))
    if len({r.level for r in reqs}) != len(reqs):
        f.fail("one requirement per classification")
    version = f.integer(d["version"], "version", 1, 2**63 - 1)
    authority = _authority(d["authority"])
    hybrid = [r.level for r in reqs if r.suite is Suite.HYBRID]
    classical = [k.id for k in authority.keys if not k.has_pq]
    if hybrid and classical:
        f.fail("the pola requires the hybrid suite for {level}, so every authority key signs "
               "with ML-DSA-65 too; {key} has no ML-DSA-65 half", level=hybrid[0].label,
               key=classical[0])
    freshness = _freshness(d["freshness"])
    if hybrid and freshness is not None and freshness.mldsa is None:
        # A classical timestamp key would let whoever breaks Ed25519 keep a withheld
        # revocation fresh: the same rule as for the authority keys (docs/pola.md §9).
        f.fail("the pola requires the hybrid suite for {level}, so the timestamp key signs "
               "with ML-DSA-65 too; it has no ML-DSA-65 half", level=hybrid[0].label)
    return PolaBody(
        f.slug(d["id"], "pola id"), version,
        f.text(d["name"], "name", TEXT), issued, d["expires"],
        Decree(f.text(dec["number"], "decree number", TEXT),
               f.text(dec["date"], "decree date", 32), f.text(dec["title"], "decree title", TEXT)),
        authority,
        AgencyTable.decode(f.array(d["agencies"], "agencies", 1, 100_000)),
        RuleTable.decode(d["rules"]), reqs, _tsa(d["tsa"]), freshness,
        _history(d["history"], version, issued))


def decode_pola(data: bytes) -> SignedPola:
    """Parse a signed pola file (signatures are not checked here)."""
    if data[:len(POLA_MAGIC)] != POLA_MAGIC:
        raise MalformedPola("pola: not a signed sandi pola (bad magic)")
    if data[len(POLA_MAGIC):len(POLA_PREFIX)] != bytes([POLA_VERSION]):
        found = data[len(POLA_MAGIC):len(POLA_PREFIX)]
        if not found:
            raise MalformedPola("pola: truncated after the magic")
        raise UnsupportedPolaVersion("pola: format version {version} is not supported (this sandi"
                                     " reads version {supported})", version=found[0],
                                     supported=POLA_VERSION)
    pos = len(POLA_PREFIX)
    blocks = []
    for what, limit in ((Phrase("body"), MAX_BODY), (Phrase("signatures"), 1024 * 1024)):
        if len(data) < pos + 4:
            raise MalformedPola("pola: truncated before the {what}", what=what)
        (size,) = _U32.unpack_from(data, pos)
        if not 1 <= size <= limit or len(data) < pos + 4 + size:
            raise MalformedPola("pola: {what} length {size} is out of range or truncated",
                                what=what, size=size)
        blocks.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    if pos != len(data):
        raise MalformedPola("pola: trailing bytes after the signatures")
    sigs = []
    for item in _F.array(unpack(blocks[1], MalformedPola, Phrase("pola signatures"), 1024 * 1024),
                         "signatures", 0, MAX_SIGNATURES):
        r = _F.record(item, "signature", 2)
        if not isinstance(r[1], bytes) or len(r[1]) not in (64, 64 + MLDSA65_SIGNATURE_SIZE):
            _F.fail("a signature is 64 bytes (Ed25519) or {hybrid} (Ed25519 + ML-DSA-65)",
                    hybrid=64 + MLDSA65_SIGNATURE_SIZE)
        sigs.append((_F.slug(r[0], "signer"), r[1]))
    return SignedPola(decode_body(blocks[0]), blocks[0], tuple(sigs))
