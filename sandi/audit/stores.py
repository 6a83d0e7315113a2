"""Where the audit log's records live: SQLite (the default) or PostgreSQL.

Both keep the same table and the same chain; each append runs in one
transaction that holds the log's write lock while it reads the last record and
inserts the next (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a transaction-scoped
advisory lock), so concurrent writers from many workstations never fork the chain.
A store's connection is used by one thread at a time: :class:`sandi.audit.AuditLog`
holds a lock around every call (psycopg nests a second thread's transaction inside
the first one's as a savepoint, so unguarded sharing commits nothing and then sees a
broken chain).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sandi._internal.i18n import Phrase
from sandi.errors import InvalidArgument, StorageError

COLUMNS = ("seq", "time", "os_user", "host", "agency", "member", "action", "doc_id",
           "classification", "outcome", "error", "prev", "hash")
_TYPES = ("BIGINT PRIMARY KEY", "BIGINT NOT NULL") + ("TEXT NOT NULL",) * 9
_INSERT_SQLITE = "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_PG = "INSERT INTO records VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
#: How long a writer waits for the log's lock before giving up (seconds).
BUSY_TIMEOUT = 60.0
_LOCK_ID = 0x53414E44  # "SAND": the advisory lock of the PostgreSQL log
# The cosigned checkpoints this log was shown to extend (docs/format.md, "Audit
# checkpoints"): kept beside the records, insert-only like them.
_LATEST = "SELECT text FROM checkpoints ORDER BY size DESC LIMIT 1"
_CHECKPOINTS = "CREATE TABLE IF NOT EXISTS checkpoints (size BIGINT NOT NULL, text TEXT NOT NULL)"
# On PostgreSQL the log is append-only in the database itself: whoever connects (the
# workstations' writer role, or the owner by mistake) cannot UPDATE, DELETE or TRUNCATE
# a record or a kept checkpoint. Only the tables' owner can drop these triggers, a
# deliberate act that the chain and the witness still catch; the writer role's grants
# (SELECT and INSERT only) are in docs/custodians.md.
_PG_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION sandi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the sandi audit log is append-only: % refused', TG_OP USING "
    "ERRCODE = 'insufficient_privilege'; END $$")
_PG_TRIGGERS = tuple(
    (f"sandi_append_only_{table}{suffix}", table, when)
    for table in ("records", "checkpoints")
    for suffix, when in (("", ("UPDATE OR DELETE", "ROW")),
                         ("_truncate", ("TRUNCATE", "STATEMENT"))))
_PG_READY = ("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'sandi_append_only_%' AND tgrelid "
             "IN (to_regclass('records'), to_regclass('checkpoints'))")

Build = Callable[[int, bytes], tuple[Any, ...]]


class Store(Protocol):
    """The storage a log needs."""

    def append(self, build: Build) -> tuple[Any, ...]:
        """Under the write lock: build the next row from (seq, previous hash), insert it."""

    def rows(self, since: int | None, doc_id: str | None, after: int,
             limit: int) -> list[tuple[Any, ...]]:
        """Up to ``limit`` rows with seq above ``after``, in seq order, filtered."""

    def add_checkpoint(self, size: int, text: str) -> None:
        """Keep a cosigned checkpoint."""

    def checkpoint_text(self) -> str | None:
        """The kept checkpoint of the largest size, if any."""

    def close(self) -> None:
        """Release the connection."""


def _where(since: int | None, doc_id: str | None, after: int,
           mark: str) -> tuple[str, list[object]]:
    clauses, args = [f"seq > {mark}"], list[object]([after])
    if since is not None:
        clauses.append(f"time >= {mark}")
        args.append(since)
    if doc_id is not None:
        clauses.append(f"doc_id = {mark}")
        args.append(doc_id)
    return " WHERE " + " AND ".join(clauses), args


def connect_sqlite(path: Path, what: Phrase, schema: list[str], *,
                   busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A connection to the SQLite file ``path`` (made 0600 if new), in WAL mode with full
    sync, ``schema`` applied; StorageError naming ``what`` if it cannot be opened. Waits
    up to ``busy_timeout`` seconds for another connection's lock, at open and later."""
    deadline = time.monotonic() + busy_timeout
    pause = 0.001
    while True:
        try:
            if not path.exists():  # the log names people and documents: 0600, like keys
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None,
                                 check_same_thread=False)  # the owner's lock guards it
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                for statement in schema:
                    db.execute(statement)
            except sqlite3.Error:
                db.close()
                raise
            return db
        except sqlite3.OperationalError as exc:
            # While the last connection to a WAL database closes, it holds an
            # exclusive lock to clean up the WAL, and SQLite answers a new
            # connection's first statement with "database is locked" at once,
            # without the busy handler (sqlite.org/wal.html, "Sometimes Queries
            # Return SQLITE_BUSY"). Many short-lived commands on one home meet
            # that moment, so wait for it as for any writer, not lose the record.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise StorageError("cannot open {what} {path}: {exc}", what=what, path=path,
                                   exc=exc) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError("cannot open {what} {path}: {exc}", what=what, path=path,
                               exc=exc) from None


