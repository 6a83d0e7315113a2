"""``sandi audit``: every seal, open and verify is recorded (refusals too, never
plaintext or passphrases); the chain and signed checkpoints catch tampering; an
unwritable log never hides a command's result."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from city import doc, ok
from clitools import Run, assert_one_error, make_run

import sandi
from sandi.demo import DemoWorld

LETTER = "Rekap NIK penduduk rentan, rahasia.\n"


@pytest.fixture
def home(world: DemoWorld, tmp_path: Path) -> Path:
    """A copy of the demo home with no audit log yet."""
    path = tmp_path / "home"
    shutil.copytree(world.home.path, path)
    for log in path.glob("audit.db*"):
        log.unlink()
    return path


@pytest.fixture
def activity(home: Path, tmp_path: Path, passfile: Path) -> dict[str, str]:
    """seal, verify, open, then a refused open of a tampered copy; the document id."""
    run = make_run(home)
    src = tmp_path / "nota.txt"
    src.write_text(LETTER, encoding="utf-8")
    sealed = doc(run("--json", "seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                     "--classification", "rahasia", "--passphrase-file", passfile))
    ok(run("verify", sealed["output"]))
    ok(run("open", sealed["output"], "-o", tmp_path / "dibuka.txt", "--passphrase-file",
           passfile))
    tampered = tmp_path / "rusak.sandi"
    data = bytearray(Path(sealed["output"]).read_bytes())
    data[-(3373 + 6)] ^= 1  # in the last payload chunk, before the hybrid signature
    tampered.write_bytes(bytes(data))
    assert_one_error(run("open", tampered, "-o", tmp_path / "x.txt", "--passphrase-file",
                         passfile), 1)
    return {"doc": sealed["document_id"]}


def test_actions_are_recorded_with_their_outcome(home: Path, activity: dict[str, str],
                                                 passfile: Path) -> None:
    run = make_run(home)
    records = doc(run("--json", "audit", "show"))["records"]
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("seal", "ok"), ("verify", "ok"), ("open", "ok"), ("open", "refused")]
    seal, _, opened, refused = records
    assert (seal["agency"], seal["doc_id"], seal["classification"]) == (
        "dispendukcapil", activity["doc"], "rahasia")
    assert (opened["agency"], opened["doc_id"]) == ("dinkes", activity["doc"])
    assert refused["error"] == "TamperedEnvelope" and refused["doc_id"] == ""
    assert all(r["os_user"] and r["host"] for r in records)
    raw = (home / "audit.db").read_bytes()
    assert LETTER.encode()[:20] not in raw and sandi.demo.DEMO_PASSPHRASE.encode() not in raw
    assert passfile.read_text().strip().encode() not in raw

    one = doc(run("--json", "audit", "show", "--doc", activity["doc"]))["records"]
    assert len(one) == 3
    assert doc(run("--json", "audit", "show", "--since", "2999-01-01"))["records"] == []
    human = ok(run("audit", "show")).stdout
    assert "refused (TamperedEnvelope)" in human and "ACTION" in human


def test_verify_names_the_first_edited_record(home: Path, activity: dict[str, str]) -> None:
    run = make_run(home)
    intact = doc(run("--json", "audit", "verify"))
    assert intact["valid"] and intact["records"] == 4
    with sqlite3.connect(home / "audit.db") as db:
        db.execute("UPDATE records SET agency = 'setda' WHERE seq = 2")
    error, hint = assert_one_error(run("audit", "verify"), 1)
    assert "record 2" in error and "Inspektorat" in hint


def test_checkpoint_catches_a_rewritten_log(home: Path, activity: dict[str, str],
                                            tmp_path: Path, passfile: Path) -> None:
    # The agency's own signed checkpoint, as an auditor may hold it (the witness's
    # cosignature is tests/cli/test_cli_witness.py).
    run = make_run(home)
    request = tmp_path / "request.txt"
    made = doc(run("--json", "audit", "checkpoint", "--agency", "dinkes", "-o", request,
                   "--passphrase-file", passfile))
    assert made["size"] == 4 and request.read_text().startswith("old 0\n\nsandi/audit/dinkes\n4\n")
    checkpoint = tmp_path / "checkpoint.txt"
    checkpoint.write_text(request.read_text().removeprefix("old 0\n\n"))
    later = doc(run("--json", "audit", "verify", "--checkpoint", checkpoint, "--agency",
                    "dinkes"))
    assert later["records"] == 5 and later["checkpoint"]["size"] == 4  # + the checkpoint
    assert ok(run("audit", "verify", "--checkpoint", checkpoint)).exit_code == 0
    printed = ok(run("audit", "checkpoint", "--agency", "dinkes", "--passphrase-file",
                     passfile)).stdout
    assert printed.startswith("old 0\n\nsandi/audit/dinkes\n")

    other = run("audit", "verify", "--checkpoint", checkpoint, "--agency", "setda")
    assert_one_error(other, 1)
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\xff\xfe not text")
    assert_one_error(run("audit", "verify", "--checkpoint", junk), 1)

    with sqlite3.connect(home / "audit.db") as db:  # drop the tail: the chain stays whole
        db.execute("DELETE FROM records WHERE seq >= 3")
    assert ok(run("audit", "verify")).exit_code == 0
    error, _ = assert_one_error(run("audit", "verify", "--checkpoint", checkpoint, "--agency",
                                    "dinkes"), 1)
    assert "fewer than the checkpoint" in error


def test_an_unwritable_log_stops_a_seal_and_warns_on_a_verify(run: Run, tmp_path: Path,
                                                               passfile: Path) -> None:
    # Issue 15 item 5: nothing is published without its record. A seal whose record
    # cannot be written publishes no envelope; a verify (which releases nothing) still
    # reports its result, warns, and exits 1.
    src = tmp_path / "a.txt"
    src.write_text("a", encoding="utf-8")
    nowhere = tmp_path / "missing-dir" / "audit.db"
    result = run("--audit-db", nowhere, "seal", src, "--from", "setda", "--to",
                 "inspektorat", "--classification", "biasa", "--passphrase-file", passfile)
    assert result.exit_code == 1
    assert "nothing was released" in result.stderr
    assert not (tmp_path / "a.txt.sandi").exists()
    sealed = run("seal", src, "--from", "setda", "--to", "inspektorat", "--classification",
                 "biasa", "--passphrase-file", passfile)
    assert sealed.exit_code == 0 and (tmp_path / "a.txt.sandi").exists()  # honest control
    by_env = run("verify", tmp_path / "a.txt.sandi", env={"SANDI_AUDIT_DB": str(nowhere)})
    assert by_env.exit_code == 1 and "cannot write the audit log" in by_env.stderr
    assert "signature:" in by_env.stdout


def test_a_postgres_log_password_is_never_shown(run: Run, tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    (tmp_path / "junk.sandi").write_bytes(b"junk")
    url = "postgresql://sandi:rahasia-sekali@127.0.0.1:1/audit?connect_timeout=2"
    result = run("--audit-db", url, "verify", tmp_path / "junk.sandi")
    assert result.exit_code == 1  # the refusal's own code (the log failed as well)
    assert "rahasia-sekali" not in result.stderr + result.stdout
    assert "postgresql://127.0.0.1:1/audit" in result.stderr


def test_refusals_before_any_key_are_recorded(home: Path, tmp_path: Path) -> None:
    (home / "keystore.sandi").unlink()
    run = make_run(home)
    envelope = tmp_path / "x.sandi"
    envelope.write_bytes(b"x")
    assert_one_error(run("open", envelope, "--passphrase-file", tmp_path / "none.txt"), 2)
    assert doc(run("--json", "audit", "show"))["records"][-1]["error"] == "NoKeystore"


def test_no_log_yet(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    error, _ = assert_one_error(make_run(tmp_path / "h")("audit", "show"), 2)
    assert "no audit log" in error
    assert_one_error(make_run(tmp_path / "nothing")("audit", "verify"), 2)
    assert not (tmp_path / "h" / "audit.db").exists()
