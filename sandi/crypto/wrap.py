"""Wrapping a 32-byte key to one recipient's key version (X25519, or X25519 + ML-KEM-768).

Classical suite: an ephemeral X25519 key (libsodium, through PyNaCl) agrees a
secret with the recipient's X25519 key; HKDF-SHA-256 turns it into a one-time
AES-256-GCM key that encrypts the 32-byte data key. Hybrid suite: the same,
plus an ML-KEM-768 encapsulation, combined X-Wing style (both shared secrets,
the X25519 ciphertext and the recipient's X25519 public key go into the KDF),
so the wrap holds if either primitive holds.

The recipient's name (an agency or member id) and key version are in the KDF
info, so a wrapped key moved to another name or version does not unwrap. The
same construction seals envelope stanzas (:mod:`sandi.envelope.stanzas`) and
vault slots, each under its own labels (:class:`WrapLabels`); an envelope stanza
also binds the envelope's header hash as the AEAD's associated data.

>>> from sandi.crypto.wrap import generate_x25519, wrap_key, unwrap_key
>>> from sandi.crypto.suite import Suite
>>> priv, pub = generate_x25519()
>>> body = wrap_key(bytes(32), Suite.CLASSICAL, "bkpsdmd", 1, pub, None)
>>> unwrap_key(body, Suite.CLASSICAL, "bkpsdmd", 1, priv, None) == bytes(32)
True
"""

from __future__ import annotations

import functools
import secrets
import struct
from typing import NamedTuple

import nacl.bindings
import nacl.exceptions
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import (
    LABEL_WRAP_HYBRID,
    LABEL_WRAP_X25519,
    ZERO_NONCE,
    aead_open,
    hkdf,
)
from sandi.crypto.suite import MLKEM768_CIPHERTEXT_SIZE, X25519_SIZE, Suite
from sandi.errors import WrappedKeyInvalid


class WrapLabels(NamedTuple):
    """The HKDF ``info`` labels of one use of the wrap, one per suite."""

    classical: bytes
    hybrid: bytes

    def of(self, suite: Suite) -> bytes:
        """The label for ``suite``."""
        return self.classical if suite is Suite.CLASSICAL else self.hybrid


#: The wrap labels of format version 1, which vault slots still use (their own format).
WRAP_V1 = WrapLabels(LABEL_WRAP_X25519, LABEL_WRAP_HYBRID)


def generate_x25519() -> tuple[bytes, bytes]:
    """A fresh X25519 key pair as raw (private, public) bytes."""
    private = secrets.token_bytes(32)
    return private, x25519_public(private)


def x25519_public(private: bytes) -> bytes:
    """The public half of a raw X25519 private key (libsodium clamps the scalar)."""
    return nacl.bindings.crypto_scalarmult_base(private)


def _info(label: bytes, agency: str, version: int) -> bytes:
    return label + b"\x00" + agency.encode() + b"\x00" + struct.pack(">I", version)


def agree(private: bytes, public: bytes) -> bytes:
    """X25519 agreement; an all-zero result is refused (WrappedKeyInvalid)."""
    try:
        return nacl.bindings.crypto_scalarmult(private, public)
    except nacl.exceptions.CryptoError:
        # An all-zero shared secret (a low-order point) is refused, as in age.
        raise WrappedKeyInvalid("recipient stanza: invalid X25519 share") from None


@functools.lru_cache(maxsize=4096)
def _mlkem_recipient(public: bytes) -> mlkem.MLKEM768PublicKey:
    # Parsed once per process (a public key from the pola): ~20 us per recipient.
    return mlkem.MLKEM768PublicKey.from_public_bytes(public)


def wrap_key(secret: bytes, suite: Suite, name: str, version: int,
             x25519_pub: bytes, mlkem_pub: bytes | None, *, labels: WrapLabels = WRAP_V1,
             aad: bytes | None = None) -> bytes:
    """Wrap the 32-byte ``secret`` for (name, version) under ``suite``; returns the body:
    ephemeral X25519 share, [ML-KEM-768 ciphertext,] AES-256-GCM sealed secret.

    ``labels`` names the use (an envelope stanza, a vault slot); ``aad`` is bound as
    the AEAD's associated data (an envelope's header hash), and must be given again
    to unwrap."""
    eph, eph_pub = generate_x25519()
    ss_x = agree(eph, x25519_pub)
    info = _info(labels.of(suite), name, version)
    if suite is Suite.CLASSICAL:
        key = hkdf(ss_x, salt=eph_pub + x25519_pub, info=info)
        return eph_pub + AESGCM(key).encrypt(ZERO_NONCE, secret, aad)
    if mlkem_pub is None:
        raise ValueError("hybrid wrap needs an ML-KEM-768 public key")
    ss_m, ct_m = _mlkem_recipient(mlkem_pub).encapsulate()
    key = hkdf(ss_m + ss_x + eph_pub + x25519_pub, salt=b"", info=info)
    return eph_pub + ct_m + AESGCM(key).encrypt(ZERO_NONCE, secret, aad)


def unwrap_key(body: bytes, suite: Suite, name: str, version: int, x25519_priv: bytes,
               mlkem_key: bytes | mlkem.MLKEM768PrivateKey | None,
               x25519_pub: bytes | None = None, *, labels: WrapLabels = WRAP_V1,
               aad: bytes | None = None) -> bytes:
    """Recover the secret :func:`wrap_key` sealed for (name, version); raises
    WrappedKeyInvalid if it does not open.

    ``mlkem_key`` is the ML-KEM-768 private key, or its 64-byte seed (a key held
    already expanded saves ~90 us); ``x25519_pub`` (the public half of
    ``x25519_priv``) saves recomputing it.
    """
    pub = x25519_pub if x25519_pub is not None else x25519_public(x25519_priv)
    eph_pub, rest = body[:X25519_SIZE], body[X25519_SIZE:]
    ss_x = agree(x25519_priv, eph_pub)
    info = _info(labels.of(suite), name, version)
    if suite is Suite.CLASSICAL:
        key = hkdf(ss_x, salt=eph_pub + pub, info=info)
    else:
        if mlkem_key is None:
            raise WrappedKeyInvalid("recipient stanza: hybrid, but our key has no ML-KEM half")
        if isinstance(mlkem_key, bytes):
            mlkem_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_key)
        ct_m, rest = rest[:MLKEM768_CIPHERTEXT_SIZE], rest[MLKEM768_CIPHERTEXT_SIZE:]
        try:
            ss_m = mlkem_key.decapsulate(ct_m)
        except ValueError:
            raise WrappedKeyInvalid("recipient stanza: invalid ML-KEM-768 ciphertext") from None
        key = hkdf(ss_m + ss_x + eph_pub + pub, salt=b"", info=info)
    return aead_open(key, ZERO_NONCE, rest, aad, WrappedKeyInvalid,
                     lambda: Phrase("recipient stanza for {agency} v{version} does not open",
                                    agency=name, version=version))
