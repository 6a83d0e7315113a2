"""Kill a real process with SIGKILL at a chosen point of its file-system work.

A *zygote* subprocess imports sandi and the CLI once, then forks one child per
trial. The child counts the calls that can change files (``open``, ``write``,
``fsync``, ``link``, ``rename``/``replace``, ``unlink``, ``flock``, ``close``, SQLite
``execute`` ...) with a profile hook, and sends itself SIGKILL just before call
number ``kill_at``: the same as a ``kill -9`` from outside at that instant, but
repeatable, so a test can go through every point of a command one by one. A dry run
(``kill_at=0``) reports how many points there are. Output of the child goes to a
log file, never to the zygote's pipe.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sandi._internal import fs as _fs
from sandi._internal import system

ZYGOTE = r'''
import json, os, signal, sys, traceback, types
import sandi, sandi.envelope.rewrapping, sandi.keys.keystore, sandi.authority.requests
import sandi_cli.main

NAMES = {"open", "write", "pwrite", "fsync", "link", "replace", "rename", "unlink",
         "remove", "close", "ftruncate", "truncate", "chmod", "flock", "mkdir", "execute",
         "commit", "copyfileobj"}
FILES = {"BufferedWriter", "BufferedRandom", "FileIO", "TextIOWrapper", "Connection",
         "Cursor"}


def child(spec):
    count, quiet = 0, {id(sys.stdout), id(sys.stderr), id(sys.stdout.buffer),
                       id(sys.stderr.buffer)}
    kill_at, kill_name, nth = spec["kill_at"], spec.get("kill_name"), spec.get("nth", 1)
    named = 0

    def hook(frame, event, arg):
        nonlocal count, named
        if event != "c_call" or getattr(arg, "__name__", "") not in NAMES:
            return
        owner = getattr(arg, "__self__", None)
        if id(owner) in quiet or not (isinstance(owner, types.ModuleType)
                                      or type(owner).__name__ in FILES):
            return
        count += 1
        if arg.__name__ == kill_name:
            named += 1
        if count == kill_at or (kill_name == arg.__name__ and named == nth):
            os.kill(os.getpid(), signal.SIGKILL)

    code = 0
    try:
        os.chdir(spec["cwd"])
        sys.argv = ["sandi", *spec["argv"]]
        sys.setprofile(hook)
        try:
            if spec.get("code") is None:
                sandi_cli.main.main(spec["argv"])
            else:
                exec(compile(spec["code"], "<trial>", "exec"), {"__name__": "__trial__"})
        finally:
            sys.setprofile(None)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 70
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with open(spec["points"], "w") as out:
            out.write(str(count))
        os._exit(code)


for line in sys.stdin:
    spec = json.loads(line)
    log = os.open(spec["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    pid = os.fork()
    if pid == 0:
        os.dup2(log, 1)
        os.dup2(log, 2)
        child(spec)
    os.close(log)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0,
                      "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None}),
          flush=True)
'''


@dataclass(frozen=True)
class Outcome:
    """How a trial ended: killed, or exited with ``code`` after ``points`` points."""

    killed: bool
    code: int | None
    points: int
    log: str


class Zygote:
    """One long-lived subprocess that forks a child per trial (see the module docstring)."""

    def __init__(self, scratch: Path, env: dict[str, str] | None = None) -> None:
        self._scratch = scratch
        self._trials = 0
        self._proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, env=env)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Let the zygote end (its stdin closes) and reap it."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=30)

    def run(self, argv: list[str], *, cwd: Path, kill_at: int = 0, code: str | None = None,
            kill_name: str | None = None, nth: int = 1) -> Outcome:
        """Run ``sandi ARGV`` (or the Python ``code`` with ``sys.argv[1:] = argv``) in a
        fresh child, killed before point ``kill_at`` (or the ``nth`` call named
        ``kill_name``); 0 and None mean never."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._trials += 1
        points = self._scratch / f"points-{self._trials}"
        log = self._scratch / f"log-{self._trials}"
        spec = {"argv": argv, "cwd": str(cwd), "kill_at": kill_at, "code": code,
                "kill_name": kill_name, "nth": nth, "points": str(points), "log": str(log)}
        self._proc.stdin.write(json.dumps(spec) + "\n")
        self._proc.stdin.flush()
        reply = json.loads(self._proc.stdout.readline())
        killed = reply["signal"] == signal.SIGKILL
        text = log.read_text(errors="replace")
        assert killed or reply["signal"] == 0, (reply, text)
        return Outcome(killed, reply["code"],
                       int(points.read_text()) if points.exists() else -1, text)


def swept(*folders: Path) -> list[str]:
    """Sweep ``folders`` as the next sandi write into each would, where a kill can leave
    a named temporary file; the names removed.

    On Linux nothing is swept here: a killed writer's output never had a name
    (``O_TMPFILE``), and the tests check the one staged copy of a replacement
    themselves. With SANDI_PORTABLE=1 a killed writer leaves its hidden temporary file
    (part written, 0600 if secret), whose lock died with it: the next write into the
    folder removes it, and a rerun that writes nothing there leaves it until then.
    """
    if system.linux_only():
        return []
    return [name for folder in folders for name in _fs.sweep(folder)]
