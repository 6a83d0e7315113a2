"""The members' vault: an agency's keys, opened by each official's own key.

The agency's holdings (:mod:`sandi.keys.holdings`) are encrypted with AES-256-GCM
under a random 32-byte vault key; the vault key is wrapped to each member's personal
key (:mod:`sandi.keys.members`), one *slot* per member, with the envelope's wrap
construction under its own label (``sandi/v2/vault-slot``): hybrid (X25519 +
ML-KEM-768) when the member's key has an ML-KEM half, so a harvested vault does not
fall to a future quantum computer. A member unlocks their personal key, opens their
slot, and with the vault key the agency's keys.

Dropping a slot (removing or suspending a member) makes a new vault key, wrapped to
the remaining slots only; the keystore then makes a new agency key version, so what
is sealed after the change is out of reach of whatever the member kept.

File: ``"SANDV" 0x03 || msgpack [agency, generation, [slot, ...], public, nonce, box]``
with ``slot = [member, key version, x25519 public, ML-KEM-768 public or nil, wrapped
key]``, ``public`` the keystore's public part (:class:`sandi.keys.holdings.HeldKeys`,
read by :func:`peek_vault` without unlocking) and ``box = AES-256-GCM(vault key, nonce,
holdings)`` whose AAD is ``"SANDV" 0x03 || msgpack [agency, generation, [slot, ...],
public]``: the slots, their public keys and the public part are authenticated, so
nobody without the vault key can add, swap or replay a slot or change the list of keys
held. The generation grows by one on every write. A ``"SANDV" 0x02`` vault (before the
public part: no ``public`` field, nor in the AAD) is read, and written as ``0x03`` on its
next change.

>>> import tempfile
>>> from sandi.keys.members import create_member_key
>>> from sandi.keys.secretfile import KdfParams
>>> home = tempfile.mkdtemp()
>>> ani = create_member_key(home, "ani", passphrase="punya ani", kdf=KdfParams.TEST)
>>> create_vault(home, "bkpsdmd", {"ani": ani.public}, Holdings(()))
>>> vault, held = Vault.unlock(home, "ani", "punya ani")
>>> vault.members(), vault.slot("ani").hybrid
(['ani'], False)
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import aead_open
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import GCM_NONCE_SIZE, KEY_SIZE, MLKEM768_PUBLIC_SIZE, X25519_SIZE, Suite
from sandi.crypto.wrap import WrapLabels, unwrap_key, wrap_key
from sandi.errors import (
    FileUnreadable,
    InvalidArgument,
    KeystoreExists,
    MalformedKeyFile,
    NoKeystore,
    NotARecipient,
)
from sandi.keys.agencykey import MAX_RECORDS, AgencyKey
from sandi.keys.holdings import (
    HeldKeys,
    Holdings,
    PendingRequest,
    check_public,
    decode_holdings,
    decode_public,
    encode_holdings,
    encode_public,
)
from sandi.keys.members import (
    choose_member,
    create_member_key,
    member_key_path,
    unlock_member_key,
)
from sandi.keys.secretfile import MAX_PUBLIC, KdfParams, lock_path
from sandi.keys.storage import KEYSTORE_FILE, PassphraseFile, check_unchanged, digest

VAULT_FILE = "vault.sandi"
VAULT_MAGIC = b"SANDV\x03"
_VAULT_MAGIC_V2 = b"SANDV\x02"  # read, never written: no public part
SLOT_LABEL = b"sandi/v2/vault-slot"
SLOT_LABELS = WrapLabels(SLOT_LABEL + b"/x25519", SLOT_LABEL + b"/mlkem768x25519")
_WHAT = Phrase("vault")


@dataclass(frozen=True)
class Slot:
    """One member's slot: their personal public key and the vault key wrapped to it."""

    member: str
    version: int
    x25519: bytes
    mlkem: bytes | None
    body: bytes = field(repr=False)

    @property
    def hybrid(self) -> bool:
        """Whether the vault key is wrapped with X25519 + ML-KEM-768."""
        return self.mlkem is not None

    @property
    def suite(self) -> Suite:
        """The wrap construction of this slot."""
        return Suite.HYBRID if self.hybrid else Suite.CLASSICAL

    @classmethod
    def make(cls, vault_key: bytes, member: str, version: int, x25519: bytes,
             mlkem: bytes | None) -> Slot:
        """Wrap ``vault_key`` to a member's personal key (hybrid if it has ML-KEM)."""
        suite = Suite.HYBRID if mlkem is not None else Suite.CLASSICAL
        body = wrap_key(vault_key, suite, member, version, x25519, mlkem, labels=SLOT_LABELS)
        return cls(member, version, x25519, mlkem, body)

    def rewrapped(self, vault_key: bytes) -> Slot:
        """The same slot for a new vault key."""
        return Slot.make(vault_key, self.member, self.version, self.x25519, self.mlkem)

    def is_for(self, public: PublicKeys) -> bool:
        """Whether this slot is wrapped to ``public`` (a personal key the pola lists)."""
        return (self.x25519, self.mlkem) == (public.x25519, public.mlkem)

    def record(self) -> list[object]:
        """The slot as a msgpack value."""
        return [self.member, self.version, self.x25519, self.mlkem, self.body]


