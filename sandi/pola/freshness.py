"""Freshness statements: the authority says, every few hours, which pola is current.

A pola is valid for months; someone who withholds its successor would freeze a
revocation until then. As TUF's timestamp role does, the pola names a timestamp
key (:class:`~sandi.pola.model.Freshness`) that signs a small statement, renewed
often, naming the current version and the SHA-256 of its body::

    "SANDF" 0x02 || u16be B || body (B bytes) || signature
    body = canonical msgpack map {"expires", "issued", "pola", "sha256", "version"}
    signed: "sandi/v2/pola-freshness" 0x00 || "SANDF" 0x02 || u16be B || body
    signature = Ed25519 (64 bytes), then ML-DSA-65 (3309 bytes, context
                "sandi/v2/pola-freshness") when the timestamp key has that half

Where the pola requires the hybrid suite for any level its timestamp key has
both halves (the pola loader refuses one without), and a statement needs both:
one without its ML-DSA-65 half, or with halves from two statements, is refused,
as a pola signature would be (docs/format.md, "Freshness statements").

A pola is fresh until ``max_age`` after the newest attestation a home holds (the
pola itself, signed at its issue time, or a statement naming it), and never past
that statement's own expiry. A stale pola warns, and refuses every classification
above ``refuse_above`` (docs/pola.md, "Freshness").
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import MAX_TIME, epoch, from_epoch, show
from sandi.crypto.primitives import verify_signature
from sandi.crypto.suite import MLDSA65_SIGNATURE_SIZE
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

FRESHNESS_MAGIC = b"SANDF\x02"
FRESHNESS_LABEL = b"sandi/v2/pola-freshness\x00"
#: The ML-DSA-65 context of a statement's ML-DSA-65 half.
FRESHNESS_MLDSA_CONTEXT = b"sandi/v2/pola-freshness"
MAX_STATEMENT = 4096
_MAX_BODY = 1024
_U16 = struct.Struct(">H")
_SIGNATURE_SIZES = (64, 64 + MLDSA65_SIGNATURE_SIZE)
_KEYS = ("expires", "issued", "pola", "sha256", "version")
_F = Fields(MalformedPola, Phrase("freshness statement"))
_SUITE_WORDS = {False: Phrase("Ed25519 only"), True: Phrase("Ed25519 + ML-DSA-65")}


@dataclass(frozen=True)
class Statement:
    """A parsed freshness statement (its signature not yet checked)."""

    pola_id: str
    version: int
    body_sha256: bytes
    issued_at: datetime
    expires_at: datetime
    signed: bytes  # magic, length and body: what the signature covers after the label
    signature: bytes

    def to_bytes(self) -> bytes:
        """The file form."""
        return self.signed + self.signature

    @property
    def hybrid(self) -> bool:
        """Whether it carries an ML-DSA-65 half after the Ed25519 signature."""
        return len(self.signature) > 64


def statement_body(pola_id: str, version: int, body_sha256: bytes, issued_at: datetime,
                   expires_at: datetime) -> bytes:
    """The signed part of a statement: magic, body length, canonical body."""
    body = pack({"expires": epoch(expires_at), "issued": epoch(issued_at), "pola": pola_id,
                 "sha256": body_sha256, "version": version})
    return FRESHNESS_MAGIC + _U16.pack(len(body)) + body


def statement_message(signed: bytes) -> bytes:
    """The bytes the timestamp key signs (both halves): the label, then ``signed``."""
    return FRESHNESS_LABEL + signed


def decode_statement(data: bytes) -> Statement:
    """Parse a statement file; every field checked, not the signature."""
    if not data.startswith(FRESHNESS_MAGIC):
        if data[:len(FRESHNESS_MAGIC) - 1] == FRESHNESS_MAGIC[:-1]:
            _F.fail("version {version} is not read by this sandi (it reads version 2)",
                    version=data[len(FRESHNESS_MAGIC) - 1:len(FRESHNESS_MAGIC)].hex())
        _F.fail("not a sandi freshness statement (bad magic)")
    if len(data) > MAX_STATEMENT or len(data) < len(FRESHNESS_MAGIC) + 2:
        _F.fail("length {size} is out of range", size=len(data))
    (size,) = _U16.unpack_from(data, len(FRESHNESS_MAGIC))
    end = len(FRESHNESS_MAGIC) + 2 + size
    if not 1 <= size <= _MAX_BODY or len(data) - end not in _SIGNATURE_SIZES:
        _F.fail("a body of 1..{limit} bytes, then a signature of 64 (Ed25519) or {hybrid} "
                "bytes (Ed25519 + ML-DSA-65)", limit=_MAX_BODY, hybrid=_SIGNATURE_SIZES[1])
    body = data[len(FRESHNESS_MAGIC) + 2:end]
    d = fixed_map(unpack(body, MalformedPola, Phrase("freshness statement"), _MAX_BODY,
                         caller_checks_key_order=True), "statement", _KEYS)
    issued = _F.integer(d["issued"], "issued", 0, MAX_TIME)
    expires = _F.integer(d["expires"], "expires", 0, MAX_TIME)
    if not issued < expires <= issued + MAX_FRESHNESS_AGE:
        _F.fail("expires must be after issued, by at most 31 days")
    return Statement(_F.slug(d["pola"], "pola id"), _F.integer(d["version"], "version", 1,
                                                                2**63 - 1),
                     _F.blob(d["sha256"], "sha256", 32), from_epoch(issued),
                     from_epoch(expires), data[:end], data[end:])


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
    if statement.hybrid != policy.has_pq:
        # Both halves or none, as the key has them: a statement stripped of its
        # ML-DSA-65 half is one a future forger of Ed25519 alone could have made.
        raise PolaSignatureInvalid("the freshness statement for pola {id} v{version} is signed "
                                   "{found}, but the pola's timestamp key is {expected}",
                                   id=pola_id, version=statement.version,
                                   found=_SUITE_WORDS[statement.hybrid],
                                   expected=_SUITE_WORDS[policy.has_pq])
    try:
        verify_signature(policy.key, policy.mldsa, statement_message(statement.signed),
                         statement.signature, hybrid=policy.has_pq,
                         context=FRESHNESS_MLDSA_CONTEXT)
    except SignatureInvalid:
        raise PolaSignatureInvalid("the freshness statement for pola {id} v{version} is not "
                                   "signed by the pola's timestamp key", id=pola_id,
                                   version=statement.version) from None
    if statement.expires_at - statement.issued_at > timedelta(seconds=policy.max_age):
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
                        when=show(epoch(found.issued_at)), current=found.version)
    if found.version < body.version:
        return None
    if found.body_sha256 != body_hash(signed.body_bytes):
        raise PolaMismatch("the freshness statement names another body for pola {id} "
                           "v{version}", id=body.id, version=body.version)
    return Seen(found.version, epoch(found.issued_at), epoch(found.expires_at))
