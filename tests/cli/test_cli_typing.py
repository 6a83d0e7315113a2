"""The command line as people type it (issue 17 §3): global options in either place,
check first and ask the passphrase last, three tries at a terminal, a piped
passphrase without Python's warnings."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from clitools import CLEAN_ENV, Run, make_run
from vaultcity import build

import sandi
import sandi_cli.params
from sandi.demo import DEMO_PASSPHRASE, DemoWorld

PROMPT = "Keystore passphrase"


@pytest.fixture
def envelope(world: DemoWorld, tmp_path: Path) -> Path:
    path = tmp_path / "nota.txt.sandi"
    path.write_bytes(sandi.seal(b"Nota dinas", sender=world.keystore.identity("setda"),
                                to=["dinkes"], classification="rahasia", pola=world.pola,
                                filename="nota.txt"))
    return path


# --- global options before or after the subcommand -----------------------------------------


def test_global_options_work_after_the_subcommand(world: DemoWorld, envelope: Path) -> None:
    run = make_run(None)
    home = str(world.home.path)
    after = run("verify", envelope, "--home", home, "--lang", "id", "--json")
    before = run("--home", home, "--lang", "id", "--json", "verify", envelope)
    assert after.exit_code == before.exit_code == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)
    shown = run("pola", "show", f"--home={home}", "-q")  # a nested group; flags too
    assert shown.exit_code == 0 and shown.stdout == ""
    listed = run("pola", "--home", home, "show")
    assert listed.exit_code == 0 and "kota-contoh" in listed.stdout
    # Without the option at all, the home is missing: the control.
    assert run("verify", envelope).exit_code == 2


def test_a_value_that_looks_like_a_global_option_stays_a_value(
        world: DemoWorld, tmp_path: Path, passfile: Path) -> None:
    doc = tmp_path / "surat.txt"
    doc.write_text("isi", encoding="utf-8")
    result = make_run(None)("--json", "seal", doc, "--subject", "--home", "--from", "setda",
                            "--to", "dinkes", "--classification", "biasa",
                            "--passphrase-file", passfile, "--home", world.home.path)
    assert result.exit_code == 0, result.stderr
    opened = sandi.open((tmp_path / "surat.txt.sandi").read_bytes(), keystore=world.keystore,
                        pola=world.pola)
    assert opened.subject == "--home"


def test_the_later_of_two_homes_wins(world: DemoWorld, envelope: Path, tmp_path: Path) -> None:
    result = make_run(None)("--home", tmp_path / "elsewhere", "verify", envelope,
                            "--home", world.home.path)
    assert result.exit_code == 0, result.stderr


# --- check first, ask last ------------------------------------------------------------------


def _never_asked(result: object, code: int) -> None:
    assert getattr(result, "exit_code") == code, getattr(result, "stderr")  # noqa: B009
    stderr = getattr(result, "stderr")  # noqa: B009
    assert PROMPT not in stderr and "Traceback" not in stderr
    assert stderr.count("sandi: error:") == 1


@pytest.mark.parametrize(("to", "sender", "level", "code"), [
    ("dinkess", "setda", "biasa", 1),          # a typo'd agency
    ("dinkes", "setdaa", "biasa", 1),          # a typo'd sender
    ("bappeda", "setda", "sangat-rahasia", 1),  # a flow the pola forbids
])
def test_seal_refuses_what_the_pola_refuses_before_asking(
        run: Run, tmp_path: Path, to: str, sender: str, level: str, code: int) -> None:
    doc = tmp_path / "surat.txt"
    doc.write_text("isi", encoding="utf-8")
    result = run("seal", doc, "--to", to, "--from", sender, "--classification", level,
                 input=DEMO_PASSPHRASE + "\n")
    _never_asked(result, code)
    assert not (tmp_path / "surat.txt.sandi").exists()


@pytest.mark.parametrize("damage", ["not an envelope", "forbidden", "not addressed",
                                    "unknown sender"])
def test_open_refuses_what_needs_no_key_before_asking(
        world: DemoWorld, run: Run, envelope: Path, tmp_path: Path, damage: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    if damage == "not an envelope":
        envelope.write_bytes(b"%PDF-1.7 bukan amplop")
    elif damage == "unknown sender":  # a header naming an agency the pola does not list
        data = envelope.read_bytes()
        assert data.count(b"\xa5setda") == 2  # the sender and its signing key
        envelope.write_bytes(data.replace(b"\xa5setda", b"\xa5setdx"))
    elif damage == "not addressed":  # allowed, but to no agency this home holds keys of
        home = tmp_path / "home"
        shutil.copytree(world.home.path, home)
        store = sandi.Keystore.open(home, passphrase=DEMO_PASSPHRASE)
        dinkes = [k for k in store.keys(None) if k.agency != "dinkes"]
        (home / "keystore.sandi").unlink()
        sandi.Keystore.create(home, passphrase=DEMO_PASSPHRASE,
                              kdf=sandi.keys.KdfParams.TEST).add_keys(dinkes)
        run = make_run(home)
    else:  # signed by a real agency, along a flow the installed pola forbids
        with monkeypatch.context() as m:  # a modified client that skips its own check
            m.setattr(sandi.Pola, "check_flow", lambda *a, **k: None)
            envelope.write_bytes(sandi.seal(b"x", sender=world.keystore.identity("setda"),
                                            to=["bappeda"], classification="sangat-rahasia",
                                            pola=world.pola))
    result = run("open", envelope, "-o", tmp_path / "out.txt", input=DEMO_PASSPHRASE + "\n")
    _never_asked(result, 1)
    assert not (tmp_path / "out.txt").exists()
    if damage == "unknown sender":
        assert "'setdx' is not in pola" in result.stderr
    if damage == "not addressed":
        assert "is a recipient of this envelope" in result.stderr
        assert "not addressed to your agency" in result.stderr  # the hint


def test_a_members_vault_refuses_a_letter_for_another_agency_before_asking(
        world: DemoWorld, tmp_path: Path) -> None:
    # The Dinkes workstation holds Dinkes's keys in a vault; a letter to Inspektorat is
    # refused from the vault's public part, before the member's passphrase.
    letter = tmp_path / "nota.sandi"
    letter.write_bytes(sandi.seal(b"x", sender=world.keystore.identity("setda"),
                                  to=["inspektorat"], classification="rahasia",
                                  pola=world.pola))
    run = make_run(world.workstation)
    result = run("--member", "sari", "open", letter, "-o", tmp_path / "out.txt", input="x\n")
    _never_asked(result, 1)
    assert "is a recipient of this envelope" in result.stderr
    assert "passphrase" not in result.stderr.lower()
    dinkes = tmp_path / "dinkes.sandi"  # the control: a letter to Dinkes asks
    dinkes.write_bytes(sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["dinkes"],
                                  classification="rahasia", pola=world.pola))
    asked = run("--member", "sari", "open", dinkes, "-o", tmp_path / "out.txt", input="x\n")
    assert asked.exit_code == 1 and "passphrase" in asked.stderr.lower(), asked.stderr


def test_a_damaged_payload_is_refused_by_the_one_open_after_asking(
        run: Run, envelope: Path, tmp_path: Path) -> None:
    # The payload and the signature are checked as open reads the file, once: the
    # passphrase is asked first, and nothing is written.
    data = bytearray(envelope.read_bytes())
    data[-70] ^= 1
    envelope.write_bytes(bytes(data))
    result = run("open", envelope, "-o", tmp_path / "out.txt", input=DEMO_PASSPHRASE + "\n")
    assert result.exit_code == 1 and PROMPT in result.stderr, result.stderr
    assert result.stderr.count("sandi: error:") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out.txt").exists() and list(tmp_path.iterdir()) == [envelope]


def test_open_asks_once_everything_public_checks(run: Run, envelope: Path, tmp_path: Path
                                                 ) -> None:
    result = run("open", envelope, "-o", tmp_path / "out.txt", input=DEMO_PASSPHRASE + "\n")
    assert result.exit_code == 0, result.stderr
    assert PROMPT in result.stderr  # the control: the honest envelope does ask
    assert (tmp_path / "out.txt").read_bytes() == b"Nota dinas"


def _bytes_read() -> int:
    """What this process has read through read(2) so far (Linux: ``rchar``)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_open_reads_the_envelope_once(world: DemoWorld, run: Run, tmp_path: Path) -> None:
    # The checks before the passphrase read the clear header only; the open that follows
    # reads and verifies the whole file. Reading it twice (a full verify first) would
    # read at least 2 x 24 MiB.
    size = 24 << 20
    src = tmp_path / "arsip.bin"
    src.write_bytes(os.urandom(size))
    envelope = tmp_path / "arsip.bin.sandi"
    sandi.seal_file(src, envelope, sender=world.keystore.identity("setda"), to=["dinkes"],
                    classification="rahasia", pola=world.pola)
    src.unlink()
    before = _bytes_read()
    result = run("open", envelope, "-o", tmp_path / "arsip.out", input=DEMO_PASSPHRASE + "\n")
    read = _bytes_read() - before
    assert result.exit_code == 0 and PROMPT in result.stderr, result.stderr
    assert (tmp_path / "arsip.out").stat().st_size == size
    envelope_size = envelope.stat().st_size
    assert envelope_size <= read < envelope_size + (4 << 20), (read, envelope_size)


