"""``sandi witness`` and ``sandi audit checkpoint/verify --witness``, end to end: two
agencies' homes and a witness's home, each a copy of the demo home with its own audit
log. The witness cosigns each log's checkpoints only while the log extends the last one;
a truncated log, a fork and a rewritten record are caught; the honest control passes."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from city import doc, ok
from clitools import Run, assert_one_error, make_run

from sandi.audit import AuditLog
from sandi.demo import DemoWorld
from tests.test_audit import rehash


def _home(world: DemoWorld, path: Path) -> Path:
    shutil.copytree(world.home.path, path)
    for log in path.glob("audit.db*"):
        log.unlink()
    return path


@pytest.fixture
def homes(world: DemoWorld, tmp_path: Path) -> tuple[Run, Run, Run]:
    """BKPSDMD's home, Bappeda's home and the Inspektorat's (the witness)."""
    return tuple(make_run(_home(world, tmp_path / name))  # type: ignore[return-value]
                 for name in ("bkpsdmd", "bappeda", "inspektorat"))


def _activity(run: Run, agency: str, passfile: Path, tmp_path: Path, n: int) -> None:
    """``n`` audited actions (each a verify of a sealed letter, or the seal itself)."""
    src = tmp_path / f"{agency}.txt"
    src.write_text("Surat edaran.\n", encoding="utf-8")
    sealed = tmp_path / f"{agency}.txt.sandi"
    if not sealed.exists():
        ok(run("seal", src, "--from", agency, "--to", "setda", "--classification", "biasa",
               "--passphrase-file", passfile))
        n -= 1
    for _ in range(n):
        ok(run("verify", sealed))


def _round(run: Run, witness: Run, agency: str, passfile: Path, folder: Path,
           name: str) -> Path:
    """checkpoint -> cosign -> verify and keep; the cosigned checkpoint's path."""
    request, cosigned = folder / f"{name}.request", folder / f"{name}.cosigned"
    ok(run("audit", "checkpoint", "--agency", agency, "-o", request, "--passphrase-file",
           passfile))
    ok(witness("witness", "cosign", request, "--agency", "inspektorat", "-o", cosigned,
               "--passphrase-file", passfile))
    ok(run("audit", "verify", "--checkpoint", cosigned, "--witness", "inspektorat"))
    return cosigned


