"""A strict text form of an envelope, for pasting into e-mail or a chat.

::

    -----BEGIN SANDI ENVELOPE-----
    base64 of the envelope, 64 columns a line, the last line 1..64
    -----END SANDI ENVELOPE-----

Strict, like age's armor: LF line endings only, every line but the last body
line exactly 64 characters, canonical base64 (standard alphabet, ``=`` padding
only at the very end, no other character, no spaces), a single LF after the
END line and nothing after it. Anything else is ``MalformedEnvelope``: one
envelope has one text form. Both directions stream in constant memory.

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

from sandi.errors import MalformedEnvelope
from sandi.stream import read_full

BEGIN = b"-----BEGIN SANDI ENVELOPE-----\n"
END = b"-----END SANDI ENVELOPE-----\n"
COLUMNS = 64
_LINE = COLUMNS + 1  # with its LF
_BYTES_PER_LINE = COLUMNS // 4 * 3  # 48
Read = Callable[[int], bytes]


class ArmorWriter:
    """Encodes written bytes as armored text into ``write``; call :meth:`close` at the end."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._pending = b""
        write(BEGIN)

    def write(self, data: bytes) -> int:
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
    """Whether bytes that start a file start an armored envelope."""
    return head.startswith(BEGIN[:16])


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

    def _line(self) -> bytes:
        while (end := self._buf.find(b"\n")) < 0:
            if len(self._buf) > _LINE:
                raise MalformedEnvelope("armor: a line is longer than 64 columns")
            more = self._read(_LINE * 256)
            if not more:
                raise MalformedEnvelope("armor: the text ends without the END line")
            self._buf += more
        line, self._buf = self._buf[:end + 1], self._buf[end + 1:]
        return line

    def _fill(self) -> None:
        full: list[bytes] = []
        for _ in range(1024):
            line = self._line()
            if line == END:
                if self._held is None:
                    raise MalformedEnvelope("armor: no envelope between BEGIN and END")
                self._out += _decode(full) + _decode([self._held], last=True)
                if self._buf or self._read(1):
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
            raise MalformedEnvelope(f"armor: a line has {width} columns, not {COLUMNS}")
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
    head = read_full(read, len(BEGIN))
    replay = io.BytesIO(head)

    def chained(size: int = -1) -> bytes:
        first = replay.read(size)
        if size < 0:
            return first + read(-1)
        return first + (read(size - len(first)) if len(first) < size else b"")

    if is_armored(head):
        return ArmorReader(chained).read
    return chained
