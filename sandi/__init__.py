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
    from sandi import backup, members, pola_view, requests
    from sandi._fs import write_file
    from sandi.audit import AuditLog, Checkpoint, Event
    from sandi.authoring import (
        AuthorityKeyPair,
        load_custodian_key,
        parse_public_key_text,
        public_key_text,
        save_custodian_key,
    )
    from sandi.classification import Classification, Urgency
    from sandi.envelope import open, open_file, seal, seal_file, verify
    from sandi.envelope_info import Document, EnvelopeInfo, Opened
    from sandi.home import Home, default_home, fetch_pola
    from sandi.keys import AgencyKey, Identity, Keystore, PublicKeys
    from sandi.pola import Pola
    from sandi.pola_model import KeyState, MemberStatus, RevocationReason
    from sandi.rewrap import Outcome as RewrapOutcome
    from sandi.rewrap import Rewrapped, rewrap_file
    from sandi.workspace import Workspace

# (sandi.rewrap is the module; its in-memory rewrap() is sandi.rewrap.rewrap.)
# Every name but the errors loads on first use: `import sandi` costs next to nothing,
# so `sandi --version` and `sandi --help` start as fast as click allows, and sealing,
# opening and verifying never pay for the custodians' and authority's tools (SLIP-39,
# TOML, SQLite).
_LAZY = {
    "Classification": ("sandi.classification", "Classification"),
    "Urgency": ("sandi.classification", "Urgency"),
    "open": ("sandi.envelope", "open"), "open_file": ("sandi.envelope", "open_file"),
    "seal": ("sandi.envelope", "seal"), "seal_file": ("sandi.envelope", "seal_file"),
    "verify": ("sandi.envelope", "verify"),
    "Document": ("sandi.envelope_info", "Document"),
    "EnvelopeInfo": ("sandi.envelope_info", "EnvelopeInfo"),
    "Opened": ("sandi.envelope_info", "Opened"),
    "Home": ("sandi.home", "Home"), "default_home": ("sandi.home", "default_home"),
    "fetch_pola": ("sandi.home", "fetch_pola"),
    "AgencyKey": ("sandi.keys", "AgencyKey"), "Identity": ("sandi.keys", "Identity"),
    "Keystore": ("sandi.keys", "Keystore"), "PublicKeys": ("sandi.keys", "PublicKeys"),
    "Pola": ("sandi.pola", "Pola"),
    "KeyState": ("sandi.pola_model", "KeyState"),
    "MemberStatus": ("sandi.pola_model", "MemberStatus"),
    "RevocationReason": ("sandi.pola_model", "RevocationReason"),
    "backup": ("sandi.backup", None), "pola_view": ("sandi.pola_view", None),
    "members": ("sandi.members", None),
    "requests": ("sandi.requests", None),
    "AuditLog": ("sandi.audit", "AuditLog"), "Checkpoint": ("sandi.audit", "Checkpoint"),
    "Event": ("sandi.audit", "Event"),
    "AuthorityKeyPair": ("sandi.authoring", "AuthorityKeyPair"),
    "load_custodian_key": ("sandi.authoring", "load_custodian_key"),
    "parse_public_key_text": ("sandi.authoring", "parse_public_key_text"),
    "public_key_text": ("sandi.authoring", "public_key_text"),
    "save_custodian_key": ("sandi.authoring", "save_custodian_key"),
    "RewrapOutcome": ("sandi.rewrap", "Outcome"), "Rewrapped": ("sandi.rewrap", "Rewrapped"),
    "rewrap_file": ("sandi.rewrap", "rewrap_file"),
    "Workspace": ("sandi.workspace", "Workspace"),
    "write_file": ("sandi._fs", "write_file"),
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
