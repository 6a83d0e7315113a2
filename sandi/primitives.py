"""Labelled primitives: every KDF and signature input in sandi goes through here.

Each use of a key is separated by a label under ``sandi/v1/``, so no output of
one step can be replayed as the input of another. The AEAD and signature
failures of ``cryptography`` are converted here into one sandi error per stage;
callers never see ``InvalidTag`` or ``InvalidSignature``.

>>> from sandi.primitives import commitment
>>> len(commitment(bytes(32), bytes(16)))
32
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sandi.errors import InvalidArgument, SandiError, SignatureInvalid

LABEL_PAYLOAD = b"sandi/v1/payload"
LABEL_COMMITMENT = b"sandi/v1/commitment"
LABEL_METADATA = b"sandi/v1/metadata"
LABEL_WRAP_X25519 = b"sandi/v1/wrap/x25519"
LABEL_WRAP_HYBRID = b"sandi/v1/wrap/mlkem768x25519"
LABEL_KEYSTORE = b"sandi/v1/keystore"
LABEL_KEYSTORE_CHECK = b"sandi/v1/keystore/check"
LABEL_MLDSA_CONTEXT = b"sandi/v1"

ZERO_NONCE = bytes(12)


def hkdf(ikm: bytes, *, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def payload_key(data_key: bytes, nonce: bytes) -> bytes:
    """The per-document AES-256-GCM key of the payload STREAM."""
    return hkdf(data_key, salt=nonce, info=LABEL_PAYLOAD)


def metadata_key(data_key: bytes, nonce: bytes) -> bytes:
    """The key that encrypts the metadata (filename, subject, content type)."""
    return hkdf(data_key, salt=nonce, info=LABEL_METADATA)


def commitment(data_key: bytes, nonce: bytes) -> bytes:
    """Key commitment: AES-GCM alone is not key-committing, so the signed header
    carries this HKDF output; a stanza that unwraps to any other key is refused."""
    return hkdf(data_key, salt=nonce, info=LABEL_COMMITMENT)


def same(a: bytes, b: bytes) -> bool:
    """Constant-time equality of two MACs, commitments or check values."""
    return hmac.compare_digest(a, b)


def aead_open(key: bytes, nonce: bytes, data: bytes, aad: bytes | None,
              error: type[SandiError], what: str) -> bytes:
    """AES-256-GCM decryption that raises ``error(what)`` instead of ``InvalidTag``."""
    try:
        return AESGCM(key).decrypt(nonce, data, aad)
    except InvalidTag:
        raise error(what) from None


@dataclass(frozen=True, repr=False)
class SigningKey:
    """A private signing key: Ed25519, plus ML-DSA-65 for the hybrid suite."""

    ed25519_seed: bytes
    mldsa_seed: bytes | None = None
    _ed: ed25519.Ed25519PrivateKey = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_ed", ed25519.Ed25519PrivateKey.from_private_bytes(self.ed25519_seed))

    def __repr__(self) -> str:
        return "SigningKey(<secret>)"

    @property
    def has_pq(self) -> bool:
        """Whether this key can make hybrid signatures."""
        return self.mldsa_seed is not None

    def sign(self, message: bytes, *, hybrid: bool) -> bytes:
        """Ed25519 signature, followed by an ML-DSA-65 one when ``hybrid``."""
        sig = self._ed.sign(message)
        if hybrid:
            if self.mldsa_seed is None:
                raise InvalidArgument("this key has no ML-DSA-65 half for the hybrid suite")
            pq = mldsa.MLDSA65PrivateKey.from_seed_bytes(self.mldsa_seed)
            sig += pq.sign(message, LABEL_MLDSA_CONTEXT)
        return sig


def verify_signature(ed25519_pub: bytes, mldsa_pub: bytes | None, message: bytes,
                     signature: bytes, *, hybrid: bool, what: str = "signature") -> None:
    """Check a (possibly hybrid) signature; both halves must verify. Raises SignatureInvalid."""
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(ed25519_pub).verify(signature[:64], message)
        if hybrid:
            if mldsa_pub is None:
                raise SignatureInvalid(f"{what}: the signer has no ML-DSA-65 key")
            mldsa.MLDSA65PublicKey.from_public_bytes(mldsa_pub).verify(
                signature[64:], message, LABEL_MLDSA_CONTEXT)
        elif len(signature) != 64:
            raise SignatureInvalid(f"{what}: wrong length")
    except (InvalidSignature, ValueError):
        raise SignatureInvalid(f"{what} does not verify") from None
