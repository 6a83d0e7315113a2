"""Backup and recovery of a keystore: K-of-N paper shares (SLIP-39) and a sealed blob.

A backup key is a random 32-byte seed, split with SLIP-39 (``shamir-mnemonic``, the
reference implementation) into N shares of 33 words, any K of which rebuild it;
custodians keep them on paper. From the seed come an X25519 key and an ML-KEM-768 key
(``HKDF-SHA-256(seed, info="sandi/v2/backup-seed/x25519")`` and ``.../ml-kem``, 64 bytes),
so the backup is hybrid: a harvested blob does not fall to a future quantum computer.
The keystore keeps only the public halves (:class:`sandi.keys.holdings.BackupKey`),
inside its sealed file, so nobody who can merely write the home can swap in a key of
their own and receive every private key in the next backup; each backup shows the
key's fingerprint, which the custodians wrote beside their shares.

Blob: ``"SANDB" 0x02 || msgpack [fingerprint, wrapped file key, box]``. A fresh
32-byte file key is wrapped to the backup key exactly as an envelope stanza is
(X25519 + ML-KEM-768), under the label ``sandi/v2/backup``; ``box`` is AES-256-GCM of
the key records under the file key with a zero nonce (the key is used once) and AAD
``"SANDB" 0x02 || wrapped file key``. The blob may be copied anywhere.

>>> shares, public = new_backup_key(2, 3)
>>> len(shares), len(shares[0].split())
(3, 33)
>>> backup_public(recover_backup_key(shares[:2])) == public
True
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence

import shamir_mnemonic
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import ZERO_NONCE, aead_open, hkdf
from sandi.crypto.suite import KEY_SIZE, MLKEM768_SEED_SIZE, Suite
from sandi.crypto.wrap import WrapLabels, unwrap_key, wrap_key, x25519_public
from sandi.errors import InvalidArgument, MalformedKeyFile, WrongShares
from sandi.keys.agencykey import AgencyKey, decode_key_records, encode_key_records
from sandi.keys.holdings import BackupKey
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

BACKUP_MAGIC = b"SANDB\x02"
BACKUP_LABEL = b"sandi/v2/backup"
BACKUP_LABELS = WrapLabels(BACKUP_LABEL + b"/x25519", BACKUP_LABEL + b"/mlkem768x25519")
_X25519_LABEL = b"sandi/v2/backup-seed/x25519"
_MLKEM_LABEL = b"sandi/v2/backup-seed/ml-kem"
_NAME = "backup"  # the recipient name in the wrap's KDF info
_MAX = 16 * 1024 * 1024


def _halves(seed: bytes) -> tuple[bytes, bytes]:
    """The X25519 private key and the ML-KEM-768 seed of a backup key."""
    return (hkdf(seed, salt=b"", info=_X25519_LABEL),
            hkdf(seed, salt=b"", info=_MLKEM_LABEL, length=MLKEM768_SEED_SIZE))


def backup_public(seed: bytes) -> BackupKey:
    """The public half of the backup key whose seed is ``seed``."""
    x_priv, kem_seed = _halves(seed)
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(kem_seed).public_key().public_bytes_raw()
    return BackupKey(x25519_public(x_priv), kem)


def new_backup_key(threshold: int, shares: int) -> tuple[list[str], BackupKey]:
    """A new backup key: its seed as ``shares`` SLIP-39 mnemonics (any ``threshold`` of
    which recover it) and its public half. Nothing is stored: keep the public half
    (:meth:`Keystore.set_backup_key`) only once the shares are written down."""
    if not 1 <= threshold <= shares <= 16:
        raise InvalidArgument("need 1 <= threshold <= shares <= 16, got {threshold} of {shares}",
                              threshold=threshold, shares=shares)
    if threshold == 1 and shares > 1:
        raise InvalidArgument("a threshold of 1 with several shares is one secret copied:"
                              " use --threshold 2 or more")
    seed = secrets.token_bytes(KEY_SIZE)
    groups = shamir_mnemonic.generate_mnemonics(1, [(threshold, shares)], seed)
    return list(groups[0]), backup_public(seed)


def recover_backup_key(mnemonics: Sequence[str]) -> bytes:
    """The backup key's seed from enough shares; WrongShares if they do not suffice."""
    try:
        secret: bytes = shamir_mnemonic.combine_mnemonics([" ".join(m.split()) for m in mnemonics])
    except shamir_mnemonic.MnemonicError as exc:
        # The library's message quotes share words; keep them off screens and logs.
        reason = Phrase("too few shares") if "number of mnemonics" in str(exc).lower() else \
            Phrase("a share is mistyped or belongs to another backup")
        raise WrongShares("the shares do not rebuild the backup key: {reason}",
                          reason=reason) from None
    return secret


