"""The two cryptographic suites and the size of every primitive's output, defined once.

Every length sandi checks on the wire (a key, a ciphertext, a signature) is a name
here, so the numbers of FIPS 203/204 and RFC 7748/8032 appear in one place only.

>>> from sandi.crypto.suite import Suite
>>> Suite.HYBRID.signature_len, Suite.CLASSICAL.stanza_body_len
(3373, 80)
"""

from __future__ import annotations

import enum

KEY_SIZE = 32  # a symmetric key: data key, payload key, vault key, HKDF output
TAG_SIZE = 16  # AES-256-GCM tag
GCM_NONCE_SIZE = 12  # AES-256-GCM nonce
WRAPPED_KEY_SIZE = KEY_SIZE + TAG_SIZE  # a 32-byte key sealed with AES-256-GCM

X25519_SIZE = 32  # an X25519 private or public key (RFC 7748)
ED25519_SEED_SIZE = 32  # an Ed25519 private seed (RFC 8032)
ED25519_PUBLIC_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
MLKEM768_SEED_SIZE = 64  # the (d, z) seed of an ML-KEM-768 private key (FIPS 203)
MLKEM768_PUBLIC_SIZE = 1184
MLKEM768_CIPHERTEXT_SIZE = 1088
MLDSA65_SEED_SIZE = 32  # the xi seed of an ML-DSA-65 private key (FIPS 204)
MLDSA65_PUBLIC_SIZE = 1952
MLDSA65_SIGNATURE_SIZE = 3309
SHA256_SIZE = 32


class Suite(enum.IntEnum):
    """A cryptographic suite: what wraps keys and what signs."""

    CLASSICAL = 1  # X25519 wrap, Ed25519 signature
    HYBRID = 2  # X25519 + ML-KEM-768 wrap, Ed25519 + ML-DSA-65 signature

    @property
    def slug(self) -> str:
        """``classical`` or ``hybrid``."""
        return self.name.lower()

    @property
    def stanza_body_len(self) -> int:
        """Bytes of one wrapped key: ephemeral X25519 share, [ML-KEM ciphertext,] sealed key."""
        kem = MLKEM768_CIPHERTEXT_SIZE if self is Suite.HYBRID else 0
        return X25519_SIZE + kem + WRAPPED_KEY_SIZE

    @property
    def signature_len(self) -> int:
        """Bytes of a signature: Ed25519, then ML-DSA-65 in the hybrid suite."""
        pq = MLDSA65_SIGNATURE_SIZE if self is Suite.HYBRID else 0
        return ED25519_SIGNATURE_SIZE + pq