def test_a_shared_home_without_member_is_refused_before_asking(tmp_path: Path) -> None:
    city = build(tmp_path / "vault-city")
    home = tmp_path / "home"
    shutil.copytree(city.home, home)
    result = make_run(home)("keys", "list", input="x\n")
    _never_asked(result, 2)
    assert "--member" in result.stderr and "ani" in result.stderr


# --- a wrong passphrase at a terminal is asked again ---------------------------------------


@pytest.mark.parametrize(("typed", "code", "again"), [
    (["salah", "keliru", DEMO_PASSPHRASE], 0, 2),
    ([DEMO_PASSPHRASE], 0, 0),
    (["salah", "keliru", "lagi-salah", DEMO_PASSPHRASE], 1, 2),
])
def test_three_tries_at_a_terminal(run: Run, envelope: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, typed: list[str],
                                   code: int, again: int) -> None:
    monkeypatch.setattr(sandi_cli.params, "_interactive", lambda: True)
    result = run("open", envelope, "-o", tmp_path / "out.txt",
                 input="".join(f"{line}\n" for line in typed))
    assert result.exit_code == code, result.stderr
    assert result.stderr.count("try again") == again
    assert result.stderr.count(PROMPT) == min(len(typed), 3)
    assert (tmp_path / "out.txt").exists() is (code == 0)


