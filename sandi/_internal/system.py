"""Every operating-system call that not every system has, as a capability with a fallback.

sandi's guarantees about files and processes do not depend on Linux; some of its ways
of keeping them do. Each such call is made here, and only here, with the fallback that
keeps the same guarantee where the call is missing:

=====================  ==============================  ======================================
guarantee              Linux                           portable (Windows, macOS, the switch)
=====================  ==============================  ======================================
no partial output      anonymous file (``O_TMPFILE``)  hidden 0600 ``.HEX.sandi-tmp`` beside
after a crash          named by ``linkat`` through     the target, locked by its writer from
                       ``/proc/self/fd`` once whole    creation; the next writer into the
                                                       folder removes the unlocked ones
locks die with their   ``flock`` on the whole file     a lock on one byte, far past any data,
holder                                                 held by the open handle (``LockFileEx``
                                                       via ``msvcrt.locking`` on Windows, an
                                                       open-file-description lock on Linux)
fsync waits only for   ``sync_file_range`` write-back  none (the fsync waits for the whole
the tail               while writing                   file: slower, as safe)
a worker holding keys  ``PR_SET_PDEATHSIG`` and the    the parent's sentinel alone (a pipe
ends with its parent   parent's sentinel               that ends when the parent does, or the
                                                       parent's process handle on Windows)
=====================  ==============================  ======================================

The switch: ``SANDI_PORTABLE=1`` in the environment turns every Linux-only call off, so
that Linux runs the code other systems run (``.ci/run`` runs the whole suite both
ways). It is read when an operation starts, never in the middle of one. POSIX calls
that Windows lacks (``O_NOFOLLOW``, a directory's fsync, ``pwrite``, owner checks) are
chosen by the system itself, not by the switch; those Windows branches are not run by
CI (README, "Platforms").

>>> from sandi._internal import system
>>> system.lock_kind() in {"flock", "byte-range"}
True
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path

SWITCH = "SANDI_PORTABLE"
LINUX = sys.platform.startswith("linux")
WINDOWS = os.name == "nt"

# Flags that only some systems define; 0 (no effect) elsewhere. O_BINARY matters: on
# Windows a descriptor opened without it translates line ends in the data.
BINARY: int = getattr(os, "O_BINARY", 0)
NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)


def portable() -> bool:
    """Whether the switch asks for the portable path (``SANDI_PORTABLE`` set, not 0)."""
    return os.environ.get(SWITCH, "") not in ("", "0")


def linux_only() -> bool:
    """Whether the Linux-only calls may be used now (on Linux, switch off)."""
    return LINUX and not portable()


# --- anonymous files -----------------------------------------------------------------

def open_anonymous(directory: Path, mode: int) -> int | None:
    """A write-only file in ``directory`` that has no name yet, or None where the system
    or its file system has none (then the caller names a temporary file itself)."""
    if not linux_only():
        return None
    try:
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY, mode)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            raise
    return None


def link_anonymous(fd: int, target: Path) -> None:
    """Give the anonymous file ``fd`` the name ``target``; FileExistsError if taken."""
    # linkat(2) with AT_SYMLINK_FOLLOW on the /proc magic link gives the anonymous
    # file a name. Python calls plain link(2) unless a dir fd is passed, so pass one
    # (it is ignored for an absolute path).
    dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", target, src_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


# POSIX renames and removes a file another handle holds open; Windows refuses to.
MOVE_OPEN_FILES = not WINDOWS


def rename_new(temp: Path, target: Path) -> None:
    """Give the file ``temp`` the name ``target``, never replacing one (FileExistsError)."""
    if WINDOWS:  # pragma: no cover - not run by CI
        os.rename(temp, target)  # MoveFileEx without REPLACE_EXISTING: fails if taken
        return
    os.link(temp, target)  # POSIX rename(2) would replace: link(2) fails if taken
    os.unlink(temp)


# --- locks ---------------------------------------------------------------------------

# The byte a portable lock covers: past the end of any real file, so that the
# mandatory byte-range locks of Windows never stand in the way of reading or writing.
LOCK_OFFSET = 1 << 62


def lock_kind() -> str:
    """``flock`` (whole file, BSD/Linux/macOS) or ``byte-range`` (one byte, held by the
    handle: Windows, and Linux under the switch)."""
    if WINDOWS or (LINUX and portable()):
        return "byte-range"
    return "flock"


def lock(fd: int, *, wait: bool = True) -> bool:
    """Take an exclusive lock on the open file ``fd``, released when ``fd`` is closed
    or its process dies; with ``wait=False``, return False at once if it is held.

    The portable kind needs ``fd`` opened for writing (a write lock, on Linux)."""
    kind = lock_kind()
    if kind == "flock":
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True
    if WINDOWS:
        return _lock_windows(fd, wait)
    return _lock_ofd(fd, wait)


def _ofd_request(kind: int) -> bytes:
    """A ``struct flock`` (64-bit Linux: l_type, l_whence, l_start, l_len, l_pid, which
    is 0 for an open-file-description lock, padding) for the lock byte."""
    import struct

    return struct.pack("hhqqi4x", kind, os.SEEK_SET, LOCK_OFFSET, 1, 0)


def _lock_ofd(fd: int, wait: bool) -> bool:
    import fcntl

    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW if wait else fcntl.F_OFD_SETLK,
                    _ofd_request(fcntl.F_WRLCK))
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            return False
        raise
    return True


def _lock_windows(fd: int, wait: bool) -> bool:  # pragma: no cover - not run by CI
    import msvcrt
    import time

    delay = 0.01
    where = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
                return True
            except OSError:
                if not wait:
                    return False
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
    finally:
        os.lseek(fd, where, os.SEEK_SET)


def wait_free(fd: int) -> None:
    """Wait until no process holds the exclusive lock of :func:`lock` on ``fd``'s file
    (``fd`` may be read-only): a shared lock, taken and dropped at once."""
    kind = lock_kind()
    if kind == "flock":
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_SH)
        fcntl.flock(fd, fcntl.LOCK_UN)
    elif WINDOWS:  # pragma: no cover - not run by CI; Windows has no shared lock here
        _lock_windows(fd, True)
        _unlock_windows(fd)
    else:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, _ofd_request(fcntl.F_RDLCK))
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _ofd_request(fcntl.F_UNLCK))


def _unlock_windows(fd: int) -> None:  # pragma: no cover - not run by CI
    import msvcrt

    where = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    finally:
        os.lseek(fd, where, os.SEEK_SET)


def lockable_flags() -> int:
    """The open(2) access mode a file needs for :func:`lock` to lock it."""
    return os.O_RDONLY if lock_kind() == "flock" else os.O_RDWR


# --- durability and in-place writes --------------------------------------------------

SyncRange = Callable[[int, int, int, int], object]


def sync_file_range() -> SyncRange | None:
    """``sync_file_range(2)`` where it may be used now, else None."""
    return _native_sync_file_range() if linux_only() else None


@functools.cache
def _native_sync_file_range() -> SyncRange | None:
    """``os.sync_file_range`` where Python has it, else libc's through ctypes (ctypes
    releases the GIL for the call); None where libc has none."""
    native: SyncRange | None = getattr(os, "sync_file_range", None)
    if native is not None:
        return native
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int

    def call(fd: int, offset: int, count: int, flags: int) -> None:
        if function(fd, offset, count, flags) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    return call


def fsync_dir(directory: Path) -> None:
    """Make the names in ``directory`` durable (a rename, link or unlink in it).

    Windows cannot open a directory as a file; NTFS journals its names itself."""
    if WINDOWS:  # pragma: no cover - not run by CI
        return
    fd = os.open(directory if str(directory) else ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_at(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset`` (``pwrite`` where the system has it)."""
    view = memoryview(data)
    if hasattr(os, "pwrite"):
        while view:
            done = os.pwrite(fd, view, offset)
            view, offset = view[done:], offset + done
        return
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    while view:  # pragma: no cover
        view = view[os.write(fd, view):]


