"""Load: many processes sealing, opening and logging to one home's audit log at once.

Issue #5: nothing is lost, the chain verifies, no process deadlocks. Each worker
(tests/loadworker.py) is a real process doing what a CLI command does per
operation: a session, its own connection to the log, one audited seal or open. The
suite runs 8 processes x ``SANDI_LOAD_OPS`` operations (default 50); the figure
in docs/threat-model.md is 8 x 1,000 (``SANDI_LOAD_OPS=1000``). With
``SANDI_TEST_PG_URL`` the same runs against a PostgreSQL log (smaller).
``SANDI_LOAD_REPORT=FILE`` appends the figures of each run to FILE as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from sandi.audit import stores as audit_store
from sandi.audit.log import AuditLog, Event
from sandi.demo import DEMO_PASSPHRASE, demo_world
from sandi.errors import StorageError
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams

WORKER = Path(__file__).with_name("loadworker.py")
PROCESSES = 8
OPS = int(os.environ.get("SANDI_LOAD_OPS", "50"))
#: Generous: a deadlock (or a writer starved past SQLite's 60 s busy timeout) fails.
DEADLINE = 60 + OPS * PROCESSES * 0.05


def _home(root: Path) -> tuple[Path, Path]:
    """A home whose keystore holds setda (sender) and inspektorat (recipient)."""
    world = demo_world(root / "city", kdf=KdfParams.TEST)
    home = root / "home"
    shutil.copytree(world.home.path, home, ignore=shutil.ignore_patterns("keystore.*", "audit*"))
    Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=KdfParams.TEST).add_keys(
        [world.keystore.get("setda", 1), world.keystore.get("inspektorat", 1)])
    secret = root / "passphrase"
    secret.write_text(DEMO_PASSPHRASE + "\n")
    secret.chmod(0o600)
    return home, secret


def _load(root: Path, audit: str, processes: int, ops: int) -> dict[str, object]:
    home, secret = _home(root)
    workers = [subprocess.Popen([sys.executable, str(WORKER), str(home), audit, str(secret),
                                 f"w{n}", str(ops)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
               for n in range(processes)]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        start = time.perf_counter()
        for worker in workers:  # all at once
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = []
        for worker in workers:
            out, _ = worker.communicate(timeout=max(1.0, DEADLINE - (time.perf_counter() - start)))
            assert worker.returncode == 0, out
            results.append(json.loads(out))
        wall = time.perf_counter() - start
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    # Nothing lost, nothing doubled: the log holds exactly what every worker logged.
    expected = Counter(tuple(pair) for r in results for pair in r["logged"])
    assert sum(expected.values()) == processes * ops
    assert not any(r["failed"] for r in results)
    log = AuditLog(audit if "://" in audit else Path(audit))
    try:
        status = log.verify()  # the chain is whole, seq 1..n without a gap
        stored = Counter((r.action, r.doc_id) for r in log.records())
        outcomes = Counter(r.outcome for r in log.records())
    finally:
        log.close()
    assert status.size == processes * ops
    assert stored == expected
    assert outcomes == {"ok": processes * ops}
    figures = {"store": "postgresql" if "://" in audit else "sqlite-wal",
               "processes": processes, "ops": processes * ops, "wall_s": round(wall, 2),
               "ops_per_s": round(processes * ops / wall, 1), "records": status.size,
               "verify": "ok",
               "max_op_ms": round(1000 * max(r["max_op"] for r in results), 1),
               "max_append_ms": round(1000 * max(r["max_append"] for r in results), 1)}
    report = os.environ.get("SANDI_LOAD_REPORT")
    if report:
        with open(report, "a") as out:
            out.write(json.dumps(figures) + "\n")
    return figures


def test_eight_processes_share_one_sqlite_log(tmp_path: Path) -> None:
    figures = _load(tmp_path, str(tmp_path / "home" / "audit.db"), PROCESSES, OPS)
    print(figures)
    db = tmp_path / "home" / "audit.db"
    assert db.stat().st_mode & 0o777 == 0o600
    mode = subprocess.run([sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect("
                           "sys.argv[1]).execute('PRAGMA journal_mode').fetchone()[0])",
                           str(db)], capture_output=True, text=True, check=True).stdout
    assert mode.strip() == "wal"


def test_eight_processes_share_one_postgresql_log(tmp_path: Path, pg_url: str) -> None:
    figures = _load(tmp_path, pg_url, PROCESSES, max(OPS // 4, 10))
    print(figures)


class _LockedAtFirst:
    """A SQLite connection whose first statements meet a closing connection's lock."""

    def __init__(self, db: sqlite3.Connection, failures: list[int]) -> None:
        self._db, self._failures = db, failures

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith("PRAGMA journal_mode") and self._failures[0]:
            self._failures[0] -= 1
            raise sqlite3.OperationalError("database is locked")
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)


def _lock_at_open(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    failures, connect = [times], sqlite3.connect
    monkeypatch.setattr(audit_store.sqlite3, "connect",
                        lambda *a, **kw: _LockedAtFirst(connect(*a, **kw), failures))
    return failures


def test_opening_the_log_waits_while_the_last_connection_closes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the 8 x 1,000 run met about once in 15 runs: "database is locked" from the
    # first statement, at once, without SQLite's busy handler. The record must not be lost.
    failures = _lock_at_open(monkeypatch, 3)
    log = AuditLog(tmp_path / "audit.db")
    log.append(Event("open", agency="inspektorat", doc_id="d1"))
    log.close()
    assert failures == [0]
    assert AuditLog(tmp_path / "audit.db").verify().size == 1


def test_a_log_locked_for_good_is_reported(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _lock_at_open(monkeypatch, 10**9)
    with pytest.raises(StorageError, match=r"cannot open the audit log .*database is locked"):
        AuditLog(tmp_path / "audit.db", busy_timeout=0.05)


def test_a_writer_waits_for_another_no_longer_than_its_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    AuditLog(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the write lock
    try:
        log = AuditLog(path, busy_timeout=0.2)
        started = time.monotonic()
        with pytest.raises(StorageError, match="cannot append to the audit log"):
            log.append(Event("open", agency="inspektorat", doc_id="d1"))
        assert 0.15 <= time.monotonic() - started < 5  # its own timeout, not the 60 s default
        log.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    log = AuditLog(path)
    log.append(Event("open", agency="inspektorat", doc_id="d1"))  # the control: lock gone
    assert log.verify().size == 1
    log.close()
