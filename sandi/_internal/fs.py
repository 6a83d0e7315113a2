"""The only place that writes output files: atomically, beside the target.

Output goes to an anonymous file in the target's directory (Linux ``O_TMPFILE``),
which has no name until it is complete: a crash or ``kill -9`` mid-write leaves
nothing behind, not even partial plaintext. On success the data is fsynced and
the file linked into place; without ``overwrite`` an existing file is never
replaced (``link`` fails if the name exists). Where there is no ``O_TMPFILE``
(other systems, some file systems, ``SANDI_PORTABLE=1``: see
:mod:`sandi._internal.system`) a hidden temporary name is used and removed on any
error.

Replacing a file (``overwrite``) needs a name to ``rename`` from, so the complete
file is first linked as a hidden ``.HEX.sandi-tmp`` beside the target; so is every
temporary file where ``O_TMPFILE`` is missing. A ``kill -9`` at that moment leaves
the hidden file behind. Each temporary file is therefore locked by its writer from
creation on (:func:`sandi._internal.system.lock`: the system drops the lock when the
writer dies, whatever its pid becomes), and the first write into a directory in a
process removes the ``.HEX.sandi-tmp`` files there whose lock is free (:func:`sweep`).

Large outputs are written back to disk while they are still being produced
(:class:`_Output`), so the fsync before publishing waits only for the tail.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from sandi._internal import system, writeback
from sandi._internal.i18n import Phrase
from sandi.errors import InsecureKeyFile, InvalidArgument, OutputExists, StorageError

_REASONS = {
    errno.ENOSPC: Phrase("the disk is full"),
    errno.EDQUOT: Phrase("the disk quota is exceeded"),
    errno.EFBIG: Phrase("the file is larger than allowed"),
    errno.EACCES: Phrase("permission denied"),
    errno.EPERM: Phrase("permission denied"),
    errno.EROFS: Phrase("the file system is read-only"),
    errno.ENOENT: Phrase("the directory does not exist"),
}
_READ_REASONS = {**_REASONS, errno.ENOENT: Phrase("no such file"),
                 errno.EISDIR: Phrase("it is a directory")}


def os_reason(exc: OSError, *, reading: bool = False) -> Phrase | str:
    """Why an OS call failed, in words sandi can say in both languages where it knows
    them (else the system's own English text)."""
    reasons = _READ_REASONS if reading else _REASONS
    return reasons.get(exc.errno or 0) or exc.strerror or Phrase("I/O error")


def storage_error(exc: OSError, path: str | os.PathLike[str]) -> StorageError:
    """A StorageError naming the path and the reason, for the user."""
    return StorageError("cannot write {path}: {reason}; nothing was written", path=path,
                        reason=os_reason(exc))


TEMP_SUFFIX = ".sandi-tmp"
_TEMP_NAME = re.compile(r"\.[0-9a-f]{16}\.sandi-tmp")
_swept: set[Path] = set()


def _temp_name(directory: Path) -> Path:
    return directory / f".{secrets.token_hex(8)}{TEMP_SUFFIX}"


def sweep(directory: Path) -> list[str]:
    """Remove the temporary files a killed writer left in ``directory``; their names.

    A file is removed only if nobody holds its lock: a live writer holds it from
    creation to the end (see the module docstring). Other names are never touched.
    """
    removed = []
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if _TEMP_NAME.fullmatch(entry.name) and _remove_if_unlocked(directory / entry.name):
                removed.append(entry.name)
    return removed


def _remove_if_unlocked(path: Path) -> bool:
    flags = system.lockable_flags() | system.NOFOLLOW | system.NONBLOCK | system.BINARY
    try:
        if system.NOFOLLOW == 0 and not path.is_file():  # no O_NOFOLLOW: look first
            return False
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        if not system.lock(fd, wait=False):
            return False
        held, named = os.fstat(fd), path.lstat()
        if (held.st_dev, held.st_ino) != (named.st_dev, named.st_ino) \
                or not stat.S_ISREG(named.st_mode):
            return False
        if not system.MOVE_OPEN_FILES:  # its writer is dead: nobody can lock it again
            os.close(fd)
            fd = -1
        path.unlink()
        return True
    except OSError:  # locked by a live writer, or gone meanwhile
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def _lock(fd: int) -> None:
    # Best effort: where locks are not supported, a sweeper cannot take them either.
    with contextlib.suppress(OSError):
        system.lock(fd)


def _open_anonymous(directory: Path, mode: int) -> tuple[int, Path | None]:
    fd = system.open_anonymous(directory, mode)
    if fd is not None:
        _lock(fd)  # before it ever has a name
        return fd, None
    while True:
        temp = _temp_name(directory)
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | system.BINARY, mode)
        _lock(fd)
        # A sweeper may have taken the lock first and removed the new name: start over.
        with contextlib.suppress(FileNotFoundError):
            if os.fstat(fd).st_ino == temp.lstat().st_ino:
                return fd, temp
        os.close(fd)


def _publish(fd: int, temp: Path | None, target: Path, overwrite: bool) -> None:
    if temp is None:
        if overwrite:
            staged = _temp_name(target.parent)
            system.link_anonymous(fd, staged)
            try:
                os.replace(staged, target)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(staged)
                raise
        else:
            system.link_anonymous(fd, target)
    elif overwrite:
        os.replace(temp, target)
    else:
        system.rename_new(temp, target)


