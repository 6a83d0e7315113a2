"""The chunked payload: STREAM over AES-256-GCM, in constant memory.

The plaintext is cut into 64 KiB chunks; chunk ``i`` is sealed with the
per-document payload key and the 12-byte nonce ``i`` (11 bytes, big-endian) ||
``last`` (0x00, or 0x01 for the final chunk). Every chunk but the last is full;
the last may be short, and is empty only when the whole document is. Dropping,
reordering or truncating chunks therefore fails authentication: a moved chunk
meets the wrong counter and a cut stream ends on a chunk not sealed as last.

The ciphertext is also hashed (SHA-256) for the sender's signature; for large
payloads the hashing runs in a second thread, since hashlib releases the GIL.

>>> from sandi.stream import seal_payload, open_payload
>>> ct = b"".join(seal_payload(bytes(32), iter([b"surat"])))
>>> b"".join(open_payload(bytes(32), iter([(ct, True)])))
b'surat'
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi.errors import MalformedEnvelope, TamperedEnvelope
from sandi.format import CHUNK_SIZE, CT_CHUNK_SIZE, TAG_SIZE

Read = Callable[[int], bytes]

_THREAD_AFTER = 16  # chunks hashed inline before handing the hash to a thread


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


def plaintext_chunks(read: Read) -> Iterator[tuple[bytes, bool]]:
    """Cut a plaintext stream into (chunk, is_last), reading one chunk ahead."""
    current = read_full(read, CHUNK_SIZE)
    while True:
        following = read_full(read, CHUNK_SIZE) if len(current) == CHUNK_SIZE else b""
        yield current, not following
        if not following:
            return
        current = following


def seal_payload(key: bytes, chunks: Iterable[bytes] | Iterator[tuple[bytes, bool]]
                 ) -> Iterator[bytes]:
    """Encrypt chunks. Accepts (chunk, last) pairs, or plain chunks of which the
    final one is last."""
    aead = AESGCM(key)
    pairs = _pairs(chunks)
    for index, (chunk, last) in enumerate(pairs):
        yield aead.encrypt(chunk_nonce(index, last), chunk, None)


def _pairs(chunks: Iterable[bytes] | Iterator[tuple[bytes, bool]]
           ) -> Iterator[tuple[bytes, bool]]:
    it = iter(chunks)
    first = next(it, None)
    if isinstance(first, tuple):
        yield first
        yield from it  # type: ignore[misc]
        return
    prev = first if isinstance(first, bytes) else b""
    for item in it:
        assert isinstance(item, bytes)
        yield prev, False
        prev = item
    yield prev, True


def open_payload(key: bytes, chunks: Iterable[tuple[bytes, bool]]) -> Iterator[bytes]:
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
    """

    def __init__(self, read: Read, trailer_len: int) -> None:
        self._read = read
        self._trailer_len = trailer_len
        self.trailer = b""
        self.done = False

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        tail = self._trailer_len
        want = CT_CHUNK_SIZE + tail + 1
        buf = read_full(self._read, want)
        index = 0
        while len(buf) == want:
            yield buf[:CT_CHUNK_SIZE], False
            buf = buf[CT_CHUNK_SIZE:] + read_full(self._read, CT_CHUNK_SIZE)
            index += 1
        if len(buf) < tail + TAG_SIZE:
            raise TamperedEnvelope("envelope: payload truncated (too short for its signature)")
        chunk, self.trailer = buf[: len(buf) - tail], buf[len(buf) - tail:]
        if len(chunk) == TAG_SIZE and index > 0:
            raise MalformedEnvelope("envelope: empty final chunk after a full one")
        self.done = True
        yield chunk, True


class PayloadHash:
    """SHA-256 of the ciphertext; moves to a worker thread once the payload is large."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self._count = 0
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None

    def update(self, data: bytes) -> None:
        """Add ciphertext bytes, in order."""
        self._count += 1
        if self._queue is not None:
            self._queue.put(data)
        elif self._count > _THREAD_AFTER:
            self._queue = queue.Queue(maxsize=32)
            self._thread = threading.Thread(target=self._work, daemon=True)
            self._thread.start()
            self._queue.put(data)
        else:
            self._sha.update(data)

    def _work(self) -> None:
        assert self._queue is not None
        while (data := self._queue.get()) is not None:
            self._sha.update(data)

    def digest(self) -> bytes:
        """The final hash; waits for the worker."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = None
        return self._sha.digest()
