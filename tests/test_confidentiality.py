"""Guarantee 1 (confidentiality) and 9 (sensitive metadata is encrypted).

A fresh random 256-bit data key per document; only the listed recipient
agencies' private keys unwrap it; filename, subject and content type travel
encrypted, never in the clear header.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import Layout, keystore_with

import sandi
from sandi.crypto.primitives import DocumentKeys
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.envelope.stanzas import unwrap
from sandi.errors import KeyNotFound, NotARecipient, WrappedKeyInvalid
from sandi.keys.keystore import AgencyKey, Keystore
from sandi.keys.secretfile import KdfParams

PLAINTEXT = b"NOTA DINAS RAHASIA: data kependudukan 3174 jiwa rentan. " * 2400  # ~134 KiB
FILENAME = "daftar-penerima-bansos-2026.xlsx"
SUBJECT = "Verifikasi DTKS triwulan III"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _seal(world: DemoWorld, data: bytes = PLAINTEXT, *, sender: str = "dispendukcapil",
          to: tuple[str, ...] = ("dinkes", "dinsos"), level: str = "rahasia") -> bytes:
    return sandi.seal(data, sender=world.keystore.identity(sender), to=list(to),
                      classification=level, pola=world.pola, filename=FILENAME,
                      subject=SUBJECT, content_type=CONTENT_TYPE)


def _data_key(world: DemoWorld, env: bytes, agency: str) -> bytes:
    """Unwrap ``agency``'s stanza directly with its private key."""
    layout = Layout.of(env)
    stanza = next(s for s in layout.stanzas if s.agency == agency)
    key = world.keystore.get(agency, stanza.key_version)
    return unwrap(stanza, layout.signed_header.suite, key.x25519, key.mlkem_seed,
                  header_hash=layout.header_hash)


@pytest.fixture(scope="module")
def stores(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Keystore]:
    """Keystores holding only the named agencies' keys."""
    everyone_else = [a.id for a in world.pola.agencies if a.id not in ("dinkes", "dinsos")]
    return {
        "dinkes": keystore_with(world, tmp_path_factory.mktemp("dinkes"), ["dinkes"]),
        "dinsos": keystore_with(world, tmp_path_factory.mktemp("dinsos"), ["dinsos"]),
        "sender": keystore_with(world, tmp_path_factory.mktemp("sender"), ["dispendukcapil"]),
        "bappeda": keystore_with(world, tmp_path_factory.mktemp("bappeda"), ["bappeda"]),
        "setda": keystore_with(world, tmp_path_factory.mktemp("setda"), ["setda"]),
        "everyone-else": keystore_with(world, tmp_path_factory.mktemp("rest"), everyone_else),
        "empty": keystore_with(world, tmp_path_factory.mktemp("empty"), []),
    }


# --- a fresh data key per document -----------------------------------------------------


def test_each_document_gets_a_fresh_256_bit_data_key(world: DemoWorld) -> None:
    keys = set()
    for _ in range(40):
        env = _seal(world, b"sama", to=("dinkes",))
        data_key = _data_key(world, env, "dinkes")
        assert len(data_key) == 32
        layout = Layout.of(env)
        assert DocumentKeys.derive(data_key, layout.signed_header.payload_nonce,
                                   layout.header_hash).commitment == layout.bound.commitment
        keys.add(data_key)
    assert len(keys) == 40


def test_every_recipient_unwraps_the_same_data_key(world: DemoWorld) -> None:
    env = _seal(world, to=("dinkes", "dinsos", "disdik"))
    assert len({_data_key(world, env, a) for a in ("dinkes", "dinsos", "disdik")}) == 1


def test_two_seals_of_the_same_document_share_nothing_secret(world: DemoWorld) -> None:
    # Same plaintext, sender, recipients, classification and metadata: after the
    # public fields, everything differs.
    a, b = (Layout.of(_seal(world)) for _ in range(2))
    assert a.env[:6] == b.env[:6]
    ha, hb = a.signed_header, b.signed_header
    assert (ha.sender, ha.to, ha.classification) == (hb.sender, hb.to, hb.classification)
    assert a.header_hash != b.header_hash
    for field, x, y in (("doc_id", ha.doc_id, hb.doc_id),
                        ("payload_nonce", ha.payload_nonce, hb.payload_nonce),
                        ("commitment", a.bound.commitment, b.bound.commitment),
                        ("meta", a.bound.meta, b.bound.meta)):
        assert x != y, field
        assert sum(p == q for p, q in zip(x, y, strict=True)) <= len(x) // 4, field
    for sa, sb in zip(a.stanzas, b.stanzas, strict=True):
        assert sa.body[:32] != sb.body[:32]  # ephemeral share
        assert sa.body[32:] != sb.body[32:]  # wrapped key
    assert len(a.chunks) == len(b.chunks) == 3
    for ca, cb in zip(a.chunk_list(), b.chunk_list(), strict=True):
        assert len(ca) == len(cb)
        # Position-wise equal bytes happen by chance only (about 1 in 256).
        assert sum(p == q for p, q in zip(ca, cb, strict=True)) < 2 * len(ca) // 256 + 64
    assert a.signature_bytes != b.signature_bytes


# --- nothing sensitive in the clear --------------------------------------------------------


