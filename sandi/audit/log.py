"""A tamper-evident audit log of who sealed, opened and changed what.

Each record carries the SHA-256 of the one before (``prev``) and its own hash
over ``"sandi/v1/audit-record\\x00" || prev || canonical msgpack of its fields``,
so editing, deleting, inserting or reordering any record breaks the chain at
that record. A *checkpoint* (:mod:`sandi.audit.checkpoint`) is the log's size and
the RFC 9162 Merkle root over its records' hashes, signed with an agency key and
cosigned by a witness, another agency that checked it extends the last checkpoint
it saw (:mod:`sandi.audit.witness`): even a rewrite of the whole chain, a
truncation or a fork after a cosigned checkpoint is then detected.

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
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sandi._internal.codec import pack
from sandi._internal.time import LAST_SECOND, epoch, from_epoch
from sandi.audit.merkle import MerkleTree, consistency_proof, tree_root
from sandi.audit.stores import BUSY_TIMEOUT, SqliteStore, open_store
from sandi.crypto.primitives import same
from sandi.errors import AuditLogBroken, InvalidArgument, MalformedInput
from sandi.pola.policy import Pola

if TYPE_CHECKING:  # checkpoints load when one is made or read, not on every append
    from sandi.audit.checkpoint import Checkpoint, CheckpointKey
    from sandi.audit.witness import CosignRequest

RECORD_LABEL = b"sandi/v1/audit-record\x00"
GENESIS = bytes(32)


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

    def __init__(self, target: str | os.PathLike[str], *,
                 busy_timeout: float = BUSY_TIMEOUT) -> None:
        """Open (or create) the log at ``target``: a SQLite file's path, or a
        ``postgresql://`` URL. A SQLite writer waits up to ``busy_timeout`` seconds for
        another's lock, then raises StorageError."""
        self._store = open_store(target, busy_timeout=busy_timeout)
        self._lock = threading.Lock()
        text = os.fspath(target)
        self.path = Path() if text.startswith(("postgresql://", "postgres://")) else Path(text)

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

    def verify(self, checkpoint: Checkpoint | None = None, *, pola: Pola | None = None,
               witness: str | None = None) -> LogStatus:
        """Walk the chain; raise AuditLogBroken naming the first bad record.

        With a ``checkpoint`` (or, with a ``witness`` and no checkpoint, the latest one
        kept by :meth:`keep`), also check that ``pola``'s key of its agency signed it,
        that ``witness`` (an agency of the pola) cosigned it, if named, and that the log
        still extends it: its first ``size`` records have its Merkle root. A checkpoint
        is never checked without the pola (InvalidArgument): the chain alone against an
        unsigned claim proves nothing.
        """
        if checkpoint is None and witness is not None:
            checkpoint = self.latest_checkpoint()
            if checkpoint is None:
                raise AuditLogBroken("audit log: no checkpoint cosigned by {witness} is kept: "
                                     "none was made, or it was removed", witness=witness)
        if checkpoint is not None:
            if pola is None:
                raise InvalidArgument("checking an audit checkpoint needs the pola that "
                                      "publishes the agency's key (pola=)")
            checkpoint.check(pola, witness=witness)
        tree = MerkleTree()
        prev, count = GENESIS, 0
        for record in self.records():
            count += 1
            if record.seq != count:
                raise AuditLogBroken("audit log: record {count} is missing (next is {seq}): "
                                     "deleted or reordered", count=count, seq=record.seq)
            if not same(record.prev, prev) or not same(record.compute_hash(), record.hash):
                raise AuditLogBroken("audit log: record {seq} was edited, inserted or reordered",
                                     seq=record.seq)
            if checkpoint is not None and count <= checkpoint.size:
                tree.append(record.hash)
                if count == checkpoint.size and not same(tree.root(), checkpoint.root):
                    raise AuditLogBroken("audit log: does not extend the checkpoint at record "
                                         "{size}: the log was rewritten", size=checkpoint.size)
            prev = record.hash
        if checkpoint is not None and count < checkpoint.size:
            raise AuditLogBroken("audit log: has {count} records, fewer than the checkpoint's "
                                 "{size}: records were removed", count=count,
                                 size=checkpoint.size)
        if checkpoint is not None and checkpoint.size == 0 and not same(
                tree.root(), checkpoint.root):
            raise AuditLogBroken("audit log: does not extend the checkpoint at record {size}: "
                                 "the log was rewritten", size=checkpoint.size)
        return LogStatus(count, prev, checkpoint)

    def _leaves(self) -> list[bytes]:
        """The hashes of every record, after checking the chain."""
        leaves: list[bytes] = []
        prev = GENESIS
        for record in self.records():
            if record.seq != len(leaves) + 1 or not same(record.prev, prev) or not same(
                    record.compute_hash(), record.hash):
                self.verify()  # names the first bad record
                raise AuditLogBroken("audit log: record {seq} changed while it was read",
                                     seq=record.seq)
            leaves.append(record.hash)
            prev = record.hash
        return leaves

    def checkpoint(self, key: CheckpointKey, *, pola: Pola) -> Checkpoint:
        """Sign the log's current size and Merkle root with an agency key (a
        ``sandi.keys.AgencyKey`` published in ``pola``), hybrid if the pola requires it."""
        from sandi.audit.checkpoint import sign_checkpoint

        return sign_checkpoint(key, *self._size_and_root(), pola=pola)

    def _size_and_root(self) -> tuple[int, bytes]:
        leaves = self._leaves()
        return len(leaves), tree_root(leaves)

    def witness_request(self, checkpoint: Checkpoint, *,
                        old_size: int | None = None) -> CosignRequest:
        """What a witness needs to cosign ``checkpoint``: a consistency proof from
        ``old_size``, the size of the last checkpoint the witness cosigned (by default
        the latest kept by :meth:`keep`, else 0). AuditLogBroken if the log no longer
        has the checkpoint's root, or has fewer records than ``old_size``."""
        leaves = self._leaves()
        kept = self.latest_checkpoint() if old_size is None else None
        if old_size is None:
            old_size = 0 if kept is None else kept.size
        for held in (checkpoint, kept):
            if held is not None and (len(leaves) < held.size or not same(
                    tree_root(leaves[:held.size]), held.root)):
                raise AuditLogBroken("audit log: does not extend the checkpoint at record "
                                     "{size}: the log was rewritten", size=held.size)
        if not 0 <= old_size <= checkpoint.size:
            raise AuditLogBroken("audit log: has {count} records, fewer than the checkpoint's "
                                 "{size}: records were removed", count=checkpoint.size,
                                 size=old_size)
        proof = consistency_proof(leaves[:checkpoint.size], old_size)
        from sandi.audit.witness import CosignRequest

        return CosignRequest(old_size, tuple(proof), checkpoint)

    def keep(self, checkpoint: Checkpoint, *, pola: Pola, witness: str) -> LogStatus:
        """Check that ``witness`` cosigned ``checkpoint`` and the log extends it
        (:meth:`verify`), then keep it in the log, where :meth:`verify` with a
        ``witness`` finds it. Only the table's INSERT is needed."""
        status = self.verify(checkpoint, pola=pola, witness=witness)
        with self._lock:
            self._store.add_checkpoint(checkpoint.size, checkpoint.to_text())
        return status

    def latest_checkpoint(self) -> Checkpoint | None:
        """The kept checkpoint of the largest size (parsed, not yet verified)."""
        with self._lock:
            text = self._store.checkpoint_text()
        if text is None:
            return None
        from sandi.audit.checkpoint import Checkpoint

        try:
            return Checkpoint.from_text(text)
        except MalformedInput:
            raise AuditLogBroken("audit log: a kept checkpoint is not a checkpoint: the "
                                 "database was edited") from None


_BATCH = 1000


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
