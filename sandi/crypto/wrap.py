"""Wrapping a document's data key to one recipient agency's key version.

Classical suite: an ephemeral X25519 key (libsodium, through PyNaCl) agrees a
secret with the recipient's X25519 key; HKDF-SHA-256 turns it into a one-time
AES-256-GCM key that encrypts the 32-byte data key. Hybrid suite: the same,
plus an ML-KEM-768 encapsulation, combined X-Wing style (both shared secrets,
the X25519 ciphertext and the recipient's X25519 public key go into the KDF),
so the wrap holds if either primitive holds.

The recipient agency id and key version are in the KDF info, so a stanza moved
to another name or version does not unwrap.

>>> from sandi.crypto.wrap import generate_x25519, wrap, unwrap
>>> from sandi.envelope.format import Suite
>>> priv, pub = generate_x25519()
>>> s = wrap(bytes(32), Suite.CLASSICAL, "bkpsdmd", 1, pub, None)
>>> unwrap(s, Suite.CLASSICAL, priv, None) == bytes(32)
True
"""

from __future__ import annotations

import functools
import secrets
import struct

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
from sandi.envelope.format import Stanza, Suite
from sandi.errors import WrappedKeyInvalid

_MLKEM_CT = 1088


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


def wrap(data_key: bytes, suite: Suite, agency: str, version: int,
         x25519_pub: bytes, mlkem_pub: bytes | None) -> Stanza:
    """Wrap ``data_key`` for (agency, version) under ``suite``."""
    eph, eph_pub = generate_x25519()
    ss_x = agree(eph, x25519_pub)
    if suite is Suite.CLASSICAL:
        key = hkdf(ss_x, salt=eph_pub + x25519_pub, info=_info(LABEL_WRAP_X25519, agency, version))
        body = eph_pub + AESGCM(key).encrypt(ZERO_NONCE, data_key, None)
        return Stanza(agency, version, body)
    if mlkem_pub is None:
        raise ValueError("hybrid wrap needs an ML-KEM-768 public key")
    ss_m, ct_m = _mlkem_recipient(mlkem_pub).encapsulate()
    key = hkdf(ss_m + ss_x + eph_pub + x25519_pub, salt=b"",
               info=_info(LABEL_WRAP_HYBRID, agency, version))
    body = eph_pub + ct_m + AESGCM(key).encrypt(ZERO_NONCE, data_key, None)
    return Stanza(agency, version, body)


def unwrap(stanza: Stanza, suite: Suite, x25519_priv: bytes,
           mlkem_key: bytes | mlkem.MLKEM768PrivateKey | None,
           x25519_pub: bytes | None = None) -> bytes:
    """Recover the data key from our stanza; raises WrappedKeyInvalid if it does not open.

    ``mlkem_key`` is the ML-KEM-768 private key, or its 64-byte seed (a key held
    already expanded saves ~90 us); ``x25519_pub`` (the public half of
    ``x25519_priv``) saves recomputing it.
    """
    pub = x25519_pub if x25519_pub is not None else x25519_public(x25519_priv)
    eph_pub, rest = stanza.body[:32], stanza.body[32:]
    ss_x = agree(x25519_priv, eph_pub)
    if suite is Suite.CLASSICAL:
        key = hkdf(ss_x, salt=eph_pub + pub,
                   info=_info(LABEL_WRAP_X25519, stanza.agency, stanza.key_version))
    else:
        if mlkem_key is None:
            raise WrappedKeyInvalid("recipient stanza: hybrid, but our key has no ML-KEM half")
        if isinstance(mlkem_key, bytes):
            mlkem_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_key)
        ct_m, rest = rest[:_MLKEM_CT], rest[_MLKEM_CT:]
        try:
            ss_m = mlkem_key.decapsulate(ct_m)
        except ValueError:
            raise WrappedKeyInvalid("recipient stanza: invalid ML-KEM-768 ciphertext") from None
        key = hkdf(ss_m + ss_x + eph_pub + pub, salt=b"",
                   info=_info(LABEL_WRAP_HYBRID, stanza.agency, stanza.key_version))
    return aead_open(key, ZERO_NONCE, rest, None, WrappedKeyInvalid,
                     lambda: Phrase("recipient stanza for {agency} v{version} does not open",
                                    agency=stanza.agency, version=stanza.key_version))