@contextlib.contextmanager
def atomic_output(target: str | os.PathLike[str], *, overwrite: bool = False,
                  mode: int = 0o644) -> Iterator[BinaryIO]:
    """Yield a binary file; on normal exit it becomes ``target``, else it vanishes."""
    path = Path(target).absolute()
    if not overwrite and path.exists():
        raise OutputExists("{path} already exists", path=path)
    with _atomic(path.parent, lambda: path, overwrite, mode) as out:
        yield out


@contextlib.contextmanager
def atomic_output_in(directory: str | os.PathLike[str], name: Callable[[], str], *,
                     overwrite: bool = False, mode: int = 0o644) -> Iterator[BinaryIO]:
    """Like :func:`atomic_output`, but the file's name in ``directory`` is asked of
    ``name()`` only once the content is complete (e.g. a name that was encrypted)."""
    folder = Path(directory).absolute()

    def resolve() -> Path:
        path = folder / name()
        if path.parent != folder:
            raise ValueError(f"output name {name()!r} leaves {folder}")
        return path

    with _atomic(folder, resolve, overwrite, mode) as out:
        yield out


@contextlib.contextmanager
def _atomic(folder: Path, resolve: Callable[[], Path], overwrite: bool,
            mode: int) -> Iterator[BinaryIO]:
    if folder not in _swept:
        if len(_swept) >= 4096:  # a long-lived service writing into many folders
            _swept.clear()
        _swept.add(folder)
        sweep(folder)
    try:
        fd, temp = _open_anonymous(folder, mode)
    except OSError as exc:
        raise storage_error(exc, folder) from None
    target, held = folder, fd
    try:
        with writeback.Output(fd, writeback.current()) as out:
            yield out
            out.flush()
            os.fsync(fd)
        target = resolve()
        if not system.MOVE_OPEN_FILES:
            # Windows renames no open file, so the writer's lock ends here: a sweep in
            # the instant before the rename makes the rename fail (StorageError), it
            # never publishes a part.
            os.close(fd)
            held = -1
        _publish(fd, temp, target, overwrite)
        fsync_dir(folder)
    except FileExistsError:
        raise OutputExists("{path} already exists", path=target) from None
    except OSError as exc:
        raise storage_error(exc, target) from None
    finally:
        if held >= 0:
            os.close(held)
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def atomic_write(target: str | os.PathLike[str], data: bytes, *, overwrite: bool = False,
                 mode: int = 0o644) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_output(target, overwrite=overwrite, mode=mode) as out:
        out.write(data)


def write_file(path: str | os.PathLike[str], data: bytes, *, overwrite: bool = False,
               mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically and durably, as sandi writes its own files.

    The content is complete and fsynced before it gets the name, so a crash or a
    ``kill -9`` leaves either no file (or the old one) or the whole new one, never a
    part. ``mode`` is the new file's permission bits (default ``0o644``, i.e. 420, less
    the umask). Raises OutputExists if ``path`` exists and ``overwrite`` is false, and
    StorageError (naming the reason) if it cannot be written.
    """
    atomic_write(path, data, overwrite=overwrite, mode=mode)


fsync_dir = system.fsync_dir


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created 0600) for a read-modify-write."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR | system.BINARY, 0o600)
    except OSError as exc:
        raise storage_error(exc, path) from None
    try:
        system.lock(fd)
        yield
    finally:
        os.close(fd)


def wait_unlocked(path: Path) -> bool:
    """Wait until no writer holds the lock ``path`` (needs only read access); False if
    there is no such lock file."""
    try:
        fd = os.open(path, os.O_RDONLY | system.BINARY)
    except OSError:
        return False
    try:
        system.wait_free(fd)
        return True
    finally:
        os.close(fd)


def lock_at(path: Path, *, create: bool = False,
            on_wait: Callable[[], object] | None = None) -> int:
    """Lock the file that is at ``path`` once the lock is held; its descriptor (close it
    to unlock). ``on_wait()`` is called once, first, if another process holds the lock.

    While we wait, the name may be given to another file (a rename over it) or removed:
    a lock on the old file then excludes nobody, so start again on the one named now.
    OSError (FileNotFoundError without ``create``) if it cannot be opened.
    """
    flags = system.lockable_flags() | system.BINARY | (os.O_CREAT if create else 0)
    while True:
        fd = os.open(path, flags, 0o600)
        try:
            if not system.lock(fd, wait=False):
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                system.lock(fd)
            held, named = os.fstat(fd), os.stat(path)
            if (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino):
                return fd
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


Source = str | os.PathLike[str] | BinaryIO


@contextlib.contextmanager
def reader(src: Source) -> Iterator[BinaryIO]:
    """The binary stream of a path (opened and closed here), or the stream itself."""
    if not isinstance(src, (str, os.PathLike)):
        yield src
        return
    try:
        stream = Path(src).open("rb")  # noqa: SIM115  (closed by the with below)
    except OSError as exc:
        raise InvalidArgument("cannot read {path}: {reason}", path=src,
                              reason=os_reason(exc, reading=True)) from None
    with stream:
        yield stream


def counted(read: Callable[[int], bytes],
            progress: Callable[[int], object] | None) -> Callable[[int], bytes]:
    """``read``, reporting the number of bytes of each read to ``progress`` (if given)."""
    if progress is None:
        return read

    def reporting(size: int) -> bytes:
        data = read(size)
        progress(len(data))
        return data

    return reporting


def read_private(path: Path) -> bytes:
    """Read a private key file, refusing one that others can read or write."""
    st = path.stat()
    if system.others_may(st, 0o077):
        raise InsecureKeyFile("{path} is readable by other users (mode {mode:o}); run: chmod 600"
                              " {path}", path=path, mode=st.st_mode & 0o777)
    return path.read_bytes()
