"""Tanda terima: signed receipts bound to exactly the signed original (RFC 2634 ESS
msgSigDigest), made only for verified documents, never for a receipt; receipt requests
in the signed header; the pola requiring receipts per classification."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest

import sandi
from sandi.demo import DemoWorld
from sandi.envelope import Receipt, ReceiptOutcome, RefusalReason, check_receipt, decode_receipt
from sandi.envelope.format import parse_header
from sandi.envelope.opening import unwrap_checked
from sandi.envelope.receipts import encode_body
from sandi.errors import (
    MalformedEnvelope,
    MalformedReceipt,
    PolicyViolation,
    ReceiptInvalid,
    SignatureInvalid,
)
from tests.helpers import Layout, flip, pola_with, wrap_for

SENDER, TO = "diskominfo", "bkpsdmd"


def _seal(world: DemoWorld, data: bytes = b"Nota dinas", **kw: Any) -> bytes:
    args: dict[str, Any] = {"sender": world.keystore.identity(SENDER), "to": [TO],
                            "classification": "rahasia", "pola": world.pola, **kw}
    return sandi.seal(data, **args)


def _receipt(world: DemoWorld, env: bytes) -> Receipt:
    doc = sandi.open(env, keystore=world.keystore, pola=world.pola, receipt=True)
    assert doc.receipt is not None
    return doc.receipt


def test_a_receipt_names_exactly_the_signed_original(world: DemoWorld) -> None:
    env = _seal(world, receipts=True)
    receipt = _receipt(world, env)
    layout = Layout.of(env)
    body = receipt.body
    assert (body.doc_id, body.header_hash) == (layout.signed_header.doc_id, layout.header_hash)
    assert body.signature_digest == hashlib.sha256(layout.signature_bytes).digest()
    info = check_receipt(receipt.to_bytes(), pola=world.pola, envelope=env)
    assert (info.recipient, info.sender, info.outcome, info.member) == (
        TO, SENDER, ReceiptOutcome.OPENED, None)
    assert info.matched_envelope and info.doc_id == layout.signed_header.doc_id.hex()


def test_the_receipt_is_checked_by_anyone_with_the_pola_alone(world: DemoWorld) -> None:
    receipt = _receipt(world, _seal(world))
    info = check_receipt(receipt.armored().encode(), pola=world.pola)
    assert not info.matched_envelope and info.recipient == TO


def test_a_receipt_for_another_document_is_refused(world: DemoWorld) -> None:
    one, other = _seal(world, b"satu"), _seal(world, b"dua")
    receipt = _receipt(world, one)
    check_receipt(receipt.to_bytes(), pola=world.pola, envelope=one)  # the honest control
    with pytest.raises(ReceiptInvalid, match="another document"):
        check_receipt(receipt.to_bytes(), pola=world.pola, envelope=other)


def test_a_receipt_survives_rewrap_but_not_a_new_signature(world: DemoWorld) -> None:
    env = _seal(world, classification="terbatas")  # classical: a 64-byte signature
    receipt = _receipt(world, env).to_bytes()
    layout = Layout.of(env)
    header = parse_header(env)[0]
    data_key, _ = unwrap_checked(header, header.stanzas[0], world.keystore.get(TO, 1))
    fresh = wrap_for(world, data_key, header.signed.suite, TO, header.header_hash)
    rewrapped = layout.with_(stanzas=(fresh,))  # what a custodian's rewrap changes
    assert rewrapped != env
    check_receipt(receipt, pola=world.pola, envelope=rewrapped)
    # The same header and payload with another signature is another original (ESS
    # msgSigDigest): the sender's signature is randomised only in the hybrid suite, so
    # a forged one stands in for "another signature".
    changed = layout.with_(signature=bytes(64))
    with pytest.raises(ReceiptInvalid):
        check_receipt(receipt, pola=world.pola, envelope=changed)


def test_a_changed_receipt_is_refused(world: DemoWorld) -> None:
    data = _receipt(world, _seal(world)).to_bytes()
    check_receipt(data, pola=world.pola)
    for pos in (12, 40, len(data) - 10):  # body fields, and the signature
        with pytest.raises((ReceiptInvalid, MalformedReceipt, sandi.errors.Refusal)):
            check_receipt(flip(data, pos), pola=world.pola)


def test_a_receipt_claiming_another_recipient_does_not_verify(world: DemoWorld) -> None:
    env = _seal(world, to=[TO, "inspektorat"], classification="terbatas")  # classical
    honest = _receipt(world, env)
    # Bkpsdmd signs a receipt that says Inspektorat received the document.
    body = replace(honest.body, recipient="inspektorat",
                   signer=replace(honest.body.signer, id="inspektorat"))
    forged = Receipt(body, encode_body(body), b"")
    key = world.keystore.get(TO, world.pola.agency(TO).current.version)
    forged = replace(forged, signature=key.signing_key().sign(
        forged.signature_input(), hybrid=False, context=b"sandi/v1/receipt-signature"))
    with pytest.raises(ReceiptInvalid, match="signature"):
        check_receipt(forged.to_bytes(), pola=world.pola, envelope=env)


def test_a_hybrid_envelope_gets_a_hybrid_receipt(world: DemoWorld) -> None:
    env = sandi.seal(b"Laporan", sender=world.keystore.identity("inspektorat"), to=["setda"],
                     classification="sangat-rahasia", pola=world.pola)
    receipt = _receipt(world, env)
    assert len(receipt.signature) == 3373
    info = check_receipt(receipt.to_bytes(), pola=world.pola, envelope=env)
    assert info.suite == "hybrid"
    # Stripped to its Ed25519 half, it no longer parses as a hybrid receipt's signature.
    classical_only = receipt.to_bytes()
    cut = len(receipt.signed_region) + 64
    with pytest.raises((ReceiptInvalid, MalformedReceipt)):
        check_receipt(classical_only[:cut] + classical_only[cut + 3309:], pola=world.pola)


def test_no_receipt_for_a_document_that_failed_verification(world: DemoWorld) -> None:
    env = _seal(world, receipts=True)
    tampered = flip(env, len(env) - 70)  # a payload byte
    with pytest.raises(sandi.errors.TamperedEnvelope):
        sandi.open(tampered, keystore=world.keystore, pola=world.pola, receipt=True)
    with pytest.raises(SignatureInvalid):
        sandi.envelope.refuse(tampered, keystore=world.keystore, pola=world.pola)


def test_never_a_receipt_for_a_receipt(world: DemoWorld) -> None:
    receipt = _receipt(world, _seal(world, receipts=True))
    for form in (receipt.to_bytes(), receipt.armored().encode()):
        with pytest.raises(MalformedEnvelope):
            sandi.open(form, keystore=world.keystore, pola=world.pola, receipt=True)
    with pytest.raises(MalformedReceipt, match="envelope, not a receipt"):
        decode_receipt(_seal(world))


def test_receipts_are_one_byte_form(world: DemoWorld) -> None:
    receipt = _receipt(world, _seal(world))
    data = receipt.to_bytes()
    again = decode_receipt(data)
    assert again.to_bytes() == data and decode_receipt(receipt.armored().encode()) == again
    with pytest.raises(MalformedReceipt):
        decode_receipt(data + b"\x00")


def test_receipt_requests_are_signed_into_the_header(world: DemoWorld) -> None:
    env = _seal(world, to=[TO, "inspektorat", "setda"], receipts=["inspektorat"],
                receipts_to=["setda", SENDER])
    info = sandi.verify(env, pola=world.pola)
    assert info.receipts_from == ("inspektorat",)
    assert info.receipts_to == (SENDER, "setda")
    assert parse_header(env)[0].signed.receipt_request is not None
    everyone = sandi.verify(_seal(world, to=[TO, "inspektorat"], receipts=True), pola=world.pola)
    assert (everyone.receipts_from, everyone.receipts_to) == ((TO, "inspektorat"), (SENDER,))
    assert sandi.verify(_seal(world), pola=world.pola).receipts_from == ()
    with pytest.raises(sandi.errors.InvalidArgument):
        _seal(world, receipts=["setda"])  # not a recipient


def _requiring(world: DemoWorld, version: int = 2) -> sandi.Pola:
    def edit(src: dict[str, Any]) -> None:
        src["requirement"]["rahasia"]["receipts"] = True

    return pola_with(world, {}, version=version, edit=edit)


def test_the_pola_can_require_receipts_per_classification(world: DemoWorld) -> None:
    pola = _requiring(world)
    assert pola.requirement(sandi.Classification.RAHASIA).receipts
    env = _seal(world, pola=pola)  # asked of every recipient without being told
    assert sandi.verify(env, pola=pola).receipts_from == (TO,)
    with pytest.raises(PolicyViolation, match="every recipient"):
        _seal(world, pola=pola, to=[TO, "inspektorat"], receipts=["inspektorat"])
    # An envelope of that level without a request (sealed where it was not yet required,
    # named as if under the requiring pola) is refused at the receiving end.
    unasked = _seal(world)
    requiring_v1 = _requiring(world, version=1)
    with pytest.raises(PolicyViolation, match="receipt request"):
        sandi.open(unasked, keystore=world.keystore, pola=requiring_v1)
    sandi.open(unasked, keystore=world.keystore, pola=world.pola)  # the honest control


def _denying(world: DemoWorld) -> sandi.Pola:
    def edit(src: dict[str, Any]) -> None:
        src.setdefault("deny", []).append({"from": SENDER, "to": TO, "from_level": "rahasia"})

    return pola_with(world, {}, version=2, edit=edit)


def test_an_authentic_envelope_the_pola_refuses_gets_a_refused_receipt(world: DemoWorld) -> None:
    env = _seal(world, receipts=True)
    newer = _denying(world)
    with pytest.raises(PolicyViolation):
        sandi.open(env, keystore=world.keystore, pola=newer, receipt=True)
    receipt = sandi.envelope.refuse(env, keystore=world.keystore, pola=newer)
    info = check_receipt(receipt.to_bytes(), pola=newer, envelope=env)
    assert (info.outcome, info.reason) == (ReceiptOutcome.REFUSED, RefusalReason.POLICY)
    with pytest.raises(sandi.errors.InvalidArgument, match="allows"):
        sandi.envelope.refuse(env, keystore=world.keystore, pola=world.pola)
