"""What open and verify report about an envelope: typed, frozen results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sandi._internal.time import from_epoch
from sandi.envelope.format import Metadata, SignedHeader
from sandi.envelope.receipts import Receipt
from sandi.pola.classification import Classification, Urgency
from sandi.pola.policy import Pola


@dataclass(frozen=True)
class EnvelopeInfo:
    """The verified clear header of an envelope (what ``verify`` returns)."""

    doc_id: str
    sender: str
    sender_name: str
    signer: str
    signer_key_version: int
    to: tuple[str, ...]
    classification: Classification
    urgency: Urgency
    created_at: datetime
    pola_id: str
    pola_version: int
    suite: str
    witnessed_at: datetime | None = None  # the time an RFC 3161 token witnessed, if any
    receipts_from: tuple[str, ...] = ()  # the recipients asked for a signed receipt
    receipts_to: tuple[str, ...] = ()  # where they are to be returned

    def summary(self) -> str:
        """One line for people."""
        return (f"{self.classification.label} from {self.sender_name} ({self.sender}) to"
                f" {', '.join(self.to)}, created {self.created_at:%Y-%m-%d %H:%M} UTC,"
                f" document {self.doc_id}")


@dataclass(frozen=True)
class Opened(EnvelopeInfo):
    """An opened envelope's verified header and decrypted metadata (what ``open_file`` returns)."""

    filename: str | None = None
    subject: str | None = None
    content_type: str | None = None
    opened_with: tuple[str, int] | None = None
    warnings: tuple[str, ...] = field(default=())
    path: str | None = None  # where open_file wrote the plaintext
    receipt: Receipt | None = None  # with ``receipt=True``: the signed receipt to return


@dataclass(frozen=True, repr=False)
class Document(Opened):
    """An opened envelope with its plaintext (what ``open`` returns)."""

    plaintext: bytes = b""

    def __repr__(self) -> str:
        return f"Document({self.doc_id}, {len(self.plaintext)} bytes from {self.sender})"


def describe(h: SignedHeader, pola: Pola, *, witnessed: int | None = None) -> EnvelopeInfo:
    """The typed result of a verified header (what ``verify`` and ``seal_file`` return)."""
    sender = pola.agency(h.sender)
    rr = h.receipt_request
    return EnvelopeInfo(
        doc_id=h.doc_id.hex(), sender=h.sender, sender_name=sender.name, signer=h.signer.id,
        signer_key_version=h.signer.key_version, to=h.to, classification=h.classification,
        urgency=h.urgency, created_at=from_epoch(h.created_at), pola_id=h.pola_id,
        pola_version=h.pola_version, suite=h.suite.slug,
        witnessed_at=None if witnessed is None else from_epoch(witnessed),
        receipts_from=() if rr is None else rr.from_agencies or h.to,
        receipts_to=() if rr is None else rr.return_to)


def opened_from(info: EnvelopeInfo, *, meta: Metadata, opened_with: tuple[str, int],
                warnings: tuple[str, ...] = ()) -> Opened:
    """An opened envelope's result: its verified header and its decrypted metadata."""
    return Opened(**vars(info), filename=meta.filename, subject=meta.subject,
                  content_type=meta.content_type, opened_with=opened_with, warnings=warnings)
