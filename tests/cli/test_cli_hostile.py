"""Hostile names from a sender (issue 15 §6): what another party wrote reaches the
terminal escaped, never chooses which file is replaced, and a name no file system takes
falls back to a safe one; an unreadable keystore is a clean error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from clitools import CLEAN_ENV, Run, assert_one_error
from hypothesis import given
from hypothesis import strategies as st

import sandi
from sandi.demo import DemoWorld
from sandi.envelope.info import plain_name
from sandi_cli.context import Session
from sandi_cli.escape import json_text, printable

#: What a hostile sender writes: clear screen, colour, window title, a forged error
#: line, a right-to-left override that turns "exe.txt" around, a C1 CSI, a tag char.
FORGED = "sandi: error: forged"
HOSTILE = [
    "\x1b[2J\x1b[31mlaporan.pdf",
    "\x1b]0;pwned\x07nota.pdf",
    f"nota.pdf\n{FORGED}",
    "tagihan\u202etxt.exe",
    "surat\x9b31m.pdf",
    "foto\U000e0001.jpg",
    "a\u2028b\u2029c\rd.pdf",
]


def _seal(world: DemoWorld, path: Path, filename: str, subject: str) -> Path:
    path.write_bytes(sandi.seal(b"isi rahasia", sender=world.keystore.identity("setda"),
                                to=["dinkes"], classification="rahasia", pola=world.pola,
                                filename=filename, subject=subject))
    return path


def _no_raw_control(text: str) -> None:
    for line in text.splitlines():
        assert line.isprintable(), repr(line)
        assert not line.startswith(FORGED), line


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_open_shows_the_senders_name_and_subject_escaped(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path, name: str) -> None:
    envelope = _seal(world, tmp_path / "in.sandi", name, f"perihal {name}")
    result = run("open", envelope, "-o", tmp_path / "out.txt", "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    _no_raw_control(result.stdout + result.stderr)
    assert printable(name) in result.stdout  # shown, escaped, not dropped
    assert (tmp_path / "out.txt").read_bytes() == b"isi rahasia"


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_open_into_the_folder_saves_under_a_safe_name_and_says_so_escaped(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path, name: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    envelope = _seal(world, inbox / "surat.sandi", name, "s")
    result = run("open", envelope, "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    _no_raw_control(result.stdout + result.stderr)
    saved = sorted(p.name for p in inbox.iterdir() if p.name != "surat.sandi")
    assert len(saved) == 1 and saved[0].isprintable()
    assert "sandi: warning:" in result.stderr


def test_json_keeps_the_exact_name_and_no_raw_control_character(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path) -> None:
    name = "".join(HOSTILE)
    envelope = _seal(world, tmp_path / "in.sandi", name, name)
    result = run("--json", "open", envelope, "-o", tmp_path / "o", "--passphrase-file",
                 passfile)
    assert result.exit_code == 0, result.stderr
    _no_raw_control(result.stdout)
    doc = json.loads(result.stdout)
    assert doc["filename"] == name and doc["subject"] == name  # a reader gets it exactly


def test_error_lines_quoting_a_senders_name_stay_one_line(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path) -> None:
    # An existing output whose path holds the sender's name: the error quotes it.
    inbox = tmp_path / f"in\x1b[2J\n{FORGED}"
    inbox.mkdir()
    envelope = _seal(world, inbox / "x.sandi", "x.txt", "s")
    (inbox / "out").write_text("mine", encoding="utf-8")
    result = run("open", envelope, "-o", inbox / "out", "--passphrase-file", passfile)
    error, _hint = assert_one_error(result, 2)
    assert "\\x1b[2J\\n" in error
    assert (inbox / "out").read_text(encoding="utf-8") == "mine"


@given(st.text())
def test_printable_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = printable(text)
    assert shown.isprintable()
    assert (shown == text) is text.isprintable()
    assert printable(text, lines=True).replace("\n", "").isprintable()


@given(st.text())
def test_json_text_round_trips_and_is_printable(text: str) -> None:
    out = json_text({"name": text})
    assert out.replace("\n", "").isprintable()
    assert json.loads(out) == {"name": text}


def test_session_sinks_escape_what_they_are_given(capsys: pytest.CaptureFixture[str]) -> None:
    session = Session(home=sandi.Home(Path("/nonexistent")))
    session.table([("file name", f"a\n{FORGED}")])
    session.say("open.receipt", path="p\x1b[2J", back="b\u202e")
    session.warn(f"w\x1b]0;t\x07\n{FORGED}")
    out = capsys.readouterr()
    _no_raw_control(out.out)
    assert out.err.count("\n") == 2 and "\x1b" not in out.err and "\x07" not in out.err


# --- --force and the sender's choice of name ----------------------------------------------


def test_force_never_replaces_a_file_the_sender_named(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "anggaran.xlsx").write_bytes(b"the recipient's own work")
    envelope = _seal(world, inbox / "kiriman.sandi", "anggaran.xlsx", "s")
    for where in ([], ["-o", str(inbox)]):
        result = run("open", envelope, *where, "--force", "--passphrase-file", passfile)
        error, _hint = assert_one_error(result, 2)
        assert "-o" in error
    assert (inbox / "anggaran.xlsx").read_bytes() == b"the recipient's own work"
    # The control: the user names the file, and --force replaces it.
    named = run("open", envelope, "-o", inbox / "anggaran.xlsx", "--force",
                "--passphrase-file", passfile)
    assert named.exit_code == 0, named.stderr
    assert (inbox / "anggaran.xlsx").read_bytes() == b"isi rahasia"


# --- names no file system takes -------------------------------------------------------------


@pytest.mark.parametrize("name", ["a" * 300 + ".pdf", "\u00e9" * 130 + ".pdf",
                                  "laporan" + "\u0101" * 124 + ".pdf"])
def test_a_name_over_255_bytes_falls_back_to_the_envelopes(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path, name: str) -> None:
    assert len(name.encode()) > 255
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    envelope = _seal(world, inbox / "surat-panjang.sandi", name, "s")
    result = run("--json", "open", envelope, "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    assert (inbox / "surat-panjang").read_bytes() == b"isi rahasia"
    assert json.loads(result.stdout)["output"] == str(inbox / "surat-panjang")


def test_plain_name_rules() -> None:
    assert plain_name("x" * 251 + ".pdf") == "x" * 251 + ".pdf"  # 255 bytes: kept
    assert plain_name("x" * 252 + ".pdf") is None
    for bad in ["CON", "nul.txt", "com1.pdf", "a:b", "why?.pdf", "trail.", "trail. ",
                "..", "", None, "a\u202eb", "tab\there"]:
        assert plain_name(bad) is None, bad
    assert plain_name("Laporan Keuangan 2026.pdf") == "Laporan Keuangan 2026.pdf"
    assert plain_name("console.log") == "console.log"


def test_the_library_offers_the_safe_name_it_uses(world: DemoWorld, tmp_path: Path) -> None:
    env = sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["dinkes"],
                     classification="biasa", pola=world.pola, filename="../../etc/passwd")
    doc = sandi.open(env, keystore=world.keystore, pola=world.pola)
    assert doc.filename == "../../etc/passwd"  # what the sender wrote, kept explicit
    assert doc.safe_filename == "passwd"
    (tmp_path / "e.sandi").write_bytes(env)
    (tmp_path / "out").mkdir()
    opened = sandi.open_file(tmp_path / "e.sandi", tmp_path / "out", keystore=world.keystore,
                             pola=world.pola)
    assert opened.safe_filename == "passwd"
    assert opened.path == str(tmp_path / "out" / "passwd")


# --- an unreadable keystore ----------------------------------------------------------------


def test_unreadable_keystore_is_a_clean_error(fresh_world: DemoWorld, tmp_path: Path,
                                              passfile: Path) -> None:
    home = fresh_world.home.path
    envelope = _seal(fresh_world, tmp_path / "in.sandi", "x.txt", "s")
    (home / "keystore.sandi").rename(tmp_path / "keystore.bak")
    (home / "keystore.sandi").mkdir(mode=0o700)  # unreadable as a file, even for root
    result = subprocess.run(
        [sys.executable, "-m", "sandi_cli", "--home", str(home), "open", str(envelope),
         "-o", str(tmp_path / "out"), "--passphrase-file", str(passfile)],
        capture_output=True, text=True, timeout=120,
        env={k: v for k, v in {**os.environ, **CLEAN_ENV}.items() if v is not None})
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "cannot read" in lines[0] and "Traceback" not in result.stderr
    assert "read" in lines[1]
    assert not (tmp_path / "out").exists()
