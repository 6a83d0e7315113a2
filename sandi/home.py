"""A sandi home: the directory holding a keystore, the installed pola and the audit log.

``--home`` / ``SANDI_HOME`` choose it; by default it is ``$XDG_CONFIG_HOME/sandi``
(``~/.config/sandi``). The installed pola is the home's trusted state: a new
pola is accepted only if it verifies against it (:mod:`sandi.pola.trust`).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sandi._internal import fs as _fs
from sandi.errors import NoPola, PolaSignatureInvalid
from sandi.keys.keystore import KEYSTORE_FILE, Keystore
from sandi.pola.policy import Pola

ENV_HOME = "SANDI_HOME"
POLA_FILE = "pola.sandi"
HISTORY_DIR = "polas"  # every pola this home installed: envelopes are judged by their own


def default_home() -> Path:
    """``$SANDI_HOME``, else ``$XDG_CONFIG_HOME/sandi``, else ``~/.config/sandi``."""
    if env := os.environ.get(ENV_HOME):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sandi"


class Home:
    """Paths and trusted state of one home directory."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_home()

    def __repr__(self) -> str:
        return f"Home({str(self.path)!r})"

    @property
    def keystore_path(self) -> Path:
        """The keystore file."""
        return self.path / KEYSTORE_FILE

    @property
    def pola_path(self) -> Path:
        """The installed (trusted) pola."""
        return self.path / POLA_FILE

    def keystore(self, passphrase: str | bytes) -> Keystore:
        """Unlock this home's keystore."""
        return Keystore.open(self.path, passphrase=passphrase)

    def has_pola(self) -> bool:
        """Whether a pola is installed."""
        return self.pola_path.exists()

    def pola(self, *, now: datetime | None = None) -> Pola:
        """The installed pola, verified and not expired."""
        if not self.has_pola():
            raise NoPola("no pola is installed in {path}", path=self.path)
        pola = Pola.load(self.pola_path, now=now)
        pola.attach_history(self.path / HISTORY_DIR)
        return pola

    def trusted_pola(self) -> Pola | None:
        """The installed pola as a trust anchor (expiry not checked), if any."""
        if not self.has_pola():
            return None
        return Pola._anchor(self.pola_path.read_bytes())

    def install_pola(self, data: bytes, *, fingerprint: str | None = None,
                     now: datetime | None = None) -> Pola:
        """Verify ``data`` against the installed pola and install it.

        The first pola of a home is trusted only if its authority's fingerprint
        equals ``fingerprint`` (read from the decree or given by the authority
        in person); later ones must verify against the installed one.
        """
        trusted = self.trusted_pola()
        pola = Pola.from_bytes(data, trusted=trusted, now=now)
        if trusted is None:
            actual = pola.authority.fingerprint()
            if fingerprint is None or fingerprint.strip().upper() != actual:
                raise PolaSignatureInvalid(
                    "first pola for this home: its authority fingerprint is {actual}; confirm it "
                    "with the persandian authority and pass it with --fingerprint", actual=actual)
        elif trusted.version == pola.version:
            return trusted
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.path / HISTORY_DIR).mkdir(mode=0o700, exist_ok=True)
        _fs.atomic_write(self.path / HISTORY_DIR / f"pola-v{pola.version}.sandi",
                         pola.to_bytes(), overwrite=True)
        _fs.atomic_write(self.pola_path, pola.to_bytes(), overwrite=True)
        pola.attach_history(self.path / HISTORY_DIR)
        return pola
