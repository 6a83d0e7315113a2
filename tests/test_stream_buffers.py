"""Reused payload buffers (issue 18 §2): a buffer is handed out again only once the
workers are done with it, buffers that held plaintext are wiped, and a large payload
no longer costs page faults in proportion to its size.

The first two are checked by slowing the workers down (a buffer reused too early
would then be overwritten before it was hashed or written, and the envelope would not
open, or open to other bytes); the third by the kernel's count of minor page faults,
not by time.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import sandi
from sandi.demo import DemoWorld
from sandi.envelope import pipeline as _pipeline
from sandi.envelope.pipeline import Pipeline, Ring
from sandi.envelope.stream import plaintext_chunks

MIB = 1 << 20
DATA = os.urandom(9 * MIB + 12345)  # nine full blocks and a short one


class _SlowHash:
    """hashlib.sha256 whose update sleeps first."""

    def __init__(self) -> None:
        self._inner = hashlib.sha256()

    def update(self, data: Any) -> None:
        time.sleep(0.003)
        self._inner.update(data)

    def digest(self) -> bytes:
        return self._inner.digest()


class _SlowSink(io.RawIOBase):
    """A destination stream that sleeps before each write."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        time.sleep(0.003)
        self.data += bytes(b)
        return len(b)


@pytest.mark.parametrize("slow", ["hash", "write"])
def test_a_buffer_is_reused_only_after_the_workers_are_done(
        world: DemoWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow: str) -> None:
    src = tmp_path / "arsip.bin"
    src.write_bytes(DATA)
    if slow == "hash":
        monkeypatch.setattr(_pipeline, "hashlib", SimpleNamespace(sha256=_SlowHash))
    sealed = _SlowSink() if slow == "write" else io.BytesIO()
    sandi.seal_file(src, sealed, sender=world.keystore.identity("setda"),  # type: ignore[arg-type]
                    to=["inspektorat"], classification="terbatas", pola=world.pola)
    envelope = bytes(sealed.data) if isinstance(sealed, _SlowSink) else sealed.getvalue()
    opened = _SlowSink() if slow == "write" else io.BytesIO()
    sealed_file = tmp_path / "arsip.sandi"  # a file: read with readinto, into a ring
    sealed_file.write_bytes(envelope)
    sandi.open_file(sealed_file, opened,  # type: ignore[arg-type]
                    keystore=world.keystore, pola=world.pola)
    got = bytes(opened.data) if isinstance(opened, _SlowSink) else opened.getvalue()
    assert got == DATA  # and the signature over the hash of every block held
    monkeypatch.undo()  # the control: the same envelope opens at full speed too
    assert sandi.open(envelope, keystore=world.keystore, pola=world.pola).plaintext == DATA


def test_a_ring_waits_for_the_jobs_given_its_buffers() -> None:
    seen: list[bytes] = []

    def slow_write(block: bytes | memoryview) -> None:
        time.sleep(0.002)
        seen.append(bytes(block))

    with Pipeline(slow_write) as pipe:
        ring = pipe.ring()
        for n in range(12):
            buffer = ring.take()
            buffer[:4] = n.to_bytes(4, "big")
            pipe.write(memoryview(buffer)[:4])
    assert seen == [n.to_bytes(4, "big") for n in range(12)]
    assert len({id(b) for b in ring._buffers}) == len(ring._buffers) < 12  # reused


def test_plaintext_buffers_are_wiped(world: DemoWorld, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rings: list[Ring] = []
    real = Pipeline.ring

    def kept(self: Pipeline, **kw: Any) -> Ring:
        rings.append(real(self, **kw))
        return rings[-1]

    monkeypatch.setattr(Pipeline, "ring", kept)
    src, env, out = tmp_path / "a.bin", tmp_path / "a.sandi", tmp_path / "a.out"
    src.write_bytes(DATA)
    sandi.seal_file(src, env, sender=world.keystore.identity("setda"), to=["inspektorat"],
                    classification="terbatas", pola=world.pola)
    sandi.open_file(env, out, keystore=world.keystore, pola=world.pola)
    assert out.read_bytes() == DATA
    secret = [r for r in rings if r.secret]
    assert secret and all(r._buffers for r in secret)
    assert all(not any(b) for r in secret for b in r._buffers)  # plaintext: all zero
    assert any(any(b) for r in rings if not r.secret for b in r._buffers)  # the control
    # Sealing's read-ahead buffers (plaintext too) are wiped when the stream ends.
    stream = io.BytesIO(DATA)
    held = {id(c.obj): c.obj for c, _ in plaintext_chunks(stream.read, stream.readinto)
            if isinstance(c.obj, bytearray)}
    assert len(held) == 2 and not any(any(b) for b in held.values())


_FAULTS = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    import sandi
    from sandi.demo import demo_world
    from sandi.keys import KdfParams

    work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
    w = demo_world(work + "/home", kdf=KdfParams.TEST)
    sender = w.keystore.identity("setda")
    for mib in sizes:
        src, env, out = (Path(work) / f"{mib}.{ext}" for ext in ("bin", "sandi", "out"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        sandi.seal_file(src, env, sender=sender, to=["inspektorat"],
                        classification="terbatas", pola=w.pola)
        sealed = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        sandi.open_file(env, out, keystore=w.keystore, pola=w.pola)
        opened = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        print(mib, sealed - before, opened - sealed)
""")


def test_page_faults_do_not_grow_with_the_payload(tmp_path: Path) -> None:
    # age takes ~430 minor faults per GiB; the target is 10x that, ~4 per MiB. Before the
    # rings, every 1 MiB block was a fresh buffer: 20-100 faults per MiB here.
    block = os.urandom(MIB)
    for mib in (8, 72):
        with (tmp_path / f"{mib}.bin").open("wb") as f:
            for _ in range(mib):
                f.write(block)
    run = subprocess.run([sys.executable, "-c", _FAULTS, str(tmp_path), "8", "72"],
                         capture_output=True, text=True, timeout=300, check=True)
    faults = {int(m): (int(s), int(o)) for m, s, o in
              (line.split() for line in run.stdout.splitlines())}
    for step, name in ((0, "seal"), (1, "open")):
        per_mib = (faults[72][step] - faults[8][step]) / 64
        assert per_mib < 4, f"{name}: {per_mib:.1f} faults per MiB ({faults})"
