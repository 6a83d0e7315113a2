"""Labelled primitives: every KDF and signature input in sandi goes through here.

Each use of a key is separated by a label under ``sandi/v1/``, so no output of
one step can be replayed as the input of another. The AEAD and signature
failures of ``cryptography`` are converted here into one sandi error per stage;
callers never see ``InvalidTag`` or ``InvalidSignature``.

>>> from sandi.crypto.primitives import DocumentKeys
>>> len(DocumentKeys.derive(bytes(32), bytes(16)).commitment)
32
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from base64 import b32encode
from dataclasses import dataclass, field

import nacl.exceptions
import nacl.signing
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import mldsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sandi._internal.i18n import Phrase, Said, said
from sandi.errors import InvalidArgument, SandiError, SignatureInvalid

LABEL_DOCUMENT_KEYS = b"sandi/v1/document-keys"
LABEL_METADATA = b"sandi/v1/metadata"  # AAD of the encrypted metadata
LABEL_WRAP_X25519 = b"sandi/v1/wrap/x25519"
LABEL_WRAP_HYBRID = b"sandi/v1/wrap/mlkem768x25519"
LABEL_KEYSTORE = b"sandi/v1/keystore"
LABEL_KEYSTORE_CHECK = b"sandi/v1/keystore/check"
LABEL_MLDSA_CONTEXT = b"sandi/v1"

ZERO_NONCE = bytes(12)


def hkdf(ikm: bytes, *, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


@dataclass(frozen=True, repr=False)
class DocumentKeys:
    """The per-document keys, all from one HKDF call over the data key.

    ``HKDF-SHA-256(ikm=data_key, salt=payload_nonce, info="sandi/v1/document-keys",
    L=96)`` split into the payload key, the metadata key and the key commitment.
    AES-GCM alone is not key-committing, so the signed header carries the
    commitment; a stanza that unwraps to any other key is refused.
    """

    payload: bytes
    metadata: bytes
    commitment: bytes

    @classmethod
    def derive(cls, data_key: bytes, nonce: bytes) -> DocumentKeys:
        """Derive the three keys of a document."""
        okm = hkdf(data_key, salt=nonce, info=LABEL_DOCUMENT_KEYS, length=96)
        return cls(okm[:32], okm[32:64], okm[64:])


def commitment(data_key: bytes, nonce: bytes) -> bytes:
    """The key commitment of ``data_key`` (see :class:`DocumentKeys`)."""
    return DocumentKeys.derive(data_key, nonce).commitment


def fingerprint(label: bytes, material: bytes) -> str:
    """A short code two people can compare aloud: SHA-256 of label || 0x00 || material,
    its first 15 bytes in base32, as five groups of four characters."""
    code = b32encode(hashlib.sha256(label + b"\x00" + material).digest()[:15]).decode()
    return "-".join(code[i:i + 4] for i in range(0, 20, 4))


def same(a: bytes, b: bytes) -> bool:
    """Constant-time equality of two MACs, commitments or check values."""
    return hmac.compare_digest(a, b)


def aead_open(key: bytes, nonce: bytes, data: bytes, aad: bytes | None,
              error: type[SandiError], what: Said) -> bytes:
    """AES-256-GCM decryption that raises ``error(what)`` instead of ``InvalidTag``."""
    try:
        return AESGCM(key).decrypt(nonce, data, aad)
    except InvalidTag:
        failed = said(what)
        raise error(failed) from None


@dataclass(frozen=True, repr=False)
class SigningKey:
    """A private signing key: Ed25519, plus ML-DSA-65 for the hybrid suite.

    Ed25519 runs on libsodium (PyNaCl), about twice as fast here as OpenSSL's;
    ML-DSA-65 on ``cryptography``.
    """

    ed25519_seed: bytes
    mldsa_seed: bytes | None = None
    _ed: nacl.signing.SigningKey = field(init=False, compare=False)
    _pq: mldsa.MLDSA65PrivateKey | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Both keys are expanded once, here: an ML-DSA-65 key from its seed costs
        # ~250 us, as much as a signature.
        object.__setattr__(self, "_ed", nacl.signing.SigningKey(self.ed25519_seed))
        object.__setattr__(self, "_pq", None if self.mldsa_seed is None else
                           mldsa.MLDSA65PrivateKey.from_seed_bytes(self.mldsa_seed))

    def __repr__(self) -> str:
        return "SigningKey(<secret>)"

    @property
    def has_pq(self) -> bool:
        """Whether this key can make hybrid signatures."""
        return self.mldsa_seed is not None

    @property
    def ed25519_public(self) -> bytes:
        """The Ed25519 public key."""
        return bytes(self._ed.verify_key)

    @property
    def mldsa_public(self) -> bytes | None:
        """The ML-DSA-65 public key, if this key has that half."""
        return None if self._pq is None else self._pq.public_key().public_bytes_raw()

    def sign(self, message: bytes, *, hybrid: bool) -> bytes:
        """Ed25519 signature, followed by an ML-DSA-65 one when ``hybrid``."""
        sig: bytes = self._ed.sign(message).signature
        if hybrid:
            if self._pq is None:
                raise InvalidArgument("this key has no ML-DSA-65 half for the hybrid suite")
            sig += self._pq.sign(message, LABEL_MLDSA_CONTEXT)
        return sig


_SIGNATURE = Phrase("signature")


# Public keys are parsed once per process (they come from the pola, which is public):
# ML-KEM-768 from bytes costs ~20 us, ML-DSA-65 ~10 us, per recipient or signature.
@functools.lru_cache(maxsize=4096)
def _ed_verifier(public: bytes) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(public)


@functools.lru_cache(maxsize=4096)
def _mldsa_verifier(public: bytes) -> mldsa.MLDSA65PublicKey:
    return mldsa.MLDSA65PublicKey.from_public_bytes(public)


def verify_signature(ed25519_pub: bytes, mldsa_pub: bytes | None, message: bytes,
                     signature: bytes, *, hybrid: bool, what: Said = _SIGNATURE) -> None:
    """Check a (possibly hybrid) signature; both halves must verify. Raises SignatureInvalid."""
    expected = 64 + (3309 if hybrid else 0)
    if len(signature) != expected:
        raise SignatureInvalid("{what}: {size} bytes, expected {expected}", what=said(what),
                               size=len(signature), expected=expected)
    try:
        _ed_verifier(ed25519_pub).verify(message, signature[:64])
        if hybrid:
            if mldsa_pub is None:
                raise SignatureInvalid("{what}: the signer has no ML-DSA-65 key", what=said(what))
            _mldsa_verifier(mldsa_pub).verify(signature[64:], message, LABEL_MLDSA_CONTEXT)
    except (InvalidSignature, ValueError, nacl.exceptions.CryptoError):
        raise SignatureInvalid("{what} does not verify", what=said(what)) from None
