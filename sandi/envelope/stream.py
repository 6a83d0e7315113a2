"""The chunked payload: STREAM over AES-256-GCM, in constant memory.

The plaintext is cut into 64 KiB chunks; chunk ``i`` is sealed with the
per-document payload key and the 12-byte nonce ``i`` (11 bytes, big-endian) ||
``last`` (0x00, or 0x01 for the final chunk). Every chunk but the last is full;
the last may be short, and is empty only when the whole document is. Dropping,
reordering or truncating chunks therefore fails authentication: a moved chunk
meets the wrong counter and a cut stream ends on a chunk not sealed as last.

The ciphertext is also hashed (SHA-256) for the sender's signature; for large
payloads the hashing and the writes each run on a thread of their own, beside the
reading and the AEAD, and the blocks are read and encrypted or decrypted into a
few reused buffers (:mod:`sandi.envelope.pipeline`).

>>> from sandi.envelope.stream import seal_payload, open_payload
>>> ct = b"".join(seal_payload(bytes(32), [(b"surat", True)]))
>>> b"".join(open_payload(bytes(32), iter([(ct, True)])))
b'surat'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandi.crypto.suite import TAG_SIZE
from sandi.envelope.format import CHUNK_SIZE, CT_CHUNK_SIZE
from sandi.errors import MalformedEnvelope, TamperedEnvelope

Read = Callable[[int], bytes]
ReadInto = Callable[[memoryview], int]  # a stream's readinto: bytes read, 0 at the end


class Ring(Protocol):
    """Reused block buffers (:class:`sandi.envelope.pipeline.Ring`)."""

    def take(self) -> bytearray:
        """The next buffer, once nothing uses it any more."""

BATCH = 16  # chunks per block of I/O, AEAD batching and hashing (1 MiB)


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


def counted_into(stream: object, progress: Callable[[int], object] | None
                 ) -> ReadInto | None:
    """The stream's ``readinto``, reporting the count of each read to ``progress`` (as
    ``_fs.counted`` does for ``read``), or None if it has none. Reading into a buffer
    that is reused allocates nothing per read."""
    readinto = getattr(stream, "readinto", None)
    if readinto is None or progress is None:
        return readinto

    def reporting(view: memoryview) -> int:
        got: int = readinto(view)
        progress(got)
        return got

    return reporting


def fill(readinto: ReadInto, view: memoryview) -> int:
    """Fill ``view`` with ``readinto``; fewer bytes (the count returned) only at the end."""
    got = 0
    while got < len(view):
        more = readinto(view[got:])
        if not more:
            break
        got += more
    return got


def plaintext_chunks(read: Read, readinto: ReadInto | None = None
                     ) -> Iterator[tuple[memoryview, bool]]:
    """Cut a plaintext stream into (chunk, is_last), reading 1 MiB blocks, one block ahead.

    With ``readinto`` (the stream's own), the blocks after the first are read into two
    buffers used in turn, so a chunk is valid only until the next is asked for (as
    :func:`seal_payload` uses them); they are wiped when the stream is done. The first
    block is always read with ``read``: a small document costs only its own size.
    """
    block = BATCH * CHUNK_SIZE
    current = memoryview(read_full(read, block))
    spare: list[bytearray] = []
    try:
        while True:
            if len(current) < block:
                following = memoryview(b"")
            elif readinto is None:
                following = memoryview(read_full(read, block))
            else:  # the buffer not holding ``current``
                if len(spare) < 2:
                    spare.append(bytearray(block))
                target = spare[1] if current.obj is spare[0] else spare[0]
                following = memoryview(target)[:fill(readinto, memoryview(target))]
            final = not following
            if not current:
                yield current, True  # the empty document: one empty, last chunk
                return
            for offset in range(0, len(current), CHUNK_SIZE):
                yield (current[offset:offset + CHUNK_SIZE],
                       final and offset + CHUNK_SIZE >= len(current))
            if final:
                return
            current = following
    finally:
        for buffer in spare:  # they held plaintext
            buffer[:] = bytes(len(buffer))


def seal_payload(key: bytes, chunks: Iterable[tuple[bytes | memoryview, bool]],
                 ring: Ring | None = None) -> Iterator[memoryview]:
    """Encrypt (chunk, is_last) pairs; yields ciphertext in blocks of up to 16 chunks.

    Each block is encrypted into place (no per-chunk objects, no join): a fresh
    buffer, or with ``ring`` one of the pipeline's reused buffers, which is valid
    only until the jobs the pipeline was given for it are done (so a caller that
    keeps blocks, such as ``b"".join(...)``, must not pass a ring).
    """
    aead = AESGCM(key)
    view, used, count = memoryview(b""), 0, 0
    for index, (chunk, last) in enumerate(chunks):
        if len(chunk) > CHUNK_SIZE:
            raise ValueError(f"payload chunk of {len(chunk)} bytes; at most {CHUNK_SIZE}")
        if count == 0:  # a new block: a small document's only chunk gets a small one
            if ring is None or (last and index == 0):  # a small document: a small buffer
                view = memoryview(bytearray(len(chunk) + TAG_SIZE if last
                                            else BATCH * CT_CHUNK_SIZE))
            else:
                view = memoryview(ring.take())
            used = 0
        end = used + len(chunk) + TAG_SIZE
        aead.encrypt_into(chunk_nonce(index, last), chunk, None, view[used:end])
        used, count = end, count + 1
        if last:
            yield view[:used]
            return
        if count == BATCH:
            yield view
            count = 0


def open_payload(key: bytes, blocks: Iterable[tuple[bytes | memoryview, bool]],
                 ring: Ring | None = None) -> Iterator[memoryview]:
    """Decrypt (block, is_final) pairs, as :class:`ChunkReader` yields them: every
    chunk of a block is full (65,552 bytes) but the very last one of the stream.

    Yields one plaintext buffer per block, only once every chunk in it has
    authenticated; raises TamperedEnvelope on the first chunk that does not. With
    ``ring`` (which must be a secret one: it will hold plaintext) full blocks are
    decrypted into its reused buffers, valid as for :func:`seal_payload`.
    """
    aead = AESGCM(key)
    index = 0
    for block, final in blocks:
        whole = ring is not None and len(block) == BATCH * CT_CHUNK_SIZE
        out = memoryview(ring.take() if ring is not None and whole else bytearray(len(block)))
        source, done = memoryview(block), 0
        for offset in range(0, len(block), CT_CHUNK_SIZE):
            chunk = source[offset:offset + CT_CHUNK_SIZE]
            last = final and offset + CT_CHUNK_SIZE >= len(block)
            target = out[done:done + len(chunk) - TAG_SIZE]
            try:
                done += aead.decrypt_into(chunk_nonce(index, last), chunk, None, target)
            except InvalidTag:
                # decrypt_into has already written the unauthenticated plaintext here;
                # this buffer is never released, and is wiped before it is dropped (a
                # ring's buffer is wiped here too, and all of the ring again at the end).
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
    payload hash). With ``readinto`` and ``ring`` (a pipeline's, with room for the
    trailer past a block), the blocks after the first are read into the ring's
    reused buffers, each valid as for :func:`seal_payload`.
    """

    def __init__(self, read: Read, trailer_len: int,
                 on_block: Callable[[memoryview], object] | None = None,
                 readinto: ReadInto | None = None, ring: Ring | None = None) -> None:
        self._read = read
        self._trailer_len = trailer_len
        self._on_block = on_block or (lambda _: None)
        self._into = (readinto, ring) if readinto is not None and ring is not None else None
        self.trailer = b""

    def _next_block(self, size: int) -> memoryview:
        if self._into is None:
            return memoryview(read_full(self._read, size))
        readinto, ring = self._into
        target = memoryview(ring.take())
        return target[:fill(readinto, target[:size])]

    def __iter__(self) -> Iterator[tuple[memoryview, bool]]:
        tail = self._trailer_len
        block = BATCH * CT_CHUNK_SIZE
        current = memoryview(read_full(self._read, block))
        index = 0
        while len(current) == block:
            following = self._next_block(block)
            if len(following) <= tail:
                # The trailer may reach back into this block: settle the end below
                # (one join of at most two blocks, once per envelope).
                current = _joined(current, following)
                break
            # More than the trailer follows: this block holds only full, non-final chunks.
            self._on_block(current)
            yield current, False
            index += BATCH
            current = following
        if len(current) < tail + TAG_SIZE:
            raise TamperedEnvelope("envelope: payload truncated (too short for its signature)")
        payload, self.trailer = current[:len(current) - tail], bytes(current[len(current) - tail:])
        # Every chunk but the last is full; the last must hold its tag, and may be empty
        # only when it is the only chunk (the empty document).
        last_len = (len(payload) - 1) % CT_CHUNK_SIZE + 1
        if last_len < TAG_SIZE or (last_len == TAG_SIZE and (index > 0
                                                              or len(payload) > TAG_SIZE)):
            raise MalformedEnvelope("envelope: a chunk is shorter than its tag, or the"
                                    " final chunk is empty after a full one")
        self._on_block(payload)
        yield payload, True  # at most one block: the loop above left no more


def _joined(current: memoryview, following: memoryview) -> memoryview:
    """``current + following``: in place when ``current``'s buffer has room past it (a
    ring's), else as new bytes."""
    buffer = current.obj
    if isinstance(buffer, bytearray) and len(buffer) >= len(current) + len(following):
        whole = memoryview(buffer)
        whole[len(current):len(current) + len(following)] = following
        return whole[:len(current) + len(following)]
    return memoryview(bytes(current) + bytes(following))
