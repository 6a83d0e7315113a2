"""The chunked payload: STREAM over AES-256-GCM, in constant memory.

The plaintext is cut into 64 KiB chunks; chunk ``i`` is sealed with the
per-document payload key and the 12-byte nonce ``i`` (11 bytes, big-endian) ||
``last`` (0x00, or 0x01 for the final chunk). Every chunk but the last is full;
the last may be short, and is empty only when the whole document is. Dropping,
reordering or truncating chunks therefore fails authentication: a moved chunk
meets the wrong counter and a cut stream ends on a chunk not sealed as last.

The ciphertext is also hashed (SHA-256) for the sender's signature; for large
payloads the hashing and the writes run on a second thread (:class:`Offload`).

>>> from sandi.stream import seal_payload, open_payload
>>> ct = b"".join(seal_payload(bytes(32), [(b"surat", True)]))
>>> b"".join(open_payload(bytes(32), iter([(ct, True)])))
b'surat'
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi.errors import MalformedEnvelope, TamperedEnvelope
from sandi.format import CHUNK_SIZE, CT_CHUNK_SIZE, TAG_SIZE

Read = Callable[[int], bytes]

BATCH = 16  # chunks per block of I/O, AEAD batching and hashing (1 MiB)
_THREAD_AFTER = 4  # jobs done inline before the worker thread starts
# Jobs waiting for the worker. Each holds a 1 MiB block (a hash job and a write job
# share one), so this bounds the memory in flight at a few MiB however fast the
# reader is: "constant memory" means a 100 GB file fits in 64 MiB of RSS.
_QUEUE_JOBS = 4


def chunk_nonce(index: int, last: bool) -> bytes:
    """The STREAM nonce of chunk ``index``."""
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def read_full(read: Read, size: int) -> bytes:
    """Read ``size`` bytes, or fewer only at the end of the stream."""
    data = read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def plaintext_chunks(read: Read) -> Iterator[tuple[memoryview, bool]]:
    """Cut a plaintext stream into (chunk, is_last), reading 1 MiB blocks, one block ahead."""
    block = BATCH * CHUNK_SIZE
    current = read_full(read, block)
    while True:
        following = read_full(read, block) if len(current) == block else b""
        final = not following
        view = memoryview(current)
        if not current:
            yield view, True  # the empty document: one empty, last chunk
            return
        for offset in range(0, len(current), CHUNK_SIZE):
            yield view[offset:offset + CHUNK_SIZE], final and offset + CHUNK_SIZE >= len(current)
        if final:
            return
        current = following


def seal_payload(key: bytes, chunks: Iterable[tuple[bytes | memoryview, bool]]
                 ) -> Iterator[bytes]:
    """Encrypt (chunk, is_last) pairs; yields ciphertext in blocks of up to 16 chunks."""
    aead = AESGCM(key)
    batch: list[bytes] = []
    for index, (chunk, last) in enumerate(chunks):
        batch.append(aead.encrypt(chunk_nonce(index, last), chunk, None))
        if last or len(batch) == BATCH:
            yield b"".join(batch)
            batch = []


def open_payload(key: bytes, chunks: Iterable[tuple[bytes | memoryview, bool]]
                 ) -> Iterator[bytes]:
    """Decrypt (ciphertext chunk, is_last) pairs; raise TamperedEnvelope on any failure."""
    aead = AESGCM(key)
    for index, (chunk, last) in enumerate(chunks):
        try:
            plain = aead.decrypt(chunk_nonce(index, last), chunk, None)
        except InvalidTag:
            raise TamperedEnvelope(f"payload chunk {index} does not authenticate"
                                   " (changed, moved or truncated)") from None
        yield plain


class ChunkReader:
    """Splits ``payload || trailer`` into ciphertext chunks and the trailer.

    The trailer (the signature) has a fixed length known from the header, so the
    reader keeps that many bytes of look-ahead to know which chunk is the last.
    It reads 16 chunks at a time and hands each raw block to ``on_block`` (the
    payload hash) before yielding its chunks.
    """

    def __init__(self, read: Read, trailer_len: int,
                 on_block: Callable[[bytes], object] | None = None) -> None:
        self._read = read
        self._trailer_len = trailer_len
        self._on_block = on_block or (lambda _: None)
        self.trailer = b""

    def __iter__(self) -> Iterator[tuple[memoryview, bool]]:
        tail = self._trailer_len
        block = BATCH * CT_CHUNK_SIZE
        want = block + tail + 1
        buf = read_full(self._read, want)
        index = 0
        # While more than a block plus the trailer remains, the block holds only
        # full, non-final chunks.
        while len(buf) == want:
            data = buf[:block]
            self._on_block(data)
            view = memoryview(data)
            for offset in range(0, block, CT_CHUNK_SIZE):
                yield view[offset:offset + CT_CHUNK_SIZE], False
            index += BATCH
            buf = buf[block:] + read_full(self._read, block)
        if len(buf) < tail + TAG_SIZE:
            raise TamperedEnvelope("envelope: payload truncated (too short for its signature)")
        payload, self.trailer = buf[:len(buf) - tail], buf[len(buf) - tail:]
        self._on_block(payload)
        view = memoryview(payload)
        for offset in range(0, len(payload), CT_CHUNK_SIZE):
            chunk = view[offset:offset + CT_CHUNK_SIZE]
            last = offset + CT_CHUNK_SIZE >= len(payload)
            if len(chunk) < TAG_SIZE or (last and len(chunk) == TAG_SIZE and index > 0):
                raise MalformedEnvelope("envelope: a chunk is shorter than its tag, or the"
                                        " final chunk is empty after a full one")
            yield chunk, last
            index += 1


class Offload:
    """Runs ``(function, data)`` jobs in order on one worker thread.

    The payload's SHA-256 and the output writes go here while the caller's
    thread reads and runs the AEAD; hashlib and file writes release the GIL, so
    on two cores the stages overlap. Small payloads never start the thread. An
    error in a job (a full disk) is raised to the caller at its next call or at
    :meth:`finish`.
    """

    def __init__(self) -> None:
        self._count = 0
        self._queue: queue.Queue[tuple[Callable[[Any], object], Any] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def run(self, function: Callable[[Any], object], data: Any) -> None:
        """Do ``function(data)`` after every job submitted before it."""
        if self._error is not None:
            raise self._error
        self._count += 1
        if self._queue is None and self._count <= _THREAD_AFTER:
            function(data)
            return
        if self._queue is None:
            self._queue = queue.Queue(maxsize=_QUEUE_JOBS)
            self._thread = threading.Thread(target=self._work, daemon=True)
            self._thread.start()
        self._queue.put((function, data))

    def _work(self) -> None:
        assert self._queue is not None
        while (job := self._queue.get()) is not None:
            if self._error is None:
                try:
                    job[0](job[1])
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc

    def finish(self, *, quiet: bool = False) -> None:
        """Wait for every job; raise the first job's error, if any (unless ``quiet``:
        used while another error is already on its way out)."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        if self._error is not None and not quiet:
            raise self._error
