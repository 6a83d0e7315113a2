"""Guarantee 5, header binding: nobody can re-sign another agency's envelope as its own.

The attack of issue 14 §1: Setda seals a *sangat-rahasia* document to Inspektorat
(and Diskominfo). A third agency X (here bkpsdmd), holding only its own keys and
unable to read the document, copies the bound block, the stanzas and the payload,
rewrites the header (sender, signer, classification, and any other field), and
signs the result with its own key. Format version 1 opened that as "from X";
format version 2 binds the header hash H into every key of the document, the key
commitment and every stanza's AEAD, so any change to any header field makes the
envelope fail for every recipient, before any plaintext is decrypted.

Each case is built exactly as the attacker would, and an honest control shows the
same construction succeeds when nothing in the header changes (or when X seals its
own document).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import replace

import pytest
from helpers import Layout, keystore_with, pola_with, resign

import sandi
from sandi.crypto.primitives import DocumentKeys
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.format import (
    Header,
    ReceiptRequest,
    SignedHeader,
    Signer,
    SignerKind,
    encode_signed_header,
    hash_header,
    signed_region,
)
from sandi.envelope.opening import unwrap_checked
from sandi.envelope.stanzas import unwrap
from sandi.errors import (
    MalformedEnvelope,
    PolaMismatch,
    SignatureInvalid,
    WrappedKeyInvalid,
)
from sandi.keys.keystore import Keystore
from sandi.pola.classification import Classification, Urgency
from sandi.pola.policy import Pola

DOC = b"Surat tugas pemeriksaan khusus atas pengadaan barang dan jasa tahun 2026." * 40
SENDER, X = "setda", "bkpsdmd"
RECIPIENTS = ("diskominfo", "inspektorat")  # both may receive rahasia from bkpsdmd


@pytest.fixture(scope="module")
def stores(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Keystore]:
    """Keystores holding only one agency's keys each."""
    return {a: keystore_with(world, tmp_path_factory.mktemp(a), [a])
            for a in (*RECIPIENTS, X)}


@pytest.fixture(scope="module")
def original(world: DemoWorld) -> Layout:
    """What Setda sealed: sangat-rahasia (hybrid suite) to Diskominfo and Inspektorat."""
    return Layout.of(sandi.seal(DOC, sender=world.keystore.identity(SENDER), to=list(RECIPIENTS),
                                classification="sangat-rahasia", pola=world.pola,
                                filename="surat-tugas.pdf"))


def _as_x(h: SignedHeader) -> SignedHeader:
    """The rewrite of §1: X names itself sender and signer, and lowers the classification
    to one X may send to both recipients."""
    return replace(h, sender=X, signer=Signer(SignerKind.AGENCY, X, 1),
                   classification=Classification.RAHASIA)


def test_the_attack_of_issue_14_is_refused_for_every_recipient(
        world: DemoWorld, stores: dict[str, Keystore], original: Layout) -> None:
    forged = resign(world, original, _as_x(original.signed_header), agency=X)
    # The forgery is X's own valid signature over X's own header, and the pola lets X
    # send rahasia to both: verify, which holds no key, accepts it as X's envelope.
    # What X cannot do is make anyone read Setda's document under X's name.
    info = sandi.verify(forged, pola=world.pola)
    assert (info.sender, info.classification) == (X, Classification.RAHASIA)
    for agency in RECIPIENTS:
        with pytest.raises(WrappedKeyInvalid, match=f"recipient stanza for {agency} v1 does"
                                                    " not open"):
            sandi.open(forged, keystore=stores[agency], pola=world.pola)


#: Each other header field rewritten in turn, on top of the §1 rewrite, with what open
#: says for every recipient. Fields the policy or the parser check first are refused
#: there; every other one by the binding (WrappedKeyInvalid, before any decryption).
_Rewrite = Callable[[SignedHeader], SignedHeader]
REWRITES: dict[str, tuple[_Rewrite, type[Exception]]] = {
    "sender-and-classification": (lambda h: h, WrappedKeyInvalid),
    "classification-terbatas": (lambda h: replace(h, classification=Classification.TERBATAS),
                                WrappedKeyInvalid),
    "classification-biasa": (lambda h: replace(h, classification=Classification.BIASA),
                             WrappedKeyInvalid),
    "doc-id": (lambda h: replace(h, doc_id=bytes(16)), WrappedKeyInvalid),
    "created-at": (lambda h: replace(h, created_at=h.created_at + 1), WrappedKeyInvalid),
    "urgency": (lambda h: replace(h, urgency=Urgency.KILAT), WrappedKeyInvalid),
    "payload-nonce": (lambda h: replace(h, payload_nonce=bytes(16)), WrappedKeyInvalid),
    "pola-version": (lambda h: replace(h, pola_version=2), WrappedKeyInvalid),
    "pola-id": (lambda h: replace(h, pola_id="kota-lain"), PolaMismatch),
    # The stanza bodies have the hybrid length: the parser refuses a classical header.
    "suite": (lambda h: replace(h, suite=Suite.CLASSICAL), MalformedEnvelope),
}


@pytest.fixture(scope="module")
def pola_v2(world: DemoWorld) -> Pola:
    """The demo pola re-issued as v2 (same rules): a home where naming v2 passes policy."""
    return pola_with(world, {}, version=2)


@pytest.mark.parametrize("field", sorted(REWRITES))
def test_each_header_field_rewritten_and_resigned_by_x_is_refused(
        world: DemoWorld, stores: dict[str, Keystore], original: Layout, pola_v2: Pola,
        field: str) -> None:
    change, error = REWRITES[field]
    forged = resign(world, original, change(_as_x(original.signed_header)), agency=X)
    pola = pola_v2 if field == "pola-version" else world.pola
    for agency in RECIPIENTS:
        with pytest.raises(error) as caught:
            sandi.open(forged, keystore=stores[agency], pola=pola)
        assert type(caught.value) is error, caught.value


