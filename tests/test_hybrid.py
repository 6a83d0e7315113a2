"""The post-quantum hybrid suite: safe if either half holds, never downgraded.

Issue "Post-quantum hybrid suite", item 5: each half of the hybrid alone is not
enough (break one signature or one shared secret and the envelope is refused);
downgrade attempts; mixed recipients.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

import sandi
from sandi._internal.time import from_epoch as T
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.format import Stanza
from sandi.errors import PolicyViolation, SignatureInvalid, WrappedKeyInvalid
from tests.helpers import Layout, flip

SANGAT = "sangat-rahasia"


@pytest.fixture(scope="module")
def hybrid_env(world: DemoWorld) -> bytes:
    return sandi.seal(b"Laporan intelijen daerah" * 100, sender=world.keystore.identity(
        "inspektorat"), to=["setda"], classification=SANGAT, pola=world.pola)


def test_sangat_rahasia_uses_both_halves(world: DemoWorld, hybrid_env: bytes) -> None:
    layout = Layout.of(hybrid_env)
    assert layout.signed_header.suite is Suite.HYBRID
    assert len(layout.signature_bytes) == 64 + 3309
    assert len(layout.stanzas[0].body) == 32 + 1088 + 48


@pytest.mark.parametrize(("half", "offset"), [("Ed25519", 10), ("ML-DSA-65", 64 + 100)])
def test_breaking_either_signature_half_is_refused(world: DemoWorld, hybrid_env: bytes,
                                                 half: str, offset: int) -> None:
    layout = Layout.of(hybrid_env)
    env = flip(hybrid_env, layout.signature.start + offset)
    with pytest.raises(SignatureInvalid):
        sandi.verify(env, pola=world.pola)
    with pytest.raises(SignatureInvalid):
        sandi.open(env, keystore=world.keystore, pola=world.pola)


def test_a_signature_with_only_the_classical_half_is_refused(world: DemoWorld,
                                                             hybrid_env: bytes) -> None:
    layout = Layout.of(hybrid_env)
    classical_only = hybrid_env[:layout.signature.start] + layout.signature_bytes[:64]
    with pytest.raises(sandi.SandiError):
        sandi.verify(classical_only, pola=world.pola)


def _replace_body(env: bytes, body: bytes) -> bytes:
    layout = Layout.of(env)
    stanza = layout.stanzas[0]
    return layout.with_(stanzas=(Stanza(stanza.agency, stanza.key_version, body),))


def test_a_different_ml_kem_secret_breaks_the_wrap(world: DemoWorld, hybrid_env: bytes) -> None:
    # A fresh, valid encapsulation to the same ML-KEM key: the X25519 half is intact,
    # only the post-quantum shared secret differs.
    body = Layout.of(hybrid_env).stanzas[0].body
    pub = world.pola.agency("setda").current.keys.mlkem
    assert pub is not None
    _, other_ct = mlkem.MLKEM768PublicKey.from_public_bytes(pub).encapsulate()
    env = _replace_body(hybrid_env, body[:32] + other_ct + body[32 + 1088:])
    with pytest.raises(WrappedKeyInvalid):
        sandi.open(env, keystore=world.keystore, pola=world.pola)


def test_a_different_x25519_secret_breaks_the_wrap(world: DemoWorld, hybrid_env: bytes) -> None:
    # The ML-KEM half is intact, only the X25519 share differs.
    body = Layout.of(hybrid_env).stanzas[0].body
    other = x25519.X25519PrivateKey.generate().public_key().public_bytes_raw()
    env = _replace_body(hybrid_env, other + body[32:])
    with pytest.raises(WrappedKeyInvalid):
        sandi.open(env, keystore=world.keystore, pola=world.pola)


def test_the_x25519_key_alone_does_not_unwrap(world: DemoWorld, hybrid_env: bytes) -> None:
    # Someone who broke (or stole) only the classical half: right X25519 key, wrong ML-KEM key.
    from sandi.envelope.stanzas import unwrap
    from sandi.keys.keystore import AgencyKey

    real = world.keystore.get("setda", 1)
    impostor = AgencyKey.generate("setda", 1, pq=True)
    layout = Layout.of(hybrid_env)
    assert unwrap(layout.stanzas[0], Suite.HYBRID, real.x25519, real.mlkem_seed,
                  header_hash=layout.header_hash)  # the control: both real halves open it
    with pytest.raises(WrappedKeyInvalid):
        unwrap(layout.stanzas[0], Suite.HYBRID, real.x25519, impostor.mlkem_seed,
               header_hash=layout.header_hash)


def test_downgrade_by_relabelling_the_suite_is_refused(world: DemoWorld,
                                                       hybrid_env: bytes) -> None:
    from sandi.envelope.format import encode_signed_header

    layout = Layout.of(hybrid_env)
    classical = replace(layout.signed_header, suite=Suite.CLASSICAL)
    env = layout.with_(signed_bytes=encode_signed_header(classical))
    with pytest.raises(sandi.SandiError):
        sandi.verify(env, pola=world.pola)
    with pytest.raises(sandi.SandiError):
        sandi.open(env, keystore=world.keystore, pola=world.pola)


def test_hybrid_with_several_recipients_opens_for_each(world: DemoWorld) -> None:
    env = sandi.seal(b"rapat terbatas", sender=world.keystore.identity("setda"),
                     to=["inspektorat", "diskominfo"], classification=SANGAT, pola=world.pola)
    info = sandi.verify(env, pola=world.pola)
    assert (info.suite, info.to) == ("hybrid", ("diskominfo", "inspektorat"))
    assert sandi.open(env, keystore=world.keystore, pola=world.pola).plaintext == b"rapat terbatas"


def test_mixed_recipients_a_classical_level_to_pq_and_classical_keys(world: DemoWorld) -> None:
    # Below rahasia the pola asks for the classical suite even between agencies
    # that hold post-quantum keys: the suite follows the classification, not the keys.
    env = sandi.seal(b"nota", sender=world.keystore.identity("setda"),
                     to=["inspektorat", "bkpsdmd"], classification="terbatas", pola=world.pola)
    assert sandi.verify(env, pola=world.pola).suite == "classical"


def test_seal_names_the_recipient_without_post_quantum_keys(world: DemoWorld) -> None:
    from sandi.keys.keystore import AgencyKey
    from sandi.pola.model import KeyState, KeyVersion
    from tests.helpers import pola_with

    classical_only = AgencyKey.generate("setda", 1, pq=False)
    pola = pola_with(world, {"setda": [KeyVersion(1, classical_only.public, KeyState.CURRENT,
                                                  T(0))]})
    with pytest.raises(PolicyViolation, match=r"setda .*no post-quantum key.*--pq"):
        sandi.seal(b"x", sender=world.keystore.identity("inspektorat"), to=["setda"],
                   classification=SANGAT, pola=pola)
