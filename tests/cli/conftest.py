"""CLI fixtures: a runner bound to the module's demo home, a passphrase file, and a
scratch working directory (commands write request files to the current one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clitools import Run, make_run, write_secret

from sandi.demo import DemoWorld


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    """The demo passphrase in a 0600 file."""
    return write_secret(tmp_path / "passphrase.txt")


@pytest.fixture
def run(world: DemoWorld) -> Run:
    """Invoke ``sandi --home <the demo home> ARGS...``; returns click's Result."""
    return make_run(world.home.path)


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every CLI test in a fresh directory, never in the repository."""
    cwd = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(cwd)
    return cwd
