"""Measurement primitives shared by the benchmark harness.

`Measurement` is the one result type; `median_of` repeats a measurement and
keeps the median run; `run_process` times one child process and reads its
peak RSS through GNU ``time`` (see there for why not ``os.wait4``);
`make_input` writes incompressible test data. `Item`, `repeat`, `per_op` and
`settle` serve the one-command harness ``benchmarks/run.py``: every run kept,
median and spread reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
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
    cpu_seconds: float | None = None  # user + system, of a child process
    minor_faults: int | None = None  # of a child process

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
    """Run ``argv`` to completion; return its wall time, CPU time, minor page faults and
    peak RSS.

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
                [TIME, "-q", "-f", "%M %U %S %R", "-o", rss.name, "--", *argv],
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
            kib, user, system, faults = rss.read().split()[-4:]
    finally:
        for f in (fin, fout):
            if f is not None:
                f.close()
    return Measurement(
        name=name or os.path.basename(argv[0]),
        seconds=seconds,
        max_rss_bytes=int(kib) * 1024,
        bytes=nbytes,
        cpu_seconds=float(user) + float(system),
        minor_faults=int(faults),
    )


# --- repeated runs with their spread, for the harness (benchmarks/run.py) --------------


def settle() -> None:
    """Flush dirty pages (untimed) so one run's write-back is not billed to the next."""
    os.sync()


@dataclass
class Item:
    """Every run of one measured item, with its median and spread.

    ``runs`` are seconds per run (``per_op`` items: seconds per operation);
    ``rss`` the peak RSS of each run's child process, if any, and ``cpu`` and
    ``faults`` its CPU seconds and minor page faults; ``extra`` free-form numbers
    about the runs (e.g. the share spent in fsync).
    """

    section: str
    name: str
    runs: list[float]
    nbytes: int = 0
    per_op: bool = False
    rss: list[int] | None = None
    extra: dict[str, float] | None = None
    cpu: list[float] | None = None  # CPU seconds (user + system) of each run's child
    faults: list[int] | None = None  # minor page faults of each run's child

    @property
    def median(self) -> float:
        """The median of the runs (the mean of the middle two for an even count)."""
        return statistics.median(self.runs)

    @property
    def spread(self) -> tuple[float, float]:
        """(min, max) of the runs."""
        return min(self.runs), max(self.runs)

    @property
    def mib_per_s(self) -> float:
        """Median throughput, if the item has a byte count."""
        return self.nbytes / MIB / self.median if self.nbytes else 0.0

    @property
    def per_s(self) -> float:
        """Median operations per second (for per-op items)."""
        return 1.0 / self.median

    @property
    def max_rss(self) -> int | None:
        """The highest peak RSS of any run."""
        return max(self.rss) if self.rss else None

    def to_json(self) -> dict[str, object]:
        """Raw runs plus the summary, for latest.json."""
        lo, hi = self.spread
        doc: dict[str, object] = {
            "section": self.section, "name": self.name, "unit": "s/op" if self.per_op else "s",
            "runs": self.runs, "n": len(self.runs), "median": self.median, "min": lo, "max": hi,
            "bytes": self.nbytes}
        if self.nbytes:
            doc["mib_per_s"] = self.mib_per_s
        if self.per_op:
            doc["per_s"] = self.per_s
        if self.rss:
            doc["rss_bytes"] = self.rss
            doc["max_rss_bytes"] = self.max_rss
        if self.extra:
            doc["extra"] = self.extra
        if self.cpu:
            doc["cpu_seconds"] = self.cpu
            doc["cpu_median"] = statistics.median(self.cpu)
        if self.faults:
            doc["minor_faults"] = self.faults
            doc["minor_faults_median"] = statistics.median(self.faults)
        return doc


def repeat(fn: Callable[[], Measurement | float], repeats: int, *, sync: bool = True,
           fresh: Sequence[Path] = ()) -> tuple[list[float], list[int]]:
    """Run ``fn`` ``repeats`` times (``settle()`` before each when ``sync``); return
    the seconds of each run and the peak RSS of those that report one.

    ``fresh``: the run's outputs, deleted before the settle. The disk here is mounted
    with ``discard``: the blocks of a deleted file are trimmed at the next journal
    commit, which is the next fsync. Deleted after the settle, the previous run's
    1 GiB output cost the next timed fsync 0.5-0.7 s (sandi's own, or a
    competitor's "+ fsync").
    """
    seconds: list[float] = []
    rss: list[int] = []
    for _ in range(repeats):
        for path in fresh:
            path.unlink(missing_ok=True)
        if sync:
            settle()
        m = fn()
        if isinstance(m, Measurement):
            seconds.append(m.seconds)
            if m.max_rss_bytes is not None:
                rss.append(m.max_rss_bytes)
        else:
            seconds.append(m)
    return seconds, rss


def per_op(op: Callable[[], object], repeats: int, *, min_seconds: float = 0.2,
           max_batch: int = 100_000) -> list[float]:
    """Seconds per call of ``op``: each of ``repeats`` runs times a batch of calls
    sized (by a calibration run) to last about ``min_seconds``."""
    op()  # warm caches and lazy imports
    batch, elapsed = 1, 0.0
    while batch < max_batch:
        start = time.perf_counter()
        for _ in range(batch):
            op()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds / 4:
            break
        batch *= 4
    batch = max(1, min(max_batch, round(batch * min_seconds / max(elapsed, 1e-9))))
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batch):
            op()
        out.append((time.perf_counter() - start) / batch)
    return out


def fsync_path(path: StrPath) -> float:
    """Seconds to fsync ``path`` (its data and inode) from a fresh descriptor: what
    a tool that does not fsync its output would pay to be as durable as sandi."""
    fd = os.open(path, os.O_RDONLY)
    try:
        start = time.perf_counter()
        os.fsync(fd)
        return time.perf_counter() - start
    finally:
        os.close(fd)


class FsyncClock:
    """Within ``with``, time every ``os.fsync`` made in this process (sandi's own
    durability cost, inside seal_file / open_file / rewrap_file)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._real = os.fsync

    def _timed(self, fd: int) -> None:
        start = time.perf_counter()
        try:
            self._real(fd)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1

    def __enter__(self) -> FsyncClock:
        os.fsync = self._timed
        return self

    def __exit__(self, *exc: object) -> None:
        os.fsync = self._real
