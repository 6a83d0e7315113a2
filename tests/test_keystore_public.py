"""The keystore's public part (issue 17 §3): which agencies and key versions a keystore
(or a members' vault) holds, readable without the passphrase, authenticated by the
sealed part, and written with it in one atomic replace.

Attacks built here, each with an honest control: someone who can write the file swaps
the public part (the file no longer unlocks), a writer holding the key seals a public
part that lies about the content (refused once unlocked), and a public part claims a
key that is not held. Old files without a public part still unlock, and gain one on
their next change.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandi.errors import MalformedKeyFile
from sandi.keys.holdings import HeldKeys, encode_holdings, encode_public
from sandi.keys.keystore import KEYSTORE_FILE, Keystore
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import KdfParams, SealedFile, change_passphrase, read_sealed
from sandi.keys.storage import KEYSTORE_MAGIC
from sandi.keys.vault import VAULT_FILE, VAULT_MAGIC, init_vault

PASS = "rahasia kami"
FRAMED = b"SANDK\x03"


def _keystore(home: Path) -> Keystore:
    ks = Keystore.create(home, passphrase=PASS, kdf=KdfParams.TEST)
    ks.generate("diskominfo")
    ks.generate("diskominfo")
    ks.generate("bkpsdmd")
    return ks


def _vault(home: Path) -> None:
    ani = create_member_key(home, "ani", passphrase="punya ani", kdf=KdfParams.TEST)
    init_vault(home, "bkpsdmd", {"ani": ani.public})


def _open_vault(home: Path) -> Keystore:
    return Keystore.open(home, passphrase="punya ani", member="ani")


def test_the_public_part_lists_what_is_held(tmp_path: Path) -> None:
    ks = _keystore(tmp_path)
    held = Keystore.peek(tmp_path)
    assert held == HeldKeys((("bkpsdmd", 1), ("diskominfo", 1), ("diskominfo", 2)))
    assert held.agencies() == ["bkpsdmd", "diskominfo"] and held.has("diskominfo", 2)
    assert not held.has("diskominfo", 3) and not held.holds("setda")
    assert (tmp_path / KEYSTORE_FILE).read_bytes().startswith(FRAMED)
    # One file, one atomic replace: nothing beside it but its lock.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keystore.lock", KEYSTORE_FILE]
    ks.generate("bkpsdmd")
    assert Keystore.peek(tmp_path).has("bkpsdmd", 2)  # type: ignore[union-attr]
    assert Keystore.peek(tmp_path / "nothing") is None


def test_a_vault_has_one_too(tmp_path: Path) -> None:
    _vault(tmp_path)
    assert Keystore.peek(tmp_path) == HeldKeys((("bkpsdmd", 1),))
    ks = _open_vault(tmp_path)
    ks.generate("bkpsdmd")
    assert Keystore.peek(tmp_path) == HeldKeys((("bkpsdmd", 1), ("bkpsdmd", 2)))
    assert (tmp_path / VAULT_FILE).read_bytes().startswith(VAULT_MAGIC)


def _swap_keystore_public(path: Path, public: bytes) -> None:
    head, _, box = msgpack.unpackb(path.read_bytes()[len(FRAMED):])
    path.write_bytes(FRAMED + msgpack.packb([head, public, box]))


def test_a_swapped_public_part_does_not_unlock(tmp_path: Path) -> None:
    # Someone who can write the home (not knowing the passphrase) makes the keystore claim
    # another agency: early checks would then let an envelope through to the prompt, or
    # refuse one; unlocking says the file was altered.
    _keystore(tmp_path)
    path = tmp_path / KEYSTORE_FILE
    _swap_keystore_public(path, encode_public(HeldKeys((("inspektorat", 1),))))
    assert Keystore.peek(tmp_path) == HeldKeys((("inspektorat", 1),))  # unauthenticated
    with pytest.raises(MalformedKeyFile, match="damaged or altered"):
        Keystore.open(tmp_path, passphrase=PASS)


def test_a_swapped_vault_public_part_does_not_unlock(tmp_path: Path) -> None:
    _vault(tmp_path)
    path = tmp_path / VAULT_FILE
    fields = msgpack.unpackb(path.read_bytes()[len(VAULT_MAGIC):])
    fields[3] = encode_public(HeldKeys((("bkpsdmd", 1), ("setda", 1))))
    path.write_bytes(VAULT_MAGIC + msgpack.packb(fields))
    with pytest.raises(MalformedKeyFile, match="damaged or altered"):
        _open_vault(tmp_path)


def test_a_public_part_that_lies_is_refused_once_unlocked(tmp_path: Path) -> None:
    # A writer with the key (or a bug) seals a public part that does not say what the
    # content holds: authenticated, but false. Unlocking compares them.
    ks = _keystore(tmp_path)
    path = tmp_path / KEYSTORE_FILE
    sealed, plain = read_sealed(path, KEYSTORE_MAGIC, PASS)
    path.write_bytes(sealed.seal(plain, encode_public(HeldKeys((("diskominfo", 1),)))))
    with pytest.raises(MalformedKeyFile, match="does not match the keys it holds"):
        Keystore.open(tmp_path, passphrase=PASS)
    # The control: the same sealing with the true public part opens.
    path.write_bytes(sealed.seal(plain, encode_public(HeldKeys.of(ks.keys()))))
    assert Keystore.open(tmp_path, passphrase=PASS).keys() == ks.keys()


@pytest.fixture(scope="module")
def one_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("one-key")
    Keystore.create(home, passphrase=PASS, kdf=KdfParams.TEST).generate("setda")
    return home


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_the_clear_part_is_refused(one_key: Path, tmp_path: Path,
                                                 data: st.DataObject) -> None:
    head, public, box = msgpack.unpackb((one_key / KEYSTORE_FILE).read_bytes()[len(FRAMED):])
    where = data.draw(st.integers(0, len(public) - 1), label="byte")
    flip = data.draw(st.integers(1, 255), label="xor")
    changed = bytearray(public)
    changed[where] ^= flip
    path = tmp_path / KEYSTORE_FILE
    path.write_bytes(FRAMED + msgpack.packb([head, bytes(changed), box]))
    os.chmod(path, 0o600)
    with pytest.raises(MalformedKeyFile):
        Keystore.open(tmp_path, passphrase=PASS)


def test_an_old_keystore_opens_and_gains_a_public_part_on_its_next_change(
        tmp_path: Path) -> None:
    ks = _keystore(tmp_path)
    path = tmp_path / KEYSTORE_FILE
    sealed, plain = read_sealed(path, KEYSTORE_MAGIC, PASS)
    path.write_bytes(sealed.seal(plain))  # as sandi wrote it before the public part
    os.chmod(path, 0o600)
    assert path.read_bytes().startswith(KEYSTORE_MAGIC) and KEYSTORE_MAGIC == b"SANDK\x02"
    assert Keystore.peek(tmp_path) is None  # nothing to check early: the prompt decides
    old = Keystore.open(tmp_path, passphrase=PASS)
    assert old.keys() == ks.keys()
    # A new passphrase keeps the file as it was (the public part is the keystore's to make).
    change_passphrase(path, PASS, "baru sekali", KdfParams.TEST)
    assert Keystore.peek(tmp_path) is None
    again = Keystore.open(tmp_path, passphrase="baru sekali")
    again.generate("setda")
    assert path.read_bytes().startswith(FRAMED)
    assert Keystore.peek(tmp_path) == HeldKeys.of(again.keys())


def test_a_new_passphrase_keeps_the_public_part(tmp_path: Path) -> None:
    _keystore(tmp_path)
    before = Keystore.peek(tmp_path)
    change_passphrase(tmp_path / KEYSTORE_FILE, PASS, "baru sekali", KdfParams.TEST)
    assert Keystore.peek(tmp_path) == before
    assert len(Keystore.open(tmp_path, passphrase="baru sekali").keys()) == 3


def test_an_old_vault_opens_and_is_rewritten_with_a_public_part(tmp_path: Path) -> None:
    from sandi.keys import vault as vault_module

    _vault(tmp_path)
    ks = _open_vault(tmp_path)
    path = tmp_path / VAULT_FILE
    # The vault as sandi wrote it before the public part: "SANDV" 0x02, five fields, and
    # the AAD without it.
    agency, generation, slots, _public, _nonce, _box = msgpack.unpackb(
        path.read_bytes()[len(VAULT_MAGIC):])
    vault = ks._storage
    assert isinstance(vault, vault_module.Vault)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    records = [s.record() for s in vault._slots]
    box = AESGCM(vault._vault_key).encrypt(
        nonce, encode_holdings(ks._held), b"SANDV\x02" + msgpack.packb(
            [agency, generation, records], use_bin_type=True))
    path.write_bytes(b"SANDV\x02" + msgpack.packb([agency, generation, slots, nonce, box],
                                                  use_bin_type=True))
    assert Keystore.peek(tmp_path) is None
    reopened = _open_vault(tmp_path)
    assert [k.version for k in reopened.keys(None)] == [1]
    reopened.generate("bkpsdmd")
    assert path.read_bytes().startswith(VAULT_MAGIC)
    assert Keystore.peek(tmp_path) == HeldKeys((("bkpsdmd", 1), ("bkpsdmd", 2)))
    assert len(_open_vault(tmp_path).keys()) == 2


def test_sealed_file_kinds_without_a_public_part_refuse_one() -> None:
    from sandi.errors import InvalidArgument

    sealed = SealedFile.new(b"SANDM\x01", "x", KdfParams.TEST)
    with pytest.raises(InvalidArgument):
        sealed.seal(b"content", b"\x90")
