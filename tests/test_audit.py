"""The hash-chained audit log (sandi.audit.log): who sealed and opened what, tamper-evident.

Editing, deleting, inserting or reordering any record breaks the chain at that
record, and verify names it. A rewrite of the whole chain is consistent in itself,
so only a signed checkpoint (tests/test_witness.py: cosigned by a witness) reveals it. Concurrent
writers never fork the chain. Nothing secret is ever a field of a record.
"""

from __future__ import annotations

import itertools
import sqlite3
import subprocess
import sys
from base64 import b64encode
from collections.abc import Callable
from dataclasses import astuple, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandi._internal.time import from_epoch
from sandi.audit.checkpoint import Checkpoint, requires_hybrid
from sandi.audit.log import GENESIS, AuditLog, Event, Record
from sandi.audit.merkle import tree_root
from sandi.demo import DemoWorld
from sandi.errors import AuditLogBroken, InvalidArgument, MalformedInput, StorageError

T = datetime(2026, 1, 5, tzinfo=UTC)  # record i is written at at(60 * i)


def at(seconds: int) -> datetime:
    return T + timedelta(seconds=seconds)


def event(i: int) -> Event:
    return Event(action=("seal", "open", "verify")[i % 3], agency=("bkpsdmd", "inspektorat")[i % 2],
                 member=f"pegawai-{i}", doc_id=f"{i:032x}", classification="rahasia",
                 outcome="refused" if i % 4 == 0 else "ok",
                 error="PolicyViolation" if i % 4 == 0 else "")


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    """A log of ten records."""
    log = AuditLog(tmp_path / "audit.db")
    for i in range(1, 11):
        log.append(event(i), now=at(60 * i))
    return log


def sql(log: AuditLog, *statements: str) -> None:
    """Change the database behind the log's back, as someone with file access could."""
    db = sqlite3.connect(log.path, isolation_level=None)
    try:
        for statement in statements:
            db.execute(statement)
    finally:
        db.close()


def rows(log: AuditLog) -> list[Record]:
    return list(log.records())


def rehash(log: AuditLog, start: int) -> None:
    """Recompute every hash from record ``start`` on: a consistent rewrite of the chain."""
    db = sqlite3.connect(log.path, isolation_level=None)
    try:
        records = [Record(r[0], from_epoch(r[1]), *r[2:])
                   for r in db.execute("SELECT * FROM records ORDER BY seq")]
        prev = records[start - 2].hash if start > 1 else GENESIS
        for record in records[start - 1:]:
            fixed = replace(record, prev=prev)
            fixed = replace(fixed, hash=fixed.compute_hash())
            db.execute("UPDATE records SET prev = ?, hash = ? WHERE seq = ?",
                       (fixed.prev, fixed.hash, fixed.seq))
            prev = fixed.hash
    finally:
        db.close()


# --- the chain ------------------------------------------------------------------------------


def test_append_and_verify(log: AuditLog) -> None:
    records = rows(log)
    assert [r.seq for r in records] == list(range(1, 11))
    assert records[0].prev == GENESIS
    assert all(b.prev == a.hash for a, b in itertools.pairwise(records))
    assert all(r.hash == r.compute_hash() for r in records)
    first = records[0]
    assert (first.time, first.agency, first.member, first.action, first.doc_id,
            first.outcome) == (at(60), "inspektorat", "pegawai-1", "open", f"{1:032x}", "ok")
    assert first.os_user and first.host
    status = log.verify()
    assert (status.size, status.head) == (10, records[-1].hash)
    appended = log.append(Event("rewrap", agency="inspektorat"), now=at(3600))
    assert (appended.seq, appended.prev) == (11, records[-1].hash)
    assert log.verify().size == 11


def test_an_empty_log_verifies(tmp_path: Path) -> None:
    status = AuditLog(tmp_path / "audit.db").verify()
    assert (status.size, status.head) == (0, GENESIS)


def _swap(log: AuditLog, a: int, b: int) -> None:
    sql(log, f"UPDATE records SET seq = -1 WHERE seq = {a}",
        f"UPDATE records SET seq = {a} WHERE seq = {b}",
        f"UPDATE records SET seq = {b} WHERE seq = -1")


def _insert_after(log: AuditLog, seq: int) -> None:
    """A forged record at ``seq + 1`` with a correct link and hash; the rest moved up."""
    before = rows(log)[seq - 1]
    sql(log, f"UPDATE records SET seq = seq + 1000 WHERE seq > {seq}",
        "UPDATE records SET seq = seq - 999 WHERE seq > 1000")
    forged = replace(before, seq=seq + 1, doc_id="f" * 32, action="open", prev=before.hash)
    forged = replace(forged, hash=forged.compute_hash())
    db = sqlite3.connect(log.path, isolation_level=None)
    db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (forged.seq, int(forged.time.timestamp()), *astuple(forged)[2:]))
    db.close()


