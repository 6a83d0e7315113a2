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

These ~20 names are what an app needs. Key custodians' tools are in
:mod:`sandi.keys`, the persandian authority's in :mod:`sandi.authority`, the pola's
parts and views in :mod:`sandi.pola`, rewrap in :mod:`sandi.envelope`, the audit
log's types in :mod:`sandi.audit`, and every error in :mod:`sandi.errors`. Nothing
else is public.

>>> import sandi
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = sandi.seal(b"Laporan hasil audit", sender=w.keystore.identity("inspektorat"),
...                  to=["setda"], classification="sangat-rahasia", pola=w.pola)
>>> sandi.verify(env, pola=w.pola).suite
'hybrid'
"""

from typing import TYPE_CHECKING

from sandi import errors
from sandi._internal.lazy import surface
from sandi.errors import SandiError

if TYPE_CHECKING:
    from sandi import audit as audit
    from sandi import authority as authority
    from sandi import envelope as envelope
    from sandi import keys as keys
    from sandi import pola as pola
    from sandi._internal.fs import write_file
    from sandi.audit.log import AuditLog
    from sandi.envelope.info import Document, EnvelopeInfo, Opened
    from sandi.envelope.opening import open, open_file, verify
    from sandi.envelope.sealing import seal, seal_file
    from sandi.home import Home
    from sandi.keys.keystore import Identity, Keystore
    from sandi.pola.classification import Classification, Urgency
    from sandi.pola.policy import Pola
    from sandi.service import Service, Snapshot

# Every name but the errors loads on first use: `import sandi` costs next to nothing,
# so `sandi --version` and `sandi --help` start as fast as click allows, and sealing,
# opening and verifying never pay for the custodians' and authority's tools (SLIP-39,
# TOML, SQLite).
__getattr__, __dir__ = surface(__name__, {
    "seal": "sandi.envelope.sealing", "seal_file": "sandi.envelope.sealing",
    "open": "sandi.envelope.opening", "open_file": "sandi.envelope.opening",
    "verify": "sandi.envelope.opening",
    "Document": "sandi.envelope.info", "EnvelopeInfo": "sandi.envelope.info",
    "Opened": "sandi.envelope.info",
    "Home": "sandi.home", "Pola": "sandi.pola.policy",
    "Service": "sandi.service", "Snapshot": "sandi.service",
    "Identity": "sandi.keys.keystore", "Keystore": "sandi.keys.keystore",
    "Classification": "sandi.pola.classification", "Urgency": "sandi.pola.classification",
    "AuditLog": "sandi.audit.log", "write_file": "sandi._internal.fs",
    **{name: f"sandi.{name}" for name in ("agent", "audit", "authority", "envelope", "keys",
                                          "pola")},
})

__version__ = "0.1.0"

__all__ = [
    "AuditLog",
    "Classification",
    "Document",
    "EnvelopeInfo",
    "Home",
    "Identity",
    "Keystore",
    "Opened",
    "Pola",
    "SandiError",
    "Service",
    "Snapshot",
    "Urgency",
    "__version__",
    "errors",
    "open",
    "open_file",
    "seal",
    "seal_file",
    "verify",
    "write_file",
]
