"""Tanda terima: the signed receipt a recipient returns for a document, and its wire form.

A receipt names exactly the signed original, as S/MIME ESS's receipt does (RFC 2634
§2.7, ``contentIdentifier`` and ``msgSigDigest``): the document id, the envelope's
header hash H and SHA-256 of the sender's signature, which covers the bound block and
the payload. It says who received it (the agency, and the member when an official's
key signed), when, and the outcome: ``opened``, or ``refused`` with the reason. It
is signed like an envelope, by the recipient's current key or the acting member's
personal key, hybrid when the envelope is. docs/format.md, "Receipts"::

    "SANDR" 0x01                 magic and version (6 bytes)
    u32be S, body                canonical msgpack array of 12, S <= 4 KiB
    signature                    64 or 3,373 bytes, as the body's suite says
    u32be U, attachments         as an envelope's (an RFC 3161 token over the receipt)

Making and checking receipts is :mod:`sandi.envelope.acknowledging`.

>>> from sandi.envelope.receipts import decode_receipt
>>> decode_receipt(b"SANDI\\x02...")
Traceback (most recent call last):
...
sandi.errors.MalformedReceipt: receipt: this is a sandi envelope, not a receipt
"""

from __future__ import annotations

import enum
import hashlib
import struct
from dataclasses import dataclass
from typing import TypeVar

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import MAX_TIME
from sandi.crypto.suite import SHA256_SIZE, Suite
from sandi.envelope import armor as _armor
from sandi.envelope.attachments import (
    MAX_ATTACHMENTS,
    NO_ATTACHMENTS,
    Attachments,
    decode_attachments,
    encode_attachments,
)
from sandi.envelope.format import DOC_ID_SIZE, MAGIC, Signer, SignerKind
from sandi.errors import MalformedEnvelope, MalformedReceipt

RECEIPT_MAGIC = b"SANDR"
RECEIPT_VERSION = 1
RECEIPT_PREFIX = RECEIPT_MAGIC + bytes([RECEIPT_VERSION])
LABEL_RECEIPT_SIGNATURE = b"sandi/v1/receipt-signature"  # signature prefix, ML-DSA context
LABEL_RECEIPT_HASH = b"sandi/v1/receipt-hash"  # what a time-stamp token witnesses
MAX_BODY = 4 * 1024
BEGIN = "-----BEGIN SANDI RECEIPT-----"
END = "-----END SANDI RECEIPT-----"
_U32 = struct.Struct(">I")
_E = TypeVar("_E", "Outcome", "Reason")


class Outcome(enum.Enum):
    """What the recipient did with the document."""

    OPENED = "opened"  # every check passed and the plaintext was released
    REFUSED = "refused"  # authentic and addressed to it, but refused (``reason`` says why)


class Reason(enum.Enum):
    """Why an authentic document was refused."""

    POLICY = "policy"  # the recipient's pola does not allow this flow or level


@dataclass(frozen=True)
class ReceiptBody:
    """Everything a receipt's signature covers."""

    suite: Suite
    pola_id: str
    pola_version: int  # the recipient's pola, which judged the document
    doc_id: bytes
    header_hash: bytes  # H of the envelope
    signature_digest: bytes  # SHA-256 of the sender's signature (ESS msgSigDigest)
    sender: str
    recipient: str
    signer: Signer  # the recipient's agency key, or a member of the recipient
    time: int
    outcome: Outcome
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if (self.outcome is Outcome.REFUSED) != (self.reason is not None):
            raise MalformedReceipt("receipt: a reason goes with, and only with, a refusal")


@dataclass(frozen=True)
class Receipt:
    """A signed receipt: its body, the exact bytes signed, the signature, attachments."""

    body: ReceiptBody
    body_bytes: bytes
    signature: bytes
    attachments: Attachments = NO_ATTACHMENTS

    @property
    def signed_region(self) -> bytes:
        """Magic, version, S and the body: what the signature covers after its label."""
        return RECEIPT_PREFIX + _U32.pack(len(self.body_bytes)) + self.body_bytes

    def signature_input(self) -> bytes:
        """Exactly the bytes the recipient signs."""
        return LABEL_RECEIPT_SIGNATURE + b"\x00" + self.signed_region

    def receipt_hash(self) -> bytes:
        """What a time-stamp token over this receipt witnesses: the signed receipt."""
        return hashlib.sha256(LABEL_RECEIPT_HASH + b"\x00" + self.signed_region
                              + self.signature).digest()

    def to_bytes(self) -> bytes:
        """The binary file form."""
        extra = encode_attachments(self.attachments)
        return b"".join([self.signed_region, self.signature, _U32.pack(len(extra)), extra])

    def armored(self) -> str:
        """The text form, for e-mail or chat."""
        lines = _armor.armor(self.to_bytes()).splitlines()
        return "\n".join([BEGIN, *lines[1:-1], END]) + "\n"


