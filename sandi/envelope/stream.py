"""The chunked payload: STREAM over AES-256-GCM, in constant memory.

The plaintext is cut into 64 KiB chunks; chunk ``i`` is sealed with the
per-document payload key and the 12-byte nonce ``i`` (11 bytes, big-endian) ||
``last`` (0x00, or 0x01 for the final chunk). Every chunk but the last is full;
the last may be short, and is empty only when the whole document is. Dropping,
reordering or truncating chunks therefore fails authentication: a moved chunk
meets the wrong counter and a cut stream ends on a chunk not sealed as last.

The ciphertext is also hashed (SHA-256) for the sender's signature; for large
payloads the hashing and the writes each run on a thread of their own
(:class:`Pipeline`), beside the reading and the AEAD.

>>> from sandi.envelope.stream import seal_payload, open_payload
>>> ct = b"".join(seal_payload(bytes(32), [(b"surat", True)]))
>>> b"".join(open_payload(bytes(32), iter([(ct, True)])))
b'surat'
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi.crypto.suite import TAG_SIZE
from sandi.envelope.format import CHUNK_SIZE, CT_CHUNK_SIZE
from sandi.errors import MalformedEnvelope, TamperedEnvelope

Read = Callable[[int], bytes]

BATCH = 16  # chunks per block of I/O, AEAD batching and hashing (1 MiB)
_THREAD_AFTER = 2  # jobs (1 MiB blocks) done inline before a worker thread starts
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
                 ) -> Iterator[memoryview]:
    """Encrypt (chunk, is_last) pairs; yields ciphertext in blocks of up to 16 chunks.

    Each block is a fresh buffer, encrypted into place (no per-chunk objects, no
    join), so it can be handed to other threads while the next one is filled.
    """
    aead = AESGCM(key)
    view, used, count = memoryview(b""), 0, 0
    for index, (chunk, last) in enumerate(chunks):
        if len(chunk) > CHUNK_SIZE:
            raise ValueError(f"payload chunk of {len(chunk)} bytes; at most {CHUNK_SIZE}")
        if count == 0:  # a new block: a small document's only chunk gets a small one
            size = len(chunk) + TAG_SIZE if last else BATCH * CT_CHUNK_SIZE
            view, used = memoryview(bytearray(size)), 0
        end = used + len(chunk) + TAG_SIZE
        aead.encrypt_into(chunk_nonce(index, last), chunk, None, view[used:end])
        used, count = end, count + 1
        if last:
            yield view[:used]
            return
        if count == BATCH:
            yield view
            count = 0


def open_payload(key: bytes, blocks: Iterable[tuple[bytes | memoryview, bool]]
                 ) -> Iterator[memoryview]:
    """Decrypt (block, is_final) pairs, as :class:`ChunkReader` yields them: every
    chunk of a block is full (65,552 bytes) but the very last one of the stream.

    Yields one plaintext buffer per block, only once every chunk in it has
    authenticated; raises TamperedEnvelope on the first chunk that does not.
    """
    aead = AESGCM(key)
    index = 0
    for block, final in blocks:
        source, out, done = memoryview(block), memoryview(bytearray(len(block))), 0
        for offset in range(0, len(block), CT_CHUNK_SIZE):
            chunk = source[offset:offset + CT_CHUNK_SIZE]
            last = final and offset + CT_CHUNK_SIZE >= len(block)
            target = out[done:done + len(chunk) - TAG_SIZE]
            try:
                done += aead.decrypt_into(chunk_nonce(index, last), chunk, None, target)
            except InvalidTag:
                # decrypt_into has already written the unauthenticated plaintext here;
                # this buffer is never released, and is wiped before it is dropped.
                out[:] = bytes(len(out))
                raise TamperedEnvelope("payload chunk {index} does not authenticate"
                                       " (changed, moved or truncated)", index=index) from None
            index += 1
        yield out[:done]


class ChunkReader:
    """Splits ``payload || trailer`` into blocks of ciphertext chunks and the trailer.

    The trailer (the signature) has a fixed length known from the header, so the
    reader reads one block ahead to know which block holds the last chunk. It
    yields (block, is_final) with up to 16 chunks per block, each block the very
    buffer that was read (no copies), after handing it to ``on_block`` (the
    payload hash).
    """

    def __init__(self, read: Read, trailer_len: int,
                 on_block: Callable[[bytes], object] | None = None) -> None:
        self._read = read
        self._trailer_len = trailer_len
        self._on_block = on_block or (lambda _: None)
        self.trailer = b""

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        tail = self._trailer_len
        block = BATCH * CT_CHUNK_SIZE
        current = read_full(self._read, block)
        index = 0
        while len(current) == block:
            following = read_full(self._read, block)
            if len(following) <= tail:
                # The trailer may reach back into this block: settle the end below
                # (one join of at most two blocks, once per envelope).
                current += following
                break
            # More than the trailer follows: this block holds only full, non-final chunks.
            self._on_block(current)
            yield current, False
            index += BATCH
            current = following
        if len(current) < tail + TAG_SIZE:
            raise TamperedEnvelope("envelope: payload truncated (too short for its signature)")
        payload, self.trailer = current[:len(current) - tail], current[len(current) - tail:]
        # Every chunk but the last is full; the last must hold its tag, and may be empty
        # only when it is the only chunk (the empty document).
        last_len = (len(payload) - 1) % CT_CHUNK_SIZE + 1
        if last_len < TAG_SIZE or (last_len == TAG_SIZE and (index > 0
                                                              or len(payload) > TAG_SIZE)):
            raise MalformedEnvelope("envelope: a chunk is shorter than its tag, or the"
                                    " final chunk is empty after a full one")
        self._on_block(payload)
        yield payload, True  # at most one block: the loop above left no more


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

    def hash(self, block: bytes | memoryview) -> None:
        """Add ``block`` to the digest, after every block before it."""
        self._hasher.run(self.digest.update, block)

    def write(self, block: bytes | memoryview) -> None:
        """Write ``block`` to the output, after every block before it."""
        assert self._write is not None
        self._writer.run(self._write, block)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        failing = kind is not None
        try:
            self._writer.finish(quiet=failing)
        finally:
            self._hasher.finish(quiet=failing)
