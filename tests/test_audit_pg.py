"""The audit log on PostgreSQL: the same chain, checks and concurrency as on SQLite.

Runs against the real server that .ci/run installs and starts (it exports
SANDI_TEST_PG_URL); each test gets a schema of its own.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

import sandi
from sandi.audit.log import AuditLog, Event
from sandi.errors import AuditLogBroken

URL = os.environ.get("SANDI_TEST_PG_URL")
pytestmark = pytest.mark.skipif(not URL, reason="SANDI_TEST_PG_URL not set (.ci/run sets it)")


def _sql(url: str, statement: str) -> None:
    """Change the log behind sandi's back as the tables' owner can: first switching off
    the append-only triggers (a plain UPDATE is refused: see the tests below)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("records", "checkpoints"):
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        conn.execute(statement)
        for table in ("records", "checkpoints"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _refused(url: str, statement: str) -> str:
    """Run ``statement`` as is; the database's error message (it must fail)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    return str(caught.value)


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


# --- append-only in the database (issue 16 §3) ---------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE records SET agency = 'inspektorat' WHERE seq = 2", "DELETE FROM records WHERE seq = 3",
    "TRUNCATE records", "UPDATE checkpoints SET size = 0", "DELETE FROM checkpoints",
    "TRUNCATE checkpoints",
])
def test_the_tables_refuse_update_delete_and_truncate(pg_url: str, world: object,
                                                      statement: str, tmp_path: Path) -> None:
    from sandi.demo import DemoWorld

    assert isinstance(world, DemoWorld)
    log = AuditLog(pg_url)
    for i in range(4):
        log.append(Event("seal", agency="bkpsdmd", doc_id=f"d{i}"))
    _keep_a_checkpoint(log, world, tmp_path)
    assert "append-only" in _refused(pg_url, statement)  # even for the owner
    log.append(Event("open", agency="bkpsdmd"))  # the control: appending still works
    assert log.verify(pola=world.pola, witness="inspektorat").size == 5
    assert AuditLog(pg_url).verify().size == 5  # opening a ready log changes nothing


def test_an_owner_who_drops_the_guard_is_still_caught(pg_url: str, world: object,
                                                     tmp_path: Path) -> None:
    from sandi.demo import DemoWorld

    assert isinstance(world, DemoWorld)
    log = AuditLog(pg_url)
    for i in range(4):
        log.append(Event("seal", agency="bkpsdmd", doc_id=f"d{i}"))
    _keep_a_checkpoint(log, world, tmp_path)
    _sql(pg_url, "DELETE FROM records WHERE seq > 2")  # triggers off, a cut, triggers on
    assert log.verify().size == 2
    with pytest.raises(AuditLogBroken, match="fewer than the checkpoint's 4"):
        log.verify(pola=world.pola, witness="inspektorat")


def _keep_a_checkpoint(log: AuditLog, world: object, state: Path) -> None:
    from sandi.audit import Witness
    from sandi.demo import DemoWorld

    assert isinstance(world, DemoWorld)
    signed = log.checkpoint(world.keystore.get("bkpsdmd", 1), pola=world.pola)
    witness = Witness(state / "witness.db", pola=world.pola,
                      key=world.keystore.get("inspektorat", 1))
    log.keep(witness.cosign(log.witness_request(signed)), pola=world.pola,
             witness="inspektorat")


def _custodians_sql() -> str:
    """The writer role's SQL exactly as docs/custodians.md gives it (English part)."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "custodians.md").read_text()
    english = text[text.index("## English"):] if "## English" in text else text
    return english.split("```sql\n", 1)[1].split("```", 1)[0]


def test_the_writer_role_may_only_insert_and_select(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        can = conn.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles "
                           "WHERE rolname = current_user").fetchone()
    if not (can and can[0]):
        pytest.skip("the test role may not create roles (the triggers are tested above)")
    log = AuditLog(pg_url)  # the owner makes the tables and their triggers
    log.append(Event("seal", agency="bkpsdmd"))
    role, password = f"sandi_penulis_{secrets.token_hex(4)}", secrets.token_hex(12)
    schema = pg_url.rsplit("search_path%3D", 1)[1]  # the test's own schema, not public
    setup = _custodians_sql().replace("sandi_penulis", role).replace(
        "PASSWORD_HERE", password).replace("SCHEMA public", f"SCHEMA {schema}")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(setup)
    try:
        parts = urlsplit(pg_url)
        writer_url = urlunsplit(parts._replace(
            netloc=f"{role}:{password}@{parts.hostname}:{parts.port or 5432}"))
        writer = AuditLog(writer_url)
        writer.append(Event("open", agency="bkpsdmd"))  # INSERT and SELECT: allowed
        assert writer.verify().size == 2
        for statement in ("UPDATE records SET agency = 'x'", "DELETE FROM records",
                          "DROP TRIGGER sandi_append_only_records ON records",
                          "ALTER TABLE records DISABLE TRIGGER USER"):
            said = _refused(writer_url, statement)
            assert "permission denied" in said or "must be owner" in said, said
        writer.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"REVOKE ALL ON records, checkpoints FROM {role}")
            conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {role}")
            conn.execute(f"DROP ROLE {role}")


def test_a_witness_keeps_its_state_in_postgresql(pg_url: str, world: object,
                                                 tmp_path: Path) -> None:
    """The witness's state on the real server: a fork refused, and two requests at once
    from the same state (each its own connection) never both advance it."""
    import threading

    from sandi.audit import CosignRequest, Witness, witnessed
    from sandi.demo import DemoWorld

    assert isinstance(world, DemoWorld)
    log = AuditLog(tmp_path / "audit.db")
    for i in range(6):
        log.append(Event("seal", agency="bkpsdmd", doc_id=f"d{i}"))
    key, witness_key = world.keystore.get("bkpsdmd", 1), world.keystore.get("inspektorat", 1)
    first = log.checkpoint(key, pola=world.pola)
    Witness(pg_url, pola=world.pola, key=witness_key).cosign(log.witness_request(first))
    log.append(Event("open", agency="bkpsdmd"))
    honest = log.witness_request(log.checkpoint(key, pola=world.pola), old_size=6)
    forked_log = AuditLog(tmp_path / "forked.db")
    for i in range(7):
        forked_log.append(Event("seal", agency="bkpsdmd", doc_id=f"lain{i}"))
    forked = forked_log.witness_request(forked_log.checkpoint(key, pola=world.pola),
                                        old_size=6)
    with pytest.raises(AuditLogBroken, match="rewritten or forked"):  # not from first's root
        Witness(pg_url, pola=world.pola, key=witness_key).cosign(forked)
    log.append(Event("open", agency="bkpsdmd"))
    grown = log.witness_request(log.checkpoint(key, pola=world.pola), old_size=6)
    # Two valid advances from the same state (6 records): to 7 and to 8. Whichever takes
    # the lock first wins; the other then finds the state moved and is refused.
    barrier, outcomes = threading.Barrier(2), list[object]()

    def attempt(request: CosignRequest) -> None:
        keeper = Witness(pg_url, pola=world.pola, key=witness_key)
        barrier.wait()
        try:
            outcomes.append(keeper.cosign(request))
        except (AuditLogBroken, sandi.errors.InvalidArgument) as exc:
            outcomes.append(exc)
        finally:
            keeper.close()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in (honest, grown)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(outcomes) == 2 and won == [witnessed(pg_url, "bkpsdmd")], outcomes
