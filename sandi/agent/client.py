"""Keys held by a running agent, as seal, open and rewrap use them.

:func:`connect` returns an :class:`AgentKeystore` when an agent serves the home
(None when none runs, so the caller unlocks as without one). Its keys are
:class:`AgentKey` handles: each ``unwrap`` and ``sign`` is one request to the agent,
which holds the private key and never sends it.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sandi.errors
from sandi._internal.i18n import Phrase
from sandi._internal.time import epoch
from sandi.agent import protocol as wire
from sandi.agent.runtime import (
    available,
    file_signature,
    peer_uid,
    private_dir,
    socket_dir,
    socket_path,
)
from sandi.crypto.primitives import LABEL_MLDSA_CONTEXT
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import Suite
from sandi.crypto.wrap import WrapLabels
from sandi.envelope.stanzas import STANZA_LABELS
from sandi.errors import AgentError, InvalidArgument, SandiError
from sandi.keys.agencykey import Identity, PrivateKey, held_identity, no_version

if TYPE_CHECKING:
    from sandi.pola.policy import Pola

_TIMEOUT = 30.0


class Connection:
    """One connection to an agent, shared by the keys it handed out. Safe across
    threads (one request at a time) and across fork (a child reconnects)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._pid = 0

    def open(self) -> bool:
        """Connect; False if no agent listens there. AgentError if the one listening is
        not this user's (a socket planted by someone else is never used)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(_TIMEOUT)
        try:
            sock.connect(str(self.path))
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            return False  # none runs, or a killed one left its socket's name
        except OSError as exc:
            sock.close()
            raise AgentError("cannot reach the agent at {path}: {reason}", path=self.path,
                             reason=exc.strerror or exc) from None
        if peer_uid(sock) != os.getuid():
            sock.close()
            raise AgentError("the socket {path} is served by another user; sandi will not "
                             "use it", path=self.path)
        self._sock, self._pid = sock, os.getpid()
        return True

    def call(self, op: str, *args: object) -> Any:
        """One request and its answer; an error answer is raised as its sandi class."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child: its own connection
                self._sock = None
                if not self.open():
                    raise AgentError("the agent has ended; unlock again")
            assert self._sock is not None
            try:
                wire.send(self._sock, wire.request(op, *args))
                answer = wire.receive(self._sock)
            except OSError as exc:
                raise AgentError("the agent stopped answering: {reason}",
                                 reason=exc.strerror or exc) from None
        if answer is None:
            raise AgentError("the agent has ended (time limit, lock or sleep); unlock again")
        return _result(answer)

    def close(self) -> None:
        """Close the connection (the agent keeps running)."""
        with self._lock:
            if self._sock is not None and self._pid == os.getpid():
                self._sock.close()
            self._sock = None


def _result(frame: list[Any]) -> Any:
    f = wire.FIELDS
    kind = f.text(frame[1], "answer", 8)
    if kind == "ok" and len(frame) == 3:
        return frame[2]
    if kind == "error" and len(frame) == 5:
        name, params = f.text(frame[2], "error class", 64), frame[4]
        if not isinstance(params, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
            f.fail("error parameters must be a map of text")
        # Only a sandi error class is raised as itself; any other name is the agent's fault.
        cls = getattr(sandi.errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, SandiError)):
            cls = AgentError
        raise cls(f.text(frame[3], "error", 4096), **params)
    raise AgentError("the agent's answer is not the agent protocol")


@dataclass(frozen=True, repr=False)
class AgentKey:
    """A private key version held by the agent (see :class:`sandi.keys.PrivateKey`)."""

    agency: str
    version: int
    public: PublicKeys
    member: bool  # the personal key of the member who unlocked a vault
    conn: Connection = field(compare=False)

    def __repr__(self) -> str:
        return f"AgentKey({self.agency!r}, v{self.version}, in agent)"

    def sign(self, message: bytes, *, hybrid: bool, context: bytes = LABEL_MLDSA_CONTEXT
             ) -> bytes:
        """Ask the agent to sign (it signs only envelope and receipt signature inputs)."""
        sig = self.conn.call("sign", self.agency, self.version, self.member, message,
                              hybrid, context)
        if not isinstance(sig, bytes):
            raise AgentError("the agent's answer is not the agent protocol")
        return sig

    def unwrap(self, body: bytes, suite: Suite, *, labels: WrapLabels, aad: bytes) -> bytes:
        """Ask the agent to unwrap an envelope stanza (the only wrap it opens)."""
        if labels != STANZA_LABELS:
            raise InvalidArgument("the agent unwraps envelope stanzas only")
        key = self.conn.call("unwrap", self.agency, self.version, int(suite), body, aad)
        if not isinstance(key, bytes) or len(key) != 32:
            raise AgentError("the agent's answer is not the agent protocol")
        return key


