"""The CLI in a real pseudo-terminal: the passphrase prompt is hidden, a progress bar is
drawn on long work, and Ctrl-C (SIGINT to the foreground process) during `open`
leaves no partial plaintext behind."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import sandi
from sandi.demo import DEMO_PASSPHRASE, DemoWorld

BIG = 160 * 1024 * 1024


def _as_from_a_shell() -> None:
    """Give the child the signal dispositions a shell gives a foreground command. A test
    run started in the background (`pytest &`, nohup, CI runners) inherits SIGINT ignored,
    and Python keeps an ignored SIGINT ignored: Ctrl-C would then be lost on its way to
    the child, and the test would be testing its runner instead of sandi."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """A child process whose stdin, stdout and stderr are one pseudo-terminal."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, preexec_fn=_as_from_a_shell)
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
    # The envelope arrives through a FIFO: the test feeds its first half, and Ctrl-C comes
    # while `open` is blocked waiting for the rest, so plaintext is being produced whatever
    # the machine's load (racing a fast open with a signal failed on a busy machine).
    target = tmp_path / "out"
    target.mkdir()
    fifo = tmp_path / "arsip.bin.sandi"
    os.mkfifo(fifo)
    data = big_envelope.read_bytes()
    term = Terminal(_sandi("open", fifo, "-o", target / "arsip.out"), _env(world))
    term.read_until(b"assphrase")
    term.type(DEMO_PASSPHRASE + "\n")
    fed, interrupted = threading.Event(), threading.Event()

    def feed() -> None:
        try:
            with fifo.open("wb") as pipe:
                pipe.write(data[: len(data) // 2])  # returns once `open` has read nearly all
                fed.set()
                interrupted.wait(120)  # the rest only once Ctrl-C has been sent
                pipe.write(data[len(data) // 2:])
        except BrokenPipeError:  # `open` was interrupted: the rest is never read
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    assert fed.wait(120), term.screen[-2000:]
    assert term.proc.poll() is None  # still waiting for the second half
    os.killpg(term.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    interrupted.set()
    code = term.finish()
    feeder.join(10)
    assert code == 130, term.screen[-2000:]
    assert b"Traceback" not in term.screen
    assert list(target.iterdir()) == []  # no output, no hidden temporary file


# --- check first, ask last: nothing addressed to this home, nothing asked ---------------------


@pytest.fixture(scope="module")
def setda_home(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with the city's pola and the keys of Setda only."""
    home = tmp_path_factory.mktemp("setda") / "home"
    shutil.copytree(world.home.path, home)
    (home / "keystore.sandi").unlink()
    sandi.Keystore.create(home, passphrase=DEMO_PASSPHRASE, kdf=sandi.keys.KdfParams.TEST
                          ).add_keys(world.keystore.keys("setda"))
    return home


def _letter(world: DemoWorld, folder: Path, sender: str, to: str) -> Path:
    folder.mkdir()
    path = folder / "nota.txt.sandi"
    path.write_bytes(sandi.seal(b"Nota dinas", sender=world.keystore.identity(sender), to=[to],
                                classification="rahasia", pola=world.pola))
    return path


def _unprompted(term: Terminal, timeout: float = 60) -> int:
    """The exit code of a command that must end without asking anything: a prompt, or
    waiting for input, fails the test."""
    deadline = time.monotonic() + timeout
    while term.proc.poll() is None and time.monotonic() < deadline:
        if select.select([term.master], [], [], 0.1)[0]:
            try:
                term.screen += os.read(term.master, 65536)
            except OSError:
                break
        if b"assphrase" in term.screen or b"rasa sandi" in term.screen:
            os.killpg(term.proc.pid, signal.SIGKILL)
            term.finish()
            raise AssertionError(f"a prompt appeared: {term.screen[-800:]!r}")
    try:
        term.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(term.proc.pid, signal.SIGKILL)
        term.finish()
        raise AssertionError(f"still waiting: {term.screen[-800:]!r}") from None
    return term.finish()


def _in(home: Path, world: DemoWorld, lang: str = "C.UTF-8") -> dict[str, str]:
    return {**_env(world), "SANDI_HOME": str(home), "LANG": lang}


@pytest.mark.parametrize("lang", ["C.UTF-8", "id_ID.UTF-8"])
def test_open_of_a_letter_for_another_agency_never_asks(world: DemoWorld, setda_home: Path,
                                                        tmp_path: Path, lang: str) -> None:
    letter = _letter(world, tmp_path / "in", "setda", "dinkes")
    term = Terminal(_sandi("open", letter, "-o", tmp_path / "out.txt"),
                    _in(setda_home, world, lang))
    assert _unprompted(term) == 1, term.screen[-2000:]
    said = {"C.UTF-8": b"not addressed to your agency", "id_ID.UTF-8": b"tidak ditujukan"}
    assert said[lang] in term.screen, term.screen[-2000:]
    assert b"Traceback" not in term.screen and not (tmp_path / "out.txt").exists()


def test_open_of_a_letter_for_this_home_does_ask(world: DemoWorld, setda_home: Path,
                                                 tmp_path: Path) -> None:
    """The control: a letter to Setda is opened after the passphrase."""
    letter = _letter(world, tmp_path / "in", "inspektorat", "setda")
    term = Terminal(_sandi("open", letter, "-o", tmp_path / "out.txt"), _in(setda_home, world))
    term.read_until(b"assphrase")
    term.type(DEMO_PASSPHRASE + "\n")
    assert term.finish() == 0, term.screen[-2000:]
    assert (tmp_path / "out.txt").read_bytes() == b"Nota dinas"


def test_rewrap_of_an_archive_for_another_agency_never_asks(world: DemoWorld,
                                                            setda_home: Path,
                                                            tmp_path: Path) -> None:
    letter = _letter(world, tmp_path / "arsip", "setda", "dinkes")
    before = letter.read_bytes()
    term = Terminal(_sandi("rewrap", letter.parent), _in(setda_home, world))
    assert _unprompted(term) == 0, term.screen[-2000:]
    assert b"1 not addressed to us" in term.screen, term.screen[-2000:]
    assert letter.read_bytes() == before
    # The control: an archive with a letter to Setda needs the keys, and asks.
    mine = _letter(world, tmp_path / "arsip-setda", "inspektorat", "setda")
    term = Terminal(_sandi("rewrap", mine.parent), _in(setda_home, world))
    term.read_until(b"assphrase")
    term.type(DEMO_PASSPHRASE + "\n")
    assert term.finish() == 0, term.screen[-2000:]
