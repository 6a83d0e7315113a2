"""The streaming pipeline of large documents: 1 MiB blocks, the hash and the writes on
worker threads, the output written back to disk while it grows. It must keep every
guarantee of the simple path: a full disk or a refusal in the middle leaves no partial
output and no thread behind, the fsync before publishing still happens, and a file
system without ``sync_file_range`` just goes without write-behind."""

from __future__ import annotations

import errno
import itertools
import os
import random
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import Layout

import sandi
from sandi._internal import fs as _fs
from sandi._internal import system, writeback
from sandi.demo import DemoWorld
from sandi.envelope.format import CHUNK_SIZE
from sandi.errors import StorageError, TamperedEnvelope

SIZE = 6 * 1024 * 1024 + 12_345  # seven blocks: the worker threads start after two
DATA = random.Random(9).randbytes(SIZE)
STEP = 256 * 1024  # write-behind in small steps, so that a few MiB meet it many times


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """Write-behind every 256 KiB; returns the (offset, count, flags) of each call."""
    calls: list[tuple[int, int, int]] = []
    real = system._native_sync_file_range()  # the real call, even with SANDI_PORTABLE=1
    assert real is not None, "this test needs Linux"

    def spy(fd: int, offset: int, count: int, flags: int) -> object:
        calls.append((offset, count, flags))
        return real(fd, offset, count, flags)

    monkeypatch.setattr(writeback, "current", lambda: writeback.WriteBack(spy, STEP))
    return calls


def _seal(world: DemoWorld, src: Path, dst: Path) -> None:
    sandi.seal_file(src, dst, sender=world.keystore.identity("setda"), to=["inspektorat"],
                    classification="rahasia", pola=world.pola)


def _open(world: DemoWorld, src: Path, dst: Path) -> None:
    sandi.open_file(src, dst, keystore=world.keystore, pola=world.pola)


def test_write_behind_round_trip_and_the_fsync_stays(
        world: DemoWorld, tmp_path: Path, small_steps: list[tuple[int, int, int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fsynced: list[int] = []
    real_fsync = os.fsync

    def counted(fd: int) -> None:
        fsynced.append(os.fstat(fd).st_size)
        real_fsync(fd)

    monkeypatch.setattr(_fs.os, "fsync", counted)
    src, env, out = tmp_path / "scan.pdf", tmp_path / "scan.pdf.sandi", tmp_path / "out.pdf"
    src.write_bytes(DATA)
    _seal(world, src, env)
    sealed = len(small_steps)
    _open(world, env, out)
    assert out.read_bytes() == DATA
    sandi.verify(env, pola=world.pola)
    assert sealed >= 8 and len(small_steps) - sealed >= 8  # both outputs written back
    started = [(o, c) for o, c, flags in small_steps if flags == 2]
    assert all(a[0] + a[1] == b[0] for a, b in itertools.pairwise(started)
               if b[0] != 0), "write-back starts where the previous range ended"
    assert all(c >= STEP for _, c in started), "and only once a whole step was written"
    # Each output was still fsynced whole before it was published (then its directory).
    assert env.stat().st_size in fsynced and SIZE in fsynced


def test_without_sync_file_range_nothing_changes(world: DemoWorld, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(fd: int, offset: int, count: int, flags: int) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(writeback, "current", lambda: writeback.WriteBack(refused, STEP))
    src, env, out = tmp_path / "a.bin", tmp_path / "a.sandi", tmp_path / "a.out"
    src.write_bytes(DATA)
    _seal(world, src, env)
    monkeypatch.setattr(writeback, "current", lambda: None)  # not Linux
    _open(world, env, out)
    assert out.read_bytes() == DATA


def _disk_full_after(monkeypatch: pytest.MonkeyPatch, writes: int) -> None:
    real = writeback.Output.write
    count = [0]

    def write(self: writeback.Output, data: bytes | memoryview) -> int:
        count[0] += 1
        if count[0] > writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(writeback.Output, "write", write)


def _no_thread_left(before: int) -> None:
    assert threading.active_count() == before, threading.enumerate()


@pytest.mark.parametrize("writes", [1, 4, 6])  # header only; on the worker thread
def test_seal_file_on_a_disk_that_fills_up_leaves_nothing(
        world: DemoWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        small_steps: list[tuple[int, int, int]], writes: int) -> None:
    src, out = tmp_path / "in" / "a.bin", tmp_path / "out"
    src.parent.mkdir()
    out.mkdir()
    src.write_bytes(DATA)
    threads = threading.active_count()
    _disk_full_after(monkeypatch, writes)
    with pytest.raises(StorageError, match="disk is full"):
        _seal(world, src, out / "a.sandi")
    assert list(out.iterdir()) == []
    _no_thread_left(threads)


@pytest.mark.parametrize("writes", [1, 4])
def test_open_file_on_a_disk_that_fills_up_leaves_nothing(
        world: DemoWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        small_steps: list[tuple[int, int, int]], writes: int) -> None:
    env, out = tmp_path / "a.sandi", tmp_path / "out"
    out.mkdir()
    (tmp_path / "a.bin").write_bytes(DATA)
    _seal(world, tmp_path / "a.bin", env)
    threads = threading.active_count()
    _disk_full_after(monkeypatch, writes)
    with pytest.raises(StorageError, match="disk is full"):
        _open(world, env, out / "a.bin")
    assert list(out.iterdir()) == []
    _no_thread_left(threads)


@pytest.mark.parametrize("chunk", [1, 40, 95])  # first block; on the threads; the last
def test_a_tampered_chunk_deep_in_a_large_envelope_leaves_nothing(
        world: DemoWorld, tmp_path: Path, small_steps: list[tuple[int, int, int]],
        chunk: int) -> None:
    env, out = tmp_path / "a.sandi", tmp_path / "out"
    out.mkdir()
    (tmp_path / "a.bin").write_bytes(DATA)
    _seal(world, tmp_path / "a.bin", env)
    data = bytearray(env.read_bytes())
    layout = Layout.of(bytes(data))
    assert len(layout.chunks) == -(-SIZE // CHUNK_SIZE) and chunk < len(layout.chunks)
    data[layout.chunks[chunk].start + 100] ^= 1
    env.write_bytes(data)
    threads = threading.active_count()
    attempts: list[Callable[[], object]] = [
        lambda: _open(world, env, out / "a.bin"),
        lambda: sandi.verify(env, pola=world.pola),
    ]
    for attempt in attempts:
        with pytest.raises(TamperedEnvelope):
            attempt()
    assert list(out.iterdir()) == []
    _no_thread_left(threads)
