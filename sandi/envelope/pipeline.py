"""The stages beside the payload's AEAD: its SHA-256 and the output writes on worker
threads, and the few buffers the blocks are read and encrypted or decrypted into.

A 1 MiB block of a large payload goes into a buffer of a :class:`Ring`, reused
once the workers are done with it, not into a fresh allocation: the kernel zeroes
a fresh 1 MiB buffer page by page, tens of thousands of page faults per GiB (and
on a busy virtual machine, seconds in the kernel). Buffers that held plaintext
are wiped when the pipeline ends.

>>> with Pipeline() as pipe:
...     pipe.hash(b"surat")
>>> pipe.digest.hexdigest()[:16]
'a1fd1c5acabce493'
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sandi.envelope.format import CT_CHUNK_SIZE
from sandi.envelope.stream import BATCH

_THREAD_AFTER = 2  # jobs (1 MiB blocks) done inline before a worker thread starts
# Jobs waiting for the worker. Each holds a 1 MiB block (a hash job and a write job
# share one), so this bounds the memory in flight at a few MiB however fast the
# reader is: "constant memory" means a 100 GB file fits in 64 MiB of RSS.
_QUEUE_JOBS = 4
# Buffers per ring: the block being filled and two in the workers' hands. The
# SHA-256 is the slowest stage, so more would only hold more memory (each ring is
# _RING MiB; seal uses one, open two), not go faster.
_RING = 3


class Offload:
    """Runs ``(function, data)`` jobs in order on one worker thread.

    The payload's SHA-256 and the output writes go here while the caller's
    thread reads and runs the AEAD; hashlib and file writes release the GIL, so
    on two cores the stages overlap. Small payloads never start the thread. An
    error in a job (a full disk) is raised to the caller at its next call or at
    :meth:`finish`. :meth:`run` returns the job's number, and :meth:`wait` waits
    until that job is done (so its buffer can be reused).
    """

    def __init__(self) -> None:
        self._count = 0
        self._done = 0
        self._progress: threading.Condition | None = None  # made with the thread
        self._queue: queue.Queue[tuple[Callable[[Any], object], Any] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def run(self, function: Callable[[Any], object], data: Any) -> int:
        """Do ``function(data)`` after every job submitted before it; return its number."""
        if self._error is not None:
            raise self._error
        self._count += 1
        if self._queue is None and self._count <= _THREAD_AFTER:
            function(data)
            self._done = self._count
            return self._count
        if self._queue is None:
            self._queue = queue.Queue(maxsize=_QUEUE_JOBS)
            self._progress = threading.Condition()
            self._thread = threading.Thread(target=self._work, daemon=True)
            self._thread.start()
        self._queue.put((function, data))
        return self._count

    def wait(self, job: int) -> None:
        """Return once job number ``job`` is done (or skipped after an error)."""
        if self._done >= job:
            return
        assert self._progress is not None  # a job not yet done is the thread's
        with self._progress:
            while self._done < job:
                self._progress.wait()

    def _work(self) -> None:
        assert self._queue is not None and self._progress is not None
        while (job := self._queue.get()) is not None:
            if self._error is None:
                try:
                    job[0](job[1])
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc
            with self._progress:
                self._done += 1
                self._progress.notify_all()

    def finish(self, *, quiet: bool = False) -> None:
        """Wait for every job; raise the first job's error, if any (unless ``quiet``:
        used while another error is already on its way out)."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        if self._error is not None and not quiet:
            raise self._error


class Ring:
    """A few buffers of one size, handed out in turn by :meth:`take` and reused.

    A buffer is handed out again only once every :class:`Pipeline` job given a
    view of it is done; the caller's own thread must be done with it by then, which
    holds for the payload loops here (each holds at most the buffer it is filling
    and the one before). Buffers are made on first use, so a small document costs
    none. A ``secret`` ring (plaintext) is wiped when its pipeline ends.
    """

    def __init__(self, size: int, count: int, *, secret: bool = False) -> None:
        self.size = size
        self.secret = secret
        self._buffers: list[bytearray] = []
        self._count = count
        self._next = 0
        self._jobs: dict[int, list[tuple[Offload, int]]] = {}

    def take(self) -> bytearray:
        """The next buffer, once every job given it before is done."""
        if len(self._buffers) < self._count:
            self._buffers.append(bytearray(self.size))
            return self._buffers[-1]
        buffer = self._buffers[self._next]
        self._next = (self._next + 1) % self._count
        for worker, job in self._jobs.pop(id(buffer), ()):
            worker.wait(job)
        return buffer

    def lent(self, data: object, worker: Offload, job: int) -> None:
        """Note that ``worker``'s job ``job`` uses ``data`` (if it is a view of ours)."""
        if not self._buffers:  # a small document never takes one
            return
        owner = data.obj if isinstance(data, memoryview) else data
        if any(owner is b for b in self._buffers):
            self._jobs.setdefault(id(owner), []).append((worker, job))

    def wipe(self) -> None:
        """Zero every buffer (call only once no job uses them)."""
        for buffer in self._buffers:
            buffer[:] = bytes(len(buffer))


class Pipeline:
    """The stages beside the AEAD: the SHA-256 of the ciphertext on one worker, the
    output writes on another (:class:`Offload`).

    hashlib, file writes and ``cryptography``'s AEAD all release the GIL, so on two
    cores reading + AEAD, hashing and writing overlap; the hash is the slowest
    stage (about 1.5 GB/s against 3.5 GB/s for AES-256-GCM here), so it gets a
    thread to itself rather than sharing one with the writes. As a context
    manager it always waits for both workers: on success it raises a worker's
    error (a full disk); while another error is on its way out it stays quiet, as
    the refusal, not a write error behind it, is the news. ``digest`` is complete
    only after the ``with`` block.
    """

    def __init__(self, write: Callable[[bytes | memoryview], object] | None = None) -> None:
        self.digest = hashlib.sha256()
        self._write = write
        self._hasher = Offload()
        self._writer = Offload()
        self._rings: list[Ring] = []

    def ring(self, *, secret: bool = False, extra: int = 0) -> Ring:
        """Reused buffers of one block (1 MiB of ciphertext chunks, + ``extra`` bytes)
        for this pipeline's blocks; ``secret`` for plaintext (wiped at the end)."""
        ring = Ring(BATCH * CT_CHUNK_SIZE + extra, _RING, secret=secret)
        self._rings.append(ring)
        return ring

    def hash(self, block: bytes | memoryview) -> None:
        """Add ``block`` to the digest, after every block before it."""
        job = self._hasher.run(self.digest.update, block)
        for ring in self._rings:
            ring.lent(block, self._hasher, job)

    def write(self, block: bytes | memoryview) -> None:
        """Write ``block`` to the output, after every block before it."""
        assert self._write is not None
        job = self._writer.run(self._write, block)
        for ring in self._rings:
            ring.lent(block, self._writer, job)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        failing = kind is not None
        try:
            self._writer.finish(quiet=failing)
        finally:
            self._hasher.finish(quiet=failing)
            for ring in self._rings:  # no job holds them now
                if ring.secret:
                    ring.wipe()