def _slots(f: Fields, value: object) -> list[Slot]:
    out = []
    for item in f.array(value, "slots", 0, 10_000):
        r = f.record(item, "slot", 5)
        mlkem = None if r[3] is None else f.blob(r[3], "slot ml-kem", MLKEM768_PUBLIC_SIZE)
        suite = Suite.HYBRID if mlkem is not None else Suite.CLASSICAL
        out.append(Slot(f.slug(r[0], "member"), f.integer(r[1], "slot version", 1, 2**31),
                        f.blob(r[2], "slot x25519", X25519_SIZE), mlkem,
                        f.blob(r[4], "slot", suite.stanza_body_len)))
    if len({s.member for s in out}) != len(out):
        f.fail("a member has two slots")
    return out


def _aad(agency: str, generation: int, slots: list[Slot], public: bytes | None) -> bytes:
    records = [s.record() for s in slots]
    if public is None:
        return _VAULT_MAGIC_V2 + pack([agency, generation, records])
    return VAULT_MAGIC + pack([agency, generation, records, public])


def _fields(data: bytes) -> tuple[Fields, list[Any], bytes | None]:
    """The vault's fields (without the public part) and its public part (None in a
    ``0x02`` vault)."""
    f = Fields(MalformedKeyFile, _WHAT)
    if data.startswith(VAULT_MAGIC):
        *head, public, nonce, box = f.record(
            unpack(data[len(VAULT_MAGIC):], MalformedKeyFile, _WHAT, MAX_RECORDS), "vault", 6)
        return f, [*head, nonce, box], f.blob(public, "public part", 1, MAX_PUBLIC)
    if not data.startswith(_VAULT_MAGIC_V2):
        f.fail("not a sandi vault of this version")
    return f, f.record(unpack(data[len(_VAULT_MAGIC_V2):], MalformedKeyFile, _WHAT,
                              MAX_RECORDS), "vault", 5), None


def peek_vault(path: Path) -> HeldKeys | None:
    """The public part of the vault at ``path``, unauthenticated; None for a vault
    without one."""
    try:
        data = _fs.read_private(path)
    except OSError as exc:
        raise FileUnreadable("cannot read {path}: {reason}", path=path,
                             reason=_fs.os_reason(exc, reading=True)) from None
    public = _fields(data)[2]
    return None if public is None else decode_public(public, _WHAT)


