"""The signed pola file, version 1. No cryptography here.

::

    "SANDP" 0x01          magic and version
    u32be B, body         canonical msgpack map (sorted keys), B <= 64 MiB
    u32be G, signatures   canonical msgpack array of [authority key id, Ed25519 signature]

Each authority custodian signs ``"sandi/v1/pola-signature\\x00" || magic ||
version || B || body``. See docs/pola.md for every field.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from sandi._codec import Fields, is_slug, pack, unpack
from sandi.classification import Classification
from sandi.errors import MalformedPola, UnsupportedPolaVersion
from sandi.format import MAX_RECIPIENTS, MAX_TIME, Suite
from sandi.keys import PublicKeys
from sandi.pola_model import (
    Agency,
    Authority,
    AuthorityKey,
    Decree,
    Effect,
    KeyState,
    KeyVersion,
    Member,
    MemberStatus,
    Requirement,
    RevocationReason,
    Rule,
)

POLA_MAGIC = b"SANDP"
POLA_VERSION = 1
POLA_PREFIX = POLA_MAGIC + bytes([POLA_VERSION])
POLA_SIGNATURE_LABEL = b"sandi/v1/pola-signature\x00"
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
    agencies: tuple[Agency, ...]
    rules: tuple[Rule, ...]
    requirements: tuple[Requirement, ...]


@dataclass(frozen=True)
class SignedPola:
    """A parsed pola file: the body, its exact bytes and the signatures on them."""

    body: PolaBody
    body_bytes: bytes
    signatures: tuple[tuple[str, bytes], ...]

    def signed_message(self) -> bytes:
        """The bytes each authority key signs."""
        return pola_message(self.body_bytes)

    def to_bytes(self) -> bytes:
        """The file form."""
        sigs = pack([[kid, sig] for kid, sig in self.signatures])
        return b"".join([POLA_PREFIX, _U32.pack(len(self.body_bytes)), self.body_bytes,
                         _U32.pack(len(sigs)), sigs])


def pola_message(body_bytes: bytes) -> bytes:
    """The signature input for a pola body."""
    return POLA_SIGNATURE_LABEL + POLA_PREFIX + _U32.pack(len(body_bytes)) + body_bytes


# --- encode ----------------------------------------------------------------------


def _opt(d: dict[str, Any], key: str, value: object) -> dict[str, Any]:
    if value is not None:
        d[key] = value
    return d


def _key_map(k: KeyVersion) -> dict[str, Any]:
    d: dict[str, Any] = {"v": k.version, "x25519": k.keys.x25519, "ed25519": k.keys.ed25519,
                         "state": k.state.value, "not_before": k.not_before}
    _opt(d, "mlkem", k.keys.mlkem)
    _opt(d, "mldsa", k.keys.mldsa)
    _opt(d, "revoked_at", k.revoked_at)
    return _opt(d, "reason", k.reason.value if k.reason else None)


def _member_map(m: Member) -> dict[str, Any]:
    d: dict[str, Any] = {"id": m.id, "name": m.name, "jabatan": m.jabatan,
                         "keys": [_key_map(k) for k in m.keys], "joined": m.joined_at,
                         "status": m.status.value}
    _opt(d, "nip", m.nip)
    return _opt(d, "status_at", m.status_at)


def encode_body(b: PolaBody) -> bytes:
    """The canonical msgpack of a pola body."""
    return pack({
        "id": b.id, "version": b.version, "name": b.name,
        "issued": b.issued_at, "expires": b.expires_at,
        "decree": {"number": b.decree.number, "date": b.decree.date, "title": b.decree.title},
        "authority": {"name": b.authority.name, "threshold": b.authority.threshold,
                      "keys": [{"id": k.id, "ed25519": k.ed25519, "custodian": k.custodian}
                               for k in b.authority.keys]},
        "agencies": [_opt(_opt({"id": a.id, "name": a.name, "abbrev": a.abbrev,
                                "groups": list(a.groups), "keys": [_key_map(k) for k in a.keys]},
                               "sipd", a.sipd), "members",
                          [_member_map(m) for m in a.members] or None) for a in b.agencies],
        "rules": [_opt(_opt({"effect": r.effect.value, "from": r.source, "to": r.target,
                             "level": r.level.slug}, "sarana", r.sarana), "note", r.note)
                  for r in b.rules],
        "requirements": [{"level": q.level.slug, "suite": q.suite.slug,
                          "max_recipients": q.max_recipients} for q in b.requirements],
    })


# --- decode ----------------------------------------------------------------------

_F = Fields(MalformedPola, "pola")
_TEXT = 1024


_ENUMS: dict[Any, dict[str, Any]] = {}


def _enum_value(cls: Any, value: object, name: str) -> Any:
    table = _ENUMS.get(cls)
    if table is None:
        table = _ENUMS[cls] = {getattr(m, "slug", m.value): m for m in cls}
    member = table.get(value) if isinstance(value, str) else None
    if member is None:
        _F.fail(f"unknown {name} {value!r}")
    return member


def _decode_key(m: object) -> KeyVersion:
    f = _F
    d = f.map(m, "key", {"v", "x25519", "ed25519", "state", "not_before"},
              frozenset({"mlkem", "mldsa", "revoked_at", "reason"}))
    if ("mlkem" in d) != ("mldsa" in d):
        f.fail("a key has both post-quantum halves or neither")
    pub = PublicKeys(f.blob(d["x25519"], "x25519", 32), f.blob(d["ed25519"], "ed25519", 32),
                     f.blob(d["mlkem"], "mlkem", 1184) if "mlkem" in d else None,
                     f.blob(d["mldsa"], "mldsa", 1952) if "mldsa" in d else None)
    return KeyVersion(
        f.integer(d["v"], "key version", 1, 2**31), pub,
        _enum_value(KeyState, d["state"], "key state"),
        f.integer(d["not_before"], "not_before", 0, MAX_TIME),
        f.integer(d["revoked_at"], "revoked_at", 0, MAX_TIME) if "revoked_at" in d else None,
        _enum_value(RevocationReason, d["reason"], "reason") if "reason" in d else None)


def _decode_member(m: object) -> Member:
    f = _F
    d = f.map(m, "member", {"id", "name", "jabatan", "keys", "joined", "status"},
              frozenset({"nip", "status_at"}))
    return Member(
        f.slug(d["id"], "member id"), f.text(d["name"], "member name", _TEXT),
        f.text(d["jabatan"], "jabatan", _TEXT),
        f.text(d["nip"], "NIP", 32) if "nip" in d else None,
        tuple(_decode_key(k) for k in f.array(d["keys"], "member keys", 1, 4096)),
        f.integer(d["joined"], "joined", 0, MAX_TIME),
        _enum_value(MemberStatus, d["status"], "member status"),
        f.integer(d["status_at"], "status_at", 0, MAX_TIME) if "status_at" in d else None)


def _decode_agency(m: object) -> Agency:
    f = _F
    d = f.map(m, "agency", {"id", "name", "abbrev", "groups", "keys"},
              frozenset({"sipd", "members"}))
    return Agency(
        f.slug(d["id"], "agency id"), f.text(d["name"], "agency name", _TEXT),
        f.text(d["abbrev"], "abbreviation", 64),
        f.text(d["sipd"], "SIPD code", 64) if "sipd" in d else None,
        tuple(f.slug(g, "group") for g in f.array(d["groups"], "groups", 0, 64)),
        tuple(_decode_key(k) for k in f.array(d["keys"], "keys", 1, 4096)),
        tuple(_decode_member(x) for x in f.array(d.get("members", []), "members", 0, 100_000)))


def _selector(value: object, name: str) -> str:
    if isinstance(value, str) and value in _GOOD_SELECTORS:
        return value  # a large pola names the same agencies hundreds of thousands of times
    text = _F.text(value, name, 40)
    bare = text.removeprefix("group:")
    if text != "*" and not is_slug(bare):
        _F.fail(f"{name} {text!r} is not an agency, group:<slug> or *")
    if len(_GOOD_SELECTORS) < 1_000_000:
        _GOOD_SELECTORS.add(text)
    return text


_GOOD_SELECTORS: set[str] = set()
_RULE_KEYS = frozenset({"effect", "from", "to", "level", "sarana", "note"})
_RULE_REQUIRED = frozenset({"effect", "from", "to", "level"})


def _decode_rule(m: object) -> Rule:
    f = _F
    if isinstance(m, dict) and _RULE_REQUIRED <= m.keys() <= _RULE_KEYS:
        d = m  # the common case, checked without building sets of differences
    else:
        d = f.map(m, "rule", set(_RULE_REQUIRED), _RULE_KEYS - _RULE_REQUIRED)
    return Rule(_enum_value(Effect, d["effect"], "effect"), _selector(d["from"], "from"),
                _selector(d["to"], "to"), _enum_value(Classification, d["level"], "level"),
                f.text(d["sarana"], "sarana", _TEXT) if "sarana" in d else None,
                f.text(d["note"], "note", _TEXT) if "note" in d else None)


def _decode_requirement(m: object) -> Requirement:
    f = _F
    d = f.map(m, "requirement", {"level", "suite", "max_recipients"})
    return Requirement(_enum_value(Classification, d["level"], "level"),
                       _enum_value(Suite, d["suite"], "suite"),
                       f.integer(d["max_recipients"], "max_recipients", 1, MAX_RECIPIENTS))


def decode_body(data: bytes) -> PolaBody:
    """Parse a pola body."""
    f = _F
    d = f.map(unpack(data, MalformedPola, "pola body", MAX_BODY), "body",
              {"id", "version", "name", "issued", "expires", "decree", "authority",
               "agencies", "rules", "requirements"})
    dec = f.map(d["decree"], "decree", {"number", "date", "title"})
    auth = f.map(d["authority"], "authority", {"name", "threshold", "keys"})
    keys = []
    for k in f.array(auth["keys"], "authority keys", 1, MAX_SIGNATURES):
        km = f.map(k, "authority key", {"id", "ed25519", "custodian"})
        keys.append(AuthorityKey(f.slug(km["id"], "authority key id"),
                                 f.blob(km["ed25519"], "authority key", 32),
                                 f.text(km["custodian"], "custodian", _TEXT)))
    agencies = tuple(_decode_agency(a) for a in f.array(d["agencies"], "agencies", 1, 100_000))
    if len({a.id for a in agencies}) != len(agencies):
        f.fail("agency ids must be unique")
    if f.integer(d["expires"], "expires", 0, MAX_TIME) < f.integer(d["issued"], "issued", 0,
                                                                   MAX_TIME):
        f.fail("expires is before issued")
    reqs = tuple(_decode_requirement(r) for r in f.array(d["requirements"], "requirements", 0, 4))
    if len({r.level for r in reqs}) != len(reqs):
        f.fail("one requirement per classification")
    return PolaBody(
        f.slug(d["id"], "pola id"), f.integer(d["version"], "version", 1, 2**63 - 1),
        f.text(d["name"], "name", _TEXT), f.integer(d["issued"], "issued", 0, MAX_TIME),
        f.integer(d["expires"], "expires", 0, MAX_TIME),
        Decree(f.text(dec["number"], "decree number", _TEXT),
               f.text(dec["date"], "decree date", 32), f.text(dec["title"], "decree title", _TEXT)),
        Authority(f.text(auth["name"], "authority name", _TEXT),
                  f.integer(auth["threshold"], "threshold", 1, MAX_SIGNATURES), tuple(keys)),
        agencies,
        tuple(_decode_rule(r) for r in f.array(d["rules"], "rules", 0, 1_000_000)),
        reqs)


def decode_pola(data: bytes) -> SignedPola:
    """Parse a signed pola file (signatures are not checked here)."""
    if data[:len(POLA_MAGIC)] != POLA_MAGIC:
        raise MalformedPola("pola: not a signed sandi pola (bad magic)")
    if data[len(POLA_MAGIC):len(POLA_PREFIX)] != bytes([POLA_VERSION]):
        found = data[len(POLA_MAGIC):len(POLA_PREFIX)]
        if not found:
            raise MalformedPola("pola: truncated after the magic")
        raise UnsupportedPolaVersion(f"pola: format version {found[0]} is not supported"
                                     f" (this sandi reads version {POLA_VERSION})")
    pos = len(POLA_PREFIX)
    blocks = []
    for what, limit in (("body", MAX_BODY), ("signatures", 1024 * 1024)):
        if len(data) < pos + 4:
            raise MalformedPola(f"pola: truncated before the {what}")
        (size,) = _U32.unpack_from(data, pos)
        if not 1 <= size <= limit or len(data) < pos + 4 + size:
            raise MalformedPola(f"pola: {what} length {size} is out of range or truncated")
        blocks.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    if pos != len(data):
        raise MalformedPola("pola: trailing bytes after the signatures")
    sigs = []
    for item in _F.array(unpack(blocks[1], MalformedPola, "pola signatures", 1024 * 1024),
                         "signatures", 0, MAX_SIGNATURES):
        r = _F.record(item, "signature", 2)
        sigs.append((_F.slug(r[0], "signer"), _F.blob(r[1], "signature", 64)))
    return SignedPola(decode_body(blocks[0]), blocks[0], tuple(sigs))
