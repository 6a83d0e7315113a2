"""The only place that writes output files: atomically, beside the target.

Output goes to an anonymous file in the target's directory (Linux ``O_TMPFILE``),
which has no name until it is complete: a crash or ``kill -9`` mid-write leaves
nothing behind, not even partial plaintext. On success the data is fsynced and
the file linked into place; without ``overwrite`` an existing file is never
replaced (``link`` fails if the name exists). Where ``O_TMPFILE`` is not
supported a hidden, 0600 temporary name is used and removed on any error.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from sandi.errors import InsecureKeyFile, InvalidArgument, OutputExists, StorageError

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is larger than allowed",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "the directory does not exist",
}


def storage_error(exc: OSError, path: Path | str) -> StorageError:
    """A StorageError naming the path and the reason, for the user."""
    reason = _REASONS.get(exc.errno or 0, exc.strerror or "I/O error")
    return StorageError(f"cannot write {path}: {reason}; nothing was written")


def _open_anonymous(directory: Path, mode: int) -> tuple[int, Path | None]:
    try:
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY, mode), None
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            raise
    temp = directory / f".{secrets.token_hex(8)}.sandi-tmp"
    return os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode), temp


def _link_anonymous(fd: int, target: Path) -> None:
    # linkat(2) with AT_SYMLINK_FOLLOW on the /proc magic link gives the anonymous
    # file a name. Python calls plain link(2) unless a dir fd is passed, so pass one
    # (it is ignored for an absolute path).
    dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", target, src_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


def _publish(fd: int, temp: Path | None, target: Path, overwrite: bool) -> None:
    if temp is None:
        if overwrite:
            staged = target.parent / f".{secrets.token_hex(8)}.sandi-tmp"
            _link_anonymous(fd, staged)
            os.replace(staged, target)
        else:
            _link_anonymous(fd, target)
    elif overwrite:
        os.replace(temp, target)
    else:
        os.link(temp, target)
        os.unlink(temp)


@contextlib.contextmanager
def atomic_output(target: Path | str, *, overwrite: bool = False,
                  mode: int = 0o644) -> Iterator[BinaryIO]:
    """Yield a binary file; on normal exit it becomes ``target``, else it vanishes."""
    path = Path(target).absolute()
    if not overwrite and path.exists():
        raise OutputExists(f"{path} already exists")
    with _atomic(path.parent, lambda: path, overwrite, mode) as out:
        yield out


@contextlib.contextmanager
def atomic_output_in(directory: Path | str, name: Callable[[], str], *,
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
    try:
        fd, temp = _open_anonymous(folder, mode)
    except OSError as exc:
        raise storage_error(exc, folder) from None
    target = folder
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            yield out
            out.flush()
            os.fsync(fd)
        target = resolve()
        _publish(fd, temp, target, overwrite)
        _fsync_dir(folder)
    except FileExistsError:
        raise OutputExists(f"{target} already exists") from None
    except OSError as exc:
        raise storage_error(exc, target) from None
    finally:
        os.close(fd)
        if temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def atomic_write(target: Path | str, data: bytes, *, overwrite: bool = False,
                 mode: int = 0o644) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_output(target, overwrite=overwrite, mode=mode) as out:
        out.write(data)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory if str(directory) else ".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created 0600) for a read-modify-write."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise storage_error(exc, path) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


Source = Path | str | BinaryIO


@contextlib.contextmanager
def reader(src: Source) -> Iterator[Callable[[int], bytes]]:
    """A ``read`` function over a path (opened and closed here) or a binary stream."""
    if not isinstance(src, (str, Path)):
        yield src.read
        return
    try:
        stream = Path(src).open("rb")  # noqa: SIM115  (closed by the with below)
    except OSError as exc:
        raise InvalidArgument(f"cannot read {src}: {exc.strerror}") from None
    with stream:
        yield stream.read


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
    if st.st_mode & 0o077:
        raise InsecureKeyFile(
            f"{path} is readable by other users (mode {st.st_mode & 0o777:o});"
            " run: chmod 600 " + str(path))
    return path.read_bytes()
