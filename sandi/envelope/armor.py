"""A strict text form of an envelope, for pasting into e-mail or a chat.

::

    -----BEGIN SANDI ENVELOPE-----
    base64 of the envelope, 64 columns a line, the last line 1..64
    -----END SANDI ENVELOPE-----

Written in exactly one form: LF line endings, every body line but the last
exactly 64 characters, canonical base64 (standard alphabet, ``=`` padding only
at the very end), one LF after the END line. Read strictly, like age's armor,
except for what mail clients and chat apps do to text in transit: whitespace
before the BEGIN line and after the END line is ignored, and any line may end in
CRLF instead of LF (including none at all after the END line). Anything else --
a short or long line, a space inside a line, a blank line, non-canonical base64,
other text around the block -- is ``MalformedEnvelope``. Both directions stream
in constant memory.

>>> text = armor(b"SANDI\\x01 any bytes")
>>> text.splitlines()[0]
'-----BEGIN SANDI ENVELOPE-----'
>>> dearmor(text.encode())
b'SANDI\\x01 any bytes'
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Callable

from sandi.envelope.stream import ReadInto, read_full
from sandi.errors import MalformedEnvelope

BEGIN = b"-----BEGIN SANDI ENVELOPE-----\n"
END = b"-----END SANDI ENVELOPE-----\n"
COLUMNS = 64
_LINE = COLUMNS + 2  # with its CRLF
_SPACE = b" \t\r\n"
_MAX_SPACE = 64 * 1024  # whitespace tolerated before BEGIN or after END
_BYTES_PER_LINE = COLUMNS // 4 * 3  # 48
Read = Callable[[int], bytes]


class ArmorWriter:
    """Encodes written bytes as armored text into ``write``; call :meth:`close` at the end."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._pending = b""
        write(BEGIN)

    def write(self, data: bytes | memoryview) -> int:
        """Add envelope bytes."""
        buf = self._pending + bytes(data)
        whole = len(buf) // _BYTES_PER_LINE * _BYTES_PER_LINE
        if whole:
            text = base64.b64encode(buf[:whole])
            self._write(b"".join(text[i:i + COLUMNS] + b"\n"
                                 for i in range(0, len(text), COLUMNS)))
        self._pending = buf[whole:]
        return len(data)

    def close(self) -> None:
        """Write the last line and the END line."""
        if self._pending:
            self._write(base64.b64encode(self._pending) + b"\n")
        self._write(END)


def armor(envelope: bytes) -> str:
    """The armored text of an envelope."""
    parts: list[bytes] = []
    writer = ArmorWriter(parts.append)
    writer.write(envelope)
    writer.close()
    return b"".join(parts).decode("ascii")


def is_armored(head: bytes) -> bool:
    """Whether bytes that start a file start an armored envelope (a binary one
    starts with ``SANDI``, never with whitespace)."""
    return head.startswith(BEGIN[:16]) or head[:1] in (b" ", b"\t", b"\r", b"\n")


class ArmorReader:
    """A ``read(n)`` over the binary envelope inside armored text, checked strictly.

    Body lines are decoded 1,024 at a time; one line is held back until the next
    shows whether it was the last (the only one allowed to be short).
    """

    def __init__(self, read: Read) -> None:
        self._read = read
        self._buf = b""
        self._out = b""
        self._held: bytes | None = None
        self._done = False
        self._skip_space()
        if self._line() != BEGIN:
            raise MalformedEnvelope("armor: the first line must be exactly"
                                    " '-----BEGIN SANDI ENVELOPE-----'")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` decoded bytes (all remaining if negative)."""
        while not self._done and (size < 0 or len(self._out) < size):
            self._fill()
        if size < 0:
            data, self._out = self._out, b""
        else:
            data, self._out = self._out[:size], self._out[size:]
        return data

    def _skip_space(self) -> bool:
        """Drop whitespace at the front; whether anything else follows it."""
        skipped = 0
        while True:
            rest = self._buf.lstrip(_SPACE)
            skipped += len(self._buf) - len(rest)
            self._buf = rest
            if skipped > _MAX_SPACE:
                raise MalformedEnvelope("armor: too much blank space around the envelope")
            if self._buf:
                return True
            self._buf = self._read(_LINE * 256)
            if not self._buf:
                return False

    def _line(self) -> bytes:
        """The next line, its ending made LF; a last line without one gets one."""
        while (end := self._buf.find(b"\n")) < 0:
            if len(self._buf) > _LINE:
                raise MalformedEnvelope("armor: a line is longer than 64 columns")
            more = self._read(_LINE * 256)
            if not more:
                if not self._buf:
                    raise MalformedEnvelope("armor: the text ends without the END line")
                self._buf += b"\n"
                continue
            self._buf += more
        line, self._buf = self._buf[:end + 1], self._buf[end + 1:]
        if line.endswith(b"\r\n"):
            line = line[:-2] + b"\n"
        return line

    def _fill(self) -> None:
        full: list[bytes] = []
        for _ in range(1024):
            line = self._line()
            if line == END:
                if self._held is None:
                    raise MalformedEnvelope("armor: no envelope between BEGIN and END")
                self._out += _decode(full) + _decode([self._held], last=True)
                if self._skip_space():
                    raise MalformedEnvelope("armor: text after the END line")
                self._done = True
                return
            if self._held is not None:
                full.append(self._held)
            self._held = line
        self._out += _decode(full)


def _decode(lines: list[bytes], *, last: bool = False) -> bytes:
    for line in lines:
        width = len(line) - 1
        if not (width == COLUMNS or (last and 0 < width <= COLUMNS)):
            raise MalformedEnvelope("armor: a line has {width} columns, not {columns}", width=width,
                                    columns=COLUMNS)
    text = b"".join(line[:-1] for line in lines)
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise MalformedEnvelope("armor: not canonical base64") from None
    if base64.b64encode(data) != text or (not last and b"=" in text):
        raise MalformedEnvelope("armor: not canonical base64")
    return data


def dearmor(text: bytes) -> bytes:
    """The envelope inside armored text."""
    return ArmorReader(io.BytesIO(text).read).read()


def auto(read: Read) -> Read:
    """A reader of the binary envelope, whether the stream is binary or armored."""
    return auto_into(read, None)[0]


def auto_into(read: Read, readinto: ReadInto | None) -> tuple[Read, ReadInto | None]:
    """:func:`auto`, with a ``readinto`` over the same binary envelope (the stream's own
    after the first line's bytes), or None if the stream is armored or has none."""
    head = read_full(read, len(BEGIN))
    replay = io.BytesIO(head)

    def chained(size: int = -1) -> bytes:
        first = replay.read(size)
        if size < 0:
            return first + read(-1)
        return first + (read(size - len(first)) if len(first) < size else b"")

    if is_armored(head):
        return ArmorReader(chained).read, None
    if readinto is None:
        return chained, None
    inner = readinto

    def chained_into(view: memoryview) -> int:
        return replay.readinto(view) or inner(view)  # short reads are allowed

    return chained, chained_into
