"""Broken machines: a full disk or a read-only directory while writing keys or output
leaves every existing file as it was and no partial file behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import sandi
from sandi._internal import fs as _fs
from sandi.demo import DemoWorld
from sandi.errors import OutputExists, StorageError
from sandi.keys.keystore import Keystore
from sandi.keys.secretfile import KdfParams


def _full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(_fs.os, "fsync", no_space)


def test_rotation_on_a_full_disk_keeps_the_keystore(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store = Keystore.create(tmp_path, passphrase="p", kdf=KdfParams.TEST)
    store.generate("setda")
    before = (tmp_path / "keystore.sandi").read_bytes()
    with monkeypatch.context() as m:
        _full_disk(m)
        with pytest.raises(StorageError, match="disk is full"):
            store.generate("setda")  # a rotation
    assert (tmp_path / "keystore.sandi").read_bytes() == before
    held = Keystore.open(tmp_path, passphrase="p").keys("setda")
    assert [k.version for k in held] == [1]
    assert sorted(os.listdir(tmp_path)) == ["keystore.lock", "keystore.sandi"]


def test_open_file_on_a_full_disk_leaves_nothing(world: DemoWorld, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    env = sandi.seal(b"rahasia" * 50_000, sender=world.keystore.identity("setda"),
                     to=["inspektorat"], classification="rahasia", pola=world.pola)
    (tmp_path / "in.sandi").write_bytes(env)
    out = tmp_path / "out"
    out.mkdir()
    with monkeypatch.context() as m:
        _full_disk(m)
        with pytest.raises(StorageError):
            sandi.open_file(tmp_path / "in.sandi", out / "doc", keystore=world.keystore,
                            pola=world.pola)
    assert list(out.iterdir()) == []


def test_seal_file_into_a_read_only_directory(world: DemoWorld, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    src = tmp_path / "doc.txt"
    src.write_text("x")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(StorageError, match="permission denied"):
        sandi.seal_file(src, locked / "doc.sandi", sender=world.keystore.identity("setda"),
                        to=["inspektorat"], classification="rahasia", pola=world.pola)


def test_a_second_writer_never_replaces_the_first(world: DemoWorld, tmp_path: Path) -> None:
    # Two writers race for one name: the one that finishes first keeps it whole, and
    # the other is refused (no overwrite without force) and leaves nothing.
    env = sandi.seal(b"satu", sender=world.keystore.identity("setda"), to=["inspektorat"],
                     classification="rahasia", pola=world.pola)
    (tmp_path / "a.sandi").write_bytes(env)
    target = tmp_path / "doc"
    with pytest.raises(OutputExists), _fs.atomic_output(target) as slow:
        slow.write(b"the slower writer")
        sandi.open_file(tmp_path / "a.sandi", target, keystore=world.keystore, pola=world.pola)
    assert target.read_bytes() == b"satu"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.sandi", "doc"]


def test_publish_refuses_a_name_taken_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "doc"
    with pytest.raises(OutputExists), _fs.atomic_output(target) as out:
        out.write(b"late")
        target.write_bytes(b"early")  # another writer got there first
    assert target.read_bytes() == b"early"
