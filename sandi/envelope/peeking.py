"""Peek at an envelope's clear header without verifying anything: for listing an inbox.

:func:`peek` reads only the header (a few kilobytes, whatever the size of the
document) and returns an :class:`UnverifiedHeader`: what the bytes *claim*. Nothing
is checked: not the sender's signature, not the pola, not that the payload is
complete. Anyone can write a header naming any sender, so use it to sort and show
a list ("from bkpsdmd, rahasia, unverified"), never to decide anything; call
:func:`sandi.verify` or :func:`sandi.open` before trusting a document. It is its own
type, not an :class:`~sandi.EnvelopeInfo`, so it cannot be passed off as verified.

>>> import sandi
>>> from sandi.demo import demo_world
>>> from sandi.envelope import peek
>>> w = demo_world()
>>> env = sandi.seal(b"Nota dinas", sender=w.keystore.identity("setda"),
...                  to=["inspektorat"], classification="rahasia", pola=w.pola)
>>> header = peek(env)
>>> header.claimed_sender, header.classification.slug, header.verified
('setda', 'rahasia', False)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sandi._internal.time import from_epoch
from sandi.envelope.format import read_header
from sandi.envelope.inputs import EnvelopeSource, envelope_reader
from sandi.pola.classification import Classification, Urgency

__all__ = ["UnverifiedHeader", "peek"]


@dataclass(frozen=True)
class UnverifiedHeader:
    """What an envelope's clear header claims, unchecked (what :func:`peek` returns).

    The sender is named ``claimed_sender``: until :func:`sandi.verify` passes, it is
    only a claim.
    """

    doc_id: str
    claimed_sender: str
    claimed_signer: str
    signer_key_version: int
    to: tuple[str, ...]
    classification: Classification
    urgency: Urgency
    created_at: datetime
    pola_id: str
    pola_version: int
    suite: str
    #: Always False: nothing in this object was checked.
    verified: Literal[False] = False

    def summary(self) -> str:
        """One line for people, saying it is unverified."""
        return (f"{self.classification.label} claimed from {self.claimed_sender} to"
                f" {', '.join(self.to)}, created {self.created_at:%Y-%m-%d %H:%M} UTC,"
                f" document {self.doc_id} (unverified)")


def peek(envelope: EnvelopeSource) -> UnverifiedHeader:
    """Read an envelope's clear header only (no payload, no hashing, no checks).

    ``envelope`` is as for :func:`sandi.open`; a file or stream is read only as far
    as the header (armored text: up to 66 KiB, the armor's read-ahead). Raises MalformedEnvelope if
    the header does not parse.
    """
    with envelope_reader(envelope) as read:
        h = read_header(read).signed
    return UnverifiedHeader(
        doc_id=h.doc_id.hex(), claimed_sender=h.sender, claimed_signer=h.signer.id,
        signer_key_version=h.signer.key_version, to=h.to, classification=h.classification,
        urgency=h.urgency, created_at=from_epoch(h.created_at), pola_id=h.pola_id,
        pola_version=h.pola_version, suite=h.suite.slug)
