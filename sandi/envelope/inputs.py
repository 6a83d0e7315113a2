"""One input convention for everything that reads an envelope or a document.

An envelope (for :func:`sandi.open`, :func:`sandi.verify`, :func:`sandi.open_file`,
:func:`sandi.envelope.peek`, receipts and refusals) may be given as

- ``bytes`` (or ``bytearray``, ``memoryview``): the envelope, binary or armored;
- ``str``: armored text, ``-----BEGIN SANDI ENVELOPE-----`` ... (blank space
  before it is allowed, as mail clients leave it);
- a :class:`pathlib.Path` (any ``os.PathLike``): the file it names;
- any object with ``read(n)`` returning ``bytes`` (:class:`Readable`): a binary
  stream, read once, front to back.

A ``str`` is never taken as a file name. Text an application received (a form
field, a JSON value) and passed on as an envelope would otherwise make the
server read whatever local file the sender named; so a ``str`` that is not
armored text is ``MalformedEnvelope``, and a file is named by a ``Path``. The
plaintext source of :func:`sandi.seal_file` follows the same rule: a ``Path`` or
a :class:`Readable` (for bytes in memory, use :func:`sandi.seal`). A wrong type
is a ``TypeError`` naming what is accepted.

>>> import io
>>> from sandi.envelope.inputs import Readable
>>> isinstance(io.BytesIO(b"x"), Readable)
True
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeAlias, runtime_checkable

from sandi._internal import fs as _fs
from sandi.envelope import armor
from sandi.envelope.stream import ReadInto, counted_into
from sandi.errors import MalformedEnvelope

__all__ = ["EnvelopeSource", "PlainSource", "Readable", "envelope_input", "envelope_reader",
           "plain_input", "plain_reader"]


@runtime_checkable
class Readable(Protocol):
    """Anything with ``read(n) -> bytes``: a file opened ``"rb"``, ``io.BytesIO``, a
    web framework's request body. ``read`` may return fewer bytes than asked; ``b""``
    means the end."""

    def read(self, n: int, /) -> bytes:
        """Up to ``n`` bytes; ``b""`` at the end."""
        ...


#: What an envelope may be given as (see the module docstring).
EnvelopeSource: TypeAlias = bytes | bytearray | memoryview | str | os.PathLike[str] | Readable
#: What a document to seal from may be given as: a file or a binary stream.
PlainSource: TypeAlias = os.PathLike[str] | Readable

Read = Callable[[int], bytes]

_ENVELOPE_TYPES = ("bytes, armored text (str), a pathlib.Path or a binary stream with "
                   "read(n)")


@contextlib.contextmanager
def envelope_reader(src: EnvelopeSource, progress: Callable[[int], object] | None = None
                    ) -> Iterator[Read]:
    """A ``read`` of the binary envelope in ``src`` (armored text is decoded as it is
    read); ``progress`` gets the number of bytes of each read of ``src``."""
    with envelope_input(src, progress) as (read, _readinto):
        yield read


@contextlib.contextmanager
def envelope_input(src: EnvelopeSource, progress: Callable[[int], object] | None = None
                   ) -> Iterator[tuple[Read, ReadInto | None]]:
    """:func:`envelope_reader`, with a ``readinto`` over the same binary envelope (the
    stream's own, for the payload's reused buffers), or None if it is armored or the
    stream has none."""
    if isinstance(src, str):
        src = _armored_text(src)
    if isinstance(src, (bytes, bytearray, memoryview)):
        if progress is None and not armor.is_armored(bytes(src[:len(armor.BEGIN)])):
            # Binary bytes in memory: read them as they are, with no first line to
            # replay and no type check per read (1 KiB open, issue 18 §3).
            yield io.BytesIO(src).read, None
            return
        src = io.BytesIO(src)
    elif not isinstance(src, (os.PathLike, Readable)):
        raise TypeError(f"an envelope is {_ENVELOPE_TYPES}, not {type(src).__name__}")
    with _opened(src, "envelope", progress) as (read, readinto):
        yield armor.auto_into(read, readinto)


@contextlib.contextmanager
def plain_reader(src: PlainSource, progress: Callable[[int], object] | None = None
                 ) -> Iterator[Read]:
    """A ``read`` of the document in ``src`` (a file or a binary stream)."""
    with plain_input(src, progress) as (read, _readinto):
        yield read


@contextlib.contextmanager
def plain_input(src: PlainSource, progress: Callable[[int], object] | None = None
                ) -> Iterator[tuple[Read, ReadInto | None]]:
    """:func:`plain_reader`, with the stream's ``readinto`` if it has one."""
    if isinstance(src, str):
        raise TypeError("seal_file does not take a str: pass pathlib.Path(name) for a file "
                        "(a str is never taken as a file name), or use sandi.seal for bytes")
    if not isinstance(src, (os.PathLike, Readable)):
        raise TypeError("seal_file reads a pathlib.Path or a binary stream with read(n), "
                        f"not {type(src).__name__}; use sandi.seal for bytes")
    with _opened(src, "document", progress) as pair:
        yield pair


def _armored_text(text: str) -> bytes:
    data = text.encode("utf-8", "replace")
    if not data.lstrip(b" \t\r\n").startswith(armor.BEGIN.rstrip(b"\n")):
        # The text itself is not shown: it may be anything a sender chose.
        raise MalformedEnvelope("text given as an envelope is not armored (it does not begin "
                                "with -----BEGIN SANDI ENVELOPE-----); a str is never taken "
                                "as a file name: pass pathlib.Path to read a file")
    return data


@contextlib.contextmanager
def _opened(src: os.PathLike[str] | Readable, what: str,
            progress: Callable[[int], object] | None
            ) -> Iterator[tuple[Read, ReadInto | None]]:
    if isinstance(src, os.PathLike):
        with _fs.reader(Path(src)) as stream:
            yield _fs.counted(stream.read, progress), counted_into(stream, progress)
        return
    read = src.read

    def binary(size: int) -> bytes:
        data: object = read(size)  # typed bytes, but a text stream returns str
        if not isinstance(data, bytes | bytearray):
            raise TypeError(f"the {what} stream gave {type(data).__name__}, not bytes: open "
                            "the file in binary mode (\"rb\")")
        return bytes(data) if isinstance(data, bytearray) else data

    # A caller's stream is read with ``read`` only: its ``readinto`` may be io.RawIOBase's
    # unimplemented one (a class that defines only ``read``). Files opened here use theirs.
    yield _fs.counted(binary, progress), None
