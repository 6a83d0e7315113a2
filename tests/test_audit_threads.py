"""One ``AuditLog`` shared by the threads of a server; checkpoints need their signer.

Issue 15 item 5: one ``AuditLog`` shared by threads on PostgreSQL returned success for
37 appends that committed nothing (psycopg nested one thread's transaction inside
another's), then raised a false ``AuditLogBroken``. The log now uses its connection
one thread at a time. Sixteen threads append (and read) at once, on SQLite and on
PostgreSQL: every append is in the log once, and the chain verifies.

Issue 14 item 8: ``verify(checkpoint)`` without the signer silently skipped the
checkpoint's signature; now the signer is required, and the result says which
checkpoint it checked. Issue 13: the log takes and gives timezone-aware datetimes.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandi.audit.log import AuditLog, Event
from sandi.demo import DemoWorld
from sandi.errors import AuditLogBroken, InvalidArgument

THREADS, APPENDS = 16, 40


def _hammer(log: AuditLog) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(APPENDS):
                log.append(Event("open", agency="dinkes", member=f"t{n}", doc_id=f"{n}-{i}"))
                if i % 10 == 0:  # a reader among the writers
                    assert sum(1 for _ in log.records(doc_id=f"{n}-{i}")) == 1
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    assert log.verify().size == THREADS * APPENDS
    stored = Counter(r.doc_id for r in log.records())
    assert stored == Counter(f"{n}-{i}" for n in range(THREADS) for i in range(APPENDS))


def test_sixteen_threads_share_one_sqlite_log(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    _hammer(log)
    assert AuditLog(tmp_path / "audit.db").verify().size == THREADS * APPENDS  # committed


def test_sixteen_threads_share_one_postgresql_log(pg_url: str) -> None:
    log = AuditLog(pg_url)
    _hammer(log)
    assert AuditLog(pg_url).verify().size == THREADS * APPENDS  # committed, not just seen


def test_a_checkpoint_is_checked_only_with_its_signer(world: DemoWorld,
                                                      tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    for i in range(3):
        log.append(Event("seal", agency="inspektorat", doc_id=f"d{i}"))
    key = world.keystore.get("inspektorat", 1)
    checkpoint = log.checkpoint(key, pola=world.pola)
    with pytest.raises(InvalidArgument, match="needs the pola that publishes the agency's key"):
        log.verify(checkpoint)
    forged = replace(checkpoint, signature=bytes(len(checkpoint.signature)))
    with pytest.raises(AuditLogBroken, match="signature of inspektorat/v1 does not verify"):
        log.verify(forged, pola=world.pola)
    status = log.verify(checkpoint, pola=world.pola)  # honest control
    assert (status.size, status.checkpoint) == (3, checkpoint)
    assert log.verify().checkpoint is None


def test_times_are_timezone_aware(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.db")
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    record = log.append(Event("seal", agency="setda", doc_id="d1"), now=when)
    assert record.time == when and record.time.tzinfo is not None
    assert [r.doc_id for r in log.records(since=when - timedelta(seconds=1))] == ["d1"]
    assert list(log.records(since=when + timedelta(seconds=1))) == []
    with pytest.raises(InvalidArgument, match="time zone"):
        log.append(Event("seal"), now=datetime(2026, 3, 1, 8, 30))  # naive
