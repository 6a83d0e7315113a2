"""Streaming: seal_file/open_file round trips at chunk edges, through paths and
streams, and a > 100 MiB round trip in constant memory (checked in a child process).
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import Layout, keystore_with

import sandi
from sandi.crypto.suite import TAG_SIZE
from sandi.demo import DemoWorld
from sandi.envelope.format import CHUNK_SIZE, CT_CHUNK_SIZE
from sandi.keys.keystore import Keystore

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE,
         16 * CHUNK_SIZE, 16 * CHUNK_SIZE + 1, 33 * CHUNK_SIZE - 1]
DATA = random.Random(5).randbytes(max(SIZES))


@pytest.fixture(scope="module")
def store(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> Keystore:
    """dinkes's keys only."""
    return keystore_with(world, tmp_path_factory.mktemp("dinkes"), ["dinkes"])


def _chunks(size: int) -> int:
    return max(1, -(-size // CHUNK_SIZE))


@pytest.mark.parametrize("size", SIZES)
def test_file_round_trip(world: DemoWorld, store: Keystore, tmp_path: Path, size: int) -> None:
    src, env, out = tmp_path / "laporan.pdf", tmp_path / "laporan.pdf.sandi", tmp_path / "out"
    src.write_bytes(DATA[:size])
    info = sandi.seal_file(src, env, sender=world.keystore.identity("dispendukcapil"),
                           to=["dinkes"], classification="terbatas", pola=world.pola)
    layout = Layout.of(env.read_bytes())
    # The payload is exactly the chunked ciphertext: one tag per chunk, and one
    # (empty, last) chunk for the empty document.
    assert len(layout.chunks) == _chunks(size)
    assert layout.payload.stop - layout.payload.start == size + TAG_SIZE * _chunks(size)
    assert all(c.stop - c.start == CT_CHUNK_SIZE for c in layout.chunks[:-1])
    opened = sandi.open_file(env, out, keystore=store, pola=world.pola)
    assert out.read_bytes() == DATA[:size]
    assert opened.filename == "laporan.pdf"  # the source's base name, encrypted
    assert opened.doc_id == info.doc_id == sandi.verify(env, pola=world.pola).doc_id
    assert sandi.open(env.read_bytes(), keystore=store, pola=world.pola).plaintext == DATA[:size]


@pytest.mark.parametrize("size", [0, 1, CHUNK_SIZE, 3 * CHUNK_SIZE + 7])
def test_stream_round_trip(world: DemoWorld, store: Keystore, size: int) -> None:
    env = io.BytesIO()
    sandi.seal_file(io.BytesIO(DATA[:size]), env,
                    sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                    classification="terbatas", pola=world.pola, filename="x.bin")
    out = io.BytesIO()
    opened = sandi.open_file(io.BytesIO(env.getvalue()), out, keystore=store, pola=world.pola)
    assert out.getvalue() == DATA[:size]
    assert opened.filename == "x.bin"
    sandi.verify(io.BytesIO(env.getvalue()), pola=world.pola)


class _Trickle(io.RawIOBase):
    """A stream that returns at most ``step`` bytes per read, like a pipe or socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self._step if n < 0 else min(n, self._step)
        out = self._data[self._pos:self._pos + n]
        self._pos += len(out)
        return out


@pytest.mark.parametrize("step", [1000, CT_CHUNK_SIZE - 1, CT_CHUNK_SIZE + 3])
def test_short_reads(world: DemoWorld, store: Keystore, step: int) -> None:
    data = DATA[:3 * CHUNK_SIZE + 5]
    env = io.BytesIO()
    sandi.seal_file(_Trickle(data, step), env,  # type: ignore[arg-type]
                    sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                    classification="terbatas", pola=world.pola)
    assert env.getvalue() != b""
    out = io.BytesIO()
    sandi.open_file(_Trickle(env.getvalue(), step), out,  # type: ignore[arg-type]
                    keystore=store, pola=world.pola)
    assert out.getvalue() == data
    sandi.verify(_Trickle(env.getvalue(), step), pola=world.pola)  # type: ignore[arg-type]


def test_mixed_path_and_stream(world: DemoWorld, store: Keystore, tmp_path: Path) -> None:
    env = tmp_path / "a.sandi"
    sandi.seal_file(io.BytesIO(DATA[:70_000]), env,
                    sender=world.keystore.identity("dispendukcapil"), to=["dinkes"],
                    classification="terbatas", pola=world.pola)
    out = io.BytesIO()
    with env.open("rb") as f:
        sandi.open_file(f, out, keystore=store, pola=world.pola)
    assert out.getvalue() == DATA[:70_000]
    # A destination may be a str path; a source never is (tests/test_inputs.py).
    sandi.open_file(env, str(tmp_path / "b"), keystore=store, pola=world.pola)
    assert (tmp_path / "b").read_bytes() == DATA[:70_000]


# --- constant memory ---------------------------------------------------------------------------

BIG_MIB = 110
RSS_LIMIT_KIB = 64 * 1024

_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path

    import sandi
    from sandi.demo import demo_world
    from sandi.keys import KdfParams

    work = Path(sys.argv[1])
    w = demo_world(work / "home", kdf=KdfParams.TEST)
    src, env, out = work / "big.bin", work / "big.sandi", work / "big.out"
    sender = w.keystore.identity("dispendukcapil")
    sandi.seal_file(src, env, sender=sender, to=["dinkes"], classification="terbatas",
                    pola=w.pola)
    sandi.verify(env, pola=w.pola)
    sandi.open_file(env, out, keystore=w.keystore, pola=w.pola)
    with open(env, "rb") as e, open(work / "big.out2", "wb") as o:
        sandi.open_file(e, o, keystore=w.keystore, pola=w.pola)
    # VmHWM is this process's own peak RSS; ru_maxrss would also carry the
    # high-water mark inherited from the (large) test runner across fork+exec.
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print("peak-kib", peak)
""")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def test_big_round_trip_in_constant_memory(tmp_path: Path) -> None:
    # 110 MiB through seal_file, verify and open_file (to a path and to a stream),
    # in a child process whose peak RSS must stay under 64 MiB.
    block = os.urandom(1 << 20)
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        for _ in range(BIG_MIB):
            f.write(block)
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    peak_kib = int(proc.stdout.split("peak-kib")[-1])
    assert peak_kib <= RSS_LIMIT_KIB, f"peak RSS {peak_kib} KiB"
    want = _sha256(big)
    assert _sha256(tmp_path / "big.out") == want
    assert _sha256(tmp_path / "big.out2") == want
    assert (tmp_path / "big.sandi").stat().st_size > BIG_MIB << 20