def owned_by_me(st: os.stat_result) -> bool:
    """Whether the file ``st`` describes is this user's (always on Windows, which has
    no POSIX owners: there the ACL of the user's profile folder keeps others out)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or st.st_uid == getuid()


def others_may(st: os.stat_result, bits: int) -> int:
    """Which of the group/other permission ``bits`` the file ``st`` describes grants
    (none on Windows, whose modes are not permissions: see :func:`owned_by_me`)."""
    return 0 if WINDOWS else st.st_mode & bits


# --- processes -----------------------------------------------------------------------

def end_with_parent() -> None:
    """End this multiprocessing worker (``os._exit(1)``) as soon as its parent ends."""
    import multiprocessing
    import multiprocessing.connection
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        raise RuntimeError("end_with_parent() is for a multiprocessing worker")
    if linux_only():
        import ctypes
        import signal

        # The kernel's signal is immediate, whatever the worker is doing.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    # The parent's sentinel ends (EOF on its pipe, or the parent's process handle is
    # signalled) when the parent dies, however it dies: portable, and the answer to a
    # parent that died before prctl took effect.
    sentinel = parent.sentinel
    if multiprocessing.connection.wait([sentinel], timeout=0):
        os._exit(1)

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="sandi-parent-watch", daemon=True).start()
