"""The audit log on PostgreSQL: the same chain, checks and concurrency as on SQLite.

Runs against the real server that .ci/run installs and starts (it exports
SANDI_TEST_PG_URL); each test gets a schema of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sandi.audit.log import AuditLog, Event
from sandi.errors import AuditLogBroken

URL = os.environ.get("SANDI_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="SANDI_TEST_PG_URL not set (.ci/run sets it)")


def _sql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


def test_chain_verifies_and_filters(pg_url: str) -> None:
    log = AuditLog(pg_url)
    for i in range(5):
        log.append(Event("open", agency="bkpsdmd", member=f"m{i % 2}", doc_id=f"d{i}"))
    assert log.verify().size == 5
    assert [r.doc_id for r in log.records(doc_id="d3")] == ["d3"]
    assert {r.member for r in log.records()} == {"m0", "m1"}


@pytest.mark.parametrize(("statement", "first_bad"), [
    ("UPDATE records SET agency = 'inspektorat' WHERE seq = 3", "record 3"),
    ("DELETE FROM records WHERE seq = 2", "record 2 is missing"),
    ("UPDATE records SET seq = 99 WHERE seq = 4", "record 4 is missing"),
])
def test_tampering_is_detected(pg_url: str, statement: str, first_bad: str) -> None:
    log = AuditLog(pg_url)
    for i in range(5):
        log.append(Event("seal", agency="setda", doc_id=f"d{i}"))
    _sql(pg_url, statement)
    with pytest.raises(AuditLogBroken, match=first_bad):
        AuditLog(pg_url).verify()


def test_checkpoint_detects_a_rewritten_log(pg_url: str, world: object) -> None:
    from sandi.demo import DemoWorld

    assert isinstance(world, DemoWorld)
    key = world.keystore.get("inspektorat", 1)
    log = AuditLog(pg_url)
    for i in range(3):
        log.append(Event("seal", agency="inspektorat", doc_id=f"d{i}"))
    checkpoint = log.checkpoint(key, pola=world.pola)
    _sql(pg_url, "DELETE FROM records")
    for i in range(4):
        log.append(Event("seal", agency="inspektorat", doc_id=f"forged{i}"))
    assert log.verify().size == 4  # a consistent rewrite passes on its own ...
    with pytest.raises(AuditLogBroken, match="rewritten"):
        log.verify(checkpoint, pola=world.pola)  # ... but not against the auditor's checkpoint


def test_concurrent_writers_never_fork_the_chain(pg_url: str) -> None:
    code = ("import sys; from sandi.audit.log import AuditLog, Event\n"
            "log = AuditLog(sys.argv[1])\n"
            "for i in range(100): log.append(Event('open', agency='dinkes', doc_id=sys.argv[2]))\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url, f"w{n}"]) for n in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    status = AuditLog(pg_url).verify()
    assert status.size == 400
