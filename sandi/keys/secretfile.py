"""Passphrase-sealed files: the keystore, members' personal keys, custodians' keys.

Layout: ``magic (6 bytes) || msgpack [head, box]`` where ``head`` is the
canonical msgpack map ``{check, mem, nonce, ops, salt}``. The passphrase and
``salt`` give a 32-byte key by Argon2id (``ops`` passes over ``mem`` bytes);
``HKDF(key, info="sandi/v1/keystore")`` encrypts the content with AES-256-GCM
under ``nonce`` with AAD ``magic || head``; ``check`` is the first 16 bytes of
``HKDF(key, info="sandi/v1/keystore/check")`` and tells a wrong passphrase
(``WrongPassphrase``) from a damaged file (``MalformedKeyFile``).

A keystore also has a *public part* in the clear, readable without the passphrase
(:func:`read_public`): ``"SANDK" 0x03 || msgpack [head, public, box]``, where the AAD
is ``"SANDK" 0x03 || msgpack [head, public]``, so the public part is authenticated
with the content. Its meaning is the keystore's (:mod:`sandi.keys.holdings`); here it
is bytes. A ``"SANDK" 0x02`` keystore (before the public part) is still read, and is
written with one on its next change.

The Argon2id cost is a parameter of every function that makes a key file, with
a documented default for each kind of file (:class:`KdfParams`); it is stored in
the file, so :func:`change_passphrase` can raise it later.

>>> params = KdfParams.STANDARD
>>> str(params), KdfParams(ops=2, mem=19 * 1024 * 1024).below(params)
('64 MiB x 3', True)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl import pwhash

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import LABEL_KEYSTORE, LABEL_KEYSTORE_CHECK, aead_open, hkdf, same
from sandi.errors import FileUnreadable, InvalidArgument, MalformedKeyFile, WrongPassphrase

MAX_SECRET_FILE = 16 * 1024 * 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: ``ops`` passes over ``mem`` bytes (one lane, libsodium).

    ``STANDARD`` (keystores, members' personal keys) is RFC 9106's second recommended
    setting, 64 MiB and 3 passes; ``CUSTODIAN`` (an authority custodian's key, which
    signs the pola for a whole government) is 1 GiB and 3 passes. ``TEST`` is for test
    suites only: it protects nothing.
    """

    ops: int
    mem: int

    STANDARD: ClassVar[KdfParams]
    CUSTODIAN: ClassVar[KdfParams]
    TEST: ClassVar[KdfParams]

    def __str__(self) -> str:
        size = f"{self.mem // _MIB} MiB" if self.mem >= _MIB else f"{self.mem // 1024} KiB"
        return f"{size} x {self.ops}"

    def check(self) -> None:
        """Refuse costs outside what libsodium accepts or what would exhaust memory."""
        if not 1 <= self.ops <= 16 or not 8192 <= self.mem <= 2**30:
            raise MalformedKeyFile("key file: Argon2id cost ops={ops} mem={mem} is out of range",
                                   ops=self.ops, mem=self.mem)

    def below(self, floor: KdfParams) -> bool:
        """Whether this cost is weaker than ``floor``: less memory, or less work in all
        (passes x memory). Memory is what makes guessing expensive on GPUs, so more
        passes never make up for less of it."""
        return self.mem < floor.mem or self.ops * self.mem < floor.ops * floor.mem


KdfParams.STANDARD = KdfParams(ops=3, mem=64 * _MIB)
KdfParams.CUSTODIAN = KdfParams(ops=3, mem=1024 * _MIB)
KdfParams.TEST = KdfParams(ops=1, mem=8192)


