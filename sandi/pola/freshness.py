"""Freshness statements: the authority says, every few hours, which pola is current.

A pola is valid for months; someone who withholds its successor would freeze a
revocation until then. As TUF's timestamp role does, the pola names a timestamp
key (:class:`~sandi.pola.model.Freshness`) that signs a small statement, renewed
often, naming the current version and the SHA-256 of its body::

    "SANDF" 0x01 || body || signature (64 bytes, Ed25519 by the pola's timestamp key)
    body = canonical msgpack map {"expires", "issued", "pola", "sha256", "version"}
    signed: "sandi/v2/pola-freshness" 0x00 || "SANDF" 0x01 || body

A pola is fresh until ``max_age`` after the newest attestation a home holds (the
pola itself, signed at its issue time, or a statement naming it), and never past
that statement's own expiry. A stale pola warns, and refuses every classification
above ``refuse_above`` (docs/pola.md, "Freshness").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import MAX_TIME, from_epoch, show
from sandi.crypto.primitives import verify_signature
from sandi.errors import (
    MalformedPola,
    PolaMismatch,
    PolaSignatureInvalid,
    PolaStale,
    SignatureInvalid,
)
from sandi.pola._wire import SignedPola
from sandi.pola.classification import Classification
from sandi.pola.history import Seen
from sandi.pola.model import MAX_FRESHNESS_AGE, Freshness
from sandi.pola.tables import fixed_map

FRESHNESS_MAGIC = b"SANDF\x01"
FRESHNESS_LABEL = b"sandi/v2/pola-freshness\x00"
MAX_STATEMENT = 4096
_KEYS = ("expires", "issued", "pola", "sha256", "version")
_F = Fields(MalformedPola, Phrase("freshness statement"))


@dataclass(frozen=True)
class Statement:
    """A parsed freshness statement (its signature not yet checked)."""

    pola_id: str
    version: int
    body_sha256: bytes
    issued_at: int
    expires_at: int
    body: bytes
    signature: bytes

    def to_bytes(self) -> bytes:
        """The file form."""
        return FRESHNESS_MAGIC + self.body + self.signature


def statement_body(pola_id: str, version: int, body_sha256: bytes, issued_at: int,
                   expires_at: int) -> bytes:
    """The canonical body of a statement."""
    return pack({"expires": expires_at, "issued": issued_at, "pola": pola_id,
                 "sha256": body_sha256, "version": version})


def statement_message(body: bytes) -> bytes:
    """The bytes the timestamp key signs."""
    return FRESHNESS_LABEL + FRESHNESS_MAGIC + body


def decode_statement(data: bytes) -> Statement:
    """Parse a statement file; every field checked, not the signature."""
    if not data.startswith(FRESHNESS_MAGIC):
        _F.fail("not a sandi freshness statement (bad magic)")
    if not len(FRESHNESS_MAGIC) + 64 < len(data) <= MAX_STATEMENT:
        _F.fail("length {size} is out of range", size=len(data))
    body, signature = data[len(FRESHNESS_MAGIC):-64], data[-64:]
    d = fixed_map(unpack(body, MalformedPola, Phrase("freshness statement"), MAX_STATEMENT,
                         caller_checks_key_order=True), "statement", _KEYS)
    issued = _F.integer(d["issued"], "issued", 0, MAX_TIME)
    expires = _F.integer(d["expires"], "expires", 0, MAX_TIME)
    if not issued < expires <= issued + MAX_FRESHNESS_AGE:
        _F.fail("expires must be after issued, by at most 31 days")
    return Statement(_F.slug(d["pola"], "pola id"), _F.integer(d["version"], "version", 1,
                                                                2**63 - 1),
                     _F.blob(d["sha256"], "sha256", 32), issued, expires, body, signature)


def body_hash(body_bytes: bytes) -> bytes:
    """What a statement names: the SHA-256 of the pola body."""
    return hashlib.sha256(body_bytes).digest()


def verify_statement(data: bytes, pola_id: str, policy: Freshness | None) -> Statement:
    """Parse ``data`` and check it is signed by ``policy``'s timestamp key for ``pola_id``."""
    statement = decode_statement(data)
    if policy is None:
        raise PolaSignatureInvalid("pola {id} names no timestamp key; it takes no freshness "
                                   "statement", id=pola_id)
    if statement.pola_id != pola_id:
        raise PolaSignatureInvalid("the freshness statement is for pola {found!r}, not {id!r}",
                                   found=statement.pola_id, id=pola_id)
    try:
        verify_signature(policy.key, None, statement_message(statement.body),
                         statement.signature, hybrid=False)
    except SignatureInvalid:
        raise PolaSignatureInvalid("the freshness statement for pola {id} v{version} is not "
                                   "signed by the pola's timestamp key", id=pola_id,
                                   version=statement.version) from None
    if statement.expires_at - statement.issued_at > policy.max_age:
        raise PolaSignatureInvalid("the freshness statement is valid for longer than the "
                                   "pola's limit of {hours} hours", hours=policy.max_age // 3600)
    return statement


@dataclass(frozen=True)
class FreshnessStatus:
    """Whether a pola is known to be current at a time (what ``sandi pola show`` prints)."""

    required: bool  # the pola names a timestamp key
    fresh_until: datetime | None  # None: no limit
    refuse_above: Classification | None
    stale: bool

    def refuses(self, level: Classification) -> bool:
        """Whether staleness refuses an envelope of ``level``."""
        return self.stale and self.refuse_above is not None and level > self.refuse_above


def freshness_status(policy: Freshness | None, issued_at: int, seen: Seen | None, now: int
                     ) -> FreshnessStatus:
    """Fresh until ``max_age`` after the newest attestation: the pola itself (signed at
    ``issued_at``) or the statement ``seen`` naming it, never past that one's expiry."""
    if policy is None:
        return FreshnessStatus(False, None, None, False)
    until = issued_at + policy.max_age
    if seen is not None:
        until = max(until, min(seen.issued_at + policy.max_age, seen.expires_at))
    return FreshnessStatus(True, from_epoch(until), policy.refuse_above, now >= until)


def seen_for(signed: SignedPola, statement: bytes) -> Seen | None:
    """Check a freshness statement names exactly this pola; what a home records of it.

    A statement naming an older version says nothing of this one (None: the
    authority has not renewed it since); one naming a newer version makes this
    pola stale (PolaStale).
    """
    body = signed.body
    found = verify_statement(statement, body.id, body.freshness)
    if found.version > body.version:
        raise PolaStale("pola {id} v{version} is stale: the authority's freshness statement of"
                        " {when} names v{current}", id=body.id, version=body.version,
                        when=show(found.issued_at), current=found.version)
    if found.version < body.version:
        return None
    if found.body_sha256 != body_hash(signed.body_bytes):
        raise PolaMismatch("the freshness statement names another body for pola {id} "
                           "v{version}", id=body.id, version=body.version)
    return Seen(found.version, found.issued_at, found.expires_at)
