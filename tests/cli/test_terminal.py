"""The CLI in a real pseudo-terminal: the passphrase prompt is hidden, a progress bar is
drawn on long work, and Ctrl-C (SIGINT to the foreground process) during `open`
leaves no partial plaintext behind."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sandi
from sandi.demo import DEMO_PASSPHRASE, DemoWorld

BIG = 160 * 1024 * 1024


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """A child process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        # Ctrl-C at a terminal reaches a program whose SIGINT is at its default. A test run
        # started in the background of a non-interactive shell (a CI script, `cmd &`)
        # inherits SIGINT *ignored*, and the child would inherit that too and rightly
        # ignore the test's Ctrl-C: give it the disposition an interactive shell gives.
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, preexec_fn=_default_sigint)
        os.close(slave)
        self.screen = b""

    def read_until(self, marker: bytes, timeout: float = 60) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.screen:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{marker!r} not seen; screen: {self.screen[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    break
        return self.screen

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout=timeout)
        with_rest = select.select([self.master], [], [], 0.2)[0]
        while with_rest:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.screen += chunk
            with_rest = select.select([self.master], [], [], 0.2)[0]
        os.close(self.master)
        return code


@pytest.fixture(scope="module")
def big_envelope(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("terminal")
    src = work / "arsip.bin"
    block = os.urandom(1 << 20)
    with src.open("wb") as out:
        for _ in range(BIG >> 20):
            out.write(block)
    env = work / "arsip.bin.sandi"
    sandi.seal_file(src, env, sender=world.keystore.identity("setda"), to=["inspektorat"],
                    classification="rahasia", pola=world.pola)
    src.unlink()
    return env


def _env(world: DemoWorld) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDI_")}
    env.update({"SANDI_HOME": str(world.home.path), "LANG": "C.UTF-8", "COLUMNS": "100"})
    return env


def _sandi(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "sandi_cli", *map(str, args)]


def test_hidden_prompt_and_progress_bar(world: DemoWorld, big_envelope: Path,
                                        tmp_path: Path) -> None:
    out = tmp_path / "arsip.out"
    term = Terminal(_sandi("open", big_envelope, "-o", out), _env(world))
    term.read_until(b"assphrase")
    term.type(DEMO_PASSPHRASE + "\n")
    code = term.finish()
    assert code == 0, term.screen[-2000:]
    assert DEMO_PASSPHRASE.encode() not in term.screen  # the terminal never echoed it
    assert b"Opening" in term.screen and b"%" in term.screen  # the progress bar was drawn
    assert out.stat().st_size == BIG


def test_ctrl_c_during_open_leaves_nothing(world: DemoWorld, big_envelope: Path,
                                           tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    term = Terminal(_sandi("open", big_envelope, "-o", target / "arsip.out"), _env(world))
    term.read_until(b"assphrase")
    term.type(DEMO_PASSPHRASE + "\n")
    term.read_until(b"Opening")  # the bar is up: plaintext is being produced
    os.killpg(term.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    code = term.finish()
    assert code == 130, term.screen[-2000:]
    assert b"Traceback" not in term.screen
    assert list(target.iterdir()) == []  # no output, no hidden temporary file
