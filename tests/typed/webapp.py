"""An application's use of the public API, type-checked by ``mypy --strict`` in
tests/test_quality.py (and run by tests/test_inputs.py): a WSGI request body, which is
no ``BinaryIO``, is a ``sandi.envelope.Readable`` that ``seal_file`` accepts."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import sandi
from sandi.envelope import Readable, UnverifiedHeader, peek


class RequestBody:
    """``wsgi.input`` limited to CONTENT_LENGTH, as in docs/developers.md §6."""

    def __init__(self, raw: BinaryIO, length: int) -> None:
        self.raw, self.left = raw, length

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.raw.read(n) if n > 0 else b""
        self.left -= len(data)
        return data


def seal_upload(service: sandi.Service, body: Readable, target: Path, *, agency: str,
                to: list[str], classification: str) -> sandi.EnvelopeInfo:
    """Seal a request body with the service's current pair."""
    s = service.snapshot
    return sandi.seal_file(body, target, sender=s.keystore.identity(agency), to=to,
                           classification=classification, pola=s.pola)


def inbox(folder: Path) -> list[UnverifiedHeader]:
    """The claimed headers of an inbox, for a listing (nothing verified)."""
    return [peek(path) for path in sorted(folder.glob("*.sandi"))]


def open_text(service: sandi.Service, text: str) -> bytes:
    """Open an envelope pasted as armored text."""
    s = service.snapshot
    return sandi.open(text, keystore=s.keystore, pola=s.pola).plaintext


def handle(service: sandi.Service, raw: BinaryIO, length: int, archive: Path) -> str:
    """A request: seal its body, list the archive, return the new document's id."""
    info = seal_upload(service, RequestBody(raw, length), archive / "baru.sandi",
                       agency="diskominfo", to=["bkpsdmd"], classification="rahasia")
    assert any(h.doc_id == info.doc_id for h in inbox(archive))
    return info.doc_id