def test_a_passphrase_file_is_tried_once(run: Run, envelope: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandi_cli.params, "_interactive", lambda: True)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("salah\n", encoding="utf-8")
    wrong.chmod(0o600)
    result = run("open", envelope, "-o", tmp_path / "out.txt", "--passphrase-file", wrong)
    assert result.exit_code == 1 and "try again" not in result.stderr


# --- a piped passphrase -------------------------------------------------------------------------


def test_a_piped_passphrase_leaks_no_python_warning(world: DemoWorld, envelope: Path,
                                                    tmp_path: Path) -> None:
    env = {k: v for k, v in {**os.environ, **CLEAN_ENV}.items() if v is not None}
    result = subprocess.run(
        [sys.executable, "-m", "sandi_cli", "--home", str(world.home.path), "open",
         str(envelope), "-o", str(tmp_path / "out.txt")],
        input=DEMO_PASSPHRASE + "\n", capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and ".py" not in result.stderr, result.stderr
    assert (tmp_path / "out.txt").read_bytes() == b"Nota dinas"


# --- an expiring pola warns before it expires ----------------------------------------------


@pytest.mark.parametrize(("days_left", "warned"), [(5, True), (13.5, True), (15, False)])
def test_an_expiring_pola_warns_from_fourteen_days_before(
        world: DemoWorld, run: Run, envelope: Path, monkeypatch: pytest.MonkeyPatch,
        days_left: float, warned: bool) -> None:
    import sandi_cli.freshness

    assert sandi_cli.freshness.EXPIRY_WARNING_DAYS == 14  # the number docs/cli.md gives
    moment = world.pola.expires_at - timedelta(days=days_left)
    monkeypatch.setattr(sandi_cli.freshness, "_now", lambda: moment)
    result = run("verify", envelope)
    assert result.exit_code == 0, result.stderr
    assert ("expires on" in result.stderr) is warned, result.stderr
    if warned:
        assert f"in {int(days_left)} days" in result.stderr


# --- --json usage errors ---------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["--json", "seal", "x.txt"],                     # a missing option
    ["seal", "x.txt", "--json", "--to", "dinkes"],   # --json after the command
    ["--json", "no-such-command"],
    ["--json", "--lang", "id", "seal", "x.txt", "--no-such-option"],
])
def test_json_usage_errors_print_json_on_stdout(run: Run, tmp_path: Path,
                                                argv: list[str]) -> None:
    (Path.cwd() / "x.txt").write_text("x", encoding="utf-8")
    result = run(*argv)
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "UsageError" and error["exit_code"] == 2
    assert error["category"] == "bad-input" and "--help" in error["hint"]
    assert result.stderr.strip()  # people still read it on stderr


def test_without_json_a_usage_error_prints_nothing_on_stdout(run: Run) -> None:
    result = run("seal", "x.txt")
    assert result.exit_code == 2 and result.stdout == ""


def test_the_readme_gives_officials_an_install_line_without_test_tools() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    developers, officials = readme.split("### On an official's computer", 1)
    assert ".venv/bin/pip install -e '.[test]'" in developers  # the developers' two commands
    assert ".venv/bin/python -m pytest" in developers
    block = officials.split("```sh", 1)[1].split("```", 1)[0]
    assert "pip install -e ." in block and "[test]" not in block
    assert "~/.local/bin/sandi" in block and "sandi --version" in block