def _edit_and_rehash_one(log: AuditLog) -> None:
    sql(log, "UPDATE records SET outcome = 'ok', error = '' WHERE seq = 4")
    record = rows(log)[3]
    sql(log, f"UPDATE records SET hash = x'{record.compute_hash().hex()}' WHERE seq = 4")


EDITED = r"audit log: record {} was edited, inserted or reordered"
MISSING = r"audit log: record {} is missing \(next is {}\): deleted or reordered"

TAMPERING: dict[str, tuple[Callable[[AuditLog], None], str]] = {
    "an edited field": (lambda log: sql(log, "UPDATE records SET agency = 'setda' WHERE seq = 4"),
                        EDITED.format(4)),
    "a refusal turned into success": (
        lambda log: sql(log, "UPDATE records SET outcome = 'ok' WHERE seq = 8"), EDITED.format(8)),
    "an edited time": (lambda log: sql(log, "UPDATE records SET time = time + 1 WHERE seq = 10"),
                       EDITED.format(10)),
    "an edited record with its own hash recomputed": (_edit_and_rehash_one, EDITED.format(5)),
    "a deleted record": (lambda log: sql(log, "DELETE FROM records WHERE seq = 4"),
                         MISSING.format(4, 5)),
    "the first record deleted": (lambda log: sql(log, "DELETE FROM records WHERE seq = 1"),
                                 MISSING.format(1, 2)),
    "an inserted record": (lambda log: _insert_after(log, 5), EDITED.format(7)),
    "a record appended with a broken link": (
        lambda log: sql(log, "INSERT INTO records SELECT 11, time, os_user, host, agency, member,"
                             " action, doc_id, classification, outcome, error, zeroblob(32),"
                             " hash FROM records WHERE seq = 10"), EDITED.format(11)),
    "two records swapped": (lambda log: _swap(log, 3, 4), EDITED.format(3)),
    "records renumbered": (lambda log: sql(log, "UPDATE records SET seq = seq + 1000",
                                           "UPDATE records SET seq = seq - 999"),
                           MISSING.format(1, 2)),
}


