"""A tamper-evident audit log of who sealed, opened and changed what.

Each record carries the SHA-256 of the one before (``prev``) and its own hash
over ``"sandi/v1/audit-record\\x00" || prev || canonical msgpack of its fields``,
so editing, deleting, inserting or reordering any record breaks the chain at
that record. A *checkpoint* is the log's size and the hash of its last record,
signed with an agency key (as transparency logs sign tree heads): handed to an
auditor (Inspektorat), it later shows whether the log still extends it, so even
a rewrite of the whole chain is detected.

The log lives in SQLite (WAL mode; each append is one ``BEGIN IMMEDIATE``
transaction, safe with concurrent writers) or, for an agency that keeps one log
for many workstations, in PostgreSQL (:mod:`sandi.audit.stores`). One ``AuditLog``
may be shared by the threads of a server: its connection is used by one thread at a
time. Plaintext, keys and passphrases are never logged: only the fields of
:class:`Record`. Times are timezone-aware datetimes (whole seconds, UTC).

>>> import tempfile, os
>>> log = AuditLog(os.path.join(tempfile.mkdtemp(), "audit.db"))
>>> _ = log.append(Event("seal", agency="diskominfo", doc_id="ab12", outcome="ok"))
>>> log.verify().size
1
"""

from __future__ import annotations

import getpass
import hashlib
import socket
import sqlite3
import threading
from base64 import b64decode, b64encode
from collections.abc import Iterator
from dataclasses import astuple, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sandi._internal.codec import is_slug, pack
from sandi._internal.time import epoch, from_epoch
from sandi.audit.stores import SqliteStore, open_store
from sandi.crypto.primitives import SigningKey, same, verify_signature
from sandi.crypto.public import PublicKeys
from sandi.errors import AuditLogBroken, InvalidArgument, MalformedInput, SignatureInvalid

RECORD_LABEL = b"sandi/v1/audit-record\x00"
CHECKPOINT_LABEL = b"sandi/v1/audit-checkpoint\x00"
GENESIS = bytes(32)
#: The last second a record or checkpoint may carry (9999-12-31 23:59:59 UTC).
LAST_SECOND = 253_402_300_799



@dataclass(frozen=True)
class Event:
    """What happened, as the caller knows it; the log adds time, user, host and chain."""

    action: str  # seal, open, verify, rewrap, rotate, revoke, pola-install ...
    agency: str = ""
    member: str = ""
    doc_id: str = ""
    classification: str = ""
    outcome: str = "ok"  # ok | refused | error
    error: str = ""  # the sandi error class name on failure


@dataclass(frozen=True)
class Record:
    """One record of the log, as stored."""

    seq: int
    time: datetime
    os_user: str
    host: str
    agency: str
    member: str
    action: str
    doc_id: str
    classification: str
    outcome: str
    error: str
    prev: bytes
    hash: bytes

    def compute_hash(self) -> bytes:
        """The hash this record must carry (its time as whole seconds since the epoch)."""
        content = [self.seq, epoch(self.time), *astuple(self)[2:-2]]
        return hashlib.sha256(RECORD_LABEL + self.prev + pack(content)).digest()


@dataclass(frozen=True)
class Checkpoint:
    """A signed (size, root) of the log; root is the hash of record ``size``."""

    agency: str
    key_version: int
    size: int
    root: bytes
    time: datetime
    signature: bytes

    def message(self) -> bytes:
        """The bytes signed."""
        return CHECKPOINT_LABEL + pack([self.agency, self.key_version, self.size, self.root,
                                        epoch(self.time)])

    def to_text(self) -> str:
        """A short text to hand to an auditor."""
        return (f"sandi audit checkpoint v1\n{self.agency} {self.key_version}\n{self.size}\n"
                f"{b64encode(self.root).decode()}\n{epoch(self.time)}\n"
                f"{b64encode(self.signature).decode()}\n")

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse :meth:`to_text` output."""
        lines = text.strip().splitlines()
        try:
            if len(lines) != 6 or lines[0] != "sandi audit checkpoint v1":
                raise ValueError("header")
            agency, version = lines[1].split(" ")
            # Parse, don't validate: plain decimal digits in range, a slug, exact sizes.
            parsed = cls(agency, _number(version, 1, 2**31), _number(lines[2], 0, 2**63 - 1),
                         b64decode(lines[3], validate=True),
                         from_epoch(_number(lines[4], 0, LAST_SECOND)),
                         b64decode(lines[5], validate=True))
        except ValueError:
            raise MalformedInput("audit checkpoint: not a sandi checkpoint text") from None
        if not is_slug(parsed.agency) or len(parsed.root) != 32 or len(parsed.signature) != 64:
            raise MalformedInput("audit checkpoint: not a sandi checkpoint text")
        return parsed

    def check_signature(self, public: PublicKeys) -> None:
        """Raise AuditLogBroken unless signed by ``public``."""
        try:
            verify_signature(public.ed25519, None, self.message(), self.signature, hybrid=False)
        except SignatureInvalid:
            raise AuditLogBroken("audit checkpoint: the signature does not verify") from None


class CheckpointKey(Protocol):
    """What signs a checkpoint: an agency's private key version (``AgencyKey``)."""

    @property
    def agency(self) -> str:
        """The agency id."""

    @property
    def version(self) -> int:
        """The key version."""

    def signing_key(self) -> SigningKey:
        """The private signing key."""


