"""A sandi home: the directory holding a keystore, the installed pola and the audit log.

``--home`` / ``SANDI_HOME`` choose it; by default it is ``$XDG_CONFIG_HOME/sandi``
(``~/.config/sandi``). What the home trusts is pinned in ``trust.sandi``
(:mod:`sandi.pola.history`): the authority's fingerprint, the hash of every pola
body it installed and of each one's flows index, the latest trusted time it has
seen and the newest freshness statement. Only :meth:`Home.install_pola` writes it,
after verifying the new pola against the installed one; the pola files beside it
(``pola.sandi``, ``polas/``) are copies checked against it whenever they are read,
so a file put there by anyone else (another authority's pola, an older version, an
injected ``polas/pola-vN.sandi``) is refused, naming what was found.

>>> from sandi.demo import demo_world
>>> w = demo_world()
>>> w.home.pola().version
1
"""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sandi._internal import fs as _fs
from sandi._internal import system
from sandi._internal.time import epoch, show
from sandi.errors import (
    ClockBehind,
    FingerprintUnconfirmed,
    NoPola,
    PolaNotTrusted,
)
from sandi.pola.freshness import FreshnessStatus, seen_for
from sandi.pola.history import History, Installed, Seen, TrustState, flows_name, pola_name
from sandi.pola.policy import MAX_SKEW, Pola

if TYPE_CHECKING:  # the keystore's modules load when it is opened (issue 18 §1: an agent's
    from sandi.keys.keystore import Keystore  # seal or open never opens it)

ENV_HOME = "SANDI_HOME"
POLA_FILE = "pola.sandi"
TRUST_FILE = "trust.sandi"
TRUST_LOCK = ".trust.lock"  # held by Home.install_pola while it writes
HISTORY_DIR = "polas"  # every pola this home installed, and the flows index of each


def default_home() -> Path:
    """``$SANDI_HOME``, else ``$XDG_CONFIG_HOME/sandi``, else ``~/.config/sandi``."""
    if env := os.environ.get(ENV_HOME):
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sandi"