def _derive(passphrase: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    secret = passphrase.encode() if isinstance(passphrase, str) else passphrase
    if not secret:
        raise InvalidArgument("the passphrase is empty")
    return pwhash.argon2id.kdf(32, secret, salt, opslimit=params.ops, memlimit=params.mem)


class SealedFile:
    """A key derived from a passphrase, and the file framing that uses it."""

    #: The public part of the file last read (authenticated), or None if it has none.
    public: bytes | None = None

    def __init__(self, magic: bytes, master: bytes, salt: bytes, params: KdfParams) -> None:
        self._magic = magic
        self._master = master
        self._salt = salt
        self._params = params

    def __repr__(self) -> str:
        return "SealedFile(<secret>)"

    @property
    def params(self) -> KdfParams:
        """The Argon2id cost that protects this file."""
        return self._params

    @classmethod
    def new(cls, magic: bytes, passphrase: str | bytes, params: KdfParams) -> SealedFile:
        """A fresh salt and the key it gives."""
        params.check()
        salt = secrets.token_bytes(16)
        return cls(magic, _derive(passphrase, salt, params), salt, params)

    @classmethod
    def unlock(cls, magic: bytes, data: bytes, passphrase: str | bytes,
               where: str) -> tuple[SealedFile, bytes]:
        """Derive the key from ``passphrase`` and decrypt ``data``."""
        fields, box = _parse(magic, data, where)
        params = KdfParams(fields["ops"], fields["mem"])
        sealed = cls(magic, _derive(passphrase, fields["salt"], params), fields["salt"], params)
        sealed.public = fields["public"]
        # The check value tells a wrong passphrase apart from a damaged file
        # without weakening anything: it is another HKDF output of the same key.
        if not same(sealed._check(), fields["check"]):
            raise WrongPassphrase("the passphrase does not unlock {where}", where=where)
        return sealed, sealed._decrypt(fields, box, where)

    def reopen(self, data: bytes, where: str) -> bytes:
        """Decrypt a newer version of the same file with the key already derived."""
        fields, box = _parse(self._magic, data, where)
        if fields["salt"] != self._salt:
            raise MalformedKeyFile("{where}: its passphrase was changed meanwhile; run the "
                                   "command again", where=where)
        plain = self._decrypt(fields, box, where)
        self.public = fields["public"]
        return plain

    def seal(self, plaintext: bytes, public: bytes | None = None) -> bytes:
        """The file bytes for ``plaintext`` (a fresh nonce each time), with the clear
        ``public`` part (a keystore's only) authenticated beside it."""
        nonce = secrets.token_bytes(12)
        head = pack({"salt": self._salt, "ops": self._params.ops, "mem": self._params.mem,
                     "nonce": nonce, "check": self._check()})
        magic, aad = _framing(self._magic, head, public)
        box = AESGCM(hkdf(self._master, salt=b"", info=LABEL_KEYSTORE)).encrypt(
            nonce, plaintext, aad)
        return magic + pack([head, box] if public is None else [head, public, box])

    def _check(self) -> bytes:
        return hkdf(self._master, salt=b"", info=LABEL_KEYSTORE_CHECK)[:16]

    def _decrypt(self, fields: dict[str, Any], box: bytes, where: str) -> bytes:
        _, aad = _framing(self._magic, fields["head"], fields["public"])
        return aead_open(hkdf(self._master, salt=b"", info=LABEL_KEYSTORE), fields["nonce"], box,
                         aad, MalformedKeyFile,
                         Phrase("{where}: the passphrase is right but the file was damaged or"
                                " altered", where=where))


#: Kinds of file that may carry a public part: their magic, and the magic of the file
#: with one (``"SANDK" 0x02`` -> ``0x03``).
_WITH_PUBLIC = {b"SANDK\x02": b"SANDK\x03"}
MAX_PUBLIC = 1024 * 1024


def _framing(magic: bytes, head: bytes, public: bytes | None) -> tuple[bytes, bytes]:
    """The magic a file of kind ``magic`` is written under, and its box's AAD."""
    if public is None:
        return magic, magic + head
    if magic not in _WITH_PUBLIC:
        raise InvalidArgument("this kind of key file has no public part")
    framed = _WITH_PUBLIC[magic]
    return framed, framed + pack([head, public])


def _parse(magic: bytes, data: bytes, where: str) -> tuple[dict[str, Any], bytes]:
    """The head's fields (with ``head``, its bytes, and ``public``, the clear public part
    or None) and the box of a file of kind ``magic``."""
    framed = _WITH_PUBLIC.get(magic)
    public = framed is not None and data.startswith(framed)
    if not public and not data.startswith(magic):
        raise MalformedKeyFile("{where}: not a sandi key file of this kind", where=where)
    f = Fields(MalformedKeyFile, where)
    outer = f.record(unpack(data[len(magic):], MalformedKeyFile, where, MAX_SECRET_FILE),
                     "file", 3 if public else 2)
    box = outer[-1]
    head = f.blob(outer[0], "head", 1, 4096)
    fields = f.map(unpack(head, MalformedKeyFile, Phrase("{where} head", where=where), 4096),
                   "head", {"salt", "ops", "mem", "nonce", "check"})
    f.blob(fields["salt"], "salt", 16)
    f.blob(fields["nonce"], "nonce", 12)
    f.blob(fields["check"], "check", 16)
    KdfParams(f.integer(fields["ops"], "ops", 0, 2**32),
              f.integer(fields["mem"], "mem", 0, 2**40)).check()
    fields["head"] = head
    fields["public"] = f.blob(outer[1], "public part", 1, MAX_PUBLIC) if public else None
    return fields, f.blob(box, "box", 16, MAX_SECRET_FILE)


def read_public(path: Path, magic: bytes) -> bytes | None:
    """The clear public part of the key file at ``path`` (None if it has none), without
    the passphrase: *unauthenticated* until the file is unlocked."""
    try:
        data = _fs.read_private(path)
    except OSError as exc:
        raise FileUnreadable("cannot read {path}: {reason}", path=path,
                             reason=_fs.os_reason(exc, reading=True)) from None
    public: bytes | None = _parse(magic, data, str(path))[0]["public"]
    return public


def read_sealed(path: Path, magic: bytes, passphrase: str | bytes) -> tuple[SealedFile, bytes]:
    """Read (refusing loose permissions) and unlock a sealed file."""
    try:
        data = _fs.read_private(path)
    except OSError as exc:  # missing, a directory, permission denied, an I/O error
        raise FileUnreadable("cannot read {path}: {reason}", path=path,
                             reason=_fs.os_reason(exc, reading=True)) from None
    return SealedFile.unlock(magic, data, passphrase, str(path))


def lock_path(path: Path) -> Path:
    """The lock file beside a key file (``keystore.sandi`` -> ``keystore.lock``)."""
    return path.with_suffix(".lock")


@dataclass(frozen=True)
class SealedKind:
    """A kind of passphrase-sealed file: its magic, its name, and the lowest Argon2id
    cost sandi accepts for it without a warning."""

    magic: bytes
    name: Phrase
    floor: KdfParams


KEYSTORE = SealedKind(b"SANDK\x02", Phrase("keystore"), KdfParams.STANDARD)
MEMBER_KEY = SealedKind(b"SANDM\x01", Phrase("member key"), KdfParams.STANDARD)
CUSTODIAN_KEY = SealedKind(b"SANDA\x01", Phrase("custodian key"), KdfParams.CUSTODIAN)
_KINDS = {kind.magic: kind for kind in (KEYSTORE, MEMBER_KEY, CUSTODIAN_KEY)}
_KINDS.update({framed: _KINDS[magic] for magic, framed in _WITH_PUBLIC.items()})


@dataclass(frozen=True)
class KeyFileCost:
    """What protects a key file: its kind, its Argon2id cost, and the floor for its kind."""

    kind: SealedKind
    cost: KdfParams

    @property
    def below_floor(self) -> bool:
        """Whether the cost is below the floor of its kind (``keys passwd`` raises it)."""
        return self.cost.below(self.kind.floor)


def key_file_cost(path: str | os.PathLike[str]) -> KeyFileCost:
    """The kind and Argon2id cost of a key file, read from its clear head (no passphrase)."""
    path = Path(path)
    try:
        data = _fs.read_private(path)
    except OSError as exc:
        raise FileUnreadable("cannot read {path}: {reason}", path=path,
                             reason=_fs.os_reason(exc, reading=True)) from None
    kind = _KINDS.get(data[:6])
    if kind is None:
        raise MalformedKeyFile("{where}: not a sandi key file of this kind", where=str(path))
    fields, _ = _parse(kind.magic, data, str(path))
    return KeyFileCost(kind, KdfParams(fields["ops"], fields["mem"]))


def change_passphrase(path: str | os.PathLike[str], old: str | bytes, new: str | bytes,
                      kdf: KdfParams | None = None) -> tuple[KdfParams, KdfParams]:
    """Re-seal the key file at ``path`` (a keystore, a member's or a custodian's key)
    under a ``new`` passphrase at cost ``kdf`` (default: the floor of its kind), never
    below the file's present cost; returns (old cost, new cost).

    Under the file's lock: the content is re-read, decrypted with ``old`` (WrongPassphrase
    otherwise) and replaced atomically with a fresh salt, so a crash leaves the old file
    or the new one, and a process holding the old key sees the change and stops.
    """
    path = Path(path)
    kind = key_file_cost(path).kind
    want = kind.floor if kdf is None else kdf
    with _fs.locked(lock_path(path)):
        before, plain = read_sealed(path, kind.magic, old)
        cost = KdfParams(max(want.ops, before.params.ops), max(want.mem, before.params.mem))
        sealed = SealedFile.new(kind.magic, new, cost)
        # The public part goes over as it was (it was authenticated by the old key).
        _fs.atomic_write(path, sealed.seal(plain, before.public), overwrite=True, mode=0o600)
    return before.params, cost
