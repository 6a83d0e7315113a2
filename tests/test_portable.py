"""The portable path keeps the guarantees of the Linux one (issue 17 §6).

``SANDI_PORTABLE=1`` turns off every Linux-only call (sandi/_internal/system.py): no
``O_TMPFILE`` nor ``/proc`` link, byte-range locks held by the handle instead of
``flock``, no ``sync_file_range``, no ``PR_SET_PDEATHSIG``. ``.ci/run`` runs the whole
suite a second time with it; these tests pin what the switch must change and what it
must not: with real processes, each lock excludes another process and another handle
of the same process, dies with its holder, and a worker holding keys dies with its
command.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandi._internal import fs as _fs
from sandi._internal import system
from sandi.envelope import archive_turn
from sandi.envelope.archive import TURN_FILE
from sandi.errors import OutputExists

pytestmark = pytest.mark.skipif(not system.LINUX, reason="the switch is tested on Linux")


@pytest.fixture(params=["linux", "portable"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test on the Linux path and on the portable one (the switch, in this process
    and in the processes it starts)."""
    monkeypatch.setenv(system.SWITCH, "1" if request.param == "portable" else "0")
    monkeypatch.setattr(_fs, "_swept", set())
    return str(request.param)


@pytest.fixture
def linux_only_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Linux-only calls made while a test runs, by name."""
    made: list[str] = []
    real_open, real_link, real_flock = os.open, os.link, fcntl.flock

    def spy_open(path: object, flags: int, *args: object, **kw: object) -> int:
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            made.append("O_TMPFILE")
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    def spy_link(src: object, dst: object, *args: object, **kw: object) -> None:
        if str(src).startswith("/proc/"):
            made.append("/proc")
        real_link(src, dst, *args, **kw)  # type: ignore[arg-type]

    def spy_flock(fd: int, op: int) -> None:
        made.append("flock")
        real_flock(fd, op)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "link", spy_link)
    monkeypatch.setattr(fcntl, "flock", spy_flock)
    return made


def test_the_switch_makes_no_linux_only_call(path_kind: str, linux_only_calls: list[str],
                                             tmp_path: Path) -> None:
    _fs.atomic_write(tmp_path / "new", b"1")
    _fs.atomic_write(tmp_path / "new", b"2", overwrite=True)
    with _fs.locked(tmp_path / "x.lock"):
        pass
    with archive_turn(tmp_path):
        pass
    assert (tmp_path / "new").read_bytes() == b"2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "x.lock"]
    if path_kind == "portable":
        assert linux_only_calls == []
        assert system.sync_file_range() is None
    else:  # the control: the Linux path does use them
        assert {"O_TMPFILE", "/proc", "flock"} <= set(linux_only_calls)


def test_a_new_file_never_replaces_one(path_kind: str, tmp_path: Path) -> None:
    with pytest.raises(OutputExists), _fs.atomic_output(tmp_path / "doc") as out:
        (tmp_path / "doc").write_bytes(b"other")  # appears while we write
        out.write(b"new")
    assert (tmp_path / "doc").read_bytes() == b"other"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"]
    system.rename_new(_temp(tmp_path), tmp_path / "made")
    with pytest.raises(FileExistsError):
        system.rename_new(_temp(tmp_path), tmp_path / "made")


def _temp(folder: Path) -> Path:
    path = folder / f"t{time.monotonic_ns()}"
    path.write_bytes(b"t")
    return path


# --- locks, with real processes ---------------------------------------------------------

HOLDER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from sandi._internal import fs
    with fs.locked(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(60)
""")


