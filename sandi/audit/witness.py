"""A witness: another agency that cosigns an audit log's checkpoints, each only if it
extends the last one it cosigned for that log.

The agency's custodian sends a :class:`CosignRequest` (its signed checkpoint, the size
of the last one this witness cosigned and an RFC 9162 consistency proof from it: the
body of C2SP ``tlog-witness``'s add-checkpoint, as a file); the witness checks the
agency's signature with its own installed pola, checks the proof against the size and
root it keeps for that log, signs a cosignature, and keeps the new size and root. Its
state is a SQLite file or a PostgreSQL table; each request runs in one transaction
holding the state's write lock, so two requests at once never both advance from the
same state. A log that shrank, or shows a different root at a size the witness has
seen (a fork, a rewritten record), is refused with AuditLogBroken, and its state
does not move. The witness learns only sizes and hashes, never a record.

>>> import tempfile, os
>>> from sandi.demo import demo_world
>>> from sandi.audit import AuditLog, Event
>>> w = demo_world()
>>> home = tempfile.mkdtemp()
>>> log = AuditLog(os.path.join(home, "audit.db"))
>>> _ = log.append(Event("seal", agency="bkpsdmd"))
>>> signed = log.checkpoint(w.keystore.get("bkpsdmd", 1), pola=w.pola)
>>> witness = Witness(os.path.join(home, "witness.db"), pola=w.pola,
...                   key=w.keystore.get("inspektorat", 1))
>>> cosigned = witness.cosign(log.witness_request(signed))
>>> log.keep(cosigned, pola=w.pola, witness="inspektorat").size
1
"""

from __future__ import annotations

import os
import sqlite3
import threading
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sandi._internal.i18n import Phrase
from sandi.audit.checkpoint import ORIGIN, Checkpoint, CheckpointKey, add_cosignature
from sandi.audit.merkle import MAX_PROOF, check_consistency
from sandi.audit.stores import connect_sqlite, require_psycopg
from sandi.crypto.primitives import same
from sandi.errors import AuditLogBroken, InvalidArgument, MalformedInput, StorageError
from sandi.pola.policy import Pola

_STATE = ("CREATE TABLE IF NOT EXISTS witnessed (origin TEXT PRIMARY KEY, size BIGINT NOT NULL,"
          " root {blob} NOT NULL, checkpoint TEXT NOT NULL)")
_LOCK_ID = 0x53414E57  # "SANW": the advisory lock of a PostgreSQL witness
T = TypeVar("T")


@dataclass(frozen=True)
class CosignRequest:
    """A checkpoint and the proof that it extends the one of ``old_size`` records."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: Checkpoint

    def to_text(self) -> str:
        """``old N``, the proof's hashes (base64, one a line), a blank line, the
        checkpoint."""
        return (f"old {self.old_size}\n" + "".join(f"{b64encode(h).decode()}\n"
                                                    for h in self.proof)
                + "\n" + self.checkpoint.to_text())

    @classmethod
    def from_text(cls, text: str) -> CosignRequest:
        """Parse :meth:`to_text` output; MalformedInput otherwise."""
        head, _, note = text.partition("\n\n")
        lines = head.split("\n")
        try:
            if len(lines) > MAX_PROOF + 1 or not lines[0].startswith("old "):
                raise ValueError("head")
            proof = tuple(b64decode(line, validate=True) for line in lines[1:])
            if any(len(h) != 32 for h in proof):
                raise ValueError("proof")
            old = lines[0][4:]
            if not old.isascii() or not old.isdigit() or (len(old) > 1 and old[0] == "0") \
                    or len(old) > 19:
                raise ValueError("old")
            parsed = cls(int(old), proof, Checkpoint.from_text(note))
        except ValueError:
            raise MalformedInput("audit checkpoint: not a sandi cosigning request") from None
        if parsed.to_text() != text or parsed.old_size > parsed.checkpoint.size:
            raise MalformedInput("audit checkpoint: not a sandi cosigning request")
        return parsed


class Witness:
    """The witness of one agency (``key``, its private key version, published in
    ``pola``), keeping its state in a SQLite file or a ``postgresql://`` URL."""

    def __init__(self, target: str | os.PathLike[str], *, pola: Pola, key: CheckpointKey) -> None:
        self._pola, self._key = pola, key
        self._lock = threading.Lock()
        self._state = _open_state(target)

    def close(self) -> None:
        """Close the state's database."""
        with self._lock:
            self._state.close()

    def cosign(self, request: CosignRequest, *, now: datetime | None = None) -> Checkpoint:
        """The request's checkpoint with this witness's cosignature, if it is signed by
        its agency's key in the pola and extends the last checkpoint cosigned for that
        log (the first one for a log is taken as it is, from ``old 0``).

        Raises AuditLogBroken for a log that shrank, forked or was rewritten (the state
        is unchanged), InvalidArgument for a request made from another size than the one
        the witness last cosigned (make it again from that size).
        """
        checkpoint = request.checkpoint
        if checkpoint.agency == self._key.agency:
            raise InvalidArgument("an agency cannot witness its own audit log")
        checkpoint.check(self._pola)
        origin = ORIGIN + checkpoint.agency

        def advance(last: tuple[int, bytes, str] | None) -> tuple[Checkpoint, bool]:
            size, root = (0, b"") if last is None else last[:2]
            if last is not None and checkpoint.size == size and same(checkpoint.root, root):
                # The same checkpoint again (a rerun after a crash): cosign it again.
                return add_cosignature(checkpoint, self._key, pola=self._pola, now=now), False
            if checkpoint.size < size:
                raise AuditLogBroken("audit checkpoint: {origin} has {new} records, fewer "
                                     "than the {old} already witnessed: records were removed",
                                     origin=origin, new=checkpoint.size, old=size)
            if last is not None and checkpoint.size == size:  # another root, same size
                raise AuditLogBroken("audit checkpoint: the log at size {new} does not extend "
                                     "the one at size {old}: it was rewritten or forked",
                                     new=size, old=size)
            if request.old_size != size:
                raise InvalidArgument("audit checkpoint: the witness last cosigned {origin} at "
                                      "{size} records; make the request again from {size}",
                                      origin=origin, size=size)
            if last is not None:
                check_consistency(size, checkpoint.size, root, checkpoint.root, request.proof)
            return add_cosignature(checkpoint, self._key, pola=self._pola, now=now), True

        with self._lock:
            return self._state.transaction(origin, advance)