_WORDS = Phrase("receipt")
_F = Fields(MalformedReceipt, _WORDS)


def encode_body(b: ReceiptBody) -> bytes:
    """The canonical msgpack of a receipt body (12-item array)."""
    return pack([int(b.suite), b.pola_id, b.pola_version, b.doc_id, b.header_hash,
                 b.signature_digest, b.sender, b.recipient,
                 [int(b.signer.kind), b.signer.id, b.signer.key_version], b.time,
                 b.outcome.value, None if b.reason is None else b.reason.value])


def decode_body(data: bytes) -> ReceiptBody:
    """Parse a receipt body; every field is range-checked."""
    f = _F
    items = f.record(unpack(data, MalformedReceipt, _WORDS, MAX_BODY), "body", 12)
    suite_no = f.integer(items[0], "suite", 1, 2)
    signer = f.record(items[8], "signer", 3)
    return ReceiptBody(
        suite=Suite(suite_no), pola_id=f.slug(items[1], "pola id"),
        pola_version=f.integer(items[2], "pola version", 1, 2**63 - 1),
        doc_id=f.blob(items[3], "document id", DOC_ID_SIZE),
        header_hash=f.blob(items[4], "header hash", SHA256_SIZE),
        signature_digest=f.blob(items[5], "signature digest", SHA256_SIZE),
        sender=f.slug(items[6], "sender"), recipient=f.slug(items[7], "recipient"),
        signer=Signer(SignerKind(f.integer(signer[0], "signer kind", 1, 2)),
                      f.slug(signer[1], "signer id"),
                      f.integer(signer[2], "signer key version", 1, 2**31)),
        time=f.integer(items[9], "time", 0, MAX_TIME),
        outcome=_choice(Outcome, items[10], "outcome"),
        reason=None if items[11] is None else _choice(Reason, items[11], "reason"),
    )


def _choice(cls: type[_E], value: object, name: str) -> _E:
    text = _F.text(value, name, 32)
    for member in cls:
        if member.value == text:
            return member
    _F.fail("unknown {name} {text!r}", name=name, text=text)


def decode_receipt(data: bytes) -> Receipt:
    """Parse a receipt, binary or armored (signatures are checked by
    :func:`sandi.envelope.acknowledging.check_receipt`)."""
    data = _dearmored(data)
    if data[:len(MAGIC)] == MAGIC:
        raise MalformedReceipt("receipt: this is a sandi envelope, not a receipt")
    if data[:len(RECEIPT_PREFIX)] != RECEIPT_PREFIX:
        raise MalformedReceipt("receipt: not a sandi receipt (bad magic or version)")
    pos = len(RECEIPT_PREFIX)
    size = _length(data, pos, MAX_BODY)
    body_bytes = data[pos + 4:pos + 4 + size]
    body = decode_body(body_bytes)
    pos += 4 + size
    signature = data[pos:pos + body.suite.signature_len]
    pos += body.suite.signature_len
    extra_size = _length(data, pos, MAX_ATTACHMENTS)
    extra = data[pos + 4:pos + 4 + extra_size]
    if pos + 4 + extra_size != len(data):
        raise MalformedReceipt("receipt: trailing bytes after the attachments")
    try:
        attachments = decode_attachments(extra)
    except MalformedEnvelope as exc:
        raise MalformedReceipt("receipt: {problem}", problem=exc.params.get("problem", ""),
                               ) from exc
    return Receipt(body, body_bytes, signature, attachments)


def _length(data: bytes, pos: int, limit: int) -> int:
    if len(data) < pos + 4:
        raise MalformedReceipt("receipt: truncated")
    (size,) = _U32.unpack_from(data, pos)
    if not 1 <= size <= limit or len(data) < pos + 4 + size:
        raise MalformedReceipt("receipt: a length is out of range or the receipt is truncated")
    return int(size)


def _dearmored(data: bytes) -> bytes:
    """The binary receipt inside armored text (binary input is returned as it is)."""
    text = data.lstrip(b" \t\r\n")
    if not text.startswith(b"-----BEGIN SANDI "):
        return data
    if not text.startswith(BEGIN.encode()):
        raise MalformedReceipt("receipt: armored text that is not a sandi receipt")
    lines = data.replace(b"\r\n", b"\n").strip(b" \t\r\n").split(b"\n")
    if lines[-1] != END.encode():
        raise MalformedReceipt("receipt: the armored text does not end with its END line")
    as_envelope = b"\n".join([_armor.BEGIN.rstrip(b"\n"), *lines[1:-1], _armor.END])
    try:
        return _armor.dearmor(as_envelope)
    except MalformedEnvelope:
        raise MalformedReceipt("receipt: the armored text is damaged") from None