class SqliteStore:
    """The log in one SQLite file, in WAL mode."""

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        blob = "BLOB NOT NULL"
        columns = ", ".join(f"{c} {t}" for c, t in zip(COLUMNS, (*_TYPES, blob, blob),
                                                        strict=True))
        self.db = connect_sqlite(path, Phrase("the audit log"), [
            f"CREATE TABLE IF NOT EXISTS records ({columns})", _CHECKPOINTS],
            busy_timeout=busy_timeout)

    def append(self, build: Build) -> tuple[Any, ...]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                last = self.db.execute(
                    "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
                row = build(*(last if last else (0, None)))
                self.db.execute(_INSERT_SQLITE, row)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StorageError("cannot append to the audit log {path}: {exc}", path=self.path,
                               exc=exc) from None
        return row

    def rows(self, since: int | None, doc_id: str | None, after: int,
             limit: int) -> list[tuple[Any, ...]]:
        where, args = _where(since, doc_id, after, "?")
        return list(self.db.execute(f"SELECT * FROM records{where} ORDER BY seq LIMIT ?",  # noqa: S608
                                    [*args, limit]))

    def add_checkpoint(self, size: int, text: str) -> None:
        try:
            self.db.execute("INSERT INTO checkpoints VALUES (?, ?)", (size, text))
        except sqlite3.Error as exc:
            raise StorageError("cannot append to the audit log {path}: {exc}", path=self.path,
                               exc=exc) from None

    def checkpoint_text(self) -> str | None:
        row = self.db.execute(_LATEST).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.db.close()


def require_psycopg() -> None:
    """Refuse, with the fix, when the optional PostgreSQL driver is missing (the log and
    the witness's state both live on PostgreSQL only with ``sandi[postgres]``)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise InvalidArgument("a PostgreSQL audit log needs psycopg: pip install"
                              " 'sandi[postgres]'") from None


class PostgresStore:
    """The log in a PostgreSQL table, shared by the workstations of an agency."""

    def __init__(self, url: str) -> None:
        require_psycopg()
        import psycopg
        self._psycopg = psycopg
        columns = ", ".join(f"{c} {t}" for c, t in zip(
            COLUMNS, (*_TYPES, "BYTEA NOT NULL", "BYTEA NOT NULL"), strict=True))
        self.where = url.split("@")[-1]  # never echo the password
        try:
            self.db = psycopg.connect(url)
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                ready = self.db.execute(_PG_READY).fetchone()
                if not (ready and ready[0] == len(_PG_TRIGGERS)):
                    # A new log (or one made before the triggers): only its owner gets
                    # here; the writer role, which may not run DDL, opens a ready one.
                    self.db.execute(f"CREATE TABLE IF NOT EXISTS records ({columns})")
                    self.db.execute(_CHECKPOINTS)
                    self.db.execute(_PG_APPEND_ONLY)
                    for name, table, (events, level) in _PG_TRIGGERS:
                        self.db.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                        self.db.execute(f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                                        f"FOR EACH {level} EXECUTE FUNCTION "
                                        "sandi_audit_append_only()")
        except psycopg.Error as exc:
            raise StorageError("cannot open the audit log at {where}: {cause}", where=self.where,
                               cause=type(exc).__name__) from None

    def append(self, build: Build) -> tuple[Any, ...]:
        try:
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                last = self.db.execute(
                    "SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
                row = build(*((last[0], bytes(last[1])) if last else (0, None)))
                self.db.execute(_INSERT_PG, row)
        except self._psycopg.Error as exc:
            raise StorageError("cannot append to the audit log at {where}: {cause}",
                               where=self.where, cause=type(exc).__name__) from None
        return row

    def rows(self, since: int | None, doc_id: str | None, after: int,
             limit: int) -> list[tuple[Any, ...]]:
        where, args = _where(since, doc_id, after, "%s")
        try:
            cursor = self.db.execute(f"SELECT * FROM records{where} ORDER BY seq LIMIT %s",  # noqa: S608
                                     [*args, limit])
            found = [(*row[:11], bytes(row[11]), bytes(row[12])) for row in cursor]
            self.db.commit()
        except self._psycopg.Error as exc:
            raise StorageError("cannot read the audit log at {where}: {cause}", where=self.where,
                               cause=type(exc).__name__) from None
        return found

    def add_checkpoint(self, size: int, text: str) -> None:
        try:
            with self.db.transaction():
                self.db.execute("INSERT INTO checkpoints VALUES (%s, %s)", (size, text))
        except self._psycopg.Error as exc:
            raise StorageError("cannot append to the audit log at {where}: {cause}",
                               where=self.where, cause=type(exc).__name__) from None

    def checkpoint_text(self) -> str | None:
        try:
            row = self.db.execute(_LATEST).fetchone()
            self.db.commit()
        except self._psycopg.Error as exc:
            raise StorageError("cannot read the audit log at {where}: {cause}", where=self.where,
                               cause=type(exc).__name__) from None
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.db.close()


def open_store(target: str | os.PathLike[str], *, busy_timeout: float = BUSY_TIMEOUT
               ) -> SqliteStore | PostgresStore:
    """A PostgreSQL store for a ``postgresql://`` URL, else a SQLite file (whose writers
    wait up to ``busy_timeout`` seconds for each other)."""
    text = os.fspath(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresStore(text)
    return SqliteStore(Path(text), busy_timeout=busy_timeout)
