"""The keystore's real Argon2id cost and file hygiene (the rest of the suite lowers the cost)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sandi.keys.keystore
from sandi.errors import InsecureKeyFile, WrongPassphrase
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

OWASP = KdfParams(ops=2, mem=19 * 1024 * 1024)  # OWASP's recommended Argon2id minimum


def test_default_kdf_cost_is_strong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the autouse fast-KDF patch: use the shipped default
    default = sandi.keys.keystore.KDF_DEFAULT
    assert default.mem >= OWASP.mem and default.ops >= OWASP.ops
    store = Keystore.create(tmp_path, passphrase="frasa sandi yang panjang sekali")
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
    store = Keystore.create(tmp_path, passphrase="p")
    key = store.generate("setda", pq=True)
    for text in (repr(key), repr(store), repr(store.identity("setda")), repr(key.signing_key())):
        assert key.ed25519.hex() not in text and key.x25519.hex() not in text
