"""Start-up: `sandi --version` and `sandi --help` load no command module and none of the
heavy libraries (crypto, msgpack, SQLite, TOML, SLIP-39), so they start about as fast as
click itself; and loading commands lazily loses neither a command nor its completion.

These check what is imported, not how long it takes: timings on a shared machine are
noise, imports are not (benchmarks/README.md has the times)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner
from clitools import write_secret

from sandi.demo import DemoWorld
from sandi_cli.main import _COMMANDS, cli
from sandi_cli.messages import t

HEAVY = ("cryptography", "nacl", "msgpack", "sqlite3", "_sqlite3", "tomlkit",
         "shamir_mnemonic", "psycopg", "hashlib")

_PROBE = """
import contextlib, io, json, sys
from sandi_cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps([code, sorted(sys.modules)]))
"""


def _modules_after(*argv: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    result = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True,
                            text=True, timeout=60, check=True, env=env,
                            stdin=subprocess.DEVNULL)
    code, modules = json.loads(result.stdout.splitlines()[-1])
    return code, modules


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["--lang", "id", "--help"]])
def test_version_and_help_import_nothing_heavy(argv: list[str]) -> None:
    code, modules = _modules_after(*argv)
    assert code == 0
    heavy = [m for m in modules if m.split(".")[0] in HEAVY]
    assert not heavy, f"sandi {' '.join(argv)} imports {heavy}"
    commands = [m for m in modules if m.startswith("sandi_cli.")
                and not m.startswith(("sandi_cli.main", "sandi_cli.context",
                                      "sandi_cli.messages", "sandi_cli.localized",
                                      "sandi_cli.escape"))]
    assert not commands, f"sandi {' '.join(argv)} imports command modules {commands}"
    # sandi.errors carries its messages' templates (sandi._internal.i18n: stdlib only, no
    # catalogue is read until a message is shown in Indonesian); sandi._internal.lazy makes
    # the public names load on first use.
    library = [m for m in modules if m.startswith("sandi.") and m not in (
        "sandi.errors", "sandi._internal", "sandi._internal.i18n", "sandi._internal.lazy")
        and not m.startswith("sandi.errors.")]  # the error families' modules
    assert not library, f"sandi {' '.join(argv)} imports {library}"


def test_help_lists_every_command_with_its_short_help() -> None:
    out = CliRunner().invoke(cli, ["--lang", "id", "--help"], prog_name="sandi").output
    from sandi_cli.messages import t

    for name, (_module, _attr, help_id) in _COMMANDS.items():
        line = next(x for x in out.splitlines() if x.strip().startswith(name + " "))
        assert t(help_id, "id").split("\n")[0][:30] in " ".join(out.split()), line


def test_every_lazy_command_loads_under_its_name() -> None:
    ctx = click.Context(cli)
    for name in _COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name


@pytest.mark.parametrize(("args", "incomplete", "expected"), [
    ([], "ve", {"verify"}),
    ([], "", set(_COMMANDS)),
    (["keys"], "r", {"restore", "revoke", "rotate"}),
    (["pola"], "si", {"sign"}),
])
def test_completion_reaches_lazy_commands(args: list[str], incomplete: str,
                                          expected: set[str]) -> None:
    complete = ShellComplete(cli, {}, "sandi", "_SANDI_COMPLETE")
    names = {item.value for item in complete.get_completions(args, incomplete)}
    assert expected <= names, names


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("args", [[], ["keys"], ["pola"], ["audit"]])
def test_completion_help_is_the_translated_text(monkeypatch: pytest.MonkeyPatch, lang: str,
                                                args: list[str]) -> None:
    # zsh and fish show each candidate's one-line help beside it: the text, never its id.
    monkeypatch.setenv("SANDI_LANG", lang)
    complete = ShellComplete(cli, {}, "sandi", "_SANDI_COMPLETE")
    items = complete.get_completions(args, "")
    assert items
    for item in items:
        assert item.help and not re.fullmatch(r"[a-z_.]+", item.help), (item.value, item.help)
        if not args:
            assert item.help[:20] == t(_COMMANDS[item.value][2], lang)[:20], item.value


# What `sandi seal` and `sandi open` must not import (issue 18 §1, their start-up is most
# of their time on a small file): X.509 and RFC 3161 (only a pola naming a time-stamping
# authority needs them), the authority's and custodians' tools, rewrap's process pool,
# TOML, SLIP-39, PostgreSQL (unless the audit log is there), the e-mail parser that
# cryptography.x509 would bring, `tempfile` (open to a stream only), `traceback` (only
# with --debug) and the audit log's checkpoints and witnesses (an append needs neither).
# A new top-level import that drags one in fails here, not in a benchmark.
NOT_FOR_SEAL_OR_OPEN = ("cryptography.x509", "rfc3161_client", "sandi.authority",
                        "sandi.keys.backup", "sandi.envelope.rewrapping", "multiprocessing",
                        "concurrent", "tomllib", "tomlkit", "shamir_mnemonic", "psycopg",
                        "email", "tempfile", "traceback", "sandi.crypto.timestamps",
                        "sandi.audit.checkpoint", "sandi.audit.witness")
# With the keys held by `sandi agent`, the keystore file is never opened: none of its
# modules (the vault, members' key files, sealed-file KDF) is loaded.
KEYSTORE = ("sandi.keys.keystore", "sandi.keys.vault", "sandi.keys.members",
            "sandi.keys.secretfile", "sandi.keys.holdings", "sandi.keys.storage")


def _unneeded(modules: list[str], also: tuple[str, ...] = ()) -> list[str]:
    banned = (*NOT_FOR_SEAL_OR_OPEN, *also)
    return [m for m in modules if m in banned or m.startswith(tuple(b + "." for b in banned))]


def test_seal_and_open_import_only_what_they_use(world: DemoWorld, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDI_PASSPHRASE_FILE", str(write_secret(tmp_path / "pass.txt")))
    doc, sealed, opened = tmp_path / "surat.txt", tmp_path / "surat.sandi", tmp_path / "out"
    doc.write_bytes(b"x" * 100_000)
    home = ["--home", str(world.home.path)]
    code, modules = _modules_after(*home, "seal", str(doc), "--from", "setda", "--to",
                                   "inspektorat", "--classification", "terbatas", "-o",
                                   str(sealed))
    assert code == 0 and sealed.exists()
    assert "sandi.envelope.sealing" in modules  # the probe did run the command
    # A seal that asks for no receipt needs no receipt builder, nor the receipt format.
    assert not _unneeded(modules, ("sandi.envelope.acknowledging", "sandi.envelope.opening",
                                   "sandi.envelope.receipts"))
    code, modules = _modules_after(*home, "open", str(sealed), "-o", str(opened))
    assert code == 0 and opened.read_bytes() == doc.read_bytes()
    assert "sandi.envelope.opening" in modules
    assert not _unneeded(modules)


def test_with_the_agent_seal_and_open_never_load_the_keystore(fresh_world: DemoWorld,
                                                              tmp_path: Path) -> None:
    home = fresh_world.home.path
    env = {k: v for k, v in os.environ.items() if k not in ("SANDI_PASSPHRASE_FILE",
                                                            "SANDI_HOME")}
    agent = [sys.executable, "-m", "sandi_cli", "--home", str(home), "agent"]
    subprocess.run([*agent, "start", "--passphrase-file", str(write_secret(
        tmp_path / "pass.txt"))], env=env, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=120, check=True)
    try:
        doc, sealed, opened = tmp_path / "surat.txt", tmp_path / "surat.sandi", tmp_path / "out"
        doc.write_bytes(b"x" * 100_000)
        code, modules = _modules_after("--home", str(home), "seal", str(doc), "--from", "setda",
                                       "--to", "inspektorat", "--classification", "terbatas",
                                       "-o", str(sealed), env=env)
        assert code == 0 and "sandi.agent.client" in modules  # sealed with the agent's keys
        assert not _unneeded(modules, KEYSTORE)
        code, modules = _modules_after("--home", str(home), "open", str(sealed), "-o",
                                       str(opened), env=env)
        assert code == 0 and opened.read_bytes() == doc.read_bytes()
        assert not _unneeded(modules, KEYSTORE)
    finally:
        subprocess.run([*agent, "stop"], env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=120)
