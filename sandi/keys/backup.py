"""Backup and recovery of a keystore: K-of-N paper shares (SLIP-39) and a sealed blob.

A backup X25519 key pair is made once. Its private half is split with SLIP-39
(``shamir-mnemonic``, the reference implementation) into N shares of 33 words,
any K of which rebuild it; custodians keep them on paper. The home keeps only
the public half (``backup.pub``), so every later backup (after each rotation)
is encrypted to it and a stolen laptop cannot read any backup.

The backup blob ``"SANDB" 0x01 || msgpack [ephemeral X25519 public key, AES-256-GCM
box]`` holds the keystore's key records; the box key is
``HKDF-SHA-256(X25519(eph, backup), salt=eph || backup, info="sandi/v1/backup")``
with a zero nonce (the key is used once). The blob may be copied anywhere.

>>> import os
>>> shares, public = new_backup_key(2, 3)
>>> len(shares), len(shares[0].split())
(3, 33)
>>> key = recover_backup_key(shares[:2]); len(key)
32
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import shamir_mnemonic
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import ZERO_NONCE, aead_open, hkdf
from sandi.crypto.wrap import agree, generate_x25519, x25519_public
from sandi.errors import InvalidArgument, MalformedKeyFile, WrongShares
from sandi.keys.agencykey import AgencyKey, decode_key_records, encode_key_records
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

BACKUP_MAGIC = b"SANDB\x01"
BACKUP_LABEL = b"sandi/v1/backup"
PUBLIC_FILE = "backup.pub"
_MAX = 16 * 1024 * 1024


def new_backup_key(threshold: int, shares: int) -> tuple[list[str], bytes]:
    """A new backup key: its private half as ``shares`` SLIP-39 mnemonics (any
    ``threshold`` of which recover it) and its public half."""
    if not 1 <= threshold <= shares <= 16:
        raise InvalidArgument("need 1 <= threshold <= shares <= 16, got {threshold} of {shares}",
                              threshold=threshold, shares=shares)
    if threshold == 1 and shares > 1:
        raise InvalidArgument("a threshold of 1 with several shares is one secret copied:"
                              " use --threshold 2 or more")
    private, public = generate_x25519()
    groups = shamir_mnemonic.generate_mnemonics(1, [(threshold, shares)], private)
    return list(groups[0]), public


def recover_backup_key(mnemonics: Sequence[str]) -> bytes:
    """The backup private key from enough shares; WrongShares if they do not suffice."""
    try:
        secret: bytes = shamir_mnemonic.combine_mnemonics([" ".join(m.split()) for m in mnemonics])
    except shamir_mnemonic.MnemonicError as exc:
        # The library's message quotes share words; keep them off screens and logs.
        reason = Phrase("too few shares") if "number of mnemonics" in str(exc).lower() else \
            Phrase("a share is mistyped or belongs to another backup")
        raise WrongShares("the shares do not rebuild the backup key: {reason}",
                          reason=reason) from None
    return secret


def _box_key(shared: bytes, eph_pub: bytes, public: bytes) -> bytes:
    return hkdf(shared, salt=eph_pub + public, info=BACKUP_LABEL)


def seal_backup(keys: Sequence[AgencyKey], public: bytes) -> bytes:
    """The backup blob of ``keys``, readable only with the backup private key."""
    eph, eph_pub = generate_x25519()
    box = AESGCM(_box_key(agree(eph, public), eph_pub, public)).encrypt(
        ZERO_NONCE, encode_key_records(list(keys)), BACKUP_MAGIC)
    return BACKUP_MAGIC + pack([eph_pub, box])


def open_backup(blob: bytes, private: bytes) -> list[AgencyKey]:
    """The key records in a backup blob."""
    f = Fields(MalformedKeyFile, Phrase("backup"))
    if not blob.startswith(BACKUP_MAGIC):
        f.fail("not a sandi backup (bad magic)")
    outer = f.record(unpack(blob[len(BACKUP_MAGIC):], MalformedKeyFile, Phrase("backup"), _MAX),
                     "file", 2)
    eph_pub = f.blob(outer[0], "ephemeral key", 32)
    public = x25519_public(private)
    plain = aead_open(_box_key(agree(private, eph_pub), eph_pub, public), ZERO_NONCE,
                      f.blob(outer[1], "box", 16, _MAX), BACKUP_MAGIC, WrongShares,
                      Phrase("backup: these shares belong to another backup key"))
    return decode_key_records(plain)


def write_backup(keystore: Keystore, home: Path | str, blob_path: Path | str) -> None:
    """Write the backup blob of every key in ``keystore`` to the home's backup public key."""
    pub_path = Path(home) / PUBLIC_FILE
    if not pub_path.exists():
        raise InvalidArgument("no backup key yet: run `sandi keys backup --shares N"
                              " --threshold K` first")
    public = pub_path.read_bytes()
    if len(public) != 32:
        raise MalformedKeyFile("{pub_path}: not a backup public key", pub_path=pub_path)
    _fs.atomic_write(blob_path, seal_backup(keystore.keys(), public), overwrite=True,
                     mode=0o600)


def save_backup_public(home: Path | str, public: bytes) -> None:
    """Remember the backup public key in the home."""
    _fs.atomic_write(Path(home) / PUBLIC_FILE, public, overwrite=True, mode=0o644)


def restore(blob: bytes, mnemonics: Sequence[str], home: Path | str, *,
            passphrase: str | bytes, kdf: KdfParams = KdfParams.STANDARD) -> Keystore:
    """Rebuild a keystore in ``home`` (which must have none) from a blob and K shares,
    sealed under ``passphrase`` at Argon2id cost ``kdf``."""
    keys = open_backup(blob, recover_backup_key(mnemonics))
    store = Keystore.create(home, passphrase=passphrase, kdf=kdf)
    store.add_keys(keys)
    return store
