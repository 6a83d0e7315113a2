"""The keystore: the private key versions a home holds, whichever file keeps them.

One type, two storages (:mod:`sandi.keys.storage`): ``keystore.sandi``, sealed under
one passphrase, or the members' vault ``vault.sandi`` (:mod:`sandi.keys.vault`), which
each official opens with their own key, so no passphrase is shared between people.
Both hold the same things (:mod:`sandi.keys.holdings`). Every change takes the
storage's lock, re-reads the file, applies itself and writes with compare-and-swap:
two custodians (or two processes) changing one keystore at once never lose a key,
a slot or a removal.

The Argon2id cost of a new file is a parameter (``kdf``) with a documented default,
:attr:`KdfParams.STANDARD`; ``Keystore.kdf`` tells the cost of the file that was
unlocked, so an app can warn when it is below the floor.

>>> import tempfile
>>> home = tempfile.mkdtemp()
>>> ks = Keystore.create(home, passphrase="rahasia kami", kdf=KdfParams.TEST)
>>> key = ks.generate("diskominfo")
>>> Keystore.open(home, passphrase="rahasia kami").get("diskominfo", 1).version
1
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sandi._internal.i18n import Phrase
from sandi._internal.time import epoch
from sandi.crypto.public import PublicKeys
from sandi.errors import (
    InvalidArgument,
    KeystoreExists,
    NoKeystore,
)
from sandi.keys.agencykey import AgencyKey as AgencyKey
from sandi.keys.agencykey import Identity as Identity
from sandi.keys.agencykey import decode_key_records as decode_key_records
from sandi.keys.agencykey import encode_key_records as encode_key_records
from sandi.keys.agencykey import held_identity, no_version
from sandi.keys.holdings import BackupKey, HeldKeys, Holdings, PendingRequest
from sandi.keys.members import check_member, member_key_path
from sandi.keys.secretfile import KdfParams as KdfParams
from sandi.keys.secretfile import change_passphrase
from sandi.keys.storage import KEYSTORE_FILE as KEYSTORE_FILE
from sandi.keys.storage import KEYSTORE_MAGIC as KEYSTORE_MAGIC
from sandi.keys.storage import PassphraseFile, Storage
from sandi.keys.vault import VAULT_FILE, Vault, peek_vault

if TYPE_CHECKING:
    from sandi.pola.policy import Pola

#: Makes the requests a new key needs (a key change, a member's status), saved with it.
Requests = Callable[[AgencyKey], Sequence[PendingRequest]]
#: Writes requests out (as files, say); called with the keystore's lock held, once the
#: change is saved. If it raises, the requests stay pending for a rerun to deliver.
Deliver = Callable[[Sequence[PendingRequest]], None]


class Keystore:
    """The private keys of a home. Build it only with :meth:`create` or :meth:`open`."""

    _storage: Storage
    #: What the caller should tell the person who unlocked it (e.g. "not yet in the pola").
    warnings: tuple[Phrase, ...]

    def __init__(self, *_: object, **__: object) -> None:
        raise InvalidArgument("a Keystore is made only by Keystore.create or Keystore.open")

    @classmethod
    def _holding(cls, storage: Storage, held: Holdings,
                 warnings: tuple[Phrase, ...] = ()) -> Keystore:
        """The one way in, for this module (and in-memory test keystores)."""
        self = object.__new__(cls)
        self._storage, self.warnings = storage, warnings
        self._set(held)
        return self

    def __repr__(self) -> str:
        who = "" if self.member is None else f", member={self.member.agency!r}"
        return f"Keystore({str(self.path)!r}, {len(self._held.keys)} keys{who})"

    def _set(self, held: Holdings) -> None:
        self._held = held
        index: dict[str, list[AgencyKey]] = {}
        for key in sorted(held.keys, key=lambda k: (k.agency, k.version)):
            index.setdefault(key.agency, []).append(key)
        # Built once per change, not per open (which looks up a key per stanza).
        self._index = {agency: tuple(keys) for agency, keys in index.items()}

    # --- opening ------------------------------------------------------------------------

    @staticmethod
    def exists(home: str | os.PathLike[str]) -> bool:
        """Whether ``home`` has a keystore (its own, or a members' vault)."""
        return (Path(home) / KEYSTORE_FILE).exists() or (Path(home) / VAULT_FILE).exists()

    @staticmethod
    def uses_vault(home: str | os.PathLike[str]) -> bool:
        """Whether ``home``'s keys are held in a members' vault (opened per member)."""
        return (Path(home) / VAULT_FILE).exists()

    @staticmethod
    def peek(home: Path | str) -> HeldKeys | None:
        """Which agencies and key versions the keystore in ``home`` holds, read from its
        public part without the passphrase; None if there is no keystore, or it was
        written before keystores had a public part (its next change adds one).

        Unauthenticated until unlocked (whoever can write the file can write this), so
        use it only to refuse early what unlocking would refuse anyway: an envelope
        addressed to none of these keys. Unlocking checks it against the sealed keys.
        """
        home = Path(home)
        if (home / VAULT_FILE).exists():
            return peek_vault(home / VAULT_FILE)
        if not (home / KEYSTORE_FILE).exists():
            return None
        return PassphraseFile.peek(home / KEYSTORE_FILE)

    @classmethod
    def create(cls, home: str | os.PathLike[str], *, passphrase: str | bytes,
               kdf: KdfParams = KdfParams.STANDARD) -> Keystore:
        """A new, empty keystore in ``home`` sealed under ``passphrase`` at Argon2id cost
        ``kdf`` (default :attr:`KdfParams.STANDARD`, 64 MiB x 3)."""
        return cls._holding(PassphraseFile.create(Path(home), passphrase, kdf), Holdings(()))

    @classmethod
    def open(cls, home: str | os.PathLike[str], *, passphrase: str | bytes,
             member: str | None = None, pola: Pola | None = None,
             now: datetime | None = None) -> Keystore:
        """Unlock the keystore in ``home``; WrongPassphrase if the passphrase is wrong.

        In a home whose agency keys are held for named members (a vault),
        ``passphrase`` is the member's own and ``member`` says who (needed when several
        members share the home). With ``pola``, a member the pola lists as suspended or
        removed (at ``now``), or with another personal key, is refused (KeyNotValid);
        one it does not list yet is let in with a warning (:attr:`warnings`).
        """
        home = Path(home)
        if (home / VAULT_FILE).exists():
            vault, held = Vault.unlock(home, member, passphrase)
            warnings = () if pola is None else check_member(vault.agency, vault.member,
                                                            pola, epoch(now))
            return cls._holding(vault, held, warnings)
        if not (home / KEYSTORE_FILE).exists():
            raise NoKeystore("no keystore in {home}", home=home)
        storage, held = PassphraseFile.unlock(home / KEYSTORE_FILE, passphrase)
        return cls._holding(storage, held)

    @property
    def path(self) -> Path:
        """The file that holds the keys (``keystore.sandi`` or ``vault.sandi``)."""
        return self._storage.path

    @property
    def kdf(self) -> KdfParams:
        """The Argon2id cost of the passphrase that unlocked this keystore (for a vault,
        of the member's personal key file)."""
        return self._storage.kdf

    @property
    def member(self) -> AgencyKey | None:
        """The official whose personal key unlocked a vault; None for a passphrase file."""
        return self._storage.member

    @property
    def in_vault(self) -> bool:
        """Whether the keys are held in a members' vault."""
        return isinstance(self._storage, Vault)

    # --- reading ------------------------------------------------------------------------

    def keys(self, agency: str | None = None) -> list[AgencyKey]:
        """Every key version held (of ``agency`` if given), oldest first."""
        if agency is not None:
            return list(self._index.get(agency, ()))
        return [key for keys in self._index.values() for key in keys]

    def agencies(self) -> list[str]:
        """The agencies this keystore holds keys for."""
        return list(self._index)

    def holds(self, agency: str) -> bool:
        """Whether this keystore holds any key of ``agency``."""
        return agency in self._index

    def get(self, agency: str, version: int) -> AgencyKey:
        """One private key version."""
        keys = held_identity(agency, self._index, None).keys  # KeyNotFound if none
        for key in self._index[agency]:
            if key.version == version:
                return key
        raise no_version(agency, version, keys)

    def identity(self, agency: str) -> Identity:
        """All key versions of ``agency``: what seal signs with (as the member who
        unlocked a vault, if any) and open unwraps with."""
        return held_identity(agency, self._index, self.member)

    @property
    def backup_key(self) -> BackupKey | None:
        """The public half of this keystore's backup key, if one was made."""
        return self._held.backup

    def pending(self, operation: str | None = None) -> list[PendingRequest]:
        """Requests a change made and that are not written yet (of ``operation``)."""
        return [p for p in self._held.pending if operation in (None, p.operation)]

    def reload(self) -> None:
        """Read the file again (another process may have changed it)."""
        with self._storage.lock():
            self._set(self._storage.load())

    # --- changes: each under the lock, on what is on disk now ----------------------------

    def _change(self, apply: Callable[[Holdings], Holdings],
                 deliver: Deliver | None = None) -> None:
        with self._storage.lock():
            before = self._storage.load()
            held = apply(before)
            self._storage.save(held)  # the commit point: the change and its requests
            self._set(held)
            if deliver is not None:
                made = held.pending[len(before.pending):]
                if made:
                    self._deliver(held, made, deliver)

    def _deliver(self, held: Holdings, pending: Sequence[PendingRequest],
                 deliver: Deliver) -> None:
        """Deliver ``pending`` and forget them (the lock is held)."""
        deliver(pending)
        done = Holdings(held.keys, held.backup, tuple(p for p in held.pending
                                                      if p not in pending))
        self._storage.save(done)
        self._set(done)

    def finish_pending(self, operation: str, deliver: Deliver) -> list[PendingRequest]:
        """Deliver what an interrupted ``operation`` left pending; returns it (empty if
        nothing was). Under the lock: a change still in progress elsewhere holds it
        until its own requests are delivered, so only a dead run's are found here."""
        with self._storage.lock():
            held = self._storage.load()
            self._set(held)
            mine = [p for p in held.pending if p.operation == operation]
            if mine:
                self._deliver(held, mine, deliver)
        return mine

    def generate(self, agency: str, *, pq: bool = False, now: datetime | None = None,
                 requests: Requests | None = None, deliver: Deliver | None = None
                 ) -> AgencyKey:
        """Make and store the next key version of ``agency``, with the ``requests`` it
        needs saved in the same write; then ``deliver`` them (see :data:`Deliver`)."""
        made: list[AgencyKey] = []

        def apply(held: Holdings) -> Holdings:
            made[:] = _next_keys(held, [agency], pq, now)
            return _with(held, made, _made(made, requests))

        self._change(apply, deliver)
        return made[0]

    def generate_batch(self, agencies: list[str], *, pq: bool = False,
                       now: datetime | None = None) -> list[AgencyKey]:
        """Make the next key version of each agency, stored in one atomic write."""
        made: list[AgencyKey] = []

        def apply(held: Holdings) -> Holdings:
            made[:] = _next_keys(held, agencies, pq, now)
            return _with(held, made)

        self._change(apply)
        return made

    def add_keys(self, keys: Sequence[AgencyKey]) -> None:
        """Store existing key versions (from a backup); a version already held is refused."""
        def apply(held: Holdings) -> Holdings:
            have = {(k.agency, k.version) for k in held.keys}
            for key in keys:
                if (key.agency, key.version) in have:
                    raise KeystoreExists("this keystore already holds {agency} v{version}",
                                         agency=key.agency, version=key.version)
            return _with(held, keys)

        self._change(apply)

    def set_backup_key(self, backup: BackupKey) -> None:
        """Remember the backup key's public half (authenticated: it is inside the keystore)."""
        self._change(lambda held: Holdings(held.keys, backup, held.pending))


    def change_passphrase(self, old: str | bytes, new: str | bytes, *,
                          kdf: KdfParams = KdfParams.STANDARD) -> tuple[KdfParams, KdfParams]:
        """Re-seal under ``new`` at cost ``kdf`` or the file's present cost, whichever is
        higher: the keystore file, or (in a vault) the member's personal key file.
        Returns (old cost, new cost)."""
        path = self.path
        if isinstance(self._storage, Vault):
            path = member_key_path(self.path.parent, self._storage.member.agency)
        return change_passphrase(path, old, new, kdf)

    # --- the members' vault ---------------------------------------------------------------

    def _vault(self) -> Vault:
        if not isinstance(self._storage, Vault):
            raise InvalidArgument("this home's keys are not held in a members' vault; "
                                  "`sandi members init` makes one")
        return self._storage

    @property
    def vault_agency(self) -> str:
        """The agency whose keys the vault holds."""
        return self._vault().agency

    def members(self) -> list[str]:
        """The members who hold a slot in the vault."""
        return self._vault().members()

    def classical_slots(self) -> list[str]:
        """Members whose slot is classical although the agency holds hybrid keys."""
        vault = self._vault()
        if not any(k.public.has_pq for k in self._held.keys):
            return []
        return [m for m in vault.members() if not (slot := vault.slot(m)) or not slot.hybrid]

    def add_member(self, member_id: str, public: PublicKeys, *, version: int = 1,
                   requests: Sequence[PendingRequest] = (),
                   deliver: Deliver | None = None) -> None:
        """Give a member a slot (their personal public key), saving ``requests`` with it
        and then delivering them.

        Where the agency holds hybrid keys the member's key must have an ML-KEM-768 half,
        so their slot is hybrid too."""
        vault = self._vault()

        def apply(held: Holdings) -> Holdings:
            if public.mlkem is None and any(k.public.has_pq for k in held.keys):
                raise InvalidArgument("the keys of {agency} are hybrid, so {member_id}'s "
                                      "personal key must be too (enrol them with --pq)",
                                      agency=vault.agency, member_id=member_id)
            vault.add_slot(member_id, public, version)
            return _with(held, (), requests)

        self._change(apply, deliver)

    def remove_member(self, member_id: str, *, pq: bool = False, now: datetime | None = None,
                      requests: Requests | None = None,
                      deliver: Deliver | None = None) -> AgencyKey:
        """Drop a member's slot, make a new vault key and the agency's next key version
        (with the ``requests`` it needs), in one write; returns the new agency key.

        Used to remove and to suspend: what they kept opens nothing sealed after it."""
        vault = self._vault()
        made: list[AgencyKey] = []

        def apply(held: Holdings) -> Holdings:
            vault.drop_slot(member_id)
            made[:] = _next_keys(held, [vault.agency], pq, now)
            return _with(held, made, _made(made, requests))

        self._change(apply, deliver)
        return made[0]


def _next_keys(held: Holdings, agencies: Sequence[str], pq: bool,
               now: datetime | None) -> list[AgencyKey]:
    # Hybrid if asked, or if the agency's newest key is: a rotation or a member's removal
    # never falls back to classical (where the pola requires the hybrid suite, the
    # authority would refuse the request for a classical key).
    out = []
    for a in agencies:
        newest = max((k for k in held.keys if k.agency == a), key=lambda k: k.version,
                     default=None)
        out.append(AgencyKey.generate(a, 1 if newest is None else newest.version + 1,
                                      pq=pq or (newest is not None and newest.public.has_pq),
                                      now=now))
    return out


def _with(held: Holdings, keys: Sequence[AgencyKey],
          pending: Sequence[PendingRequest] = ()) -> Holdings:
    """``held`` plus ``keys`` and ``pending`` requests (their names must be new)."""
    names = {p.name for p in held.pending}
    if clash := [p.name for p in pending if p.name in names]:
        raise KeystoreExists("a request named {name} is already waiting to be written; "
                             "finish that change first", name=clash[0])
    return Holdings((*held.keys, *keys), held.backup, (*held.pending, *pending))


def _made(keys: Sequence[AgencyKey], requests: Requests | None) -> Sequence[PendingRequest]:
    return () if requests is None else requests(keys[0])