class AgentKeystore:
    """The keys an agent holds for a home, for :func:`sandi.seal`, :func:`sandi.open`
    and :func:`sandi.envelope.rewrap` (a :class:`sandi.keys.Keyring`). Get one from
    :func:`connect`."""

    def __init__(self, conn: Connection, status: list[Any], keys: list[Any]) -> None:
        f = wire.FIELDS
        self._conn = conn
        self.pid = f.integer(status[0], "pid", 1, 2**31)
        self.path = Path(f.text(status[2], "keystore", 4096))
        self.signature = status[3]
        self.seconds_left = f.integer(status[6], "seconds left", 0, 2**31)
        held, member = f.record(keys, "keys", 2)
        self._index = _index([_key(conn, r, False) for r in f.array(held, "keys", 0, 100_000)])
        self.member: PrivateKey | None = None if member is None else _key(conn, member, True)
        #: What the caller should tell the person (a member not yet in the pola).
        self.warnings: tuple[Phrase, ...] = ()

    def __repr__(self) -> str:
        return f"AgentKeystore(pid={self.pid}, {sum(map(len, self._index.values()))} keys)"

    def agencies(self) -> list[str]:
        """The agencies whose keys the agent holds."""
        return list(self._index)

    def holds(self, agency: str) -> bool:
        """Whether the agent holds any key of ``agency``."""
        return agency in self._index

    def keys(self, agency: str | None = None) -> list[PrivateKey]:
        """Every version held (of ``agency`` if given), oldest first."""
        if agency is not None:
            return list(self._index.get(agency, ()))
        return [key for keys in self._index.values() for key in keys]

    def get(self, agency: str, version: int) -> PrivateKey:
        """One key version (KeyNotFound naming what is held)."""
        keys = held_identity(agency, self._index, None).keys
        for key in keys:
            if key.version == version:
                return key
        raise no_version(agency, version, keys)

    def identity(self, agency: str) -> Identity:
        """All versions of ``agency``, acting as the member who unlocked, if any."""
        return held_identity(agency, self._index, self.member)

    def check_member(self, pola: Pola, *, now: datetime | None = None) -> None:
        """Refuse (KeyNotValid) a member the pola lists as suspended or removed, or with
        another personal key, as :meth:`sandi.Keystore.open` does with a pola; a member it
        does not list yet is let in with a warning (:attr:`warnings`). Nothing to check
        when the agent holds no member's key."""
        if self.member is not None:
            from sandi.keys.members import check_member  # only a member's agent needs it

            agency = self.agencies()[0] if self.agencies() else ""
            self.warnings = check_member(agency, self.member, pola, epoch(now))

    def close(self) -> None:
        """Close the connection (the agent keeps its keys)."""
        self._conn.close()


def _key(conn: Connection, record: object, member: bool) -> AgentKey:
    f = wire.FIELDS
    r = f.record(record, "key", 6)
    public = PublicKeys(f.blob(r[2], "x25519", 32), f.blob(r[3], "ed25519", 32),
                        None if r[4] is None else f.blob(r[4], "ml-kem", 1184),
                        None if r[5] is None else f.blob(r[5], "ml-dsa", 1952))
    return AgentKey(f.slug(r[0], "agency"), f.integer(r[1], "version", 1, 2**31), public,
                    member, conn)


def _index(keys: list[AgentKey]) -> Mapping[str, tuple[PrivateKey, ...]]:
    index: dict[str, list[PrivateKey]] = {}
    for key in sorted(keys, key=lambda k: (k.agency, k.version)):
        index.setdefault(key.agency, []).append(key)
    return {agency: tuple(held) for agency, held in index.items()}


def connect(home: str | os.PathLike[str], *, pola: Pola | None = None, now: datetime | None = None,
            runtime: str | None = None) -> AgentKeystore | None:
    """The keys the agent serving ``home`` holds, or None if no agent runs for it.

    AgentError if its directory or socket is not private to this user, if the agent
    holds an older copy of the keystore than the file now in ``home`` (a rotation
    since it started), or if it does not speak the protocol. With ``pola``, a member
    the pola lists as suspended or removed is refused (KeyNotValid), as
    :meth:`sandi.Keystore.open` does.
    """
    if not available():  # no agent can run here (Windows, macOS)
        return None
    path = socket_path(home, runtime=runtime)
    if not private_dir(path.parent, create=False):
        return None
    conn = Connection(path)
    if not conn.open():
        return None
    try:
        status = wire.FIELDS.record(conn.call("status"), "status", 7)
        store = AgentKeystore(conn, status, conn.call("keys"))
        try:
            current = file_signature(store.path)
        except OSError:
            current = []
        if current != store.signature:
            raise AgentError("the keystore of {home} changed since the agent unlocked it; "
                             "run `sandi agent stop`, then `sandi agent start`", home=home)
        if pola is not None:
            store.check_member(pola, now=now)
    except BaseException:
        conn.close()
        raise
    return store


def stop(home: str | os.PathLike[str], *, runtime: str | None = None) -> int | None:
    """Make the agent serving ``home`` forget its keys and end; its pid, or None if
    none was running."""
    if not available():  # no agent can run here (Windows, macOS)
        return None
    path = socket_path(home, runtime=runtime)
    if not private_dir(path.parent, create=False):
        return None
    conn = Connection(path)
    if not conn.open():
        return None
    try:
        try:
            pid = wire.FIELDS.integer(conn.call("status")[0], "pid", 1, 2**31)
        except AgentError:
            pid = 0  # it has forgotten its keys already and is ending
        conn.call("stop")
    finally:
        conn.close()
    return pid or None


def stop_all(*, runtime: str | None = None) -> list[str]:
    """Stop every agent of this user (every home), as ``sandi agent lock`` does; the
    names of the sockets they served."""
    folder = socket_dir(runtime)
    if not available() or not private_dir(folder, create=False):
        return []
    stopped = []
    for sock in sorted(folder.glob("agent-*.sock")):
        conn = Connection(sock)
        if not conn.open():
            continue
        try:
            conn.call("stop")
            stopped.append(sock.name)
        finally:
            conn.close()
    return stopped
