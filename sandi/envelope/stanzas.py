"""Recipient stanzas: a document's data key wrapped to one agency's key version.

The wrap itself is :mod:`sandi.crypto.wrap`; a stanza adds the agency id and key
version it is addressed to, which the KDF also binds.

>>> from sandi.crypto.suite import Suite
>>> from sandi.crypto.wrap import generate_x25519
>>> priv, pub = generate_x25519()
>>> s = wrap(bytes(32), Suite.CLASSICAL, "bkpsdmd", 1, pub, None)
>>> unwrap(s, Suite.CLASSICAL, priv, None) == bytes(32)
True
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import mlkem

from sandi.crypto.suite import Suite
from sandi.crypto.wrap import unwrap_key, wrap_key
from sandi.envelope.format import Stanza


def wrap(data_key: bytes, suite: Suite, agency: str, version: int,
         x25519_pub: bytes, mlkem_pub: bytes | None) -> Stanza:
    """Wrap ``data_key`` for (agency, version) under ``suite``."""
    return Stanza(agency, version, wrap_key(data_key, suite, agency, version, x25519_pub,
                                            mlkem_pub))


def unwrap(stanza: Stanza, suite: Suite, x25519_priv: bytes,
           mlkem_key: bytes | mlkem.MLKEM768PrivateKey | None,
           x25519_pub: bytes | None = None) -> bytes:
    """Recover the data key from our stanza; raises WrappedKeyInvalid if it does not open."""
    return unwrap_key(stanza.body, suite, stanza.agency, stanza.key_version, x25519_priv,
                      mlkem_key, x25519_pub)
