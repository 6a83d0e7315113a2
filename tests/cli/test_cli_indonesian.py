"""Indonesian throughout (issue 17 §4): under ``--lang id`` no English that leaked
before (click's usage words, placeholders and brackets, member statuses) appears in any
help page or any message."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from clitools import CLEAN_ENV, make_run

from sandi_cli.main import cli
from sandi_cli.messages import catalogue

#: English that leaked into Indonesian output (issue 17 §4), as patterns.
LEAKED = [
    r"\[OPTIONS\]", r"\[required\]", r"\[default", r"\[env var", r"\bUsage:", r"\bOptions:",
    r"\bCommands:", r"\bError:", r"\bTry '", r"Show this message", r"\bFILE\b", r"\bTEXT\b",
    r"\bAGENCY\b", r"\bDIR\b", r"\bCOMMAND\b", r"\bARGS\b", r"\bMEMBER\b", r"\bNAME\b",
    r"\bactive\b", r"\bsuspended\b", r"\bremoved\b", r"Keystore passphrase",
]
_LEAK = re.compile("|".join(LEAKED))


def _paths(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()
           ) -> list[tuple[str, ...]]:
    found = [prefix]
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if isinstance(sub, click.Group):
            found += _paths(sub, ctx, (*prefix, name))
        elif sub is not None:
            found.append((*prefix, name))
    return found


def _every_command() -> list[tuple[str, ...]]:
    with click.Context(cli) as ctx:
        return _paths(cli, ctx)


@pytest.mark.parametrize("path", _every_command(), ids=lambda p: " ".join(p) or "sandi")
def test_every_help_page_is_indonesian(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, ["--lang", "id", *path, "--help"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    leaks = _LEAK.findall(result.output)
    assert not leaks, (path, leaks, result.output)
    english = CliRunner().invoke(cli, ["--lang", "en", *path, "--help"], env=CLEAN_ENV)
    assert "Usage:" in english.output  # the control: the pattern finds English


def test_every_indonesian_message_is_free_of_the_leaked_english() -> None:
    cat = catalogue("id")
    ids = cat.ids()
    assert len(ids) > 300
    leaks = {m: cat.gettext(m) for m in ids if _LEAK.search(cat.gettext(m))}
    assert not leaks, leaks


@pytest.mark.parametrize("argv", [
    ["seal"], ["demo", "--nope"], ["open"], ["no-such-command"], ["keys", "rotate", "--x"],
])
def test_usage_errors_are_indonesian(tmp_path: Path, argv: list[str]) -> None:
    result = make_run(tmp_path / "home")("--lang", "id", *argv)
    assert result.exit_code == 2
    assert not _LEAK.findall(result.stderr), result.stderr
    assert "Galat:" in result.stderr or "galat:" in result.stderr


def test_a_command_own_usage_error_is_indonesian(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x", encoding="utf-8")
    result = make_run(None)("--lang", "id", "demo", "--home", tmp_path / "full")
    assert result.exit_code == 2
    assert "Penggunaan:" in result.stderr and "Galat:" in result.stderr
    assert not _LEAK.findall(result.stderr), result.stderr


def test_the_demo_follows_lang(tmp_path: Path) -> None:
    result = make_run(None)("demo", "--home", tmp_path / "demo",
                            env={"LANG": "id_ID.UTF-8"})
    assert result.exit_code == 0, result.stderr
    assert "Home demo" in result.stdout and "Demo home" not in result.stdout