def witnessed(target: str | os.PathLike[str], agency: str) -> Checkpoint | None:
    """The last checkpoint the witness with state ``target`` cosigned for ``agency``'s
    log, as it handed it out: what an auditor checks the agency's log against (with
    ``AuditLog.verify(checkpoint, pola=..., witness=...)``)."""
    state = _open_state(target)
    try:
        text = state.read(f"{ORIGIN}{agency}")
    finally:
        state.close()
    return None if text is None else Checkpoint.from_text(text)


def _open_state(target: str | os.PathLike[str]) -> _SqliteState | _PgState:
    if os.fspath(target).startswith(("postgresql://", "postgres://")):
        return _PgState(os.fspath(target))
    return _SqliteState(Path(target))


Advance = Callable[[tuple[int, bytes, str] | None], tuple[Checkpoint, bool]]


class _SqliteState:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect_sqlite(path, Phrase("the witness's state"),
                                 [_STATE.format(blob="BLOB")])

    def transaction(self, origin: str, advance: Advance) -> Checkpoint:
        try:
            self.db.execute("BEGIN IMMEDIATE")  # the write lock, held until COMMIT
            try:
                row = self.db.execute("SELECT size, root, checkpoint FROM witnessed WHERE "
                                      "origin = ?", (origin,)).fetchone()
                cosigned, moved = advance(_row(row))
                if moved:
                    self.db.execute("INSERT OR REPLACE INTO witnessed VALUES (?, ?, ?, ?)",
                                    (origin, cosigned.size, cosigned.root, cosigned.to_text()))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StorageError("cannot write the witness's state {path}: {exc}",
                               path=self.path, exc=exc) from None
        return cosigned

    def read(self, origin: str) -> str | None:
        row = self.db.execute("SELECT checkpoint FROM witnessed WHERE origin = ?",
                              (origin,)).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.db.close()


class _PgState:
    def __init__(self, url: str) -> None:
        require_psycopg()
        import psycopg
        self._psycopg = psycopg
        self.where = url.split("@")[-1]  # never echo the password
        self.db = self._run(lambda: psycopg.connect(url))
        self._run(lambda: self._schema())

    def _schema(self) -> None:
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            self.db.execute(_STATE.format(blob="BYTEA"))

    def _run(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except self._psycopg.Error as exc:
            raise StorageError("cannot write the witness's state at {where}: {cause}",
                               where=self.where, cause=type(exc).__name__) from None

    def transaction(self, origin: str, advance: Advance) -> Checkpoint:
        def run() -> Checkpoint:
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                row = self.db.execute("SELECT size, root, checkpoint FROM witnessed WHERE "
                                      "origin = %s", (origin,)).fetchone()
                cosigned, moved = advance(_row(row))
                if moved:
                    self.db.execute(
                        "INSERT INTO witnessed VALUES (%s, %s, %s, %s) ON CONFLICT (origin) DO "
                        "UPDATE SET size = EXCLUDED.size, root = EXCLUDED.root, "
                        "checkpoint = EXCLUDED.checkpoint",
                        (origin, cosigned.size, cosigned.root, cosigned.to_text()))
            return cosigned
        return self._run(run)

    def read(self, origin: str) -> str | None:
        def run() -> str | None:
            row = self.db.execute("SELECT checkpoint FROM witnessed WHERE origin = %s",
                                  (origin,)).fetchone()
            self.db.commit()
            return None if row is None else str(row[0])
        return self._run(run)

    def close(self) -> None:
        self.db.close()


def _row(row: Any) -> tuple[int, bytes, str] | None:
    return None if row is None else (int(row[0]), bytes(row[1]), str(row[2]))