@dataclass(frozen=True)
class LogStatus:
    """A verified log's size and head, and the checkpoint it was shown to extend (whose
    signature was checked), if one was given."""

    size: int
    head: bytes
    checkpoint: Checkpoint | None = None


class AuditLog:
    """The hash-chained log, in a SQLite file or (for a ``postgresql://`` URL) PostgreSQL.

    Safe to share between threads: every use of the connection holds the log's lock.
    """

    def __init__(self, target: Path | str) -> None:
        self._store = open_store(target)
        self._lock = threading.Lock()
        self.path = target if isinstance(target, Path) else Path(target) \
            if not str(target).startswith(("postgresql://", "postgres://")) else Path()

    @property
    def _db(self) -> sqlite3.Connection:
        """The SQLite connection (SQLite logs only)."""
        assert isinstance(self._store, SqliteStore)
        return self._store.db

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._store.close()

    def append(self, event: Event, *, now: datetime | None = None) -> Record:
        """Append one record atomically (concurrent writers queue on the write lock);
        ``now`` is its time (the current time if None)."""
        at = epoch(now)

        def build(last_seq: int, last_hash: bytes | None) -> tuple[object, ...]:
            draft = Record(last_seq + 1, from_epoch(at), _user(), socket.gethostname(),
                           event.agency, event.member, event.action, event.doc_id,
                           event.classification, event.outcome, event.error,
                           last_hash or GENESIS, b"")
            return (draft.seq, at, *astuple(draft)[2:-1], draft.compute_hash())

        with self._lock:
            row = self._store.append(build)
        return _checked(row)

    def records(self, *, since: datetime | None = None, doc_id: str | None = None
                ) -> Iterator[Record]:
        """Records in order, optionally from time ``since`` or for one document."""
        after, floor = 0, None if since is None else epoch(since)
        while True:
            try:
                with self._lock:  # a batch at a time: other threads may append between
                    batch = self._store.rows(floor, doc_id, after, _BATCH)
            except sqlite3.Error as exc:  # e.g. text that is not UTF-8, written behind our back
                raise AuditLogBroken("audit log: unreadable record ({cause}): the database "
                                     "was edited", cause=type(exc).__name__) from None
            for row in batch:
                yield _checked(row)
            if len(batch) < _BATCH:
                return
            after = int(str(batch[-1][0]))

    def verify(self, checkpoint: Checkpoint | None = None, *,
               signer: PublicKeys | None = None) -> LogStatus:
        """Walk the chain; raise AuditLogBroken naming the first bad record.

        With a ``checkpoint``, also check that the log still extends it, and that
        ``signer`` (the public key of the agency version named in it) signed it: a
        checkpoint without its signer is refused (InvalidArgument), since checking only
        the chain against an unsigned claim would prove nothing.
        """
        if checkpoint is not None and signer is None:
            raise InvalidArgument("checking an audit checkpoint needs the public key of the "
                                  "agency that signed it (signer=)")
        if checkpoint is not None and signer is not None:
            checkpoint.check_signature(signer)
        prev, count = GENESIS, 0
        for record in self.records():
            count += 1
            if record.seq != count:
                raise AuditLogBroken("audit log: record {count} is missing (next is {seq}): "
                                     "deleted or reordered", count=count, seq=record.seq)
            if not same(record.prev, prev) or not same(record.compute_hash(), record.hash):
                raise AuditLogBroken("audit log: record {seq} was edited, inserted or reordered",
                                     seq=record.seq)
            if checkpoint is not None and record.seq == checkpoint.size and not same(
                    record.hash, checkpoint.root):
                raise AuditLogBroken("audit log: does not extend the checkpoint at record {size}: "
                                     "the log was rewritten", size=checkpoint.size)
            prev = record.hash
        if checkpoint is not None and count < checkpoint.size:
            raise AuditLogBroken("audit log: has {count} records, fewer than the checkpoint's "
                                 "{size}: records were removed", count=count,
                                 size=checkpoint.size)
        return LogStatus(count, prev, checkpoint)

    def checkpoint(self, key: CheckpointKey, *, now: datetime | None = None) -> Checkpoint:
        """Sign the current (size, head) with an agency key (a ``sandi.keys.AgencyKey``)."""
        status = self.verify()
        unsigned = Checkpoint(key.agency, key.version, status.size, status.head,
                              from_epoch(epoch(now)), b"")
        return replace(unsigned, signature=key.signing_key().sign(unsigned.message(),
                                                                  hybrid=False))


_BATCH = 1000


def _number(text: str, lo: int, hi: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        raise ValueError(text)
    value = int(text)
    if not lo <= value <= hi:
        raise ValueError(text)
    return value


def _checked(row: tuple[object, ...]) -> Record:
    """A stored row as a Record; a row whose types were changed is a broken log."""
    kinds = (int, int, *(str,) * 9, bytes, bytes)
    if len(row) != len(kinds) or not all(
            isinstance(v, k) and not isinstance(v, bool) for v, k in zip(row, kinds, strict=True)):
        raise AuditLogBroken("audit log: record {seq} has fields of the wrong type: the "
                             "database was edited", seq=row[0] if row else "?")
    at = row[1]
    assert isinstance(at, int)
    if not 0 <= at <= LAST_SECOND:
        raise AuditLogBroken("audit log: record {seq} has a time out of range: the database "
                             "was edited", seq=row[0])
    return Record(row[0], from_epoch(at), *row[2:])  # type: ignore[arg-type]


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