def seal_backup(keys: Sequence[AgencyKey], public: BackupKey) -> bytes:
    """The backup blob of ``keys``, readable only with the backup key's shares."""
    file_key = secrets.token_bytes(KEY_SIZE)
    wrapped = wrap_key(file_key, Suite.HYBRID, _NAME, 1, public.x25519, public.mlkem,
                       labels=BACKUP_LABELS)
    box = AESGCM(file_key).encrypt(ZERO_NONCE, encode_key_records(list(keys)),
                                   BACKUP_MAGIC + wrapped)
    return BACKUP_MAGIC + pack([public.fingerprint(), wrapped, box])


def backup_fingerprint(blob: bytes) -> str:
    """The fingerprint of the backup key a blob was sealed to (no shares needed)."""
    return _parse(blob)[0]


def _parse(blob: bytes) -> tuple[str, bytes, bytes]:
    f = Fields(MalformedKeyFile, Phrase("backup"))
    if not blob.startswith(BACKUP_MAGIC):
        f.fail("not a sandi backup of this version")
    outer = f.record(unpack(blob[len(BACKUP_MAGIC):], MalformedKeyFile, Phrase("backup"), _MAX),
                     "file", 3)
    return (f.text(outer[0], "fingerprint", 64),
            f.blob(outer[1], "wrapped key", Suite.HYBRID.stanza_body_len),
            f.blob(outer[2], "box", 16, _MAX))


def open_backup(blob: bytes, seed: bytes) -> list[AgencyKey]:
    """The key records in a backup blob, with the backup key's seed."""
    fingerprint, wrapped, box = _parse(blob)
    public = backup_public(seed)
    if fingerprint != public.fingerprint():
        raise WrongShares("backup: these shares rebuild backup key {theirs}, but the file was "
                          "sealed to {ours}", theirs=public.fingerprint(), ours=fingerprint)
    x_priv, kem_seed = _halves(seed)
    file_key = unwrap_key(wrapped, Suite.HYBRID, _NAME, 1, x_priv, kem_seed, public.x25519,
                          labels=BACKUP_LABELS)
    plain = aead_open(file_key, ZERO_NONCE, box, BACKUP_MAGIC + wrapped, MalformedKeyFile,
                      Phrase("backup: the file was damaged or altered"))
    return decode_key_records(plain)


def write_backup(keystore: Keystore, blob_path: str | os.PathLike[str]) -> BackupKey:
    """Write the backup blob of every key in ``keystore`` to its backup key; returns
    that key (show its fingerprint)."""
    public = keystore.backup_key
    if public is None:
        raise InvalidArgument("no backup key yet: run `sandi keys backup --shares N"
                              " --threshold K` first")
    _fs.atomic_write(blob_path, seal_backup(keystore.keys(), public), overwrite=True,
                     mode=0o600)
    return public


def restore(blob: bytes, mnemonics: Sequence[str], home: str | os.PathLike[str], *,
            passphrase: str | bytes, kdf: KdfParams = KdfParams.STANDARD) -> Keystore:
    """Rebuild a keystore in ``home`` (which must have none) from a blob and K shares,
    sealed under ``passphrase`` at Argon2id cost ``kdf``; later backups go to the same
    backup key."""
    seed = recover_backup_key(mnemonics)
    keys = open_backup(blob, seed)
    store = Keystore.create(home, passphrase=passphrase, kdf=kdf)
    store.add_keys(keys)
    store.set_backup_key(backup_public(seed))
    return store
