"""A long-running service's view of a home: the pola and the keystore as one pair,
reloaded together while other threads seal and open.

A web app unlocks the keystore and loads the pola once, at start-up. After the
agency's key rotation the custodian's keystore gains the new key version and the
home installs the pola that publishes it; an app holding the old keystore with the
new pola then fails (``KeyNotFound ... v2`` on seal, ``NotARecipient`` on open).
:class:`Service` holds both as one immutable :class:`Snapshot`; :meth:`Service.reload`
builds a new snapshot aside, checks that its keystore holds every key its pola
names as current for the agencies it holds, and only then swaps it in with one
reference assignment. A request takes :attr:`Service.snapshot` once, at its start,
and seals or opens with that pair only, so it sees the old pair or the new one,
never a mix; a reload that
fails leaves the old pair in service.

The pola is read before the keystore: a custodian adds a key to the keystore before
any pola can publish it, so a keystore read after the pola holds what that pola names.

>>> import sandi
>>> from sandi.demo import DEMO_PASSPHRASE, demo_world
>>> from sandi.keys import KdfParams
>>> w = demo_world(kdf=KdfParams.TEST)
>>> service = sandi.Service(w.home, passphrase=DEMO_PASSPHRASE)
>>> s = service.snapshot                       # once per request: one consistent pair
>>> env = sandi.seal(b"Nota dinas", sender=s.keystore.identity("setda"), to=["inspektorat"],
...                  classification="rahasia", pola=s.pola)
>>> sandi.open(env, keystore=s.keystore, pola=s.pola).plaintext
b'Nota dinas'
>>> service.reload().pola.version            # after a rotation or a pola update
1
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime

from sandi.errors import KeyNotFound, UnknownAgency
from sandi.home import Home
from sandi.keys.keystore import Keystore
from sandi.keys.passphrase import Passphrase, passphrase_of
from sandi.pola.policy import Pola

__all__ = ["Service", "Snapshot"]


@dataclass(frozen=True)
class Snapshot:
    """A pola and the keystore that goes with it, loaded together from one home."""

    pola: Pola
    keystore: Keystore


class Service:
    """The home's pola and keystore for a server: shared by its threads, reloadable.

    ``passphrase`` is the keystore's passphrase, or a function returning it (called
    at start-up and at each reload: e.g. ``lambda: sandi.keys.read_passphrase()``
    to read a systemd credential each time). ``member`` is as for
    :meth:`Keystore.open`.
    """

    def __init__(self, home: Home | str | os.PathLike[str], *, passphrase: Passphrase,
                 member: str | None = None, now: datetime | None = None) -> None:
        self.home = home if isinstance(home, Home) else Home(home)
        self._passphrase = passphrase
        self._member = member
        self._reloading = threading.Lock()
        self._current = self._load(now)

    def __repr__(self) -> str:
        s = self._current
        return f"Service({str(self.home.path)!r}, pola v{s.pola.version}, {s.keystore!r})"

    @property
    def snapshot(self) -> Snapshot:
        """The pair in service now. Take it once per request and use both halves."""
        return self._current

    def reload(self, *, now: datetime | None = None) -> Snapshot:
        """Load the home's pola and keystore again and put them in service together.

        Raises what :meth:`Home.pola` and :meth:`Keystore.open` raise, and KeyNotFound
        if the keystore lacks a key the new pola names as current for an agency it
        holds; then the pair in service stays as it was. Safe to call from any
        thread while others seal and open; concurrent reloads run one at a time.
        """
        with self._reloading:
            fresh = self._load(now)
            self._current = fresh  # one assignment: readers see the old pair or this one
            return fresh

    def _load(self, now: datetime | None) -> Snapshot:
        pola = self.home.pola(now=now)  # first: the keystore read after holds what it names
        # Judged by this same pola (a suspended member is refused), decoded once.
        keystore = Keystore.open(self.home.path, passphrase=passphrase_of(self._passphrase),
                                 member=self._member, pola=pola, now=now)
        for agency in keystore.agencies():
            try:
                current = pola.agency(agency).current.version
            except UnknownAgency:  # held, but not (or no longer) in this pola
                continue
            if current not in {k.version for k in keystore.keys(agency)}:
                raise KeyNotFound("the keystore holds no key {agency} v{version}, which pola "
                                  "v{pola} names as current; the pair in service is kept",
                                  agency=agency, version=current, pola=pola.version)
        return Snapshot(pola, keystore)
