"""The agent protocol: length-prefixed canonical msgpack over a Unix socket.

Specified byte by byte in docs/agent.md. A frame is a 4-byte big-endian length N
(1..:data:`MAX_FRAME`) followed by N bytes of canonical msgpack (:mod:`sandi._internal.codec`):
a request ``[1, op, args...]`` or an answer ``[1, "ok", value]`` /
``[1, "error", class name, English template, {name: text}]``. Every length is
checked before anything is read or allocated; anything else is an :class:`AgentError`.

>>> import socket
>>> a, b = socket.socketpair()
>>> send(a, request("status"))
>>> receive(b)
[1, 'status']
"""

from __future__ import annotations

import socket
import struct
from typing import Any

from sandi._internal.codec import Fields, pack, unpack
from sandi.errors import AgentError, MalformedInput, SandiError

#: The protocol version, first in every frame: an agent refuses any other.
VERSION = 1
#: The largest frame: the biggest request is a signature input, which carries an
#: envelope's signed header (at most 256 KiB) and bound block (8 KiB, docs/format.md).
MAX_FRAME = 1024 * 1024
_LENGTH = struct.Struct(">I")
OPS = ("status", "unlock", "lock", "stop", "keys", "unwrap", "sign")


FIELDS = Fields(MalformedInput, "agent message")


def request(op: str, *args: object) -> list[object]:
    """A request frame's value."""
    return [VERSION, op, *args]


def ok(value: object = None) -> list[object]:
    """An answer carrying ``value``."""
    return [VERSION, "ok", value]


def error(exc: SandiError) -> list[object]:
    """An answer carrying a sandi error: its class, English template and parameters as
    text (the client raises the same class, so hints and translations survive)."""
    params = {name: str(value) for name, value in exc.params.items()}
    return [VERSION, "error", type(exc).__name__, exc.template, params]


def send(sock: socket.socket, value: object) -> None:
    """Write one frame."""
    data = pack(value)
    if not 0 < len(data) <= MAX_FRAME:
        raise AgentError("agent message of {size} bytes is over the limit", size=len(data))
    sock.sendall(_LENGTH.pack(len(data)) + data)


def receive(sock: socket.socket) -> Any:
    """Read one frame and check its version; None if the peer closed before a frame."""
    head = _read(sock, _LENGTH.size, first=True)
    if head is None:
        return None
    (size,) = _LENGTH.unpack(head)
    if not 0 < size <= MAX_FRAME:
        raise AgentError("agent message of {size} bytes is over the limit", size=size)
    body = _read(sock, size, first=False)
    try:
        value = unpack(body or b"", MalformedInput, "agent message", MAX_FRAME)
        frame = FIELDS.array(value, "frame", 2, 8)
        FIELDS.integer(frame[0], "protocol version", VERSION, VERSION)
    except MalformedInput as exc:
        raise AgentError("the agent's socket spoke something else: {detail}",
                         detail=str(exc)) from None
    return frame


def _read(sock: socket.socket, size: int, *, first: bool) -> bytes | None:
    parts, got = [], 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            if first and got == 0:
                return None
            raise AgentError("the agent closed the connection in the middle of a message")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
