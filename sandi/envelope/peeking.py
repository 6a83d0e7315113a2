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

:func:`precheck` is the other use of the clear header: to *refuse* early, before a
person types a passphrase, what :func:`sandi.open` would refuse whatever the key (a
flow the pola forbids, an envelope addressed to none of the keys held). A header is
whatever its writer chose, so a precheck that passes proves nothing; only open's
verification can accept.

>>> from sandi.keys import HeldKeys
>>> precheck(env, pola=w.pola, held=HeldKeys((("inspektorat", 1),))).to
('inspektorat',)
>>> try:
...     precheck(env, pola=w.pola, held=HeldKeys((("diskominfo", 1),)))
... except sandi.errors.NotARecipient as refused:
...     print(refused.hint())
The document is not addressed to your agency, or needs a key you do not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sandi._internal.time import from_epoch
from sandi.envelope.format import Header, read_header
from sandi.envelope.inputs import EnvelopeSource, envelope_reader
from sandi.envelope.policy import check_envelope
from sandi.errors import NotARecipient
from sandi.pola.classification import Classification, Urgency
from sandi.pola.policy import Pola

if TYPE_CHECKING:  # an agent's open never loads the keystore's modules (issue 18 §1)
    from sandi.keys.holdings import HeldKeys

__all__ = ["UnverifiedHeader", "peek", "precheck"]


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
    #: The (agency, key version) of each recipient stanza: what each claims to be for.
    stanzas: tuple[tuple[str, int], ...] = ()
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
        return _unverified(read_header(read))


def precheck(envelope: EnvelopeSource, *, pola: Pola | None = None,
             held: HeldKeys | None = None, now: datetime | None = None) -> UnverifiedHeader:
    """Refuse from the clear header alone what :func:`sandi.open` would refuse whatever
    the key; return the (unverified) header if nothing is refused.

    It reads as :func:`peek` does. With ``pola``, the pola's rules are checked at
    ``now`` as open checks them before the signature (PolicyViolation, UnknownAgency,
    KeyNotValid, PolaMismatch, PolaExpired, EnvelopeFromFuture ...); with ``held`` (a
    keystore's public part, :meth:`sandi.Keystore.peek`), an envelope with no stanza for
    a key version held is NotARecipient, as open would find after unlocking. Raises
    MalformedEnvelope if the header does not parse.

    Passing proves nothing: the header is whatever its writer chose (the payload, the
    signature and the stanzas are checked only by open). Use it to ask for a
    passphrase last, never to trust a document.
    """
    with envelope_reader(envelope) as read:
        header = read_header(read)
    if pola is not None:
        check_envelope(pola, header.signed, now)
    if held is not None:
        _check_addressed(header, held)
    return _unverified(header)


def _check_addressed(header: Header, held: HeldKeys) -> None:
    """What open's search for our stanza would find, from the keys' public list: a stanza
    for a key version held (then open unwraps it), or NotARecipient."""
    if any(held.has(s.agency, s.key_version) for s in header.stanzas):
        return
    raise NotARecipient.of(to=header.signed.to, held=tuple(held.agencies()), tried=tuple(
        (s.agency, s.key_version) for s in header.stanzas if held.holds(s.agency)))


def _unverified(header: Header) -> UnverifiedHeader:
    h = header.signed
    return UnverifiedHeader(
        doc_id=h.doc_id.hex(), claimed_sender=h.sender, claimed_signer=h.signer.id,
        signer_key_version=h.signer.key_version, to=h.to, classification=h.classification,
        urgency=h.urgency, created_at=from_epoch(h.created_at), pola_id=h.pola_id,
        pola_version=h.pola_version, suite=h.suite.slug,
        stanzas=tuple((s.agency, s.key_version) for s in header.stanzas))
