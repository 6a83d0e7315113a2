"""Policy at the receiving end: was the sender allowed to send this, with this key, then?

Used by open and verify; seal checks the same rules before it signs
(:mod:`sandi.envelope.sealing`). One rule (docs/pola.md §3), the same whichever
way the caller got its :class:`~sandi.pola.policy.Pola`:

1. the pola may judge now: the clock is not behind the home's floor, the pola has
   not expired, and it is known to be current for this classification;
2. the envelope is not dated in the future (beyond ``MAX_SKEW``);
3. it names this pola, at this version or an older one;
4. this pola's requirements (suite, number of recipients, receipts, a member's
   personal signature) always apply;
5. the signing key was valid at ``created_at`` by this (newest) pola's key history:
   inside ``[not_before, retired_at)``, before any revocation;
6. the flows: the named older version's if it was in force at ``created_at`` (a
   home's history knows), else this version's.

The cheap checks come first, so a forged envelope is refused in microseconds
whatever version it names.
"""

from __future__ import annotations

from datetime import datetime

from sandi._internal.time import epoch, from_epoch, show
from sandi.crypto.public import PublicKeys
from sandi.envelope.format import SignedHeader, SignerKind
from sandi.errors import (
    EnvelopeFromFuture,
    KeyNotFound,
    KeyNotValid,
    MemberSignatureRequired,
    PolaMismatch,
    PolicyViolation,
    UnknownAgency,
)
from sandi.pola.classification import Classification
from sandi.pola.model import KeyVersion
from sandi.pola.policy import MAX_SKEW, Pola


def check_envelope(pola: Pola, h: SignedHeader, now: datetime | None = None) -> KeyVersion:
    """Policy for open and verify at ``now``; returns the signer's key version."""
    at = epoch(now)
    pola.check_time(now, h.classification)
    if h.created_at > at + MAX_SKEW:
        raise EnvelopeFromFuture("the envelope is dated {created}, later than this computer's "
                                 "clock ({now}) allows", created=show(h.created_at), now=show(at))
    if h.pola_id != pola.id:
        raise PolaMismatch("the envelope was sealed under pola {pola_id!r}, not {id!r}",
                           pola_id=h.pola_id, id=pola.id)
    if h.pola_version > pola.version:
        raise PolaMismatch("the envelope names pola v{pola_version}; this home has v{version}",
                           pola_version=h.pola_version, version=pola.version)
    pola.check_requirement(h.classification, len(h.to), h.suite)
    check_receipt_requirement(pola, h)
    check_member_signed(pola, h.classification, h.signer.kind is SignerKind.MEMBER, h.sender)
    key = check_signer(pola, h)
    pola.check_flows_at(h.pola_version, from_epoch(h.created_at), h.sender, h.to,
                        h.classification)
    return key


def check_receipt_requirement(pola: Pola, h: SignedHeader) -> None:
    """Where the pola requires receipts for the level, every recipient must be asked."""
    if pola.requirement(h.classification).receipts and (
            h.receipt_request is None or h.receipt_request.from_agencies):
        raise PolicyViolation("{label} requires a receipt request to every recipient; this "
                              "envelope has none", label=h.classification.label)


def check_member_signed(pola: Pola, level: Classification, by_member: bool,
                        sender: str) -> None:
    """Where the pola requires a member's personal signature for the level, the agency's
    own key does not do (seal, open and verify alike)."""
    if pola.requirement(level).member_signed and not by_member:
        raise MemberSignatureRequired("{label} requires the personal signature of a member of"
                                      " {sender}, not the agency's own key",
                                      label=level.label, sender=sender)


def check_signer(pola: Pola, h: SignedHeader) -> KeyVersion:
    """The signer's key version: of the sender (or one of its members, in good standing),
    valid at the envelope's creation time by this (newest) pola's key history."""
    agency = pola.agency(h.sender)
    if h.signer.kind is SignerKind.MEMBER:
        # A person signs for the agency: they must have been a member of *this*
        # agency, in good standing, and their key valid, at the creation time.
        member = agency.member(h.signer.id)
        member._check_active_at(h.sender, h.created_at)
        key = member.key(h.signer.key_version)
        key._check_signed_at(f"{member.name} ({h.sender})", h.created_at)
        return key
    if h.signer.id != h.sender:
        raise KeyNotValid("signer {signer!r} is not a key of {sender}", signer=h.signer.id,
                          sender=h.sender)
    key = agency.key(h.signer.key_version)
    key._check_signed_at(h.sender, h.created_at)
    return key


def check_published(pola: Pola, agency: str, version: int, public: PublicKeys) -> None:
    """Our key version ``version`` of ``agency`` must be the one the pola publishes for it
    (KeyNotFound otherwise: this keystore does not hold the registered key). An agency
    or version the pola does not list is left to the other checks."""
    try:
        published = pola.agency(agency).key(version).keys
    except (UnknownAgency, KeyNotValid):
        return
    if published.x25519 != public.x25519:
        raise KeyNotFound("this keystore's key {agency} v{version} is not the key the pola "
                          "lists as {agency} v{version}: its request was never registered, or "
                          "the registered key is in another home", agency=agency,
                          version=version)
