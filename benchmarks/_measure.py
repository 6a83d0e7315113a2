"""Measurement primitives shared by the benchmark harness.

`Measurement` is the one result type; `median_of` repeats a measurement and
keeps the median run; `run_process` times one child process and reads its
peak RSS through GNU ``time`` (see there for why not ``os.wait4``);
`make_input` writes incompressible test data.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

StrPath = str | os.PathLike[str]
MIB = 1 << 20


class ProcessFailed(subprocess.CalledProcessError):
    """A measured child exited non-zero; ``str()`` includes its stderr."""

    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.stderr}"


@dataclass(frozen=True)
class Measurement:
    """One timed run.

    ``bytes`` is the payload size the run processed (plaintext size, for
    throughput); ``max_rss_bytes`` is the child's peak RSS, or ``None`` for
    in-process runs where it cannot be isolated.
    """

    name: str
    seconds: float
    max_rss_bytes: int | None
    bytes: int

    @property
    def mib_per_s(self) -> float:
        """Throughput in MiB/s (0.0 when nothing was processed)."""
        if self.bytes == 0 or self.seconds <= 0:
            return 0.0
        return self.bytes / MIB / self.seconds


def median_of(fn: Callable[[], Measurement], repeats: int) -> Measurement:
    """Call ``fn`` ``repeats`` times and return the run with the median time.

    For an even count the lower of the two middle runs is returned, so the
    result is always a run that really happened (its RSS belongs to it).
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    runs = sorted((fn() for _ in range(repeats)), key=lambda m: m.seconds)
    return runs[(len(runs) - 1) // 2]


def make_input(path: StrPath, size: int) -> None:
    """Write ``size`` incompressible bytes to ``path``.

    An AES-256-CTR keystream under a fresh random key: as incompressible as
    ``os.urandom`` (gpg, zstd etc. gain nothing) but ~25x faster to produce.
    """
    enc = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(bytes(16))).encryptor()
    zeros, block = bytes(MIB), bytearray(MIB + 15)
    with open(path, "wb") as f:
        for left in range(size, 0, -MIB):
            f.write(memoryview(block)[: min(enc.update_into(zeros, block), left)])


def _open_or_none(path: StrPath | None, mode: str) -> IO[bytes] | None:
    return None if path is None else open(path, mode)


TIME = "/usr/bin/time"  # GNU time, Debian package `time`


def run_process(
    argv: list[str],
    *,
    stdin: StrPath | None = None,
    stdout: StrPath | None = None,
    env: Mapping[str, str] | None = None,
    name: str | None = None,
    nbytes: int = 0,
) -> Measurement:
    """Run ``argv`` to completion; return its wall time and peak RSS.

    The child is started through GNU ``time`` rather than read with
    ``os.wait4`` directly: on Linux a child exec'd from this process reports
    ``ru_maxrss`` >= *this* process's peak RSS (exec records the hiwater mark
    of the vfork/fork-shared mm), so direct readings are floored at the
    harness's own size. Forked from ``time`` (~1 MiB), the floor is ~1 MiB.
    Wall time is taken here and includes ~1 ms for the extra exec.

    ``stdin``/``stdout`` are file paths (``None`` means /dev/null in and out);
    stderr goes to a temporary file that is quoted if the child fails.
    ``env`` replaces the environment when given. Raises
    ``ProcessFailed`` (a ``CalledProcessError``) on a non-zero exit.
    """
    fin = _open_or_none(stdin, "rb")
    fout = _open_or_none(stdout, "wb")
    try:
        with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [TIME, "-q", "-f", "%M", "-o", rss.name, "--", *argv],
                stdin=fin if fin is not None else subprocess.DEVNULL,
                stdout=fout if fout is not None else subprocess.DEVNULL,
                stderr=err,
                env=None if env is None else dict(env),
            )
            returncode = proc.wait()
            seconds = time.perf_counter() - start
            if returncode != 0:
                err.seek(0)
                raise ProcessFailed(returncode, argv, stderr=err.read().decode(errors="replace"))
            max_rss_kib = int(rss.read().split()[-1])
    finally:
        for f in (fin, fout):
            if f is not None:
                f.close()
    return Measurement(
        name=name or os.path.basename(argv[0]),
        seconds=seconds,
        max_rss_bytes=max_rss_kib * 1024,
        bytes=nbytes,
    )
