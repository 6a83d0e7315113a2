"""The public half of a key version, as the pola publishes it.

>>> from sandi.crypto.public import PublicKeys
>>> PublicKeys(bytes(32), bytes(32)).has_pq
False
"""

from __future__ import annotations

from dataclasses import dataclass

from sandi._internal.codec import pack
from sandi.crypto.primitives import fingerprint


@dataclass(frozen=True)
class PublicKeys:
    """The public half of one agency key version, as published in the pola."""

    x25519: bytes
    ed25519: bytes
    mlkem: bytes | None = None
    mldsa: bytes | None = None

    def __repr__(self) -> str:
        return f"PublicKeys({self.fingerprint()}, pq={self.has_pq})"

    @property
    def has_pq(self) -> bool:
        """Whether this version can receive and sign with the hybrid suite."""
        return self.mlkem is not None and self.mldsa is not None

    def fingerprint(self) -> str:
        """A short code two people can compare aloud: 20 base32 characters in groups."""
        return fingerprint(b"sandi/v1/fingerprint",
                           pack([self.x25519, self.ed25519, self.mlkem, self.mldsa]))
