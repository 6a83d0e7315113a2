"""Officials' personal keys: no passphrase is ever shared between people.

Each member of an agency has a personal key (X25519 + Ed25519, with ML-KEM-768 and
ML-DSA-65 halves where the agency uses the hybrid suite) in ``members/<id>.key``
(mode 0600), sealed under *their own* passphrase (``"SANDM" 0x01``, one key record,
:mod:`sandi.keys.secretfile`). Its public half goes to the authority in a member
request and is published in the pola; the members' vault (:mod:`sandi.keys.vault`)
wraps the agency's keys to it.

>>> import tempfile
>>> home = tempfile.mkdtemp()
>>> ani = create_member_key(home, "ani", passphrase="punya ani", kdf=KdfParams.TEST)
>>> unlock_member_key(home, "ani", "punya ani")[0].public == ani.public
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sandi._internal import fs as _fs
from sandi._internal.i18n import Phrase
from sandi.errors import (
    InactiveMember,
    InvalidArgument,
    KeyNotValid,
    KeyRevoked,
    KeystoreExists,
)
from sandi.keys.agencykey import AgencyKey, PrivateKey, decode_key_records, encode_key_records
from sandi.keys.secretfile import MEMBER_KEY, KdfParams, SealedFile, read_sealed

if TYPE_CHECKING:
    from sandi.pola.policy import Pola

MEMBER_MAGIC = MEMBER_KEY.magic
MEMBERS_DIR = "members"


def member_key_path(home: str | os.PathLike[str], member_id: str) -> Path:
    """Where a member's personal key file lives."""
    return Path(home) / MEMBERS_DIR / f"{member_id}.key"


def member_ids(home: str | os.PathLike[str]) -> list[str]:
    """The members with a personal key file in ``home``."""
    return sorted(p.stem for p in (Path(home) / MEMBERS_DIR).glob("*.key"))


def create_member_key(home: str | os.PathLike[str], member_id: str, *, passphrase: str | bytes,
                      pq: bool = False, version: int = 1,
                      kdf: KdfParams = KdfParams.STANDARD) -> AgencyKey:
    """Make a member's personal key, sealed under their own passphrase at cost ``kdf``."""
    path = member_key_path(home, member_id)
    if path.exists():
        raise KeystoreExists("{path} already exists", path=path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise _fs.storage_error(exc, path.parent) from None
    key = AgencyKey.generate(member_id, version, pq=pq)
    sealed = SealedFile.new(MEMBER_MAGIC, passphrase, kdf)
    _fs.atomic_write(path, sealed.seal(encode_key_records([key])), mode=0o600)
    return key


def choose_member(home: str | os.PathLike[str], member: str | None) -> str:
    """``member``, or the only member with a key file in ``home``."""
    if member is not None:
        return member
    choices = member_ids(home)
    if len(choices) != 1:
        raise InvalidArgument("this home has members {members}; say which one you are"
                              " (--member)", members=", ".join(choices) or Phrase("none"))
    return choices[0]


def unlock_member_key(home: str | os.PathLike[str], member_id: str,
                      passphrase: str | bytes) -> tuple[AgencyKey, KdfParams]:
    """A member's personal key, and the Argon2id cost protecting its file."""
    path = member_key_path(home, member_id)
    if not path.exists():  # a mistyped member id, most often: say who is here
        raise InvalidArgument("{home} has no member {member}; its members are {members}",
                              home=home, member=member_id,
                              members=", ".join(member_ids(home)) or Phrase("none"))
    sealed, plain = read_sealed(path, MEMBER_MAGIC, passphrase)
    return decode_key_records(plain)[-1], sealed.params


def check_member(agency: str, me: PrivateKey, pola: Pola, at: int) -> tuple[Phrase, ...]:
    """Refuse a member (``me``, their personal key) of ``agency`` whom the pola lists as
    suspended, removed, or with another key (KeyNotValid: their personal key is not valid
    for the agency at ``at``, seconds since the epoch); a warning if it does not list them
    yet."""
    listed = next((m for m in pola.agency(agency).members if m.id == me.agency), None)
    if listed is None:
        return (Phrase("{member} is not yet listed as a member of {agency} in the installed "
                       "pola; what they sign is refused until the authority enrols them",
                       member=me.agency, agency=agency),)
    if not any(k.version == me.version and k.keys == me.public for k in listed.keys):
        raise InactiveMember("the pola lists another personal key for {member}: this key "
                              "file does not unlock the keys of {agency}", member=me.agency,
                              agency=agency)
    try:
        listed._check_active_at(agency, at)
    except KeyRevoked:  # suspended or removed (KeyNotValid: joins later, let in)
        removed = listed.status.value == "removed"
        raise InactiveMember("the installed pola lists {member} as {status} from {agency}: "
                              "they may not unlock its keys", member=me.agency, agency=agency,
                              status=Phrase("removed") if removed else Phrase("suspended")
                              ) from None
    except KeyNotValid:
        pass
    return ()