def test_two_homes_and_a_witness(homes: tuple[Run, Run, Run], passfile: Path,
                                 tmp_path: Path) -> None:
    bkpsdmd, bappeda, witness = homes
    for run, agency in ((bkpsdmd, "bkpsdmd"), (bappeda, "bappeda")):
        _activity(run, agency, passfile, tmp_path, 3)
        _round(run, witness, agency, passfile, tmp_path, f"{agency}-1")
        _activity(run, agency, passfile, tmp_path, 2)
        cosigned = _round(run, witness, agency, passfile, tmp_path, f"{agency}-2")
        # The honest control: the log only grew, and keeps growing.
        checked = doc(run("--json", "audit", "verify", "--witness", "inspektorat"))
        assert checked["checkpoint"]["witness"] == "inspektorat"
        # 3 actions, the first checkpoint's own record, 2 actions: the second covers 6.
        assert checked["checkpoint"]["size"] == 6 and checked["records"] == 7
        shown = ok(witness("witness", "show", "--log", agency)).stdout
        assert shown == cosigned.read_text()
        for argv in (["audit", "verify", "--witness", "inspektorat"], ["audit", "verify"]):
            human = ok(run(*argv)).stdout
            assert "cosigned by the witness inspektorat v1" in human
    # Indonesian, for the officials.
    said = ok(bkpsdmd("--lang", "id", "audit", "verify", "--witness", "inspektorat")).stdout
    assert "ditandatangani bersama oleh saksi inspektorat" in said

    log = tmp_path / "bkpsdmd" / "audit.db"
    size = doc(bkpsdmd("--json", "audit", "verify", "--witness", "inspektorat"))[
        "checkpoint"]["size"]
    # A rewritten record: consistent chain, but not what the witness cosigned.
    with sqlite3.connect(log) as db:
        db.execute("UPDATE records SET os_user = 'orang-lain' WHERE seq = 2")
    rehash(AuditLog(log), 2)
    for argv in (["audit", "verify"], ["audit", "verify", "--witness", "inspektorat"]):
        error, hint = assert_one_error(bkpsdmd(*argv), 1)  # the kept checkpoint catches it
        assert f"does not extend the checkpoint at record {size}" in error
        assert "Inspektorat" in hint
    # A fork: the rewritten log's own checkpoint of the same size, from the last size.
    fork = tmp_path / "fork.request"
    ok(bkpsdmd("audit", "checkpoint", "--agency", "bkpsdmd", "-o", fork, "--from-size",
               str(size), "--passphrase-file", passfile))
    refused = witness("witness", "cosign", fork, "--agency", "inspektorat", "-o",
                      tmp_path / "fork.cosigned", "--passphrase-file", passfile)
    error, _ = assert_one_error(refused, 1)
    assert "rewritten or forked" in error and not (tmp_path / "fork.cosigned").exists()
    # A truncation, in the other home.
    with sqlite3.connect(tmp_path / "bappeda" / "audit.db") as db:
        db.execute("DELETE FROM records WHERE seq > 3")
    error, _ = assert_one_error(bappeda("audit", "verify", "--witness", "inspektorat"), 1)
    assert "records were removed" in error
    cut = tmp_path / "cut.request"
    ok(bappeda("audit", "checkpoint", "--agency", "bappeda", "-o", cut, "--from-size", "0",
               "--passphrase-file", passfile))
    error, _ = assert_one_error(witness("witness", "cosign", cut, "--agency", "inspektorat",
                                        "--passphrase-file", passfile), 1)
    assert "fewer than the" in error and "already witnessed" in error
    # The witness's own log records what it cosigned and what it refused.
    actions = [(r["action"], r["outcome"]) for r in doc(witness("--json", "audit", "show"))[
        "records"]]
    assert actions.count(("witness-cosign", "ok")) == 4
    assert actions.count(("witness-cosign", "refused")) == 2


def test_witness_usage_errors(homes: tuple[Run, Run, Run], passfile: Path,
                              tmp_path: Path) -> None:
    bkpsdmd, _, witness = homes
    assert_one_error(witness("witness", "show", "--log", "bkpsdmd"), 2)  # nothing yet
    junk = tmp_path / "junk.request"
    junk.write_text("old 0\n\nnot a checkpoint\n", encoding="utf-8")
    assert_one_error(witness("witness", "cosign", junk, "--agency", "inspektorat",
                             "--passphrase-file", passfile), 1)
    _activity(bkpsdmd, "bkpsdmd", passfile, tmp_path, 2)
    request = tmp_path / "r.request"
    ok(bkpsdmd("audit", "checkpoint", "--agency", "bkpsdmd", "-o", request,
               "--passphrase-file", passfile))
    own = bkpsdmd("witness", "cosign", request, "--agency", "bkpsdmd", "--passphrase-file",
                  passfile)
    assert_one_error(own, 2)
    ok(witness("witness", "cosign", request, "--agency", "inspektorat", "-o",
               tmp_path / "c.txt", "--passphrase-file", passfile))
    again = witness("witness", "cosign", request, "--agency", "inspektorat", "-o",
                    tmp_path / "c.txt", "--passphrase-file", passfile)
    assert_one_error(again, 2)  # never overwrites
    # Killed after the state moved and before the file was written: the rerun completes.
    rerun = doc(witness("--json", "witness", "cosign", request, "--agency", "inspektorat",
                        "-o", tmp_path / "c2.txt", "--passphrase-file", passfile))
    assert rerun["size"] == doc(witness("--json", "witness", "show", "--log", "bkpsdmd"))[
        "size"] and (tmp_path / "c2.txt").exists()
    assert_one_error(witness("witness", "show", "--log", "bappeda"), 2)
