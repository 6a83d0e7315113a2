"""Keys are expanded once and looked up by index, never stale: the keystore's index
follows every change, and an AgencyKey's expanded post-quantum keys are the ones its
seeds make (so a hybrid envelope still opens, and only with the right key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
from helpers import Layout

import sandi
from sandi.crypto.primitives import verify_signature
from sandi.demo import DemoWorld
from sandi.envelope.stanzas import unwrap
from sandi.errors import KeyNotFound, WrappedKeyInvalid
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.keys.secretfile import KdfParams


def test_the_index_follows_every_change(tmp_path: Path) -> None:
    store = Keystore.create(tmp_path, passphrase="p", kdf=KdfParams.TEST)
    assert store.agencies() == [] and not store.holds("setda")
    store.generate("setda")
    assert store.holds("setda") and [k.version for k in store.keys("setda")] == [1]
    store.generate_batch(["bkpsdmd", "setda"])
    assert store.agencies() == ["bkpsdmd", "setda"]
    assert [k.version for k in store.identity("setda").keys] == [1, 2]
    assert [(k.agency, k.version) for k in store.keys()] == [  # noqa: SIM118
        ("bkpsdmd", 1), ("setda", 1), ("setda", 2)]
    other = Keystore.open(tmp_path, passphrase="p")
    other.generate("setda")  # a second handle on the same file
    store.add_keys([AgencyKey.generate("dinkes", 1)])  # reloads, sees v3, adds dinkes
    assert [k.version for k in store.keys("setda")] == [1, 2, 3]
    assert store.get("dinkes", 1).agency == "dinkes"
    with pytest.raises(KeyNotFound, match="holds v1, v2, v3"):
        store.get("setda", 4)


def test_expanded_post_quantum_keys_match_their_seeds() -> None:
    key = AgencyKey.generate("setda", 1, pq=True)
    assert key.mlkem_seed is not None and key.mldsa_seed is not None
    kem = key.mlkem_key()
    assert kem is not None
    assert kem.public_key().public_bytes_raw() == key.public.mlkem == (
        mlkem.MLKEM768PrivateKey.from_seed_bytes(key.mlkem_seed).public_key()
        .public_bytes_raw())
    assert key.public.mldsa == (mldsa.MLDSA65PrivateKey.from_seed_bytes(key.mldsa_seed)
                                .public_key().public_bytes_raw())
    sig = key.signing_key().sign(b"surat", hybrid=True)
    verify_signature(key.public.ed25519, key.public.mldsa, b"surat", sig, hybrid=True)
    assert AgencyKey.generate("bkpsdmd", 1).mlkem_key() is None


def test_a_hybrid_stanza_opens_with_the_expanded_key_or_its_seed_only(
        world: DemoWorld) -> None:
    env = sandi.seal(b"Laporan", sender=world.keystore.identity("inspektorat"), to=["setda"],
                     classification="sangat-rahasia", pola=world.pola)
    layout = Layout.of(env)
    stanza, hh = layout.stanzas[0], layout.header_hash
    key = world.keystore.get("setda", stanza.key_version)
    suite = layout.signed_header.suite
    assert unwrap(stanza, suite, key.x25519, key.mlkem_key(), header_hash=hh) == unwrap(
        stanza, suite, key.x25519, key.mlkem_seed, header_hash=hh)
    impostor = AgencyKey.generate("setda", stanza.key_version, pq=True)
    with pytest.raises(WrappedKeyInvalid):
        unwrap(stanza, suite, key.x25519, impostor.mlkem_key(), header_hash=hh)
    assert sandi.open(env, keystore=world.keystore, pola=world.pola).plaintext == b"Laporan"
