"""Guarantee 3: nothing unverified is released.

``open`` returns plaintext only after everything is verified; ``open_file``
writes to a temporary file beside the target and publishes it only on success,
so a failure leaves no partial plaintext (not even a hidden temporary file) and
never overwrites an existing file unless asked.
"""

from __future__ import annotations

import errno
import io
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import Layout, flip, keystore_with

import sandi
from sandi._internal import system
from sandi.demo import DemoWorld
from sandi.errors import (
    NotARecipient,
    OutputExists,
    SignatureInvalid,
    StorageError,
    TamperedEnvelope,
)
from sandi.keys.keystore import Keystore

PLAINTEXT = random.Random(3).randbytes(150 * 1024)  # three chunks
OLD = b"isi lama yang harus tetap utuh\n"


@pytest.fixture(scope="module")
def store(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> Keystore:
    """dinkes's keys only."""
    return keystore_with(world, tmp_path_factory.mktemp("dinkes"), ["dinkes"])


@pytest.fixture(scope="module")
def good(world: DemoWorld) -> bytes:
    """dispendukcapil -> dinkes, rahasia, three chunks."""
    return sandi.seal(PLAINTEXT, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                      classification="rahasia", pola=world.pola)


def _last_chunk_tampered(env: bytes) -> bytes:
    return flip(env, Layout.of(env).chunks[-1].start + 100)


def _signature_tampered(env: bytes) -> bytes:
    # Every chunk decrypts: the whole plaintext has been written to the staging
    # file by the time the signature check fails.
    return flip(env, Layout.of(env).signature.start + 3)


BAD = {"last-chunk": (_last_chunk_tampered, TamperedEnvelope),
       "signature": (_signature_tampered, SignatureInvalid)}


@pytest.fixture(params=["o_tmpfile", "named-temp"])
def staging(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run each test with O_TMPFILE, and again as on file systems without it
    (where a hidden named temporary file is used)."""
    refused = []
    if request.param == "named-temp":
        real_open = os.open

        def no_tmpfile(path: object, flags: int, *args: object, **kw: object) -> int:
            if flags & os.O_TMPFILE == os.O_TMPFILE:
                refused.append(path)
                raise OSError(errno.EOPNOTSUPP, "O_TMPFILE not supported here")
            return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", no_tmpfile)
    yield str(request.param)
    # The fallback really ran (with SANDI_PORTABLE=1 it is the only path: no O_TMPFILE).
    assert bool(refused) == (request.param == "named-temp" and system.linux_only())


def _listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))  # includes hidden names


# --- failures write nothing ------------------------------------------------------------------


@pytest.mark.parametrize("bad", sorted(BAD))
def test_failed_open_file_leaves_nothing(world: DemoWorld, store: Keystore, good: bytes,
                                         tmp_path: Path, staging: str, bad: str) -> None:
    tamper, error = BAD[bad]
    src = tmp_path / "in" / "surat.sandi"
    src.parent.mkdir()
    src.write_bytes(tamper(good))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(error):
        sandi.open_file(src, out_dir / "surat.pdf", keystore=store, pola=world.pola)
    assert _listing(out_dir) == []


@pytest.mark.parametrize("bad", sorted(BAD))
def test_failed_open_file_keeps_an_existing_file_even_with_force(
        world: DemoWorld, store: Keystore, good: bytes, tmp_path: Path, staging: str,
        bad: str) -> None:
    tamper, error = BAD[bad]
    target = tmp_path / "surat.pdf"
    target.write_bytes(OLD)
    before = _listing(tmp_path)
    for force in (False, True):
        with pytest.raises(error if force else OutputExists):
            sandi.open_file(io.BytesIO(tamper(good)), target, keystore=store, pola=world.pola,
                            force=force)
        assert target.read_bytes() == OLD
        assert _listing(tmp_path) == before


def test_not_a_recipient_with_force_keeps_the_existing_file(world: DemoWorld, good: bytes,
                                                            tmp_path: Path) -> None:
    other = keystore_with(world, tmp_path / "bappeda", ["bappeda"])
    target = tmp_path / "out.pdf"
    target.write_bytes(OLD)
    with pytest.raises(NotARecipient):
        sandi.open_file(io.BytesIO(good), target, keystore=other, pola=world.pola, force=True)
    assert target.read_bytes() == OLD


class _Recorder(io.RawIOBase):
    """A destination stream that records every write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b: object) -> int:
        data = bytes(b)  # type: ignore[call-overload]
        self.writes.append(data)
        return len(data)


@pytest.mark.parametrize("bad", sorted(BAD))
def test_failed_open_to_a_stream_writes_nothing(world: DemoWorld, store: Keystore, good: bytes,
                                                bad: str) -> None:
    tamper, error = BAD[bad]
    dst = _Recorder()
    with pytest.raises(error):
        sandi.open_file(io.BytesIO(tamper(good)), dst, keystore=store,  # type: ignore[arg-type]
                        pola=world.pola)
    assert dst.writes == []
    buf = io.BytesIO()
    with pytest.raises(error):
        sandi.open_file(io.BytesIO(tamper(good)), buf, keystore=store, pola=world.pola)
    assert buf.getvalue() == b""


def test_open_in_memory_returns_nothing_on_failure(world: DemoWorld, store: Keystore,
                                                   good: bytes) -> None:
    # Nothing partial escapes through the exception either.
    with pytest.raises(SignatureInvalid) as caught:
        sandi.open(_signature_tampered(good), keystore=store, pola=world.pola)
    assert PLAINTEXT[:64] not in repr(caught.value).encode()
    assert caught.value.__cause__ is None


# --- into a directory: the output is named after the (encrypted) filename ----------------------


def _sealed_named(world: DemoWorld, filename: str | None, data: bytes = PLAINTEXT) -> bytes:
    return sandi.seal(data, sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                      classification="rahasia", pola=world.pola, filename=filename)


@pytest.mark.parametrize("bad", sorted(BAD))
def test_failed_open_into_a_directory_leaves_nothing(world: DemoWorld, store: Keystore,
                                                     tmp_path: Path, staging: str,
                                                     bad: str) -> None:
    tamper, error = BAD[bad]
    src = tmp_path / "surat.pdf.sandi"
    src.write_bytes(tamper(_sealed_named(world, "surat.pdf")))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(error):
        sandi.open_file(src, out_dir, keystore=store, pola=world.pola, force=True)
    assert _listing(out_dir) == []


@pytest.mark.parametrize("filename,expected", [
    ("laporan.pdf", "laporan.pdf"),
    ("../../../tmp/pwned.txt", "pwned.txt"),
    ("..\\..\\win.ini", "win.ini"),
    (".bashrc", "surat"),
    ("sub/.ssh/authorized_keys", "authorized_keys"),
    ("..", "surat"),
    (None, "surat"),
])
def test_open_into_a_directory_stays_in_it(world: DemoWorld, store: Keystore, tmp_path: Path,
                                           filename: str | None, expected: str) -> None:
    # The sender chooses the filename; it must never aim the plaintext elsewhere.
    src = tmp_path / "in" / "surat.sandi"
    src.parent.mkdir()
    src.write_bytes(_sealed_named(world, filename, b"isi"))
    out_dir = tmp_path / "a" / "b" / "out"
    out_dir.mkdir(parents=True)
    opened = sandi.open_file(src, out_dir, keystore=store, pola=world.pola)
    assert _listing(out_dir) == [expected]
    assert (out_dir / expected).read_bytes() == b"isi"
    assert opened.path == str(out_dir / expected)
    assert _listing(tmp_path) == ["a", "in"] and _listing(tmp_path / "a") == ["b"]
    assert _listing(tmp_path / "in") == ["surat.sandi"]


@pytest.mark.parametrize("force", [False, True])
def test_open_into_a_directory_never_overwrites(world: DemoWorld, store: Keystore,
                                                tmp_path: Path, force: bool) -> None:
    # The sender chooses the name: even with force, a sender must not choose which of
    # the recipient's files is replaced (issue 15 §6). force applies to a named dst.
    (tmp_path / "laporan.pdf").write_bytes(OLD)
    env = _sealed_named(world, "laporan.pdf")
    with pytest.raises(OutputExists):
        sandi.open_file(io.BytesIO(env), tmp_path, keystore=store, pola=world.pola,
                        force=force)
    assert (tmp_path / "laporan.pdf").read_bytes() == OLD
    assert _listing(tmp_path) == ["laporan.pdf"]
    sandi.open_file(io.BytesIO(env), tmp_path / "laporan.pdf", keystore=store,
                    pola=world.pola, force=True)  # the control: a name the caller chose
    assert (tmp_path / "laporan.pdf").read_bytes() == PLAINTEXT


# --- success, and overwriting only when asked ---------------------------------------------------


def test_open_file_publishes_on_success(world: DemoWorld, store: Keystore, good: bytes,
                                        tmp_path: Path, staging: str) -> None:
    target = tmp_path / "surat.pdf"
    sandi.open_file(io.BytesIO(good), target, keystore=store, pola=world.pola)
    assert target.read_bytes() == PLAINTEXT
    assert target.stat().st_mode & 0o777 == 0o600  # plaintext of a classified document
    assert _listing(tmp_path) == ["surat.pdf"]


def test_existing_file_is_never_overwritten_without_force(world: DemoWorld, store: Keystore,
                                                          good: bytes, tmp_path: Path) -> None:
    target = tmp_path / "surat.pdf"
    target.write_bytes(OLD)
    with pytest.raises(OutputExists, match="already exists"):
        sandi.open_file(io.BytesIO(good), target, keystore=store, pola=world.pola)
    assert target.read_bytes() == OLD
    assert _listing(tmp_path) == ["surat.pdf"]


def test_existing_file_is_replaced_with_force_on_success(world: DemoWorld, store: Keystore,
                                                         good: bytes, tmp_path: Path,
                                                         staging: str) -> None:
    target = tmp_path / "surat.pdf"
    target.write_bytes(OLD)
    sandi.open_file(io.BytesIO(good), target, keystore=store, pola=world.pola, force=True)
    assert target.read_bytes() == PLAINTEXT
    assert _listing(tmp_path) == ["surat.pdf"]


def test_open_file_to_a_stream_on_success(world: DemoWorld, store: Keystore,
                                          good: bytes) -> None:
    buf = io.BytesIO()
    opened = sandi.open_file(io.BytesIO(good), buf, keystore=store, pola=world.pola)
    assert buf.getvalue() == PLAINTEXT
    assert opened.sender == "dispendukcapil"


def test_seal_file_never_overwrites_without_force(world: DemoWorld, tmp_path: Path) -> None:
    target = tmp_path / "surat.sandi"
    target.write_bytes(OLD)
    seal = _sealer(world, target)
    with pytest.raises(OutputExists):
        seal(False)
    assert target.read_bytes() == OLD
    seal(True)
    assert target.read_bytes().startswith(b"SANDI\x02")


def test_failed_seal_file_leaves_nothing(world: DemoWorld, tmp_path: Path,
                                         staging: str) -> None:
    # A source that fails half way: no partial envelope is published.
    def broken() -> Iterator[bytes]:
        yield b"x" * (1 << 20)
        raise OSError(errno.EIO, "the USB stick was pulled out")

    chunks = broken()

    class Source(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            return next(chunks)

    # (Today the read error surfaces as StorageError "cannot write <dst>: ...";
    # what matters here is that nothing is left behind.)
    with pytest.raises((OSError, StorageError), match="USB"):
        sandi.seal_file(Source(), tmp_path / "surat.sandi",  # type: ignore[arg-type]
                        sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                        classification="rahasia", pola=world.pola)
    assert _listing(tmp_path) == []


def _sealer(world: DemoWorld, target: Path) -> Callable[[bool], object]:
    def seal(force: bool) -> object:
        return sandi.seal_file(io.BytesIO(b"surat"), target,
                               sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                               classification="rahasia", pola=world.pola, force=force)
    return seal