@pytest.mark.parametrize("level,sender,to", [
    ("rahasia", "dispendukcapil", ("dinkes", "dinsos")),
    ("sangat-rahasia", "inspektorat", ("setda",)),
])
def test_no_plaintext_or_metadata_in_the_envelope(world: DemoWorld, level: str, sender: str,
                                                  to: tuple[str, ...]) -> None:
    env = _seal(world, sender=sender, to=to, level=level)
    for secret in (b"NOTA DINAS", b"kependudukan", b"jiwa rentan", FILENAME.encode(),
                   b"penerima-bansos", b".xlsx", SUBJECT.encode(), b"DTKS",
                   CONTENT_TYPE.encode(), b"spreadsheetml"):
        assert secret not in env, secret
    # No 12-byte window of the plaintext survives anywhere.
    for start in range(0, 57, 3):
        assert PLAINTEXT[start:start + 12] not in env


def test_metadata_comes_back_only_by_opening(world: DemoWorld,
                                             stores: dict[str, Keystore]) -> None:
    env = _seal(world)
    info = sandi.verify(env, pola=world.pola)
    # verify holds no key: it cannot know the metadata, and does not pretend to.
    assert all(getattr(info, f, None) is None for f in ("filename", "subject", "content_type"))
    doc = sandi.open(env, keystore=stores["dinkes"], pola=world.pola)
    assert (doc.filename, doc.subject, doc.content_type) == (FILENAME, SUBJECT, CONTENT_TYPE)


def test_random_plaintext_never_leaks(world: DemoWorld) -> None:
    data = random.Random(9).randbytes(70_000)
    env = _seal(world, data)
    for start in range(0, 70_000 - 16, 997):
        assert data[start:start + 16] not in env


# --- only listed recipients open ---------------------------------------------------------


@pytest.mark.parametrize("opener", ["dinkes", "dinsos"])
def test_each_listed_recipient_opens(world: DemoWorld, stores: dict[str, Keystore],
                                     opener: str) -> None:
    doc = sandi.open(_seal(world), keystore=stores[opener], pola=world.pola)
    assert doc.plaintext == PLAINTEXT
    assert doc.opened_with == (opener, 1)


@pytest.mark.parametrize("who", ["sender", "bappeda", "setda", "everyone-else", "empty"])
def test_non_recipients_cannot_open(world: DemoWorld, stores: dict[str, Keystore],
                                    who: str) -> None:
    # Not even the sender may read what it sent, unless it addressed itself;
    # nor a keystore holding every other agency of the city.
    env = _seal(world)
    with pytest.raises(NotARecipient) as caught:
        sandi.open(env, keystore=stores[who], pola=world.pola)
    assert caught.value.to == ("dinkes", "dinsos")


@pytest.mark.parametrize("who", ["sender", "everyone-else", "empty"])
def test_not_a_recipient_does_not_say_what_the_keystore_holds(
        world: DemoWorld, stores: dict[str, Keystore], who: str) -> None:
    # Issue 14 §8: the message (which an app may show or log) says only that no held
    # key is a recipient; which agencies and versions are held is the debug detail.
    with pytest.raises(NotARecipient) as caught:
        sandi.open(_seal(world), keystore=stores[who], pola=world.pola)
    err = caught.value
    held = tuple(stores[who].agencies())
    assert str(err) == "none of the keys in this keystore is a recipient of this envelope"
    for lang in ("en", "id"):
        assert not any(agency in err.describe(lang) for agency in (*held, "dinkes"))
    assert err.held == held
    detail = err.debug_detail()
    assert detail is not None and detail.startswith("this envelope is for dinkes, dinsos;")
    assert all(agency in detail for agency in held)
    assert detail.endswith("holds keys for no agency") == (who == "empty")


def test_non_recipient_cannot_open_hybrid(world: DemoWorld,
                                          stores: dict[str, Keystore]) -> None:
    env = _seal(world, sender="inspektorat", to=("setda",), level="sangat-rahasia")
    assert Layout.of(env).signed_header.suite is Suite.HYBRID
    assert sandi.open(env, keystore=stores["setda"], pola=world.pola).plaintext == PLAINTEXT
    for who in ("dinkes", "bappeda", "sender"):
        with pytest.raises(NotARecipient):
            sandi.open(env, keystore=stores[who], pola=world.pola)


def test_sender_reads_its_own_copy_only_when_addressed(world: DemoWorld,
                                                       stores: dict[str, Keystore]) -> None:
    env = _seal(world, to=("dinkes", "dispendukcapil"))
    assert sandi.open(env, keystore=stores["sender"], pola=world.pola).plaintext == PLAINTEXT


def test_an_impostor_key_with_a_recipients_name_does_not_unwrap(
        world: DemoWorld, tmp_path: Path) -> None:
    # A keystore that claims to hold dinkes v1 but has other private keys. The unwrap
    # fails; open then says why in the holder's terms (the key is not the registered
    # one: KeyNotFound), raised from the unwrap's own failure.
    store = Keystore.create(tmp_path / "impostor", passphrase="x", kdf=KdfParams.TEST)
    store.add_keys([AgencyKey.generate("dinkes", 1, pq=True)])
    with pytest.raises(KeyNotFound, match="not the key the pola lists as dinkes v1") as caught:
        sandi.open(_seal(world), keystore=store, pola=world.pola)
    assert isinstance(caught.value.__context__, WrappedKeyInvalid)
    assert "dinkes v1 does not open" in str(caught.value.__context__)


def test_stanza_for_another_agency_does_not_unwrap_with_our_key(world: DemoWorld) -> None:
    # The wrap is to the recipient's public key: dinsos's private key cannot
    # unwrap dinkes's stanza even when told it is its own.
    layout = Layout.of(_seal(world))
    stanza = layout.stanzas[0]
    assert stanza.agency == "dinkes"
    other = world.keystore.get("dinsos", 1)
    with pytest.raises(WrappedKeyInvalid):
        unwrap(stanza, Suite.CLASSICAL, other.x25519, other.mlkem_seed,
               header_hash=layout.header_hash)
