"""Passphrase-sealed files: the keystore and the authority custodians' key files.

Layout: ``magic (6 bytes) || msgpack [head, box]`` where ``head`` is the
canonical msgpack map ``{check, mem, nonce, ops, salt}``. The passphrase and
``salt`` give a 32-byte key by Argon2id (``ops`` passes over ``mem`` bytes);
``HKDF(key, info="sandi/v1/keystore")`` encrypts the content with AES-256-GCM
under ``nonce`` with AAD ``magic || head``; ``check`` is the first 16 bytes of
``HKDF(key, info="sandi/v1/keystore/check")`` and tells a wrong passphrase
(``WrongPassphrase``) from a damaged file (``MalformedKeyFile``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl import pwhash

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import LABEL_KEYSTORE, LABEL_KEYSTORE_CHECK, aead_open, hkdf, same
from sandi.errors import InvalidArgument, MalformedKeyFile, WrongPassphrase

MAX_SECRET_FILE = 16 * 1024 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: ``ops`` passes over ``mem`` bytes."""

    ops: int
    mem: int

    def check(self) -> None:
        """Refuse costs outside what libsodium accepts or what would exhaust memory."""
        if not 1 <= self.ops <= 16 or not 8192 <= self.mem <= 2**30:
            raise MalformedKeyFile("key file: Argon2id cost ops={ops} mem={mem} is out of range",
                                   ops=self.ops, mem=self.mem)


def _derive(passphrase: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    if not secret:
        raise InvalidArgument("the passphrase is empty")
    return pwhash.argon2id.kdf(32, secret, salt, opslimit=params.ops, memlimit=params.mem)


class SealedFile:
    """A key derived from a passphrase, and the file framing that uses it."""

    def __init__(self, magic: bytes, master: bytes, salt: bytes, params: KdfParams) -> None:
        self._magic = magic
        self._master = master
        self._salt = salt
        self._params = params

    def __repr__(self) -> str:
        return "SealedFile(<secret>)"

    @classmethod
    def new(cls, magic: bytes, passphrase: str | bytes, params: KdfParams) -> SealedFile:
        """A fresh salt and the key it gives."""
        salt = secrets.token_bytes(16)
        return cls(magic, _derive(passphrase, salt, params), salt, params)

    @classmethod
    def unlock(cls, magic: bytes, data: bytes, passphrase: str | bytes,
               where: str) -> tuple[SealedFile, bytes]:
        """Derive the key from ``passphrase`` and decrypt ``data``."""
        fields, box = _parse(magic, data, where)
        params = KdfParams(fields["ops"], fields["mem"])
        sealed = cls(magic, _derive(passphrase, fields["salt"], params), fields["salt"], params)
        # The check value tells a wrong passphrase apart from a damaged file
        # without weakening anything: it is another HKDF output of the same key.
        if not same(sealed._check(), fields["check"]):
            raise WrongPassphrase("the passphrase does not unlock {where}", where=where)
        return sealed, sealed._decrypt(fields, box, where)

    def reopen(self, data: bytes, where: str) -> bytes:
        """Decrypt a newer version of the same file with the key already derived."""
        fields, box = _parse(self._magic, data, where)
        if fields["salt"] != self._salt:
            raise MalformedKeyFile("{where}: the file was replaced by another one", where=where)
        return self._decrypt(fields, box, where)

    def seal(self, plaintext: bytes) -> bytes:
        """The file bytes for ``plaintext`` (a fresh nonce each time)."""
        nonce = secrets.token_bytes(12)
        head = pack({"salt": self._salt, "ops": self._params.ops, "mem": self._params.mem,
                     "nonce": nonce, "check": self._check()})
        box = AESGCM(hkdf(self._master, salt=b"", info=LABEL_KEYSTORE)).encrypt(
            nonce, plaintext, self._magic + head)
        return self._magic + pack([head, box])

    def _check(self) -> bytes:
        return hkdf(self._master, salt=b"", info=LABEL_KEYSTORE_CHECK)[:16]

    def _decrypt(self, fields: dict[str, Any], box: bytes, where: str) -> bytes:
        return aead_open(hkdf(self._master, salt=b"", info=LABEL_KEYSTORE), fields["nonce"], box,
                         self._magic + fields["head"], MalformedKeyFile,
                         Phrase("{where}: the passphrase is right but the file was damaged or"
                                " altered", where=where))


def _parse(magic: bytes, data: bytes, where: str) -> tuple[dict[str, Any], bytes]:
    if not data.startswith(magic):
        raise MalformedKeyFile("{where}: not a sandi key file of this kind", where=where)
    f = Fields(MalformedKeyFile, where)
    outer = f.record(unpack(data[len(magic):], MalformedKeyFile, where, MAX_SECRET_FILE),
                     "file", 2)
    head = f.blob(outer[0], "head", 1, 4096)
    fields = f.map(unpack(head, MalformedKeyFile, Phrase("{where} head", where=where), 4096),
                   "head", {"salt", "ops", "mem", "nonce", "check"})
    f.blob(fields["salt"], "salt", 16)
    f.blob(fields["nonce"], "nonce", 12)
    f.blob(fields["check"], "check", 16)
    KdfParams(f.integer(fields["ops"], "ops", 0, 2**32),
              f.integer(fields["mem"], "mem", 0, 2**40)).check()
    fields["head"] = head
    return fields, f.blob(outer[1], "box", 16, MAX_SECRET_FILE)


def read_sealed(path: Path, magic: bytes, passphrase: str | bytes) -> tuple[SealedFile, bytes]:
    """Read (refusing loose permissions) and unlock a sealed file."""
    return SealedFile.unlock(magic, _fs.read_private(path), passphrase, str(path))
