"""Where a keystore's holdings live: the passphrase file, or a members' vault.

A :class:`Storage` is what :class:`sandi.keys.keystore.Keystore` reads and writes
through; it never decides what changes. Every change follows one protocol, so two
processes can never lose each other's update: take the storage's lock, ``load``
what is on disk now, apply the change, ``save``. ``save`` is a compare-and-swap:
it refuses if the file is no longer the one ``load`` read (a writer that ignored
the lock), and it replaces the file atomically.

This module holds the protocol and the passphrase file (``keystore.sandi``,
``"SANDK" 0x03`` sealed by :mod:`sandi.keys.secretfile`, its public part beside the
box; ``0x02`` files, without one, are read and rewritten with one on their next
change); the vault is :class:`sandi.keys.vault.Vault`.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sandi._internal import fs as _fs
from sandi.errors import FileUnreadable, KeystoreExists, StorageError
from sandi.keys.agencykey import AgencyKey
from sandi.keys.holdings import (
    HeldKeys,
    Holdings,
    check_public,
    decode_holdings,
    decode_public,
    encode_holdings,
    encode_public,
)
from sandi.keys.secretfile import (
    KEYSTORE,
    KdfParams,
    SealedFile,
    lock_path,
    read_public,
    read_sealed,
)

KEYSTORE_FILE = "keystore.sandi"
KEYSTORE_MAGIC = KEYSTORE.magic


class Storage(Protocol):
    """The file a keystore's holdings live in (see the module docstring)."""

    @property
    def path(self) -> Path:
        """The file."""

    @property
    def kdf(self) -> KdfParams:
        """The Argon2id cost of the passphrase that unlocked it."""

    @property
    def member(self) -> AgencyKey | None:
        """The personal key of the official who unlocked it (a vault), else None."""

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """The exclusive lock every change holds."""

    def load(self) -> Holdings:
        """What the file holds now (call with the lock held)."""

    def save(self, held: Holdings) -> None:
        """Replace the file's holdings, if it is still the one loaded (lock held)."""


def digest(data: bytes) -> bytes:
    """What compare-and-swap compares: the SHA-256 of a whole file."""
    return hashlib.sha256(data).digest()


def check_unchanged(path: Path, loaded: bytes | None) -> None:
    """Refuse to replace ``path`` unless it still has the digest ``loaded``."""
    try:
        now = digest(_fs.read_private(path)) if path.exists() else None
    except OSError as exc:
        raise _fs.storage_error(exc, path) from None
    if now != loaded:
        raise StorageError("cannot write {path}: another program changed it meanwhile without "
                           "sandi's lock; nothing was written", path=path)


class PassphraseFile:
    """``keystore.sandi``: the holdings sealed under one passphrase."""

    member: AgencyKey | None = None

    def __init__(self, path: Path, sealed: SealedFile, loaded: bytes | None) -> None:
        self._path = path
        self._sealed = sealed
        self._loaded = loaded

    @property
    def path(self) -> Path:
        """The keystore file."""
        return self._path

    @property
    def kdf(self) -> KdfParams:
        """The Argon2id cost of its passphrase."""
        return self._sealed.params

    @classmethod
    def create(cls, home: Path, passphrase: str | bytes, kdf: KdfParams) -> PassphraseFile:
        """A new, empty keystore file in ``home`` (created 0700 if missing)."""
        path = home / KEYSTORE_FILE
        if path.exists():
            raise KeystoreExists("{path} already exists", path=path)
        try:
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise _fs.storage_error(exc, home) from None
        made = cls(path, SealedFile.new(KEYSTORE_MAGIC, passphrase, kdf), None)
        with made.lock():
            made.save(Holdings(()))
        return made

    @classmethod
    def unlock(cls, path: Path, passphrase: str | bytes) -> tuple[PassphraseFile, Holdings]:
        """Open ``path`` with ``passphrase`` (WrongPassphrase if it does not)."""
        sealed, plain = read_sealed(path, KEYSTORE_MAGIC, passphrase)
        opened = cls(path, sealed, None)
        return opened, _checked(sealed, plain, path)

    @staticmethod
    def peek(path: Path) -> HeldKeys | None:
        """The public part of ``path``, unauthenticated; None for a file without one."""
        public = read_public(path, KEYSTORE_MAGIC)
        return None if public is None else decode_public(public, str(path))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """``keystore.lock`` beside the file (the lock ``keys passwd`` takes too)."""
        with _fs.locked(lock_path(self._path)):
            yield

    def load(self) -> Holdings:
        """Re-read the file with the key derived at unlock."""
        try:
            data = _fs.read_private(self._path)
        except OSError as exc:
            raise FileUnreadable("cannot read {path}: {reason}", path=self._path,
                                 reason=_fs.os_reason(exc, reading=True)) from None
        self._loaded = digest(data)
        return _checked(self._sealed, self._sealed.reopen(data, str(self._path)), self._path)

    def save(self, held: Holdings) -> None:
        """Seal and replace (compare-and-swap against what :meth:`load` read), the public
        part beside the box in the same file: one atomic replace writes both."""
        check_unchanged(self._path, self._loaded)
        data = self._sealed.seal(encode_holdings(held), encode_public(HeldKeys.of(held.keys)))
        _fs.atomic_write(self._path, data, overwrite=self._loaded is not None, mode=0o600)
        self._loaded = digest(data)


def _checked(sealed: SealedFile, plain: bytes, path: Path) -> Holdings:
    held = decode_holdings(plain)
    check_public(sealed.public, held, str(path))
    return held
