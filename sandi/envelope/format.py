"""The envelope wire format, version 2. No cryptography here but the header hash.

Read this file beside docs/format.md: the sections follow each other. An
envelope is::

    "SANDI" 0x02                   magic and version (6 bytes)
    u32be S, header                canonical msgpack array of 12, S <= 256 KiB;  hashed: H
    u32be B, bound block           canonical msgpack [commitment, meta], B <= 8 KiB
    u32be R, recipient stanzas     canonical msgpack array, R <= 4 MiB
    u32be U, attachments           canonical msgpack array, U <= 64 KiB (time-stamp token)
    payload                        STREAM chunks, 65,552 bytes each but the last
    signature                      fixed length per suite (64 or 3,373 bytes)

The header hash H (over the magic, version, S and the header) is bound into every
key of the document and into every stanza; the bound block depends on H, so it
follows the header rather than sitting inside it. The signature covers
everything from the magic to the end of the bound block (the *signed region*)
and the payload; the stanzas stay outside, so a custodian can rewrap them, and so
do the attachments (an RFC 3161 token over H, which the signer cannot make).

Everything here decodes into frozen dataclasses and raises
:class:`~sandi.errors.MalformedEnvelope` (or a subclass) for any input that is
not exactly one canonical encoding of a valid structure.

>>> from sandi.envelope.format import PREFIX, Suite
>>> PREFIX, Suite.CLASSICAL.signature_len
(b'SANDI\\x02', 64)
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sandi._internal.codec import Fields, pack_arrays, unpack
from sandi._internal.i18n import Phrase, Said, said
from sandi._internal.time import MAX_TIME
from sandi.crypto.primitives import LABEL_ENVELOPE_SIGNATURE, header_hash
from sandi.crypto.suite import SHA256_SIZE, TAG_SIZE, Suite
from sandi.envelope.attachments import (
    MAX_ATTACHMENTS,
    NO_ATTACHMENTS,
    Attachments,
    decode_attachments,
    encode_attachments,
)
from sandi.errors import MalformedEnvelope, UnsupportedSuite, UnsupportedVersion
from sandi.pola.classification import Classification, Urgency
from sandi.pola.model import MAX_RECIPIENTS

MAGIC = b"SANDI"
VERSION = 2
PREFIX = MAGIC + bytes([VERSION])

CHUNK_SIZE = 64 * 1024  # plaintext bytes per payload chunk
CT_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE

MAX_SIGNED_HEADER = 256 * 1024
MAX_BOUND = 8 * 1024
MAX_STANZAS = 4 * 1024 * 1024
MAX_META = 4 * 1024  # plaintext metadata, before encryption
MAX_RETURN_TO = 16  # agencies a receipt request names to return receipts to
DOC_ID_SIZE = 16
NONCE_SIZE = 16
COMMITMENT_SIZE = SHA256_SIZE

SIGNATURE_LABEL = LABEL_ENVELOPE_SIGNATURE + b"\x00"

_U32 = struct.Struct(">I")
_E = TypeVar("_E", Classification, Urgency)


class SignerKind(enum.IntEnum):
    """Whose key signed: the agency's own key, or a member's personal key."""

    AGENCY = 1
    MEMBER = 2


@dataclass(frozen=True)
class Signer:
    """The key that signed: ``id`` is the agency id (AGENCY) or member id (MEMBER)."""

    kind: SignerKind
    id: str
    key_version: int


@dataclass(frozen=True)
class ReceiptRequest:
    """A request for signed receipts (as S/MIME ESS's ReceiptRequest): from every
    recipient (``from_agencies`` empty) or the ones named, returned to ``return_to``."""

    from_agencies: tuple[str, ...]
    return_to: tuple[str, ...]

    def asks(self, agency: str, to: tuple[str, ...]) -> bool:
        """Whether ``agency``, a recipient of ``to``, is asked for a receipt."""
        return agency in (self.from_agencies or to)


@dataclass(frozen=True)
class SignedHeader:
    """The header: every clear field of the envelope. Hashed into H, which every key of
    the document and every stanza is bound to; signed with the bound block."""

    suite: Suite
    pola_id: str
    pola_version: int
    doc_id: bytes
    created_at: int
    sender: str
    signer: Signer
    to: tuple[str, ...]
    classification: Classification
    urgency: Urgency
    payload_nonce: bytes
    receipt_request: ReceiptRequest | None = None


@dataclass(frozen=True)
class Bound:
    """The bound block: what the data key derives under H (so it cannot be inside the
    hashed header), signed with it."""

    commitment: bytes
    meta: bytes  # the encrypted metadata


@dataclass(frozen=True)
class Stanza:
    """One recipient's wrapped data key; outside the signature, bound to H by its AEAD
    and to the data key by the commitment."""

    agency: str
    key_version: int
    body: bytes


@dataclass(frozen=True)
class Metadata:
    """The encrypted metadata: never in the clear header."""

    filename: str | None = None
    subject: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Header:
    """Everything before the payload, decoded, with the exact bytes the signature covers
    and the header hash."""

    signed: SignedHeader
    bound: Bound
    stanzas: tuple[Stanza, ...]
    signed_region: bytes  # PREFIX + u32 S + header + u32 B + bound block
    header_hash: bytes  # H: the key schedule and every stanza are bound to it
    attachments: Attachments = NO_ATTACHMENTS

    @property
    def size(self) -> int:
        """Bytes from the magic to the end of the attachments."""
        return len(encode_header(self.signed_region, self.stanzas, self.attachments))


# --- signed header ------------------------------------------------------------------

_HEADER_WORDS = Phrase("envelope header")
_HEADER = Fields(MalformedEnvelope, _HEADER_WORDS)


def encode_signed_header(h: SignedHeader) -> bytes:
    """The canonical msgpack of a header (12-item array)."""
    rr = h.receipt_request
    return pack_arrays([
        int(h.suite), h.pola_id, h.pola_version, h.doc_id, h.created_at, h.sender,
        [int(h.signer.kind), h.signer.id, h.signer.key_version],
        list(h.to), h.classification.slug, h.urgency.slug, h.payload_nonce,
        None if rr is None else [list(rr.from_agencies), list(rr.return_to)],
    ])


def decode_signed_header(data: bytes) -> SignedHeader:
    """Parse a header; every field is range-checked."""
    f = _HEADER
    items = f.record(unpack(data, MalformedEnvelope, _HEADER_WORDS, MAX_SIGNED_HEADER),
                     "header", 12)
    suite_no = f.integer(items[0], "suite", 0, 2**32)
    if suite_no not in Suite._value2member_map_:
        raise UnsupportedSuite("envelope header: unknown suite {suite_no}", suite_no=suite_no)
    signer = f.record(items[6], "signer", 3)
    kind_no = f.integer(signer[0], "signer kind", 1, 2)
    to = tuple(f.slug(x, "recipient") for x in f.array(items[7], "recipients", 1, MAX_RECIPIENTS))
    if list(to) != sorted(set(to)):
        f.fail("recipients must be sorted and unique")
    return SignedHeader(
        suite=Suite(suite_no),
        pola_id=f.slug(items[1], "pola id"),
        pola_version=f.integer(items[2], "pola version", 1, 2**63 - 1),
        doc_id=f.blob(items[3], "document id", DOC_ID_SIZE),
        created_at=f.integer(items[4], "created_at", 0, MAX_TIME),
        sender=f.slug(items[5], "sender"),
        signer=Signer(SignerKind(kind_no), f.slug(signer[1], "signer id"),
                      f.integer(signer[2], "signer key version", 1, 2**31)),
        to=to,
        classification=_enum(Classification, f.text(items[8], "classification", 32)),
        urgency=_enum(Urgency, f.text(items[9], "urgency", 32)),
        payload_nonce=f.blob(items[10], "payload nonce", NONCE_SIZE),
        receipt_request=None if items[11] is None else _receipt_request(items[11], to),
    )


def _receipt_request(value: object, to: tuple[str, ...]) -> ReceiptRequest:
    f = _HEADER
    request = f.record(value, "receipt request", 2)
    by = _slugs(f.array(request[0], "receipts from", 0, MAX_RECIPIENTS), "receipts from")
    if not set(by) < set(to):  # every recipient is written as an empty list
        f.fail("receipts from must name some (not all) recipients, or none for all")
    back = _slugs(f.array(request[1], "receipts to", 1, MAX_RETURN_TO), "receipts to")
    return ReceiptRequest(by, back)


def _slugs(items: list[object], name: str) -> tuple[str, ...]:
    slugs = tuple(_HEADER.slug(x, name) for x in items)
    if list(slugs) != sorted(set(slugs)):
        _HEADER.fail("{name} must be sorted and unique", name=name)
    return slugs


def hashed_region(header_bytes: bytes) -> bytes:
    """The bytes the header hash covers: magic, version, S and the header."""
    return PREFIX + _U32.pack(len(header_bytes)) + header_bytes


def hash_header(header_bytes: bytes) -> bytes:
    """H, the header hash of a header's bytes (docs/format.md §4.1)."""
    return header_hash(hashed_region(header_bytes))


_ENUMS: dict[type, tuple[Phrase, dict[str, Any]]] = {  # its name; its members by slug
    Classification: (Phrase("classification"), {c.slug: c for c in Classification}),
    Urgency: (Phrase("urgency"), {u.slug: u for u in Urgency})}


def _enum(cls: type[_E], slug: str) -> _E:
    if (found := _ENUMS[cls][1].get(slug)) is None:
        _HEADER.fail("unknown {kind} {slug!r}", kind=_ENUMS[cls][0], slug=slug)
    return found  # type: ignore[no-any-return]


# --- bound block -------------------------------------------------------------------

_BOUND_WORDS = Phrase("bound block")
_BOUND = Fields(MalformedEnvelope, _BOUND_WORDS)


def encode_bound(b: Bound) -> bytes:
    """The canonical msgpack of the bound block (2-item array)."""
    return pack_arrays([b.commitment, b.meta])


def decode_bound(data: bytes) -> Bound:
    """Parse the bound block: the commitment and the encrypted metadata."""
    f = _BOUND
    items = f.record(unpack(data, MalformedEnvelope, _BOUND_WORDS, MAX_BOUND), "bound block", 2)
    return Bound(commitment=f.blob(items[0], "commitment", COMMITMENT_SIZE),
                 meta=f.blob(items[1], "metadata", TAG_SIZE, MAX_META + TAG_SIZE))


# --- recipient stanzas --------------------------------------------------------------

_STANZAS_WORDS = Phrase("recipient stanzas")
_STANZAS = Fields(MalformedEnvelope, _STANZAS_WORDS)


def encode_stanzas(stanzas: tuple[Stanza, ...]) -> bytes:
    """The canonical msgpack of the stanza list."""
    return pack_arrays([[s.agency, s.key_version, s.body] for s in stanzas])


def decode_stanzas(data: bytes, signed: SignedHeader) -> tuple[Stanza, ...]:
    """Parse stanzas: exactly one per recipient of the header, in the header's order."""
    f = _STANZAS
    items = f.array(unpack(data, MalformedEnvelope, _STANZAS_WORDS, MAX_STANZAS),
                    "stanzas", 1, MAX_RECIPIENTS)
    body_len = signed.suite.stanza_body_len
    stanzas = tuple(
        Stanza(f.slug(r[0], "agency"), f.integer(r[1], "key version", 1, 2**31),
               f.blob(r[2], "body", body_len))
        for r in (f.record(x, "stanza", 3) for x in items)
    )
    # Stanzas are outside the signature (so a custodian can rewrap), but the set
    # and order of recipients is signed: any added, dropped, duplicated or
    # reordered stanza is caught here, before any key is tried.
    if tuple(s.agency for s in stanzas) != signed.to:
        f.fail("stanzas do not match the signed recipient list")
    return stanzas


# --- metadata ----------------------------------------------------------------------

_META_WORDS = Phrase("metadata")
_META = Fields(MalformedEnvelope, _META_WORDS)


def encode_meta(meta: Metadata) -> bytes:
    """The canonical msgpack of the metadata (before encryption)."""
    data = pack_arrays([meta.filename, meta.subject, meta.content_type])
    if len(data) > MAX_META:
        raise MalformedEnvelope("metadata: {size} bytes is over {limit}", size=len(data),
                                limit=MAX_META)
    return data


def decode_meta(data: bytes) -> Metadata:
    """Parse decrypted metadata."""
    f = _META
    items = f.record(unpack(data, MalformedEnvelope, _META_WORDS, MAX_META), "metadata", 3)
    return Metadata(f.opt_str(items[0], "filename", 1024),
                    f.opt_str(items[1], "subject", 1024),
                    f.opt_str(items[2], "content type", 255))


# --- framing -----------------------------------------------------------------------


def signed_region(header_bytes: bytes, bound_bytes: bytes) -> bytes:
    """The bytes the signature covers: magic, version, S, the header, B and the bound
    block (everything before the stanzas)."""
    return b"".join([hashed_region(header_bytes), _U32.pack(len(bound_bytes)), bound_bytes])


def encode_header(region: bytes, stanzas: tuple[Stanza, ...],
                  attachments: Attachments = NO_ATTACHMENTS) -> bytes:
    """Everything before the payload: the signed region, R and the stanza block, U and
    the attachments."""
    block = encode_stanzas(stanzas)
    extra = encode_attachments(attachments)
    return b"".join([region, _U32.pack(len(block)), block, _U32.pack(len(extra)), extra])


def signature_input(region: bytes, payload_hash: bytes) -> bytes:
    """Exactly the bytes the sender signs: label, signed region, SHA-256 of the payload."""
    return SIGNATURE_LABEL + region + payload_hash


def read_header(read: Callable[[int], bytes]) -> Header:
    """Read and parse a header from a stream, checking every length before reading."""
    prefix = _read_exact(read, len(PREFIX), _MAGIC)
    if prefix[:len(MAGIC)] != MAGIC:
        raise MalformedEnvelope("envelope: not a sandi envelope (bad magic)")
    if prefix[len(MAGIC)] != VERSION:
        raise UnsupportedVersion("envelope: format version {version} is not supported; this"
                                 " sandi reads version {supported}",
                                 version=prefix[len(MAGIC)], supported=VERSION)
    header_bytes = _read_block(read, MAX_SIGNED_HEADER, _SIGNED_HEADER)
    signed = decode_signed_header(header_bytes)
    bound_bytes = _read_block(read, MAX_BOUND, _BOUND_WORDS)
    bound = decode_bound(bound_bytes)
    stanzas = decode_stanzas(_read_block(read, MAX_STANZAS, _STANZAS_WORDS), signed)
    attachments = decode_attachments(_read_block(read, MAX_ATTACHMENTS, Phrase("attachments")))
    return Header(signed, bound, stanzas, signed_region(header_bytes, bound_bytes),
                  hash_header(header_bytes), attachments)


def parse_header(data: bytes) -> tuple[Header, int]:
    """Parse a header at the start of ``data``; return it and its length in bytes."""
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        chunk = data[pos:pos + n]
        pos += len(chunk)
        return chunk

    header = read_header(read)
    return header, pos


_MAGIC = Phrase("magic")
_SIGNED_HEADER = Phrase("header")


def _read_block(read: Callable[[int], bytes], limit: int, what: Phrase) -> bytes:
    (size,) = _U32.unpack(_read_exact(read, 4, lambda: Phrase("{what} length", what=what)))
    if not 1 <= size <= limit:
        raise MalformedEnvelope("envelope: {what} length {size} is outside 1..{limit}", what=what,
                                size=size, limit=limit)
    return _read_exact(read, size, what)


def _read_exact(read: Callable[[int], bytes], size: int, what: Said) -> bytes:
    data = read(size)
    if len(data) != size:
        raise MalformedEnvelope("envelope: truncated in the {what}", what=said(what))
    return data
