"""Temporary files of a killed writer are swept; a live writer's never are.

sandi/_fs.py locks each temporary file from creation; the first write into a
directory in a process removes the ``.HEX.sandi-tmp`` files there whose lock is free.
(The real kill -9 cases are in test_kill9_files.py and test_kill9_keys.py.)
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sandi._internal import fs as _fs
from sandi._internal import system
from sandi.errors import StorageError


@pytest.fixture(autouse=True)
def _forget_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fs, "_swept", set())


def _stale(folder: Path, name: str = ".0123456789abcdef.sandi-tmp") -> Path:
    path = folder / name
    path.write_bytes(b"plaintext of a killed writer")
    path.chmod(0o600)
    return path


def test_the_next_write_removes_a_stale_temporary(tmp_path: Path) -> None:
    stale = _stale(tmp_path)
    _fs.atomic_write(tmp_path / "doc", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"]
    assert not stale.exists()


def test_a_live_writers_temporary_is_kept(tmp_path: Path) -> None:
    live = _stale(tmp_path)
    fd = os.open(live, system.lockable_flags())
    try:
        assert system.lock(fd, wait=False)  # as the writer holds it until it is done
        assert _fs.sweep(tmp_path) == []
        assert live.exists()
    finally:
        os.close(fd)
    assert _fs.sweep(tmp_path) == [live.name]


@pytest.mark.parametrize("name", [".notes.sandi-tmp", "0123456789abcdef.sandi-tmp",
                                  ".0123456789abcdef.sandi-tmp.bak", ".0123456789ABCDEF.sandi-tmp"])
def test_other_names_are_never_touched(tmp_path: Path, name: str) -> None:
    _stale(tmp_path, name)
    assert _fs.sweep(tmp_path) == []
    assert (tmp_path / name).exists()


def test_a_symlink_or_directory_under_the_name_is_left(tmp_path: Path) -> None:
    target = _stale(tmp_path, "keep.txt")
    (tmp_path / ".0123456789abcdef.sandi-tmp").symlink_to(target)
    (tmp_path / ".fedcba9876543210.sandi-tmp").mkdir()
    assert _fs.sweep(tmp_path) == []
    assert target.read_bytes() == b"plaintext of a killed writer"


def test_a_sweep_runs_once_per_directory_and_process(tmp_path: Path) -> None:
    _fs.atomic_write(tmp_path / "a", b"1")
    stale = _stale(tmp_path)
    _fs.atomic_write(tmp_path / "b", b"2")
    assert stale.exists()  # the next process will remove it


def test_a_failed_rename_leaves_no_staged_copy(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "doc").write_bytes(b"old")

    def broken(src: object, dst: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(_fs.os, "replace", broken)
    with pytest.raises(StorageError):
        _fs.atomic_write(tmp_path / "doc", b"new", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"]
    assert (tmp_path / "doc").read_bytes() == b"old"


def test_without_o_tmpfile_the_named_temporary_is_locked(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def no_tmpfile(path: object, flags: int, *args: object, **kw: object) -> int:
        if flags & os.O_TMPFILE == os.O_TMPFILE:  # (never asked for with SANDI_PORTABLE=1)
            raise OSError(errno.EOPNOTSUPP, "Operation not supported")
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(_fs.os, "open", no_tmpfile)
    with _fs.atomic_output(tmp_path / "doc") as out:
        out.write(b"half")
        [temp] = list(tmp_path.iterdir())
        assert _fs.sweep(tmp_path) == [] and temp.exists()  # the writer is alive
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc"]