class Vault:
    """``vault.sandi`` unlocked by one member: a :class:`sandi.keys.storage.Storage`
    with the slot operations a custodian needs."""

    def __init__(self, path: Path, member: AgencyKey, kdf: KdfParams) -> None:
        self._path = path
        self._member = member
        self._kdf = kdf
        self.agency = ""
        self._vault_key = b""
        self._slots: list[Slot] = []
        self._generation = 0
        self._loaded: bytes | None = None

    def __repr__(self) -> str:
        return f"Vault({self.agency!r}, member={self._member.agency!r})"

    @property
    def path(self) -> Path:
        """The vault file."""
        return self._path

    @property
    def kdf(self) -> KdfParams:
        """The Argon2id cost of the member's personal key file."""
        return self._kdf

    @property
    def member(self) -> AgencyKey:
        """The personal key of the member who unlocked the vault."""
        return self._member

    @classmethod
    def unlock(cls, home: str | os.PathLike[str], member: str | None,
               passphrase: str | bytes) -> tuple[Vault, Holdings]:
        """Unlock ``member``'s personal key with their passphrase, then their slot."""
        home = Path(home)
        if not (home / VAULT_FILE).exists():
            raise NoKeystore("no keystore in {home}", home=home)
        personal, kdf = unlock_member_key(home, choose_member(home, member), passphrase)
        vault = cls(home / VAULT_FILE, personal, kdf)
        return vault, vault.load()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """``vault.lock`` beside the vault."""
        with _fs.locked(lock_path(self._path)):
            yield

    def load(self) -> Holdings:
        """Re-read the vault and open it through this member's slot."""
        try:
            data = _fs.read_private(self._path)
        except OSError as exc:
            raise FileUnreadable("cannot read {path}: {reason}", path=self._path,
                                 reason=_fs.os_reason(exc, reading=True)) from None
        f, (agency, generation, raw_slots, nonce, box), public = _fields(data)
        agency = f.slug(agency, "agency")
        generation = f.integer(generation, "generation", 0, 2**62)
        slots = _slots(f, raw_slots)
        me = self._member
        slot = next((s for s in slots if s.member == me.agency), None)
        if slot is None or slot.x25519 != me.public.x25519:
            raise NotARecipient("{member} has no slot in the vault of {agency}: removed, "
                                "suspended, or not yet added by the agency's custodian",
                                member=me.agency, agency=agency)
        vault_key = unwrap_key(slot.body, slot.suite, slot.member, slot.version, me.x25519,
                               me.mlkem_key(), me.public.x25519, labels=SLOT_LABELS)
        plain = aead_open(vault_key, f.blob(nonce, "nonce", GCM_NONCE_SIZE),
                          f.blob(box, "box", 16, MAX_RECORDS),
                          _aad(agency, generation, slots, public), MalformedKeyFile,
                          Phrase("vault: the slot opens but the vault was damaged or altered"))
        self.agency, self._vault_key, self._slots = agency, vault_key, slots
        self._generation, self._loaded = generation, digest(data)
        held = decode_holdings(plain, _WHAT)
        check_public(public, held, _WHAT)
        return held

    def save(self, held: Holdings) -> None:
        """Encrypt ``held`` under the vault key (compare-and-swap against :meth:`load`)."""
        check_unchanged(self._path, self._loaded)
        data = _encode(self.agency, self._generation + 1, self._slots, self._vault_key, held)
        _fs.atomic_write(self._path, data, overwrite=True, mode=0o600)
        self._generation += 1
        self._loaded = digest(data)

    # --- slots (between load and save, with the lock held) ------------------------------

    def members(self) -> list[str]:
        """The members who hold a slot."""
        return [s.member for s in self._slots]

    def slot(self, member: str) -> Slot | None:
        """``member``'s slot, if any."""
        return next((s for s in self._slots if s.member == member), None)

    def add_slot(self, member: str, public: PublicKeys, version: int) -> None:
        """Wrap the vault key to a member's personal key."""
        if self.slot(member) is not None:
            raise KeystoreExists("{member_id} already has a slot in this vault", member_id=member)
        self._slots = [*self._slots, Slot.make(self._vault_key, member, version, public.x25519,
                                                        public.mlkem)]

    def drop_slot(self, member: str) -> None:
        """Drop ``member``'s slot and wrap a new vault key to the others."""
        if self.slot(member) is None:
            raise InvalidArgument("{member_id} has no slot in this vault", member_id=member)
        if member == self._member.agency:
            raise InvalidArgument("{member_id} cannot remove their own slot; another member "
                                  "must", member_id=member)
        self._vault_key = secrets.token_bytes(KEY_SIZE)
        self._slots = [s.rewrapped(self._vault_key) for s in self._slots if s.member != member]


