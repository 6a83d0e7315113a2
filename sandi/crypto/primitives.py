"""Labelled primitives: every KDF and signature input in sandi goes through here.

Each use of a key is separated by a label of its own, so no output of one step
can be replayed as the input of another: the envelope's (format version 2) are
under ``sandi/v2/``, the other formats' still under ``sandi/v1/``. The AEAD and signature
failures of ``cryptography`` are converted here into one sandi error per stage;
callers never see ``InvalidTag`` or ``InvalidSignature``.

>>> from sandi.crypto.primitives import DocumentKeys
>>> len(DocumentKeys.derive(bytes(32), bytes(16), bytes(32)).commitment)
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
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

from sandi._internal.i18n import Phrase, Said, said
from sandi.errors import InvalidArgument, SandiError, SignatureInvalid

# The envelope (format version 2, docs/format.md): one label per use.
LABEL_HEADER_HASH = b"sandi/v2/header-hash"  # hash prefix of the header hash H
LABEL_DOCUMENT_KEYS = b"sandi/v2/document-keys"  # HKDF info: payload and metadata keys
LABEL_COMMITMENT = b"sandi/v2/commitment"  # HKDF info: the key commitment
LABEL_METADATA = b"sandi/v2/metadata"  # AAD of the encrypted metadata
LABEL_STANZA_X25519 = b"sandi/v2/stanza/x25519"  # HKDF info: classical stanza wrap
LABEL_STANZA_HYBRID = b"sandi/v2/stanza/mlkem768x25519"  # HKDF info: hybrid stanza wrap
LABEL_ENVELOPE_SIGNATURE = b"sandi/v2/envelope-signature"  # signature prefix, ML-DSA context
# Other formats, not changed by envelope v2 (each belongs to its own format).
LABEL_WRAP_X25519 = b"sandi/v1/wrap/x25519"  # vault slots (sandi/keys/vault.py)
LABEL_WRAP_HYBRID = b"sandi/v1/wrap/mlkem768x25519"
LABEL_KEYSTORE = b"sandi/v1/keystore"
LABEL_KEYSTORE_CHECK = b"sandi/v1/keystore/check"
LABEL_MLDSA_CONTEXT = b"sandi/v1"  # ML-DSA-65 context of every non-envelope signature

ZERO_NONCE = bytes(12)
_SHA256 = hashes.SHA256()


def hkdf(ikm: bytes, *, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def header_hash(hashed: bytes) -> bytes:
    """H, the hash of an envelope's header: SHA-256 of "sandi/v2/header-hash" || 0x00 ||
    ``hashed`` (magic, version, length and the header's bytes, docs/format.md §4.1)."""
    return hashlib.sha256(LABEL_HEADER_HASH + b"\x00" + hashed).digest()


@dataclass(frozen=True, repr=False)
class DocumentKeys:
    """The per-document keys, derived from the data key under the header hash H.

    ``HKDF-SHA-256(ikm=data_key, salt=payload_nonce, info="sandi/v2/document-keys" ||
    0x00 || H, L=64)`` split into the payload key and the metadata key, and
    ``HKDF-SHA-256(ikm=data_key, salt=payload_nonce, info="sandi/v2/commitment" ||
    0x00 || H, L=32)``, the key commitment. AES-GCM alone is not key-committing,
    so the signed block after the header carries the commitment; a stanza that
    unwraps to any other key is refused. With H in every ``info``, the keys of a
    document exist only for its exact header: change any header field and every
    key, and the commitment, change with it (as age MACs its header with the file
    key, and Tink puts associated data into its HKDF info).
    """

    payload: bytes
    metadata: bytes
    commitment: bytes

    @classmethod
    def derive(cls, data_key: bytes, nonce: bytes, header_hash: bytes) -> DocumentKeys:
        """Derive the three keys of a document."""
        # Both HKDFs have the same ikm and salt: extract once, expand twice (the same
        # output as two full HKDF calls, RFC 5869).
        prk = HKDF.extract(_SHA256, nonce, data_key)
        okm = HKDFExpand(_SHA256, 64, LABEL_DOCUMENT_KEYS + b"\x00" + header_hash).derive(prk)
        commitment = HKDFExpand(_SHA256, 32,
                                LABEL_COMMITMENT + b"\x00" + header_hash).derive(prk)
        return cls(okm[:32], okm[32:], commitment)


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

    def sign(self, message: bytes, *, hybrid: bool,
             context: bytes = LABEL_MLDSA_CONTEXT) -> bytes:
        """Ed25519 signature, followed by an ML-DSA-65 one (with ``context``) when
        ``hybrid``."""
        sig: bytes = self._ed.sign(message).signature
        if hybrid:
            if self._pq is None:
                raise InvalidArgument("this key has no ML-DSA-65 half for the hybrid suite")
            sig += self._pq.sign(message, context)
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
                     signature: bytes, *, hybrid: bool, what: Said = _SIGNATURE,
                     context: bytes = LABEL_MLDSA_CONTEXT) -> None:
    """Check a (possibly hybrid) signature; both halves must verify (the ML-DSA-65 one
    with ``context``). Raises SignatureInvalid."""
    expected = 64 + (3309 if hybrid else 0)
    if len(signature) != expected:
        raise SignatureInvalid("{what}: {size} bytes, expected {expected}", what=said(what),
                               size=len(signature), expected=expected)
    try:
        _ed_verifier(ed25519_pub).verify(message, signature[:64])
        if hybrid:
            if mldsa_pub is None:
                raise SignatureInvalid("{what}: the signer has no ML-DSA-65 key", what=said(what))
            _mldsa_verifier(mldsa_pub).verify(signature[64:], message, context)
    except (InvalidSignature, ValueError, nacl.exceptions.CryptoError):
        raise SignatureInvalid("{what} does not verify", what=said(what)) from None
