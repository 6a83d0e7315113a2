"""Every failure is one error line and one hint, with the documented exit code."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from clitools import Run, assert_one_error, make_run, write_secret
from helpers import PASSPHRASE, keystore_with

import sandi
from sandi.demo import DemoWorld
from sandi_cli.main import cli


@pytest.fixture
def envelope(run: Run, tmp_path: Path, passfile: Path) -> Path:
    src = tmp_path / "nota.txt"
    src.write_text("Nota dinas rahasia\n" * 100, encoding="utf-8")
    result = run("seal", src, "--from", "dispendukcapil", "--to", "dinkes",
                 "--classification", "rahasia", "--passphrase-file", passfile)
    assert result.exit_code == 0, result.stderr
    src.unlink()
    return tmp_path / "nota.txt.sandi"


def test_wrong_passphrase(run: Run, envelope: Path, tmp_path: Path) -> None:
    wrong = write_secret(tmp_path / "wrong.txt", "bukan frasa yang benar")
    result = run("open", envelope, "-o", tmp_path / "out.txt", "--passphrase-file", wrong)
    error, hint = assert_one_error(result, 1)
    assert "passphrase" in error and "case-sensitive" in hint
    assert not (tmp_path / "out.txt").exists()


def test_no_pola_says_how_to_install_one(tmp_path: Path, envelope: Path) -> None:
    (tmp_path / "empty-home").mkdir()  # a home with no pola (a missing home: test_cli_hints)
    result = make_run(tmp_path / "empty-home")("verify", envelope)
    error, hint = assert_one_error(result, 2)
    assert "no pola" in error and "sandi pola update" in hint


def test_missing_keystore_says_how_to_make_one(world: DemoWorld, tmp_path: Path,
                                               envelope: Path, passfile: Path) -> None:
    home = tmp_path / "auditor"
    sandi.Home(home).install_pola(world.pola.to_bytes(),  # a pola, but no keys
                                  fingerprint=world.pola.authority.fingerprint())
    run = make_run(home)
    assert run("verify", envelope).exit_code == 0  # verify needs no keystore
    result = run("open", envelope, "--passphrase-file", passfile)
    error, hint = assert_one_error(result, 2)
    assert "no keystore" in error and "sandi keys init" in hint


def test_policy_refusal(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "laporan.txt"
    src.write_text("laporan", encoding="utf-8")
    result = run("seal", src, "--from", "dinkes", "--to", "dispendukcapil",
                 "--klasifikasi", "sangat-rahasia", "--passphrase-file", passfile)
    error, hint = assert_one_error(result, 1)
    assert "does not allow dinkes" in error and "sandi pola show" in hint
    assert not (tmp_path / "laporan.txt.sandi").exists()


def test_unknown_agency_is_refused(run: Run, tmp_path: Path, passfile: Path) -> None:
    src = tmp_path / "x.txt"
    src.write_text("x", encoding="utf-8")
    result = run("seal", src, "--from", "setda", "--to", "dinas-fiktif",
                 "--classification", "biasa", "--passphrase-file", passfile)
    error, _ = assert_one_error(result, 1)
    assert "dinas-fiktif" in error


@pytest.mark.parametrize("command", ["seal", "open"])
def test_existing_output_is_untouched(run: Run, envelope: Path, tmp_path: Path,
                                      passfile: Path, command: str) -> None:
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me", encoding="utf-8")
    src = envelope if command == "open" else existing
    extra = [] if command == "open" else ["--from", "setda", "--to", "dinkes",
                                          "--classification", "biasa"]
    result = run(command, src, "-o", existing, "--passphrase-file", passfile, *extra)
    error, hint = assert_one_error(result, 2)
    assert "already exists" in error and "--force" in hint
    assert existing.read_text(encoding="utf-8") == "keep me"


def test_open_beside_refuses_to_overwrite(run: Run, envelope: Path, tmp_path: Path,
                                          passfile: Path) -> None:
    (tmp_path / "nota.txt").write_text("mine", encoding="utf-8")
    result = run("open", envelope, "--passphrase-file", passfile)
    assert_one_error(result, 2)
    assert (tmp_path / "nota.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # --force replaces only a file the user names: the name beside the envelope is the
    # sender's choice (issue 15 §6), so it is refused before any passphrase is read.
    forced = run("open", envelope, "--force", "--passphrase-file", tmp_path / "absent")
    assert "-o" in assert_one_error(forced, 2)[0]
    assert (tmp_path / "nota.txt").read_text(encoding="utf-8") == "mine"
    named = run("open", envelope, "-o", tmp_path / "nota.txt", "--force",
                "--passphrase-file", passfile)
    assert named.exit_code == 0, named.stderr
    assert (tmp_path / "nota.txt").read_text(encoding="utf-8").startswith("Nota dinas")


@pytest.mark.parametrize("where", [-70, -10, 200])  # payload, signature, header
def test_tampered_envelope_opens_nothing(run: Run, envelope: Path, tmp_path: Path,
                                         passfile: Path, where: int) -> None:
    data = bytearray(envelope.read_bytes())
    data[where] ^= 0x01
    envelope.write_bytes(bytes(data))
    opened = run("open", envelope, "--passphrase-file", passfile)
    assert_one_error(opened, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nota.txt.sandi", "passphrase.txt"]
    to_file = run("open", envelope, "-o", tmp_path / "out.txt", "--passphrase-file", passfile)
    assert_one_error(to_file, 1)
    assert not (tmp_path / "out.txt").exists()
    assert_one_error(run("verify", envelope), 1)


def test_not_an_envelope(run: Run, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sandi"
    junk.write_bytes(b"%PDF-1.7 not an envelope")
    error, _ = assert_one_error(run("verify", junk), 1)
    assert "envelope" in error


def test_no_passphrase_option_on_the_command_line(run: Run, envelope: Path) -> None:
    result = run("open", envelope, "--passphrase", sandi.demo.DEMO_PASSPHRASE)
    assert result.exit_code == 2 and "No such option" in result.stderr

    def walk(cmd: click.Command) -> list[click.Parameter]:
        params = list(cmd.params)
        if isinstance(cmd, click.Group):  # every command, loading the lazy ones
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None, name
                params += walk(sub)
        return params

    for param in walk(cli):
        names = [*param.opts, *param.secondary_opts, str(param.envvar or "")]
        for name in names:
            if "passphrase" in name.lower():
                # a passphrase option only ever names a file holding it, never the secret
                assert name.lower().replace("_", "-").endswith("passphrase-file"), name
                assert isinstance(param.type, click.Path), name
                assert not getattr(param.type, "dir_okay", True), name


def test_no_input_for_the_prompt_is_a_usage_error(run: Run, envelope: Path) -> None:
    result = run("open", envelope, input="")
    assert result.exit_code == 2
    assert "--passphrase-file" in result.stderr and "Traceback" not in result.stderr


def test_bad_passphrase_file(run: Run, envelope: Path, tmp_path: Path) -> None:
    empty = write_secret(tmp_path / "empty.txt", "")
    assert run("open", envelope, "--passphrase-file", empty).exit_code == 2
    missing = run("open", envelope, "--passphrase-file", tmp_path / "nope.txt")
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_loose_passphrase_file_is_warned_about(run: Run, envelope: Path,
                                               tmp_path: Path) -> None:
    loose = write_secret(tmp_path / "loose.txt")
    loose.chmod(0o644)
    result = run("open", envelope, "-o", tmp_path / "o.txt", "--passphrase-file", loose)
    assert result.exit_code == 0
    assert "sandi: warning:" in result.stderr and "chmod 600" in result.stderr


@pytest.mark.parametrize(("argv", "needle"), [
    (["--classification", "top-secret"], "not a classification"),
    (["--classification", "rahasia", "--urgency", "asap"], "not an urgency"),
    (["--classification", "rahasia", "--from", "Dinkes!"], "not an agency id"),
])
def test_bad_parameters_are_usage_errors(run: Run, envelope: Path, argv: list[str],
                                         needle: str) -> None:
    result = run("seal", envelope, "--to", "dinkes", *argv)
    assert result.exit_code == 2 and needle in result.stderr


def test_json_error_document(tmp_path: Path, envelope: Path) -> None:
    (tmp_path / "nothing").mkdir()
    result = make_run(tmp_path / "nothing")("--json", "verify", envelope)
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["error"]["type"] == "NoPola" and doc["error"]["exit_code"] == 2
    assert "sandi pola update" in doc["error"]["hint"]


def test_internal_error_is_one_line(run: Run, envelope: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sandi, "verify", broken)
    result = run("verify", envelope)
    assert result.exit_code == 70
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error" in lines[0] and "--debug" in lines[0]
    debug = run("--debug", "verify", envelope)
    assert debug.exit_code == 70 and "Traceback" in debug.stderr


def test_interrupt_exits_130(run: Run, envelope: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(sandi, "verify", interrupted)
    result = run("verify", envelope)
    assert result.exit_code == 130
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback_of_a_sandi_error(tmp_path: Path, envelope: Path) -> None:
    result = make_run(tmp_path / "nothing")("--debug", "verify", envelope)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "sandi: error:" in result.stderr


def test_not_a_recipient_says_what_the_keystore_holds_only_with_debug(
        world: DemoWorld, run: Run, tmp_path: Path, passfile: Path) -> None:
    # Issue 14 §8: the error line says only that no held key is a recipient; which
    # agencies and key versions this home holds comes with --debug, on a line of its own.
    src = tmp_path / "nota.txt"
    src.write_text("Nota dinas\n", encoding="utf-8")
    assert run("seal", src, "--from", "dispendukcapil", "--to", "dinsos", "--classification",
               "rahasia", "--passphrase-file", passfile).exit_code == 0
    envelope = tmp_path / "nota.txt.sandi"
    home = tmp_path / "dinkes-home"
    keystore_with(world, home, ["dinkes"])
    sandi.Home(home).install_pola(world.pola.to_bytes(),
                                  fingerprint=world.pola.authority.fingerprint())
    own = write_secret(tmp_path / "dinkes-pass.txt", PASSPHRASE)
    dinkes = make_run(home)
    said = {"en": "none of the keys in this keystore is a recipient",
            "id": "tidak satu pun kunci di keystore ini termasuk penerima"}
    for lang, words in said.items():
        result = dinkes("--lang", lang, "open", envelope, "-o", tmp_path / "out.txt",
                        "--passphrase-file", own)
        error, _hint = assert_one_error(result, 1, lang)
        assert words in error
        assert "dinkes" not in result.stderr and "dinsos" not in result.stderr
    debug = dinkes("--debug", "open", envelope, "-o", tmp_path / "out.txt",
                   "--passphrase-file", own)
    assert debug.exit_code == 1
    assert ("sandi: detail: this envelope is for dinsos; this keystore holds keys for dinkes"
            in debug.stderr)
    assert not (tmp_path / "out.txt").exists()