@pytest.mark.parametrize(("tamper", "match"), TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_names_the_first_bad_record(log: AuditLog, tamper: Callable[[AuditLog], None],
                                              match: str) -> None:
    tamper(log)
    with pytest.raises(AuditLogBroken, match=match):
        log.verify()


def test_the_inserted_record_itself_is_well_formed(log: AuditLog) -> None:
    # The forgery is indistinguishable on its own: the record after it gives it away.
    _insert_after(log, 5)
    records = rows(log)
    assert records[5].prev == records[4].hash and records[5].hash == records[5].compute_hash()
    with pytest.raises(AuditLogBroken, match=EDITED.format(7)):
        log.verify()


# --- checkpoints --------------------------------------------------------------------------------


def test_checkpoint_round_trip(log: AuditLog, world: DemoWorld) -> None:
    key = world.keystore.get("inspektorat", 1)
    cp = log.checkpoint(key, pola=world.pola)
    leaves = [r.hash for r in rows(log)]
    assert (cp.agency, cp.key_version, cp.size, cp.root, cp.cosignatures) == (
        "inspektorat", 1, 10, tree_root(leaves), ())
    text = cp.to_text()
    assert text.startswith(f"sandi/audit/inspektorat\n10\n{b64encode(cp.root).decode()}\n\n"
                           "\u2014 inspektorat/v1 ")
    assert Checkpoint.from_text(text) == cp
    assert log.verify(Checkpoint.from_text(text), pola=world.pola).size == 10
    log.append(event(11), now=at(7260))  # the log grows: it still extends the checkpoint
    assert log.verify(cp, pola=world.pola).size == 11


def test_a_checkpoint_is_hybrid_when_the_pola_requires_it(log: AuditLog,
                                                          world: DemoWorld) -> None:
    cp = log.checkpoint(world.keystore.get("inspektorat", 1), pola=world.pola)
    assert requires_hybrid(world.pola) and len(cp.signature) == 64 + 3309
    classical = replace(cp, signature=cp.signature[:64])  # the ML-DSA-65 half stripped
    with pytest.raises(AuditLogBroken, match=r"inspektorat/v1 is not hybrid, as the pola "):
        log.verify(classical, pola=world.pola)


@pytest.mark.parametrize("text", ["", "sandi/audit/a\n1\nAA==\n\n\u2014 a/v1 AA==\n",
                                  "sandi/audit/inspektorat\n1\n\n\n",
                                  "sandi/audit/a\nsatu\n" + "A" * 43 + "=\n\n",
                                  "sandi audit checkpoint v1\na 1\n1\n!!\n1\nAA==\n"])
def test_a_malformed_checkpoint_text_is_refused(text: str) -> None:
    with pytest.raises(MalformedInput, match=r"audit checkpoint: not a sandi checkpoint text"):
        Checkpoint.from_text(text)


def test_a_checkpoint_is_checked_only_with_the_pola(log: AuditLog, world: DemoWorld) -> None:
    cp = log.checkpoint(world.keystore.get("inspektorat", 1), pola=world.pola)
    with pytest.raises(InvalidArgument, match=r"needs the pola"):
        log.verify(cp)


def test_a_rewritten_chain_fails_only_against_the_checkpoint(log: AuditLog,
                                                             world: DemoWorld) -> None:
    cp = log.checkpoint(world.keystore.get("inspektorat", 1), pola=world.pola)
    sql(log, "UPDATE records SET doc_id = '00' WHERE seq = 3")
    rehash(log, 3)
    assert log.verify().size == 10  # consistent in itself ...
    with pytest.raises(AuditLogBroken, match=r"does not extend the checkpoint at record 10:"
                                             r" the log was rewritten"):
        log.verify(cp, pola=world.pola)  # ... but not what the auditor holds


def test_a_truncated_log_fails_against_the_checkpoint(log: AuditLog, world: DemoWorld) -> None:
    cp = log.checkpoint(world.keystore.get("inspektorat", 1), pola=world.pola)
    sql(log, "DELETE FROM records WHERE seq > 8")
    assert log.verify().size == 8
    with pytest.raises(AuditLogBroken, match=r"has 8 records, fewer than the checkpoint's 10"):
        log.verify(cp, pola=world.pola)


def test_a_checkpoint_by_another_key_or_altered_is_refused(log: AuditLog,
                                                          world: DemoWorld) -> None:
    cp = log.checkpoint(world.keystore.get("inspektorat", 1), pola=world.pola)
    log.append(event(11), now=at(7260))
    for altered in (replace(cp, agency="setda"), replace(cp, size=11),
                    replace(cp, root=rows(log)[9].hash)):
        with pytest.raises(AuditLogBroken, match=r"audit checkpoint: the (signature|key ID) of "
                                                 r"\w+/v1 (does not verify|is not the pola)"):
            log.verify(altered, pola=world.pola)
    with pytest.raises(InvalidArgument, match=r"setda key v1 is not the one the pola publishes"):
        log.checkpoint(replace(world.keystore.get("inspektorat", 1), agency="setda"),
                       pola=world.pola)


# --- concurrency ---------------------------------------------------------------------------------

WRITER = """
import sys
from sandi.audit.log import AuditLog, Event
log = AuditLog(sys.argv[1])
for i in range(int(sys.argv[3])):
    log.append(Event("open", agency="inspektorat", member=sys.argv[2], doc_id=str(i)))
log.close()
"""


def test_concurrent_writers_never_fork_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    AuditLog(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"proses-{w}", "200"],
                                stderr=subprocess.PIPE, text=True) for w in range(4)]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    log = AuditLog(path)
    assert log.verify().size == 800
    records = rows(log)
    assert [r.seq for r in records] == list(range(1, 801))
    assert len({r.hash for r in records}) == 800
    for w in range(4):
        mine = [int(r.doc_id) for r in records if r.member == f"proses-{w}"]
        assert mine == list(range(200))  # each writer's records, in its order, none lost


# --- queries, and what a record may hold ------------------------------------------------------


def test_records_since_and_for_one_document(log: AuditLog) -> None:
    assert [r.seq for r in log.records(since=at(60 * 8))] == [8, 9, 10]
    assert [r.seq for r in log.records(doc_id=f"{4:032x}")] == [4]
    log.append(event(4), now=at(60 * 20))
    assert [r.seq for r in log.records(doc_id=f"{4:032x}")] == [4, 11]
    assert [r.seq for r in log.records(since=at(60 * 5), doc_id=f"{4:032x}")] == [11]
    assert list(log.records(doc_id="tidak-ada")) == []
    assert len(list(log.records(since=at(10**6)))) == 0


def test_a_record_holds_only_the_documented_fields(log: AuditLog) -> None:
    # No plaintext, key, passphrase or filename has a place to go.
    documented = ["seq", "time", "os_user", "host", "agency", "member", "action", "doc_id",
                  "classification", "outcome", "error", "prev", "hash"]
    assert [f.name for f in fields(Record)] == documented
    assert [f.name for f in fields(Event)] == ["action", "agency", "member", "doc_id",
                                              "classification", "outcome", "error"]
    db = sqlite3.connect(log.path)
    columns = [row[1] for row in db.execute("PRAGMA table_info(records)")]
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    kept = [row[1] for row in db.execute("PRAGMA table_info(checkpoints)")]
    db.close()
    # Beside the records, only the cosigned checkpoints: sizes and signed Merkle roots.
    assert (columns, tables, kept) == (documented, ["records", "checkpoints"], ["size", "text"])


def test_an_unusable_path_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"cannot open the audit log"):
        AuditLog(tmp_path / "no" / "such" / "dir" / "audit.db")
