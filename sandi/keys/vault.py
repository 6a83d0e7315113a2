"""Officials' own keys: no passphrase is ever shared between people.

Each member of an agency has a personal key (X25519 + Ed25519, optionally with
post-quantum halves) in ``members/<id>.key``, sealed under *their own*
passphrase. The agency's private keys live in ``vault.sandi``, encrypted with
AES-256-GCM under a random 32-byte vault key; the vault key is wrapped (exactly
as a data key is wrapped to a recipient, :mod:`sandi.crypto.wrap`) to each member's
personal X25519 key, one *slot* per member. A member unlocks their personal key,
opens their slot, and with the vault key the agency's keys.

Removing a member drops their slot, makes a new agency key version and a new
vault key: what is sealed to the new version is out of their reach.

Vault file: ``"SANDV" 0x01 || msgpack [agency, [[member, key version, slot body], ...],
nonce, box]``, the box's AAD being ``"SANDV" 0x01 || agency``.

>>> import tempfile, sandi.keys.keystore as k
>>> k.KDF_DEFAULT = k.KdfParams(ops=1, mem=8192)
>>> home = tempfile.mkdtemp()
>>> ani = create_member_key(home, "ani", passphrase="punya ani")
>>> store = init_vault(home, "bkpsdmd", {"ani": ani.public})
>>> k.Keystore.open(home, passphrase="punya ani").identity("bkpsdmd").member.agency
'ani'
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi._internal import fs as _fs
from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import aead_open
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import unwrap_key, wrap_key
from sandi.errors import (
    InvalidArgument,
    KeystoreExists,
    MalformedKeyFile,
    NoKeystore,
    NotARecipient,
)
from sandi.keys.keystore import (
    AgencyKey,
    Identity,
    Keystore,
    decode_key_records,
    encode_key_records,
)
from sandi.keys.secretfile import SealedFile, read_sealed

VAULT_FILE = "vault.sandi"
VAULT_MAGIC = b"SANDV\x01"
MEMBER_MAGIC = b"SANDM\x01"
MEMBERS_DIR = "members"
_MAX = 16 * 1024 * 1024


def member_key_path(home: Path | str, member_id: str) -> Path:
    """Where a member's personal key file lives."""
    return Path(home) / MEMBERS_DIR / f"{member_id}.key"