@contextlib.contextmanager
def _holder(script: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _try_lock(path: Path) -> bool:
    fd = os.open(path, system.lockable_flags())
    try:
        return system.lock(fd, wait=False)
    finally:
        os.close(fd)


def test_a_lock_excludes_another_process_and_dies_with_it(path_kind: str,
                                                          tmp_path: Path) -> None:
    lock = tmp_path / "keystore.lock"
    with _holder(HOLDER, str(lock)) as proc:
        assert not _try_lock(lock)
        proc.send_signal(signal.SIGKILL)  # no handler, no unlock
        proc.wait()
        assert _try_lock(lock)


def test_a_lock_excludes_another_handle_of_the_same_process(path_kind: str,
                                                            tmp_path: Path) -> None:
    # The sweeper runs in the writer's own process too: a lock that a second handle
    # could take (POSIX lockf) would let it remove a live temporary file.
    lock = tmp_path / "same.lock"
    lock.touch()
    first = os.open(lock, system.lockable_flags())
    try:
        assert system.lock(first, wait=False)
        assert not _try_lock(lock)
    finally:
        os.close(first)
    assert _try_lock(lock)


def test_a_reader_waits_for_the_writer_and_no_longer(path_kind: str, tmp_path: Path) -> None:
    lock = tmp_path / "trust.lock"
    done = threading.Event()
    with _holder(HOLDER, str(lock)) as proc:
        def wait() -> None:
            fd = os.open(lock, os.O_RDONLY)  # a reader needs no write access
            try:
                system.wait_free(fd)
            finally:
                os.close(fd)
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        assert not done.wait(0.5)  # the writer holds the lock
        proc.kill()
        proc.wait()
        assert done.wait(10)
    assert _try_lock(lock)  # the reader left no lock behind


WRITER = textwrap.dedent("""
    import sys, time
    from sandi._internal import fs
    with fs.atomic_output(sys.argv[1]) as out:
        out.write(b"half of the plaintext")
        out.flush()
        print("held", flush=True)
        time.sleep(60)
""")


def test_a_killed_writer_leaves_nothing_after_the_next_write(path_kind: str,
                                                             tmp_path: Path) -> None:
    with _holder(WRITER, str(tmp_path / "doc")) as proc:
        hidden = sorted(p.name for p in tmp_path.iterdir())
        # The live writer's file is kept by a sweep (on Linux it has no name at all).
        assert _fs.sweep(tmp_path) == []
        assert sorted(p.name for p in tmp_path.iterdir()) == hidden
        if path_kind == "portable":
            assert len(hidden) == 1 and hidden[0].endswith(_fs.TEMP_SUFFIX)
        else:
            assert hidden == []
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _fs.atomic_write(tmp_path / "other", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


TURN = textwrap.dedent("""
    import sys, time
    from sandi.envelope import archive_turn
    with archive_turn(sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
""")


def test_two_rewraps_of_a_folder_take_turns(path_kind: str, tmp_path: Path) -> None:
    waited: list[str] = []
    with _holder(TURN, str(tmp_path)) as proc:
        proc.send_signal(signal.SIGKILL)  # a crash in the middle of its turn
        proc.wait()
    with archive_turn(tmp_path, on_wait=lambda: waited.append("waited")):
        pass
    assert waited == []  # the dead holder's turn ended with it
    assert list(tmp_path.iterdir()) == []  # and the turn file it left is gone
    with _holder(TURN, str(tmp_path)):
        fd = os.open(tmp_path / TURN_FILE, system.lockable_flags()) \
            if path_kind == "portable" else os.open(tmp_path, os.O_RDONLY)
        try:
            assert not system.lock(fd, wait=False)  # the turn is the other process's
        finally:
            os.close(fd)


# --- a worker holding keys ends with its command ------------------------------------------

POOL = textwrap.dedent("""
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from sandi.envelope import end_with_parent
    start = end_with_parent if sys.argv[1] == "tied" else None
    with ProcessPoolExecutor(max_workers=1, initializer=start) as pool:
        print(pool.submit(os.getpid).result(), flush=True)
        time.sleep(60)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.parametrize("tied", [True, False], ids=["tied", "control"])
def test_a_worker_ends_with_its_command(path_kind: str, tied: bool) -> None:
    proc = subprocess.Popen([sys.executable, "-c", POOL, "tied" if tied else "free"],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None
    worker = int(proc.stdout.readline())
    try:
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + (10 if tied else 2)
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _alive(worker) is not tied
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


# --- the agent, where it cannot run ----------------------------------------------------------

def test_without_peer_checked_sockets_there_is_no_agent(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows and macOS: no SO_PEERCRED (Windows: no AF_UNIX). Seal and open find no
    # agent and unlock the keys themselves; nothing is created or read on the way.
    import socket

    from sandi.agent import client, runtime

    home, run = tmp_path / "home", tmp_path / "run"
    path = runtime.socket_path(home, runtime=str(run))
    runtime.private_dir(path.parent, create=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(str(path))  # something listens where an agent would
        listening.listen(4)
        monkeypatch.delattr(socket, "SO_PEERCRED")
        assert client.connect(home, runtime=str(run)) is None
        assert client.stop(home, runtime=str(run)) is None
        assert client.stop_all(runtime=str(run)) == []


def test_the_agent_imports_without_unix_only_modules() -> None:
    # `import resource` fails on Windows; the command line imports the agent's client
    # for every seal and open, so the client must import without it.
    code = ("import sys; sys.modules['resource'] = None\n"
            "import sandi.agent.client, sandi_cli.main\n"
            "assert sandi.agent.client.connect is not None")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
