"""Receipts (tanda terima) end to end through the CLI: a sender's home asks for them,
the recipient's home writes one on opening, the sender checks it against the envelope it
kept, records it, and ``audit pending`` shows who has not answered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from city import doc, ok
from clitools import assert_one_error, make_run

from sandi.demo import DemoWorld


def _home(world: DemoWorld, path: Path) -> Path:
    shutil.copytree(world.home.path, path)
    for log in path.glob("audit.db*"):
        log.unlink()
    return path


@pytest.fixture
def homes(world: DemoWorld, tmp_path: Path) -> tuple[Path, Path]:
    """The sender's home and the recipients' home (copies of the demo home)."""
    return _home(world, tmp_path / "pengirim"), _home(world, tmp_path / "penerima")


def test_receipts_requested_returned_checked_and_pending(homes: tuple[Path, Path],
                                                        tmp_path: Path, passfile: Path) -> None:
    sender, recipient = make_run(homes[0]), make_run(homes[1])
    src = tmp_path / "nota.txt"
    src.write_text("Undangan rapat koordinasi.\n", encoding="utf-8")
    sealed = doc(sender("--json", "seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                        "--to", "bappeda", "--classification", "terbatas", "--receipts",
                        "--passphrase-file", passfile))
    assert sealed["receipts"] == {"from": ["bappeda", "dinkes"], "to": ["dispendukcapil"]}
    # Nothing has come back yet: both are pending (at --older-than 0).
    pending = doc(sender("--json", "audit", "pending", "--older-than", "0"))["pending"]
    assert sorted(p["agency"] for p in pending) == ["bappeda", "dinkes"]

    out = tmp_path / "keluar"
    out.mkdir()
    opened = doc(recipient("--json", "open", sealed["output"], "-o", out / "nota.txt",
                           "--receipt", out / "tanda-terima.txt", "--passphrase-file",
                           passfile))
    receipt = Path(opened["receipt"])
    assert receipt.read_text().startswith("-----BEGIN SANDI RECEIPT-----")

    checked = doc(sender("--json", "receipt", "verify", receipt, "--envelope",
                         sealed["output"]))
    assert (checked["outcome"], checked["matched_envelope"]) == ("opened", True)
    answered = checked["recipient"]
    left = doc(sender("--json", "audit", "pending", "--older-than", "0"))["pending"]
    assert [p["agency"] for p in left] == sorted({"bappeda", "dinkes"} - {answered})
    records = doc(sender("--json", "audit", "show", "--doc", sealed["document_id"]))["records"]
    assert ("receipt", answered, "ok") in {(r["action"], r["agency"], r["outcome"])
                                           for r in records}
    ok(sender("audit", "verify"))

    # A receipt checked against another envelope is refused, and not recorded.
    other = doc(sender("--json", "seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                       "--classification", "terbatas", "-o", tmp_path / "lain.sandi",
                       "--passphrase-file", passfile))
    assert_one_error(sender("receipt", "verify", receipt, "--envelope", other["output"]), 1)
    # An envelope is not a receipt, and a receipt is not an envelope.
    assert_one_error(sender("receipt", "verify", sealed["output"]), 1)
    assert_one_error(recipient("open", receipt, "-o", out / "x.txt", "--passphrase-file",
                               passfile), 1)


def test_a_requested_receipt_is_written_beside_the_document(homes: tuple[Path, Path],
                                                            tmp_path: Path,
                                                            passfile: Path) -> None:
    sender, recipient = make_run(homes[0]), make_run(homes[1])
    src = tmp_path / "nota.txt"
    src.write_text("Nota dinas.\n", encoding="utf-8")
    sealed = doc(sender("--json", "seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                        "--classification", "terbatas", "--receipt-from", "dinkes",
                        "--passphrase-file", passfile))
    out = tmp_path / "keluar"
    out.mkdir()
    opened = doc(recipient("--json", "open", sealed["output"], "-o", out,
                           "--passphrase-file", passfile))
    assert opened["receipt"] is not None and Path(opened["receipt"]).parent == out
    # Not requested: no receipt file unless asked for.
    plain = doc(sender("--json", "seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                       "--classification", "terbatas", "-o", tmp_path / "biasa.sandi",
                       "--passphrase-file", passfile))
    again = tmp_path / "lagi"
    again.mkdir()
    assert doc(recipient("--json", "open", plain["output"], "-o", again,
                         "--passphrase-file", passfile))["receipt"] is None