def create_member_key(home: Path | str, member_id: str, *, passphrase: str | bytes,
                      pq: bool = False, version: int = 1) -> AgencyKey:
    """Make a member's personal key, sealed under their own passphrase."""
    from sandi.keys import keystore as _keys  # the KDF cost is read at call time

    path = member_key_path(home, member_id)
    if path.exists():
        raise KeystoreExists("{path} already exists", path=path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = AgencyKey.generate(member_id, version, pq=pq)
    sealed = SealedFile.new(MEMBER_MAGIC, passphrase, _keys.KDF_DEFAULT)
    _fs.atomic_write(path, sealed.seal(encode_key_records([key])), mode=0o600)
    return key


def _slot(vault_key: bytes, member_id: str, public: PublicKeys, version: int) -> list[object]:
    body = wrap_key(vault_key, Suite.CLASSICAL, member_id, version, public.x25519, None)
    return [member_id, version, body]


class MemberKeystore(Keystore):
    """A keystore unlocked by one member; its agency keys come from the vault."""

    def __init__(self, path: Path, agency: str, vault_key: bytes, slots: list[list[object]],
                 member: AgencyKey, keys: list[AgencyKey]) -> None:
        self._path = path
        self._agency = agency
        self._vault_key = vault_key
        self._slots = slots
        self.member: AgencyKey = member
        self._keys = keys

    def __repr__(self) -> str:
        return f"MemberKeystore({self._agency!r}, member={self.member.agency!r})"

    def identity(self, agency: str) -> Identity:
        """The agency's keys, acting as this member."""
        base = super().identity(agency)
        return Identity(base.agency, base.keys, self.member)

    def members(self) -> list[str]:
        """The members who hold a slot."""
        return [str(s[0]) for s in self._slots]

    def add_member(self, member_id: str, public: PublicKeys, version: int = 1) -> None:
        """Give a member a slot (their public personal key comes from the pola)."""
        if member_id in self.members():
            raise KeystoreExists("{member_id} already has a slot in this vault",
                                 member_id=member_id)
        self._slots.append(_slot(self._vault_key, member_id, public, version))
        self._save(overwrite=True)

    def remove_member(self, member_id: str, remaining: Mapping[str, PublicKeys], *,
                      pq: bool = False) -> AgencyKey:
        """Drop a member, rotate to a new agency key version and a new vault key.

        ``remaining`` gives every other member's personal public key; returns the
        new agency key (send its key-change request to the authority).
        """
        if member_id not in self.members():
            raise InvalidArgument("{member_id} has no slot in this vault", member_id=member_id)
        if set(remaining) != set(self.members()) - {member_id}:
            raise InvalidArgument("give the public key of every remaining member")
        self._vault_key = secrets.token_bytes(32)
        versions = {str(s[0]): int(str(s[1])) for s in self._slots}
        self._slots = [_slot(self._vault_key, m, pub, versions[m]) for m, pub in remaining.items()]
        return self.generate(self._agency, pq=pq)

    def _reload(self) -> None:
        pass  # one member's process owns its view; _save rewrites the whole vault

    def _save(self, *, overwrite: bool) -> None:
        nonce = secrets.token_bytes(12)
        box = AESGCM(self._vault_key).encrypt(nonce, encode_key_records(self._keys),
                                              VAULT_MAGIC + self._agency.encode())
        _fs.atomic_write(self._path, VAULT_MAGIC + pack([self._agency, self._slots, nonce,
                                                         box]), overwrite=overwrite, mode=0o600)


def init_vault(home: Path | str, agency: str, members: Mapping[str, PublicKeys], *,
               keys: list[AgencyKey] | None = None, pq: bool = False) -> None:
    """Create the vault of ``agency`` with a slot for each member (and its first key
    version, unless ``keys`` are given)."""
    path = Path(home) / VAULT_FILE
    if path.exists():
        raise KeystoreExists("{path} already exists", path=path)
    vault_key = secrets.token_bytes(32)
    slots = [_slot(vault_key, m, pub, 1) for m, pub in members.items()]
    held = keys if keys is not None else [AgencyKey.generate(agency, 1, pq=pq)]
    store = MemberKeystore(path, agency, vault_key, slots, next(iter(held)), held)
    store._save(overwrite=False)


def open_member_keystore(home: Path | str, *, passphrase: str | bytes,
                         member: str | None = None) -> MemberKeystore:
    """Unlock ``member``'s personal key with their passphrase, then the vault."""
    home = Path(home)
    choices = sorted(p.stem for p in (home / MEMBERS_DIR).glob("*.key"))
    if member is None:
        if len(choices) != 1:
            raise InvalidArgument("this home has members {members}; say which one you are"
                                  " (--member)", members=", ".join(choices) or Phrase("none"))
        member = choices[0]
    key_path = member_key_path(home, member)
    if not key_path.exists():
        raise NoKeystore("no personal key for member {member} in {home}", member=member, home=home)
    _, plain = read_sealed(key_path, MEMBER_MAGIC, passphrase)
    personal = decode_key_records(plain)[-1]
    f = Fields(MalformedKeyFile, Phrase("vault"))
    data = _fs.read_private(home / VAULT_FILE)
    if not data.startswith(VAULT_MAGIC):
        f.fail("not a sandi vault")
    agency, slots, nonce, box = f.record(unpack(data[len(VAULT_MAGIC):], MalformedKeyFile,
                                                Phrase("vault"), _MAX), "vault", 4)
    slot = next((s for s in f.array(slots, "slots", 0, 10_000)
                 if f.record(s, "slot", 3)[0] == member), None)
    if slot is None:
        raise NotARecipient("{member} has no slot in the vault of {agency}: removed, or not yet "
                            "added by the agency's custodian", member=member, agency=agency)
    vault_key = unwrap_key(f.blob(slot[2], "slot", Suite.CLASSICAL.stanza_body_len),
                           Suite.CLASSICAL, member, f.integer(slot[1], "slot version", 1, 2**31),
                           personal.x25519, None, personal.public.x25519)
    plain = aead_open(vault_key, f.blob(nonce, "nonce", 12), f.blob(box, "box", 16, _MAX),
                      VAULT_MAGIC + f.slug(agency, "agency").encode(), MalformedKeyFile,
                      Phrase("vault: the slot opens but the vault was damaged or altered"))
    return MemberKeystore(home / VAULT_FILE, agency, vault_key, slots, personal,
                          decode_key_records(plain))


def adopt_keystore(home: Path | str, *, passphrase: str | bytes, member: str,
                   member_passphrase: str | bytes, pq: bool = False) -> AgencyKey:
    """Turn a home's passphrase keystore (one agency) into a vault with ``member`` as its
    first member; the keystore file, unlocked by a passphrase people could share, is
    then deleted. Returns the member's personal key."""
    old = Keystore.open(home, passphrase=passphrase)
    agencies = old.agencies()
    if len(agencies) != 1:
        raise InvalidArgument("a members' vault holds one agency; this keystore holds {held}",
                              held=", ".join(agencies) or Phrase("none"))
    personal = create_member_key(home, member, passphrase=member_passphrase, pq=pq)
    init_vault(home, agencies[0], {member: personal.public}, keys=old.keys())
    (Path(home) / "keystore.sandi").unlink()
    return personal
