"""What open and verify report about an envelope: typed, frozen results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sandi._internal.time import from_epoch
from sandi.envelope.format import Metadata, SignedHeader
from sandi.pola.classification import Classification, Urgency
from sandi.pola.policy import Pola

if TYPE_CHECKING:  # made only with a receipt: not loaded by every open (issue 18 §1)
    from sandi.envelope.receipts import Receipt

#: The longest file name, in UTF-8 bytes, that common file systems accept (NAME_MAX).
NAME_MAX = 255
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
     *(f"lpt{i}" for i in range(1, 10))])


def plain_name(name: str | None) -> str | None:
    """The base name of a sender's ``name`` if it is safe to create in a folder, else None.

    The base name is what follows the last ``/`` or ``\\``, with surrounding spaces
    stripped. It is refused when it is empty or hidden (starts with ``.``, which
    covers ``.`` and ``..``), holds a character :meth:`str.isprintable` rejects
    (controls, ESC sequences, bidi overrides, line separators), holds a character
    Windows forbids (``<>:"|?*``), ends with a dot or a space, is a Windows device
    name (``CON``, ``nul.txt``, ``COM1``...), or is longer than 255 bytes in UTF-8.

    >>> plain_name("../../etc/passwd"), plain_name("C:\\dok\\nota.docx"), plain_name(".bashrc")
    ('passwd', 'nota.docx', None)
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if (not base or base.startswith(".") or not base.isprintable()
            or not set(base).isdisjoint('<>:"|?*') or base.endswith((".", " "))
            or base.split(".", 1)[0].strip().lower() in _WINDOWS_RESERVED
            or len(base.encode("utf-8", "surrogatepass")) > NAME_MAX):
        return None
    return base


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

    @property
    def safe_filename(self) -> str | None:
        """The sender's :attr:`filename` reduced to a name safe to create in a folder
        (:func:`plain_name`), or None if nothing of it is; the name ``open_file`` gives
        the output in a directory. :attr:`filename` itself is exactly what the sender
        wrote (``../../etc/passwd``, control characters and all): never use it as a
        path, and escape it before showing it."""
        return plain_name(self.filename)


@dataclass(frozen=True, repr=False)
class Document(Opened):
    """An opened envelope with its plaintext (what ``open`` returns)."""

    plaintext: bytes = b""

    def __repr__(self) -> str:
        return f"Document({self.doc_id}, {len(self.plaintext)} bytes from {self.sender})"


def describe(h: SignedHeader, pola: Pola, *, witnessed: int | None = None) -> EnvelopeInfo:
    """The typed result of a verified header (what ``verify`` and ``seal_file`` return)."""
    return EnvelopeInfo(**_described(h, pola, witnessed))


def _described(h: SignedHeader, pola: Pola, witnessed: int | None) -> dict[str, Any]:
    sender = pola.agency(h.sender)
    rr = h.receipt_request
    return dict(
        doc_id=h.doc_id.hex(), sender=h.sender, sender_name=sender.name, signer=h.signer.id,
        signer_key_version=h.signer.key_version, to=h.to, classification=h.classification,
        urgency=h.urgency, created_at=from_epoch(h.created_at), pola_id=h.pola_id,
        pola_version=h.pola_version, suite=h.suite.slug,
        witnessed_at=None if witnessed is None else from_epoch(witnessed),
        receipts_from=() if rr is None else rr.from_agencies or h.to,
        receipts_to=() if rr is None else rr.return_to)


_O = TypeVar("_O", bound=Opened)


def opened_from(kind: type[_O], h: SignedHeader, pola: Pola, *, witnessed: int | None,
                meta: Metadata, opened_with: tuple[str, int], warnings: tuple[str, ...] = (),
                **extra: Any) -> _O:
    """An opened envelope's result (an :class:`Opened`, or a :class:`Document` with
    ``plaintext`` in ``extra``): its verified header and its decrypted metadata, made
    in one step (1 KiB open, issue 18 §3)."""
    return kind(**_described(h, pola, witnessed), filename=meta.filename, subject=meta.subject,
                content_type=meta.content_type, opened_with=opened_with, warnings=warnings,
                **extra)