class Home:
    """Paths and trusted state of one home directory."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_home()

    def __repr__(self) -> str:
        return f"Home({str(self.path)!r})"

    @property
    def keystore_path(self) -> Path:
        """The keystore file."""
        from sandi.keys.storage import KEYSTORE_FILE

        return self.path / KEYSTORE_FILE

    @property
    def pola_path(self) -> Path:
        """The installed (trusted) pola."""
        return self.path / POLA_FILE

    @property
    def trust_path(self) -> Path:
        """The trust state: what this home pinned (written only by installing)."""
        return self.path / TRUST_FILE

    def keystore(self, passphrase: str | bytes, *, member: str | None = None,
                 now: datetime | None = None) -> Keystore:
        """Unlock this home's keystore, judged by its installed pola (if one is installed):
        in a members' vault, a member the pola lists as suspended or removed at ``now``,
        or with another personal key, is refused (see :meth:`Keystore.open`)."""
        from sandi.keys.keystore import Keystore

        return Keystore.open(self.path, passphrase=passphrase, member=member,
                             pola=self.trusted_pola(), now=now)

    def has_pola(self) -> bool:
        """Whether a pola is installed."""
        return self.trust_path.exists()

    def pola(self, *, now: datetime | None = None) -> Pola:
        """The installed pola, checked against the pins, with this home's history; not
        expired, and ``now`` not behind the latest trusted time seen."""
        pola = self.trusted_pola()
        if pola is None:
            raise NoPola("no pola is installed in {path}", path=self.path)
        pola.check_time(now)
        return pola

    def trusted_pola(self) -> Pola | None:
        """The installed pola as a trust anchor (expiry not checked), if any."""
        try:
            return self._trusted_pola()
        except PolaNotTrusted:
            # An install in another process (or thread) writes the new version's files
            # before it pins them in the trust state: wait until it is done, under its
            # lock, and read once more. Files nobody is installing fail the same way again.
            if not _fs.wait_unlocked(self.path / TRUST_LOCK):
                raise
            return self._trusted_pola()

    def _trusted_pola(self) -> Pola | None:
        state = self._state()
        if state is None:
            return None
        self._check_history_dir(state)
        return self._pinned(self.pola_path, state, state.newest)

    def freshness(self, *, now: datetime | None = None) -> FreshnessStatus:
        """Whether the installed pola is known to be current at ``now``."""
        pola = self.trusted_pola()
        if pola is None:
            raise NoPola("no pola is installed in {path}", path=self.path)
        return pola.freshness_status(now)

    # --- the trust state ---------------------------------------------------------------

    def _state(self) -> TrustState | None:
        try:
            st = self.trust_path.lstat()
        except FileNotFoundError:
            if self.pola_path.exists():
                raise PolaNotTrusted("{path} was not installed by this home (there is no trust "
                                     "state beside it)", path=self.pola_path) from None
            return None
        # The pins are as safe as this file: it must be this user's, and nobody else's
        # to write (as OpenSSH insists of its own files). Files beside it are checked
        # against it, never the other way round (docs/threat-model.md).
        if not stat.S_ISREG(st.st_mode) or not system.owned_by_me(st) \
                or system.others_may(st, 0o022):
            raise PolaNotTrusted("{path} is not a private file of this user (mode {mode:o}): "
                                 "its pins cannot be trusted", path=self.trust_path,
                                 mode=st.st_mode & 0o777)
        return TrustState.decode(self.trust_path.read_bytes())

    def _check_history_dir(self, state: TrustState) -> None:
        expected = {n for v in state.versions
                    for n in (pola_name(v.version), flows_name(v.version))}
        try:
            names = os.listdir(self.path / HISTORY_DIR)
        except FileNotFoundError:
            names = []
        for name in sorted(names):
            if name not in expected and not name.endswith(_fs.TEMP_SUFFIX):
                raise PolaNotTrusted(
                    "{path} was not installed by this home; if `sandi pola update` was "
                    "interrupted, run it again, otherwise remove the file",
                    path=self.path / HISTORY_DIR / name)

    def _pinned(self, path: Path, state: TrustState, version: Installed) -> Pola:
        """The pola at ``path``, which must be exactly the body pinned for ``version``."""
        try:
            data = path.read_bytes()
        except OSError:
            raise PolaNotTrusted("{path} is missing; reinstall the pola", path=path) from None
        history = History(state, self.path / HISTORY_DIR)
        pola = Pola._anchor(data, history, _seen(state, version))
        if hashlib.sha256(pola.signed.body_bytes).digest() == version.body_sha256:
            return pola
        fingerprint = pola.authority.fingerprint()
        if fingerprint != state.root:
            raise PolaNotTrusted("{path} is signed by another authority (fingerprint {found}; "
                                 "this home trusts {pinned})", path=path, found=fingerprint,
                                 pinned=state.root)
        raise PolaNotTrusted("{path} is pola {id} v{found}, not the pola {pinned_id} v{pinned} "
                             "this home installed", path=path, id=pola.id, found=pola.version,
                             pinned_id=state.pola_id, pinned=version.version)

    # --- installing -----------------------------------------------------------------

    def install_pola(self, data: bytes, *, fingerprint: str | None = None,
                     freshness: bytes | None = None, now: datetime | None = None) -> Pola:
        """Verify ``data`` against the installed pola, pin it and install it; accept the
        freshness statement ``freshness`` if given (it must name this pola, or an older
        one: then it adds nothing; one naming a newer version makes this one stale).

        The first pola of a home is trusted only if its authority's fingerprint
        equals ``fingerprint`` (read from the decree or given by the authority in
        person); later ones must verify against the installed one (an authority
        rotation needs k old and k new signatures), and their version must grow.
        """
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _fs.locked(self.path / TRUST_LOCK):
            state = self._state()
            trusted = None if state is None else self._pinned(
                self.path / HISTORY_DIR / pola_name(state.newest.version), state, state.newest)
            pola = Pola.from_bytes(data, trusted=trusted, now=now)
            seen = None if freshness is None else seen_for(pola.signed, freshness)
            at = epoch(now)
            floor = max(pola.signed.body.issued_at, state.floor if state else 0,
                        seen.issued_at if seen else 0)
            if at < floor - MAX_SKEW:
                raise ClockBehind("this computer's clock says {now}, earlier than {floor}, the "
                                  "latest trusted time this pola or home has seen",
                                  now=show(at), floor=show(floor))
            if state is None:
                actual = pola.authority.fingerprint()
                if fingerprint is None or fingerprint.strip().upper() != actual:
                    raise FingerprintUnconfirmed(
                        "first pola for this home: its authority fingerprint is {actual}; "
                        "confirm it with the persandian authority and pass it with "
                        "--fingerprint", actual=actual)
            if trusted is None or pola.version != trusted.version:
                state = self._write_version(pola, state)
            elif _read_or_none(self.pola_path) != trusted.to_bytes():
                _fs.atomic_write(self.pola_path, trusted.to_bytes(), overwrite=True)  # repair
            assert state is not None
            if seen is not None:
                state = state.seeing(seen)
            _fs.atomic_write(self.trust_path, state.encode(), overwrite=True, mode=0o600)
        installed = pola if trusted is None or pola.version != trusted.version else trusted
        return installed._in_home(History(state, self.path / HISTORY_DIR),
                                  _seen(state, state.newest))

    def _write_version(self, pola: Pola, state: TrustState | None) -> TrustState:
        """Write the files of a new version; the state that pins them (the caller
        publishes it last: until then, nothing new is trusted)."""
        body = pola.signed.body_bytes
        flows = pola._flows_index()
        history = self.path / HISTORY_DIR
        history.mkdir(mode=0o700, exist_ok=True)
        _fs.atomic_write(history / pola_name(pola.version), pola.to_bytes(), overwrite=True)
        _fs.atomic_write(history / flows_name(pola.version), flows, overwrite=True)
        _fs.atomic_write(self.pola_path, pola.to_bytes(), overwrite=True)
        installed = Installed(pola.version, hashlib.sha256(body).digest(),
                              pola.signed.body.issued_at, pola.signed.body.expires_at,
                              hashlib.sha256(flows).digest())
        root = pola.authority.fingerprint()
        if state is None:
            return TrustState(pola.id, root, (), (), 0).installing(
                installed, root, pola.signed.body.history)
        return state.installing(installed, root, pola.signed.body.history)


def _seen(state: TrustState, version: Installed) -> Seen | None:
    fresh = state.fresh
    return fresh if fresh is not None and fresh.version == version.version else None


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