def test_a_recipient_dropped_by_x_does_not_help(world: DemoWorld, stores: dict[str, Keystore],
                                                original: Layout) -> None:
    # X drops Diskominfo from the recipients (and its stanza): the header changed.
    h = replace(_as_x(original.signed_header), to=("inspektorat",))
    forged = resign(world, original, h, agency=X, stanzas=(original.stanzas[1],))
    with pytest.raises(WrappedKeyInvalid):
        sandi.open(forged, keystore=stores["inspektorat"], pola=world.pola)


# --- the binding itself, below the policy: every field of the header, every recipient --------


def _other(name: str, h: SignedHeader) -> object:
    """Another valid value for the header field ``name``."""
    others: dict[str, object] = {
        "suite": Suite.CLASSICAL, "pola_id": "kota-lain", "pola_version": h.pola_version + 1,
        "doc_id": bytes(16), "created_at": h.created_at + 1, "sender": X,
        "signer": Signer(SignerKind.MEMBER, SENDER, 1), "to": ("diskominfo",),
        "classification": Classification.RAHASIA, "urgency": Urgency.KILAT,
        "payload_nonce": bytes(16), "receipt_request": ReceiptRequest((), (X,)),
    }
    return others[name]


def test_every_header_field_is_bound_into_every_key_and_stanza(
        world: DemoWorld, original: Layout) -> None:
    h = original.signed_header
    names = [f.name for f in dataclasses.fields(SignedHeader)]
    data_key = unwrap(original.stanzas[0], h.suite, world.keystore.get("diskominfo", 1).x25519,
                      world.keystore.get("diskominfo", 1).mlkem_key(),
                      header_hash=original.header_hash)
    honest = DocumentKeys.derive(data_key, h.payload_nonce, original.header_hash)
    for name in names:  # a field added to the header later is covered here too
        changed = replace(h, **{name: _other(name, h)})
        header_bytes = encode_signed_header(changed)
        hh = hash_header(header_bytes)
        assert hh != original.header_hash, name
        # Under the changed header, the same data key gives other payload and metadata
        # keys and another commitment: nothing of the original decrypts or matches.
        keys = DocumentKeys.derive(data_key, h.payload_nonce, hh)
        assert {keys.payload, keys.metadata, keys.commitment}.isdisjoint(
            {honest.payload, honest.metadata, honest.commitment}), name
        if name == "suite":
            continue  # a hybrid stanza under a classical header does not even parse
        header = Header(changed, original.bound, original.stanzas,
                        signed_region(header_bytes, original.bound_bytes), hh)
        for stanza in original.stanzas:
            with pytest.raises(WrappedKeyInvalid):
                unwrap_checked(header, stanza, world.keystore.get(stanza.agency, 1))


# --- honest controls: the same construction succeeds when honest -------------------------------


def test_control_the_same_construction_unchanged_by_the_real_sender_opens(
        world: DemoWorld, stores: dict[str, Keystore], original: Layout) -> None:
    # Copy the bound block, stanzas and payload under the unchanged header, and sign:
    # by Setda it is a valid envelope for every recipient, byte for byte the original.
    again = resign(world, original, original.signed_header, agency=SENDER)
    assert again[:original.payload.stop] == original.env[:original.payload.stop]
    for agency in RECIPIENTS:
        doc = sandi.open(again, keystore=stores[agency], pola=world.pola)
        assert (doc.plaintext, doc.sender, doc.filename) == (DOC, SENDER, "surat-tugas.pdf")
    # By X, over the unchanged header naming Setda, it is Setda's signature that fails.
    by_x = resign(world, original, original.signed_header, agency=X)
    for agency in RECIPIENTS:
        with pytest.raises(SignatureInvalid, match="signature of setda"):
            sandi.open(by_x, keystore=stores[agency], pola=world.pola)


def test_control_x_sealing_its_own_document_opens(world: DemoWorld,
                                                  stores: dict[str, Keystore]) -> None:
    env = sandi.seal(DOC, sender=world.keystore.identity(X), to=list(RECIPIENTS),
                     classification="rahasia", pola=world.pola)
    for agency in RECIPIENTS:
        doc = sandi.open(env, keystore=stores[agency], pola=world.pola)
        assert (doc.plaintext, doc.sender, doc.classification) == (DOC, X,
                                                                    Classification.RAHASIA)


# --- stanzas and bound blocks moved between two envelopes --------------------------------------


def test_stanzas_swapped_between_two_envelopes_are_refused(
        world: DemoWorld, stores: dict[str, Keystore], original: Layout) -> None:
    other = Layout.of(sandi.seal(DOC, sender=world.keystore.identity(SENDER),
                                 to=list(RECIPIENTS), classification="sangat-rahasia",
                                 pola=world.pola))
    for target, donor in ((original, other), (other, original)):
        env = target.with_(stanzas=donor.stanzas)
        sandi.verify(env, pola=world.pola)  # stanzas are outside the signature (guarantee 7)
        for agency in RECIPIENTS:
            with pytest.raises(WrappedKeyInvalid, match="does not open"):
                sandi.open(env, keystore=stores[agency], pola=world.pola)
        # The donor's bound block with the target's stanzas: signed, and not the one the
        # target's data key commits to.
        env = target.with_(bound_bytes=donor.bound_bytes)
        with pytest.raises(SignatureInvalid):
            sandi.verify(env, pola=world.pola)
        for agency in RECIPIENTS:
            with pytest.raises(WrappedKeyInvalid, match="key commitment"):
                sandi.open(env, keystore=stores[agency], pola=world.pola)