def _encode(agency: str, generation: int, slots: list[Slot], vault_key: bytes,
            held: Holdings) -> bytes:
    nonce = secrets.token_bytes(GCM_NONCE_SIZE)
    public = encode_public(HeldKeys.of(held.keys))
    box = AESGCM(vault_key).encrypt(nonce, encode_holdings(held),
                                    _aad(agency, generation, slots, public))
    return VAULT_MAGIC + pack([agency, generation, [s.record() for s in slots], public, nonce,
                               box])


def create_vault(home: str | os.PathLike[str], agency: str, members: Mapping[str, PublicKeys],
                 held: Holdings) -> None:
    """Write a new vault of ``agency`` holding ``held``, with a slot for each member."""
    path = Path(home) / VAULT_FILE
    vault_key = secrets.token_bytes(KEY_SIZE)
    slots = [Slot.make(vault_key, m, 1, p.x25519, p.mlkem) for m, p in members.items()]
    with _fs.locked(lock_path(path)):
        if path.exists():
            raise KeystoreExists("{path} already exists", path=path)
        _fs.atomic_write(path, _encode(agency, 0, slots, vault_key, held), mode=0o600)


def init_vault(home: str | os.PathLike[str], agency: str, members: Mapping[str, PublicKeys], *,
               keys: Sequence[AgencyKey] | None = None, pq: bool = False) -> None:
    """Create the vault of ``agency`` with a slot for each member, holding ``keys`` (or a
    first key version of the agency)."""
    held = list(keys) if keys is not None else [AgencyKey.generate(agency, 1, pq=pq)]
    create_vault(home, agency, members, Holdings(tuple(held)))


#: Makes the requests an adoption needs, from the first member's personal key and the
#: agency's keys (the member request, signed by the agency's current key).
AdoptRequests = Callable[[AgencyKey, Sequence[AgencyKey]], Sequence[PendingRequest]]


def adopt_keystore(home: str | os.PathLike[str], *, passphrase: str | bytes, member: str,
                   member_passphrase: str | bytes, pq: bool = False,
                   kdf: KdfParams = KdfParams.STANDARD,
                   requests: AdoptRequests | None = None) -> None:
    """Turn a home's passphrase keystore (one agency) into a vault with ``member`` as its
    first member, then delete the keystore file (one passphrase, easy to share).

    Resumable: killed after the personal key was made, a rerun unlocks it with
    ``member_passphrase``; killed after the vault was written, a rerun checks that the
    vault holds every key of the keystore before deleting it. Done already, it does
    nothing. Where the agency's keys are hybrid, the personal key is too.
    """
    home = Path(home)
    store_path, vault_path = home / KEYSTORE_FILE, home / VAULT_FILE
    if not store_path.exists():
        if vault_path.exists():
            return
        raise NoKeystore("no keystore in {home}", home=home)
    old, _ = PassphraseFile.unlock(store_path, passphrase)
    with old.lock():
        held = old.load()
        agencies = sorted({k.agency for k in held.keys})
        if len(agencies) != 1:
            raise InvalidArgument("a members' vault holds one agency; this keystore holds "
                                  "{held}", held=", ".join(agencies) or Phrase("none"))
        if member_key_path(home, member).exists():
            personal, _ = unlock_member_key(home, member, member_passphrase)
        else:
            personal = create_member_key(home, member, passphrase=member_passphrase,
                                         pq=pq or any(k.public.has_pq for k in held.keys),
                                         kdf=kdf)
        if not vault_path.exists():
            made = () if requests is None else requests(personal, held.keys)
            create_vault(home, agencies[0], {member: personal.public},
                         Holdings(held.keys, held.backup, (*held.pending, *made)))
        else:
            _, moved = Vault.unlock(home, member, member_passphrase)
            if not {_id(k) for k in held.keys} <= {_id(k) for k in moved.keys}:
                raise KeystoreExists("{path} exists and does not hold every key of {store}; "
                                     "keep both and ask for help", path=vault_path,
                                     store=store_path)
        try:
            store_path.unlink()
            _fs.fsync_dir(home)  # the removal is durable before we report it
        except OSError as exc:
            raise _fs.storage_error(exc, store_path) from None


def _id(key: AgencyKey) -> tuple[str, int, bytes]:
    return key.agency, key.version, key.x25519
