"""Rewrapping a whole archive: one rewrap per folder at a time, workers tied to the command.

A custodian's ``sandi rewrap`` spreads the files of an archive over worker processes
that each hold the agency's private keys. Two things keep that safe on every system
(:mod:`sandi._internal.system` picks how):

- :func:`archive_turn`: two rewraps of one folder take turns (each file is also
  locked on its own by :func:`~sandi.envelope.rewrap_file`);
- :func:`end_with_parent`: a worker ends as soon as its command does, even after a
  ``kill -9``, so no process holding keys is left behind.

>>> import tempfile
>>> from sandi.envelope import archive_turn
>>> with tempfile.TemporaryDirectory() as folder, archive_turn(folder):
...     pass
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sandi._internal import fs as _fs
from sandi._internal import system

TURN_FILE = ".sandi-rewrap.lock"


@contextlib.contextmanager
def archive_turn(folder: str | os.PathLike[str], *,
                 on_wait: Callable[[], object] | None = None) -> Iterator[None]:
    """Hold the rewrap turn of ``folder`` until the block ends, waiting for it if
    another process holds it (``on_wait()`` is called once, first, if so).

    Where locks are whole-file ``flock`` the folder itself is locked. Elsewhere
    (Windows, ``SANDI_PORTABLE=1``) a folder cannot be locked, so the hidden file
    ``.sandi-rewrap.lock`` in it is, and removed with the turn (one a crash left is
    taken over and removed by the next rewrap). Raises StorageError if the folder
    cannot be opened or the lock file made.
    """
    folder = Path(folder)
    turn = folder if system.lock_kind() == "flock" else folder / TURN_FILE
    try:
        fd = _fs.lock_at(turn, create=turn != folder, on_wait=on_wait)
    except OSError as exc:
        raise _fs.storage_error(exc, folder) from None
    try:
        yield
    finally:
        # A turn file goes with the turn. POSIX: remove it, then unlock, so that a waiter
        # finds its file gone and starts again. Windows: unlock, then remove, which
        # fails if a waiter has it open (it is then the waiter's).
        removed = turn != folder and system.MOVE_OPEN_FILES
        if removed:
            with contextlib.suppress(OSError):
                os.unlink(turn)
        os.close(fd)
        if turn != folder and not removed:  # pragma: no cover - Windows
            with contextlib.suppress(OSError):
                os.unlink(turn)


def end_with_parent() -> None:
    """End this worker process (exit status 1) as soon as the process that started it
    ends, however it ends; call it first thing in a ``multiprocessing`` worker.

    On Linux the kernel also kills it at once (``PR_SET_PDEATHSIG``); everywhere a
    thread waits on the parent's sentinel. Raises RuntimeError outside a worker.
    """
    system.end_with_parent()
