"""sandi: signed communication patterns and envelope encryption between agencies.

A regional government's *Pola Hubungan Komunikasi Sandi* says which agency may
send which classification of document to which other agency; sandi makes it
executable. Quick start::

    import sandi
    pola = sandi.Pola.load("pola.sandi")
    ks = sandi.Keystore.open(home, passphrase=passphrase)
    env = sandi.seal(data, sender=ks.identity("diskominfo"), to=["bkpsdmd"],
                     classification="rahasia", pola=pola, filename="surat.pdf")
    doc = sandi.open(env, keystore=ks, pola=pola)        # doc.plaintext, doc.sender ...
    info = sandi.verify(env, pola=pola)                   # no private key needed

>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = seal(b"Laporan hasil audit", sender=w.keystore.identity("inspektorat"),
...            to=["setda"], classification="sangat-rahasia", pola=w.pola)
>>> verify(env, pola=w.pola).suite
'hybrid'
"""

from sandi import errors
from sandi.classification import Classification, Urgency
from sandi.envelope import open, open_file, seal, seal_file, verify
from sandi.envelope_info import Document, EnvelopeInfo, Opened
from sandi.errors import (
    KeyNotFound,
    KeyRevoked,
    MalformedEnvelope,
    NotARecipient,
    PolaExpired,
    PolaRollback,
    PolicyViolation,
    SandiError,
    TamperedEnvelope,
    UnknownAgency,
    WrongPassphrase,
)
from sandi.home import Home, default_home
from sandi.keys import Identity, Keystore
from sandi.pola import Pola

__version__ = "0.1.0"

__all__ = [
    "Classification",
    "Document",
    "EnvelopeInfo",
    "Home",
    "Identity",
    "KeyNotFound",
    "KeyRevoked",
    "Keystore",
    "MalformedEnvelope",
    "NotARecipient",
    "Opened",
    "Pola",
    "PolaExpired",
    "PolaRollback",
    "PolicyViolation",
    "SandiError",
    "TamperedEnvelope",
    "UnknownAgency",
    "Urgency",
    "WrongPassphrase",
    "__version__",
    "default_home",
    "errors",
    "open",
    "open_file",
    "seal",
    "seal_file",
    "verify",
]
