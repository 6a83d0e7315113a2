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

>>> import sandi
>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> env = sandi.seal(b"Laporan hasil audit", sender=w.keystore.identity("inspektorat"),
...                  to=["setda"], classification="sangat-rahasia", pola=w.pola)
>>> sandi.verify(env, pola=w.pola).suite
'hybrid'
"""

from typing import TYPE_CHECKING, Any

from sandi import errors
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

if TYPE_CHECKING:
    from sandi._internal.fs import write_file
    from sandi.audit.log import AuditLog, Checkpoint, Event
    from sandi.authority import requests
    from sandi.authority.authoring import (
        AuthorityKeyPair,
        load_custodian_key,
        parse_public_key_text,
        public_key_text,
        save_custodian_key,
    )
    from sandi.authority.workspace import Workspace
    from sandi.crypto.public import PublicKeys
    from sandi.envelope.info import Document, EnvelopeInfo, Opened
    from sandi.envelope.rewrap import Outcome as RewrapOutcome
    from sandi.envelope.rewrap import Rewrapped, rewrap_file
    from sandi.envelope.sealing import open, open_file, seal, seal_file, verify
    from sandi.home import Home, default_home, fetch_pola
    from sandi.keys import backup
    from sandi.keys import vault as members
    from sandi.keys.keystore import AgencyKey, Identity, Keystore
    from sandi.pola import view as pola_view
    from sandi.pola.classification import Classification, Urgency
    from sandi.pola.model import KeyState, MemberStatus, RevocationReason
    from sandi.pola.policy import Pola

# (sandi.rewrap is the module; its in-memory rewrap() is sandi.rewrap.rewrap.)
# Every name but the errors loads on first use: `import sandi` costs next to nothing,
# so `sandi --version` and `sandi --help` start as fast as click allows, and sealing,
# opening and verifying never pay for the custodians' and authority's tools (SLIP-39,
# TOML, SQLite).
_LAZY = {
    "Classification": ("sandi.pola.classification", "Classification"),
    "Urgency": ("sandi.pola.classification", "Urgency"),
    "open": ("sandi.envelope.sealing", "open"),
    "open_file": ("sandi.envelope.sealing", "open_file"),
    "seal": ("sandi.envelope.sealing", "seal"),
    "seal_file": ("sandi.envelope.sealing", "seal_file"),
    "verify": ("sandi.envelope.sealing", "verify"),
    "Document": ("sandi.envelope.info", "Document"),
    "EnvelopeInfo": ("sandi.envelope.info", "EnvelopeInfo"),
    "Opened": ("sandi.envelope.info", "Opened"),
    "Home": ("sandi.home", "Home"), "default_home": ("sandi.home", "default_home"),
    "fetch_pola": ("sandi.home", "fetch_pola"),
    "AgencyKey": ("sandi.keys.keystore", "AgencyKey"),
    "Identity": ("sandi.keys.keystore", "Identity"),
    "Keystore": ("sandi.keys.keystore", "Keystore"),
    "PublicKeys": ("sandi.keys.keystore", "PublicKeys"),
    "Pola": ("sandi.pola.policy", "Pola"),
    "KeyState": ("sandi.pola.model", "KeyState"),
    "MemberStatus": ("sandi.pola.model", "MemberStatus"),
    "RevocationReason": ("sandi.pola.model", "RevocationReason"),
    "backup": ("sandi.keys.backup", None), "pola_view": ("sandi.pola.view", None),
    "members": ("sandi.keys.vault", None),
    "requests": ("sandi.authority.requests", None),
    "AuditLog": ("sandi.audit.log", "AuditLog"), "Checkpoint": ("sandi.audit.log", "Checkpoint"),
    "Event": ("sandi.audit.log", "Event"),
    "AuthorityKeyPair": ("sandi.authority.authoring", "AuthorityKeyPair"),
    "load_custodian_key": ("sandi.authority.authoring", "load_custodian_key"),
    "parse_public_key_text": ("sandi.authority.authoring", "parse_public_key_text"),
    "public_key_text": ("sandi.authority.authoring", "public_key_text"),
    "save_custodian_key": ("sandi.authority.authoring", "save_custodian_key"),
    "RewrapOutcome": ("sandi.envelope.rewrap", "Outcome"),
    "Rewrapped": ("sandi.envelope.rewrap", "Rewrapped"),
    "rewrap_file": ("sandi.envelope.rewrap", "rewrap_file"),
    "Workspace": ("sandi.authority.workspace", "Workspace"),
    "write_file": ("sandi._internal.fs", "write_file"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'sandi' has no attribute {name!r}")
    import importlib

    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__version__ = "0.1.0"

__all__ = [
    "AgencyKey",
    "AuditLog",
    "AuthorityKeyPair",
    "Checkpoint",
    "Classification",
    "Document",
    "EnvelopeInfo",
    "Event",
    "Home",
    "Identity",
    "KeyNotFound",
    "KeyRevoked",
    "KeyState",
    "Keystore",
    "MalformedEnvelope",
    "MemberStatus",
    "NotARecipient",
    "Opened",
    "Pola",
    "PolaExpired",
    "PolaRollback",
    "PolicyViolation",
    "PublicKeys",
    "RevocationReason",
    "RewrapOutcome",
    "Rewrapped",
    "SandiError",
    "TamperedEnvelope",
    "UnknownAgency",
    "Urgency",
    "Workspace",
    "WrongPassphrase",
    "__version__",
    "backup",
    "default_home",
    "errors",
    "fetch_pola",
    "load_custodian_key",
    "members",
    "open",
    "open_file",
    "parse_public_key_text",
    "pola_view",
    "public_key_text",
    "requests",
    "rewrap_file",
    "save_custodian_key",
    "seal",
    "seal_file",
    "verify",
    "write_file",
]
