"""Helpers for the CLI tests: a CliRunner wrapper with a clean environment and
assertions on sandi's error lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

import sandi.demo
from sandi_cli.main import cli

#: Environment for every CLI run: English, no inherited home or passphrase file.
CLEAN_ENV: dict[str, str | None] = {
    "SANDI_LANG": None, "LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None,
    "SANDI_HOME": None, "SANDI_PASSPHRASE_FILE": None, "CREDENTIALS_DIRECTORY": None,
}

Run = Callable[..., Result]


def write_secret(path: Path, text: str = sandi.demo.DEMO_PASSPHRASE) -> Path:
    """A passphrase file, mode 0600, as a custodian would keep it."""
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def make_run(home: Path | None) -> Run:
    """A function running ``sandi [--home HOME] ARGS...`` in-process."""
    def run(*args: str | Path, input: str | None = None,
            env: dict[str, str | None] | None = None) -> Result:
        argv = [str(a) for a in args]
        if home is not None:
            argv = ["--home", str(home), *argv]
        return CliRunner().invoke(cli, argv, input=input, env={**CLEAN_ENV, **(env or {})},
                                  catch_exceptions=False)
    return run


def assert_one_error(result: Result, code: int, lang: str = "en") -> list[str]:
    """Exactly ``sandi: error: ...`` then ``sandi: hint: ...``, no traceback."""
    words = {"en": ("error", "hint"), "id": ("galat", "petunjuk")}[lang]
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"sandi: {words[0]}: ")
    assert lines[1].startswith(f"sandi: {words[1]}: ")
    return lines
