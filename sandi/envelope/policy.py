"""Policy at the receiving end: was the sender allowed to send this, with this key?

Used by open and verify; seal checks the same rules before it signs
(:mod:`sandi.envelope.sealing`).
"""

from __future__ import annotations

from sandi.envelope.format import SignedHeader, SignerKind
from sandi.errors import KeyNotValid, PolaMismatch, PolicyViolation
from sandi.pola.model import KeyVersion
from sandi.pola.policy import Pola


def check_envelope(pola: Pola, h: SignedHeader) -> KeyVersion:
    """Policy for open and verify; returns the signer's key version.

    The sender must have been allowed to send this under the pola version the
    envelope names (when this home keeps it, else under this one), and the
    signing key valid at the envelope's creation time by the key history of
    this (newest) pola.
    """
    if h.pola_id != pola.id:
        raise PolaMismatch("the envelope was sealed under pola {pola_id!r}, not {id!r}",
                           pola_id=h.pola_id, id=pola.id)
    if h.pola_version > pola.version:
        raise PolaMismatch("the envelope names pola v{pola_version}; this home has v{version}",
                           pola_version=h.pola_version, version=pola.version)
    named = pola.version_named(h.pola_version)
    named.check_flow(h.sender, h.to, h.classification, h.suite)
    check_receipt_requirement(named, h)
    return check_signer(pola, h)


def check_receipt_requirement(pola: Pola, h: SignedHeader) -> None:
    """Where the pola requires receipts for the level, every recipient must be asked."""
    if pola.requirement(h.classification).receipts and (
            h.receipt_request is None or h.receipt_request.from_agencies):
        raise PolicyViolation("{label} requires a receipt request to every recipient; this "
                              "envelope has none", label=h.classification.label)


def check_signer(pola: Pola, h: SignedHeader) -> KeyVersion:
    """The signer's key version: of the sender (or one of its members, in good standing),
    valid at the envelope's creation time by this (newest) pola's key history."""
    agency = pola.agency(h.sender)
    if h.signer.kind is SignerKind.MEMBER:
        # A person signs for the agency: they must have been a member of *this*
        # agency, in good standing, and their key valid, at the creation time.
        member = agency.member(h.signer.id)
        member.check_active_at(h.sender, h.created_at)
        key = member.key(h.signer.key_version)
        key.check_signed_at(f"{member.name} ({h.sender})", h.created_at)
        return key
    if h.signer.id != h.sender:
        raise KeyNotValid("signer {signer!r} is not a key of {sender}", signer=h.signer.id,
                          sender=h.sender)
    key = agency.key(h.signer.key_version)
    key.check_signed_at(h.sender, h.created_at)
    return key
