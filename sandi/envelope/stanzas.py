"""Recipient stanzas: a document's data key wrapped to one agency's key version.

The wrap itself is :mod:`sandi.crypto.wrap`; a stanza adds the agency id and key
version it is addressed to, which the KDF binds, under the stanza's own labels
(``sandi/v2/stanza/...``), and the envelope's header hash H, which the AEAD
binds as associated data: a stanza copied into an envelope with any other header
does not open.

>>> from sandi.crypto.suite import Suite
>>> from sandi.crypto.wrap import generate_x25519
>>> priv, pub = generate_x25519()
>>> s = wrap(bytes(32), Suite.CLASSICAL, "bkpsdmd", 1, pub, None, header_hash=bytes(32))
>>> unwrap(s, Suite.CLASSICAL, priv, None, header_hash=bytes(32)) == bytes(32)
True
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import mlkem

from sandi.crypto.primitives import LABEL_STANZA_HYBRID, LABEL_STANZA_X25519
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import WrapLabels, unwrap_key, wrap_key
from sandi.envelope.format import Stanza

STANZA_LABELS = WrapLabels(LABEL_STANZA_X25519, LABEL_STANZA_HYBRID)


def wrap(data_key: bytes, suite: Suite, agency: str, version: int,
         x25519_pub: bytes, mlkem_pub: bytes | None, *, header_hash: bytes) -> Stanza:
    """Wrap ``data_key`` for (agency, version) under ``suite``, bound to ``header_hash``."""
    return Stanza(agency, version, wrap_key(data_key, suite, agency, version, x25519_pub,
                                            mlkem_pub, labels=STANZA_LABELS, aad=header_hash))


def unwrap(stanza: Stanza, suite: Suite, x25519_priv: bytes,
           mlkem_key: bytes | mlkem.MLKEM768PrivateKey | None,
           x25519_pub: bytes | None = None, *, header_hash: bytes) -> bytes:
    """Recover the data key from our stanza; raises WrappedKeyInvalid if it does not open
    (a changed stanza, or a stanza of an envelope with another header)."""
    return unwrap_key(stanza.body, suite, stanza.agency, stanza.key_version, x25519_priv,
                      mlkem_key, x25519_pub, labels=STANZA_LABELS, aad=header_hash)
