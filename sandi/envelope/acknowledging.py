"""Make and check receipts (tanda terima); the wire form is :mod:`sandi.envelope.receipts`.

A recipient's sandi makes a receipt only for an envelope that passed every check:
``open(..., receipt=True)`` after the plaintext verified (outcome ``opened``), or
:func:`sandi.envelope.refuse` for an authentic envelope its pola refuses (outcome
``refused``). A receipt is its own file type, never an envelope, so it cannot carry
a receipt request and no receipt is ever made for a receipt.

Anyone holding the pola can check a receipt (:func:`check_receipt`): the signer is the
recipient agency's key or one of its members', valid at the receipt's time; given the
envelope, the receipt must name exactly it (document id, header hash, and the digest
of the sender's signature).

>>> import sandi
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = sandi.seal(b"Nota dinas", sender=w.keystore.identity("diskominfo"),
...                  to=["bkpsdmd"], classification="rahasia", pola=w.pola, receipts=True)
>>> doc = sandi.open(env, keystore=w.keystore, pola=w.pola, receipt=True)
>>> info = sandi.envelope.check_receipt(doc.receipt.to_bytes(), pola=w.pola, envelope=env)
>>> info.recipient, info.outcome.value
('bkpsdmd', 'opened')
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from sandi._internal.time import epoch, from_epoch
from sandi.crypto.primitives import verify_signature
from sandi.crypto.suite import Suite
from sandi.envelope.attachments import Attachments
from sandi.envelope.format import Header, SignerKind, read_header
from sandi.envelope.inputs import EnvelopeSource, envelope_reader
from sandi.envelope.receipts import (
    LABEL_RECEIPT_SIGNATURE,
    Outcome,
    Reason,
    Receipt,
    ReceiptBody,
    decode_receipt,
    encode_body,
)
from sandi.envelope.sealing import _signing_key
from sandi.envelope.stream import ChunkReader
from sandi.envelope.timestamping import SKEW, stamp, witnessed
from sandi.errors import PolaMismatch, PolicyViolation, ReceiptInvalid, SignatureInvalid
from sandi.keys.agencykey import Identity
from sandi.pola.model import KeyVersion
from sandi.pola.policy import Pola

__all__ = ["ReceiptInfo", "check_receipt", "make_receipt"]


def make_receipt(header: Header, sender_signature: bytes, identity: Identity, pola: Pola, *,
                 outcome: Outcome = Outcome.OPENED, reason: Reason | None = None,
                 now: datetime | None = None) -> Receipt:
    """Sign a receipt for the envelope ``header`` (whose trailing signature is
    ``sender_signature``) as ``identity``, a recipient: with the member's personal key if
    one acts, else the agency's current key; hybrid when the envelope is. Where the
    pola names a time-stamping authority, the receipt carries its token."""
    h, at = header.signed, epoch(now)
    if identity.agency not in h.to:
        raise PolicyViolation("{agency} is not a recipient of this envelope",
                              agency=identity.agency)
    key, signer = _signing_key(pola, identity, at)
    hybrid = h.suite is Suite.HYBRID
    if hybrid and not key.public.has_pq:
        raise PolicyViolation("a receipt for a hybrid envelope needs a post-quantum signing key;"
                              " {agency} v{version} has none", agency=key.agency,
                              version=key.version)
    body = ReceiptBody(h.suite, pola.id, pola.version, h.doc_id, header.header_hash,
                       hashlib.sha256(sender_signature).digest(), h.sender, identity.agency,
                       signer, at, outcome, reason)
    unsigned = Receipt(body, encode_body(body), b"")
    signed = replace(unsigned, signature=key.sign(
        unsigned.signature_input(), hybrid=hybrid, context=LABEL_RECEIPT_SIGNATURE))
    token = stamp(pola, signed.receipt_hash(), at, optional=True)  # when the TSA answers
    return replace(signed, attachments=Attachments(token))


@dataclass(frozen=True)
class ReceiptInfo:
    """A verified receipt (what :func:`check_receipt` returns)."""

    doc_id: str
    sender: str
    recipient: str
    recipient_name: str
    member: str | None  # the official whose key signed, if one did
    signer_key_version: int
    time: datetime  # when the recipient opened (or refused) it, by its clock
    outcome: Outcome
    reason: Reason | None
    pola_version: int
    suite: str
    witnessed_at: datetime | None = None  # the time an RFC 3161 token witnessed, if any
    matched_envelope: bool = False  # checked against the envelope itself

    def summary(self) -> str:
        """One line for people."""
        who = self.recipient if self.member is None else f"{self.member} ({self.recipient})"
        return (f"{self.outcome.value} by {who} at {self.time:%Y-%m-%d %H:%M} UTC,"
                f" document {self.doc_id} from {self.sender}")


def check_receipt(receipt: bytes | Receipt, *, pola: Pola,
                  envelope: EnvelopeSource | None = None) -> ReceiptInfo:
    """Check a receipt against the pola (and, given it, the envelope); raise otherwise.

    Raises MalformedReceipt, ReceiptInvalid (signature, or another document),
    PolaMismatch, UnknownAgency, KeyNotValid, KeyRevoked, TimestampInvalid.
    """
    r = receipt if isinstance(receipt, Receipt) else decode_receipt(receipt)
    b = r.body
    if b.pola_id != pola.id:
        raise PolaMismatch("the receipt was made under pola {pola_id!r}, not {id!r}",
                           pola_id=b.pola_id, id=pola.id)
    if b.pola_version > pola.version:
        raise PolaMismatch("the receipt names pola v{pola_version}; this home has v{version}",
                           pola_version=b.pola_version, version=pola.version)
    key = _signer_key(pola, b)
    try:
        verify_signature(key.keys.ed25519, key.keys.mldsa, r.signature_input(), r.signature,
                         hybrid=b.suite is Suite.HYBRID, context=LABEL_RECEIPT_SIGNATURE)
    except SignatureInvalid:
        raise ReceiptInvalid("receipt: the signature of {agency} does not verify",
                             agency=b.recipient) from None
    seen = witnessed(pola, r.attachments.timestamp, r.receipt_hash(), b.time,
                     version=b.pola_version, optional=True)
    if envelope is not None:
        _match(b, *_original(envelope))
    agency = pola.agency(b.recipient)
    return ReceiptInfo(
        doc_id=b.doc_id.hex(), sender=b.sender, recipient=b.recipient,
        recipient_name=agency.name,
        member=b.signer.id if b.signer.kind is SignerKind.MEMBER else None,
        signer_key_version=b.signer.key_version, time=from_epoch(b.time), outcome=b.outcome,
        reason=b.reason, pola_version=b.pola_version, suite=b.suite.slug,
        witnessed_at=None if seen is None else from_epoch(seen),
        matched_envelope=envelope is not None)


def _signer_key(pola: Pola, b: ReceiptBody) -> KeyVersion:
    """The recipient's key that must have signed, valid at the receipt's time."""
    agency = pola.agency(b.recipient)
    if b.signer.kind is SignerKind.MEMBER:
        member = agency.member(b.signer.id)
        member._check_active_at(b.recipient, b.time)
        key = member.key(b.signer.key_version)
        key._check_signed_at(f"{member.name} ({b.recipient})", b.time)
        return key
    if b.signer.id != b.recipient:
        raise ReceiptInvalid("receipt: signed by {signer}, not by the recipient {recipient}",
                             signer=b.signer.id, recipient=b.recipient)
    key = agency.key(b.signer.key_version)
    key._check_signed_at(b.recipient, b.time)
    return key


def _original(envelope: EnvelopeSource) -> tuple[Header, bytes]:
    """The envelope's header and trailing signature (the payload is skipped, not held)."""
    with envelope_reader(envelope) as read:
        header = read_header(read)
        reader = ChunkReader(read, header.signed.suite.signature_len, lambda _block: None)
        for _block in reader:
            pass
        return header, reader.trailer


def _match(b: ReceiptBody, header: Header, signature: bytes) -> None:
    """Refuse a receipt that does not name exactly this signed envelope."""
    h = header.signed
    same_document = (b.doc_id == h.doc_id and b.header_hash == header.header_hash
                     and b.signature_digest == hashlib.sha256(signature).digest()
                     and b.sender == h.sender and b.suite is h.suite)
    if not same_document:
        raise ReceiptInvalid("receipt: it is for another document, or for a changed copy of"
                             " this one")
    if b.recipient not in h.to:
        raise ReceiptInvalid("receipt: {recipient} is not a recipient of this envelope",
                             recipient=b.recipient)
    if b.time < h.created_at - SKEW:
        raise ReceiptInvalid("receipt: dated before the envelope was made")
