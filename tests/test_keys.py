"""The keystore's real Argon2id cost and file hygiene (the rest of the suite lowers the cost)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandi.errors import InsecureKeyFile, WrongPassphrase
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

RFC9106_SECOND = KdfParams(ops=3, mem=64 * 1024 * 1024)  # RFC 9106, section 4, option 2


def test_default_kdf_cost_is_strong(tmp_path: Path) -> None:
    assert not KdfParams.STANDARD.below(RFC9106_SECOND)
    store = Keystore.create(tmp_path, passphrase="frasa sandi yang panjang sekali")
    assert store.kdf == KdfParams.STANDARD
    store.generate("setda")
    path = tmp_path / "keystore.sandi"
    assert path.stat().st_mode & 0o777 == 0o600
    assert Keystore.open(tmp_path, passphrase="frasa sandi yang panjang sekali").agencies() == [
        "setda"]
    with pytest.raises(WrongPassphrase):
        Keystore.open(tmp_path, passphrase="frasa sandi yang salah")
    os.chmod(path, 0o644)
    with pytest.raises(InsecureKeyFile, match="chmod 600"):
        Keystore.open(tmp_path, passphrase="frasa sandi yang panjang sekali")


def test_secrets_stay_out_of_reprs(tmp_path: Path) -> None:
    store = Keystore.create(tmp_path, passphrase="p", kdf=KdfParams.TEST)
    key = store.generate("setda", pq=True)
    for text in (repr(key), repr(store), repr(store.identity("setda")), repr(key.signing_key())):
        assert key.ed25519.hex() not in text and key.x25519.hex() not in text
