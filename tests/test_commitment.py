"""Guarantee 5: key commitment (header binding: tests/test_header_binding.py).

AES-GCM is not key-committing: a malicious sender could otherwise give two
recipients two different data keys under which the same payload decrypts to two
different documents. The signed bound block commits to the data key (under the
header hash), so every recipient reads the same plaintext or fails.
"""

from __future__ import annotations

import pytest
from helpers import (
    Layout,
    encrypt_meta,
    forge,
    keystore_with,
    known_parts,
    make_header,
    resign,
    seal_known,
    wrap_for,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import sandi
from sandi.crypto.primitives import DocumentKeys
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.format import (
    Bound,
    Metadata,
    encode_bound,
    encode_signed_header,
    hash_header,
)
from sandi.errors import SignatureInvalid, WrappedKeyInvalid
from sandi.keys.keystore import Keystore
from sandi.pola.classification import Classification

DOC = b"Rekap data PBI jaminan kesehatan, triwulan III." * 100


@pytest.fixture(scope="module")
def stores(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Keystore]:
    """Keystores holding only one agency's keys each."""
    return {a: keystore_with(world, tmp_path_factory.mktemp(a), [a])
            for a in ("dinkes", "dinsos", "setda", "diskominfo", "inspektorat")}


@settings(max_examples=25, deadline=None)
@given(other=st.binary(min_size=32, max_size=32))
def test_stanza_with_another_data_key_is_refused(world: DemoWorld, stores: dict[str, Keystore],
                                                 other: bytes) -> None:
    parts = known_parts(50)
    env = seal_known(world, DOC, sender="dispendukcapil", to=["dinkes"],
                     classification="terbatas", parts=parts)
    if other == parts.data_key:
        return
    layout = Layout.of(env)
    # A well-formed stanza for the right agency, key version and header, wrapping another key.
    env2 = layout.with_(stanzas=(wrap_for(world, other, Suite.CLASSICAL, "dinkes",
                                          layout.header_hash),))
    with pytest.raises(WrappedKeyInvalid, match="does not match the envelope's key commitment"):
        sandi.open(env2, keystore=stores["dinkes"], pola=world.pola)


@pytest.mark.parametrize("suite", [Suite.CLASSICAL, Suite.HYBRID])
def test_malicious_sender_cannot_split_recipients(world: DemoWorld,
                                                  stores: dict[str, Keystore],
                                                  suite: Suite) -> None:
    # A validly signed envelope whose two stanzas carry two different data keys.
    # The recipient whose key matches the commitment reads the document; the
    # other is refused before any of the payload is decrypted.
    sender, a, b, level = (("dispendukcapil", "dinkes", "dinsos", Classification.TERBATAS)
                           if suite is Suite.CLASSICAL else
                           ("setda", "diskominfo", "inspektorat",
                            Classification.SANGAT_RAHASIA))
    # (setda -> diskominfo and setda -> inspektorat are both sangat-rahasia flows.)
    parts = known_parts(60)
    other = known_parts(61).data_key
    h = make_header(world, sender=sender, to=[a, b], classification=level, suite=suite,
                    parts=parts)
    first, second = sorted([a, b])
    hh = hash_header(encode_signed_header(h))
    stanzas = (wrap_for(world, parts.data_key, suite, first, hh),
               wrap_for(world, other, suite, second, hh))
    env = forge(world, h, DOC, parts, stanzas=stanzas)
    sandi.verify(env, pola=world.pola)  # the signature is the sender's own: verify passes
    assert sandi.open(env, keystore=stores[first], pola=world.pola).plaintext == DOC
    with pytest.raises(WrappedKeyInvalid, match="commitment"):
        sandi.open(env, keystore=stores[second], pola=world.pola)


def test_payload_under_an_uncommitted_key_is_refused(world: DemoWorld,
                                                     stores: dict[str, Keystore]) -> None:
    # The bound block commits to K1; the stanza and payload both use K2. The recipient
    # unwraps K2, which the commitment refuses: no chunk is ever decrypted.
    committed, used = known_parts(70), known_parts(71)
    h = make_header(world, sender="dispendukcapil", to=["dinkes"],
                    classification=Classification.TERBATAS, suite=Suite.CLASSICAL,
                    parts=committed)
    honest = Layout.of(forge(world, h, DOC, committed))
    env = Layout.of(forge(world, h, DOC, used))
    forged = resign(world, env, h, stanzas=env.stanzas, bound_bytes=honest.bound_bytes)
    with pytest.raises(WrappedKeyInvalid, match="commitment"):
        sandi.open(forged, keystore=stores["dinkes"], pola=world.pola)


def test_commitment_is_signed(world: DemoWorld, stores: dict[str, Keystore]) -> None:
    # Nobody but the sender can move the commitment to another key.
    parts = known_parts(80)
    env = seal_known(world, DOC, sender="dispendukcapil", to=["dinkes"],
                     classification="terbatas", parts=parts)
    layout = Layout.of(env)
    other = known_parts(81).data_key
    h = layout.signed_header
    keys = DocumentKeys.derive(other, h.payload_nonce, layout.header_hash)
    moved = Bound(keys.commitment, encrypt_meta(keys, Metadata()))
    env2 = layout.with_(bound_bytes=encode_bound(moved),
                        stanzas=(wrap_for(world, other, Suite.CLASSICAL, "dinkes",
                                          layout.header_hash),))
    with pytest.raises(SignatureInvalid):
        sandi.verify(env2, pola=world.pola)
    with pytest.raises((SignatureInvalid, sandi.errors.TamperedEnvelope)):
        sandi.open(env2, keystore=stores["dinkes"], pola=world.pola)


@pytest.mark.parametrize("level,sender,to", [
    ("terbatas", "dispendukcapil", ("dinkes", "dinsos")),
    ("sangat-rahasia", "setda", ("diskominfo", "inspektorat")),
])
def test_all_recipients_read_the_same_plaintext(world: DemoWorld, stores: dict[str, Keystore],
                                                level: str, sender: str,
                                                to: tuple[str, ...]) -> None:
    env = sandi.seal(DOC, sender=world.keystore.identity(sender), to=list(to),
                     classification=level, pola=world.pola, filename="pbi.csv")
    docs = [sandi.open(env, keystore=stores[a], pola=world.pola) for a in to]
    assert {d.plaintext for d in docs} == {DOC}
    assert {(d.filename, d.doc_id) for d in docs} == {("pbi.csv", docs[0].doc_id)}


def test_commitment_differs_per_key_nonce_and_header() -> None:
    k1, k2, n1, n2 = bytes(32), bytes([1]) * 32, bytes(16), bytes([1]) * 16
    h1, h2 = bytes(32), bytes([1]) * 32
    values = {DocumentKeys.derive(k, n, h).commitment
              for k in (k1, k2) for n in (n1, n2) for h in (h1, h2)}
    assert len(values) == 8
    keys = DocumentKeys.derive(k1, n1, h1)
    # The commitment is none of the working keys.
    assert keys.commitment not in (keys.payload, keys.metadata, k1)
