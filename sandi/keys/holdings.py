"""What a keystore holds, whichever file keeps it: key versions, the backup key's
public half, and the requests its last changes still have to write.

A change that makes a key also makes the request the authority needs for it (a
key change, a member's status). Both are saved in one atomic write of the
keystore, as *pending requests*; the command then writes each request file and
clears it. Killed in between, the next run of the same command finds the pending
request and writes it: a key is never published without the keystore holding it,
and a change is never kept without its request (see docs/custodians.md).

Encoding (inside the sealed box of ``keystore.sandi`` or ``vault.sandi``)::

    msgpack [ [key record, ...], backup key or nil, [[operation, name, data], ...] ]
    backup key = [x25519 public (32), ML-KEM-768 public (1184)]

Beside the box, in the clear and authenticated with it, is the keystore's *public
part* (:class:`HeldKeys`): which agencies and key versions it holds, so that a
command can refuse an envelope addressed to none of them before asking for the
passphrase::

    msgpack [ [agency, key version], ... ]     sorted, each pair once

>>> empty = Holdings(())
>>> decode_holdings(encode_holdings(empty)) == empty
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.crypto.primitives import fingerprint
from sandi.crypto.suite import MLKEM768_PUBLIC_SIZE, X25519_SIZE
from sandi.errors import MalformedKeyFile
from sandi.keys.agencykey import (
    MAX_RECORDS,
    AgencyKey,
    PrivateKey,
    key_records,
    keys_from_records,
)

#: The label of a backup key's fingerprint (what custodians write beside their share).
BACKUP_FINGERPRINT_LABEL = b"sandi/v2/backup-key"
_MAX_PENDING = 64
_MAX_REQUEST = 1024 * 1024
MAX_PUBLIC_KEYS = 100_000


@dataclass(frozen=True)
class BackupKey:
    """The public half of a home's backup key (X25519 + ML-KEM-768)."""

    x25519: bytes
    mlkem: bytes

    def fingerprint(self) -> str:
        """Five groups of four characters to compare with what the custodians wrote down."""
        return fingerprint(BACKUP_FINGERPRINT_LABEL, self.x25519 + self.mlkem)


@dataclass(frozen=True)
class PendingRequest:
    """A request file a change made, not yet written: ``operation`` names the change
    (``rotate setda``, ``remove budi``), ``name`` the file's default name."""

    operation: str
    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Holdings:
    """The content of a keystore."""

    keys: tuple[AgencyKey, ...]
    backup: BackupKey | None = None
    pending: tuple[PendingRequest, ...] = ()


@dataclass(frozen=True)
class HeldKeys:
    """The agencies and key versions a keystore holds: its public part.

    Read without the passphrase (:meth:`sandi.Keystore.peek`) it is *unauthenticated*:
    whoever can write the file can write anything here. Use it only to refuse early
    what unlocking would refuse anyway; never to accept. Once the keystore is unlocked,
    a public part that differs from the sealed content is an error (MalformedKeyFile).
    """

    versions: tuple[tuple[str, int], ...]

    def agencies(self) -> list[str]:
        """The agencies held, each once, in order."""
        return sorted({agency for agency, _ in self.versions})

    def holds(self, agency: str) -> bool:
        """Whether any key version of ``agency`` is held."""
        return any(a == agency for a, _ in self.versions)

    def has(self, agency: str, version: int) -> bool:
        """Whether key version ``version`` of ``agency`` is held."""
        return (agency, version) in self.versions

    @classmethod
    def of(cls, keys: Iterable[PrivateKey]) -> HeldKeys:
        """The public part of a keystore holding ``keys``."""
        return cls(tuple(sorted({(k.agency, k.version) for k in keys})))


def encode_public(held: HeldKeys) -> bytes:
    """The canonical msgpack of a keystore's public part."""
    return pack([[agency, version] for agency, version in held.versions])


def decode_public(data: bytes, what: Phrase | str = "keystore") -> HeldKeys:
    """Parse :func:`encode_public` output (sorted, each pair once, or MalformedKeyFile)."""
    f = Fields(MalformedKeyFile, what)
    pairs = []
    for item in f.array(unpack(data, MalformedKeyFile, what, MAX_RECORDS), "public part", 0,
                        MAX_PUBLIC_KEYS):
        r = f.record(item, "held key", 2)
        pairs.append((f.slug(r[0], "agency"), f.integer(r[1], "key version", 1, 2**31)))
    if pairs != sorted(set(pairs)):
        f.fail("public part: held keys must be sorted and each listed once")
    return HeldKeys(tuple(pairs))


def check_public(public: bytes | None, held: Holdings, what: Phrase | str) -> None:
    """After unlocking: the clear public part must say what the sealed content holds
    (nothing to compare for a file written before public parts, ``public`` None)."""
    if public is not None and decode_public(public, what) != HeldKeys.of(held.keys):
        raise MalformedKeyFile("{what}: its public list of keys does not match the keys it "
                               "holds; the file was altered", what=what)


def encode_holdings(held: Holdings) -> bytes:
    """The canonical msgpack of ``held``."""
    backup = None if held.backup is None else [held.backup.x25519, held.backup.mlkem]
    return pack([key_records(held.keys), backup,
                 [[p.operation, p.name, p.data] for p in held.pending]])


def decode_holdings(data: bytes, what: Phrase | str = "keystore") -> Holdings:
    """Parse :func:`encode_holdings` output."""
    f = Fields(MalformedKeyFile, what)
    top = f.record(unpack(data, MalformedKeyFile, what, MAX_RECORDS), "content", 3)
    backup = None
    if top[1] is not None:
        pair = f.record(top[1], "backup key", 2)
        backup = BackupKey(f.blob(pair[0], "backup x25519", X25519_SIZE),
                           f.blob(pair[1], "backup ml-kem", MLKEM768_PUBLIC_SIZE))
    pending = []
    for item in f.array(top[2], "pending requests", 0, _MAX_PENDING):
        r = f.record(item, "pending request", 3)
        pending.append(PendingRequest(f.text(r[0], "operation", 200),
                                      f.text(r[1], "request name", 255),
                                      f.blob(r[2], "request", 1, _MAX_REQUEST)))
    return Holdings(tuple(keys_from_records(f, top[0])), backup, tuple(pending))

