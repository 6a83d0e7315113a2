"""The agent process: holds one home's unlocked keys and performs their private
operations, for this user only, until a time limit, a lock, or sleep.

The keys never leave it, as with ssh-agent: it unwraps an envelope's stanza (and
returns that document's data key) and signs an envelope's or a receipt's signature
input (and nothing else: a request to the authority, a pola or a checkpoint is
never signed here). To forget the keys it ends, so that the kernel, not Python,
takes their memory back; a ``kill -9`` does the same and leaves only the socket's
name, which then refuses connections. Nothing is written to disk.

The time limit runs on ``CLOCK_BOOTTIME``, which keeps counting while the machine
sleeps; and when that clock moves ahead of ``CLOCK_MONOTONIC`` (which does not) by
more than :data:`SLEEP_SLACK`, the machine slept and the agent ends at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandi._internal import fs as _fs
from sandi.agent import protocol as wire
from sandi.agent.runtime import (
    file_signature,
    harden,
    peer_uid,
    peercred_option,
    private_dir,
    socket_path,
)
from sandi.crypto.primitives import LABEL_ENVELOPE_SIGNATURE
from sandi.crypto.suite import Suite
from sandi.envelope.receipts import LABEL_RECEIPT_SIGNATURE
from sandi.envelope.stanzas import STANZA_LABELS
from sandi.errors import AgentError, InvalidArgument, MalformedInput, SandiError
from sandi.keys.agencykey import PrivateKey
from sandi.keys.keystore import Keystore

#: The longest an official may leave keys unlocked in an agent: one working day.
MAX_TTL = 12 * 3600
#: How far CLOCK_BOOTTIME may run ahead of CLOCK_MONOTONIC before it counts as sleep.
SLEEP_SLACK = 5.0
_MAX_CLIENTS = 32
_IDLE = 300.0  # seconds a connection may wait between requests
_TICK = 0.25
# What the agent signs: the envelope's and the receipt's signature inputs, each
# recognised by the label it starts with and signed with its own ML-DSA context.
_SIGNABLE = {LABEL_ENVELOPE_SIGNATURE: LABEL_ENVELOPE_SIGNATURE + b"\x00",
             LABEL_RECEIPT_SIGNATURE: LABEL_RECEIPT_SIGNATURE + b"\x00"}

Clock = Callable[[], tuple[float, float]]


def system_clock() -> tuple[float, float]:
    """(a clock that counts sleep, one that does not), in seconds."""
    boot = getattr(time, "CLOCK_BOOTTIME", None)
    if boot is not None:
        return time.clock_gettime(boot), time.monotonic()
    # Elsewhere the wall clock stands in: a jump (sleep, or a large clock step) locks.
    return time.time(), time.monotonic()


@dataclass
class Agent:
    """The state of a running agent (its keys, limits and clocks); no sockets here."""

    home: Path
    keystore: Keystore | None
    ttl: int
    clock: Clock = system_clock
    started: float = field(init=False)
    drift: float = field(init=False)
    ended: str = ""  # why the keys are gone: "stopped", "timeout", "sleep"
    signature: list[int] = field(init=False)

    def __post_init__(self) -> None:
        if not 1 <= self.ttl <= MAX_TTL:
            raise InvalidArgument("the agent's time limit must be 1..{limit} seconds, got {ttl}",
                                  limit=MAX_TTL, ttl=self.ttl)
        boot, mono = self.clock()
        self.started, self.drift = boot, boot - mono
        self.signature = [] if self.keystore is None else file_signature(self.keystore.path)

    def tick(self) -> bool:
        """Check the clocks; forget the keys on timeout or sleep. Whether they are held."""
        if self.keystore is None:
            return False
        boot, mono = self.clock()
        if boot - mono - self.drift > SLEEP_SLACK:
            self.forget("sleep")
        elif boot - self.started >= self.ttl:
            self.forget("timeout")
        return self.keystore is not None

    def forget(self, why: str) -> None:
        """Drop the keys (the process ends soon after, which frees their memory)."""
        self.keystore, self.ended = None, why

    def left(self) -> int:
        """Seconds until the time limit."""
        return max(0, int(self.ttl - (self.clock()[0] - self.started)))

    def handle(self, frame: list[Any]) -> list[object]:
        """Answer one request frame."""
        try:
            op = wire.FIELDS.text(frame[1], "operation", 16)
            if op == "stop":
                self.forget("stopped")
                return wire.ok()
            if not self.tick() or self.keystore is None:
                raise AgentError("the agent has forgotten its keys ({why})",
                                 why=self.ended or "locked")
            if op == "status":
                return wire.ok(self.status())
            if op == "keys":
                return wire.ok(self.keys())
            if op == "unwrap":
                return wire.ok(self.unwrap(frame))
            if op == "sign":
                return wire.ok(self.sign(frame))
            raise AgentError("the agent does not know the operation {op!r}", op=op)
        except SandiError as exc:
            return wire.error(exc)

    def status(self) -> list[object]:
        """[pid, home, keystore file, its signature, agencies, member, seconds left]."""
        ks = self._keys()
        member = None if ks.member is None else ks.member.agency
        return [os.getpid(), str(self.home), str(ks.path), self.signature, ks.agencies(),
                member, self.left()]

    def keys(self) -> list[object]:
        """The public half of every held version, and of the member's key."""
        ks = self._keys()
        member = None if ks.member is None else _public(ks.member)
        held = ks.keys()
        return [[_public(k) for k in held], member]

    def unwrap(self, frame: list[Any]) -> bytes:
        """``[1, "unwrap", agency, version, suite, body, aad]``: a stanza's data key."""
        f = wire.FIELDS
        r = f.record(frame, "unwrap", 7)
        key = self._keys().get(f.slug(r[2], "agency"), f.integer(r[3], "version", 1, 2**31))
        suite = Suite(f.integer(r[4], "suite", min(Suite), max(Suite)))
        return key.unwrap(f.blob(r[5], "stanza", 1, suite.stanza_body_len),
                          suite, labels=STANZA_LABELS, aad=f.blob(r[6], "header hash", 32))

    def sign(self, frame: list[Any]) -> bytes:
        """``[1, "sign", agency, version, member, message, hybrid, context]``."""
        f = wire.FIELDS
        r = f.record(frame, "sign", 8)
        ks = self._keys()
        name, version = f.slug(r[2], "agency"), f.integer(r[3], "version", 1, 2**31)
        key: PrivateKey
        if r[4] is True:  # the member's personal key, as seal and receipts sign with
            if ks.member is None or (ks.member.agency, ks.member.version) != (name, version):
                raise AgentError("the agent holds no personal key of {member}", member=name)
            key = ks.member
        else:
            key = ks.get(name, version)
        message, context = f.blob(r[5], "message", 1, wire.MAX_FRAME), r[7]
        prefix = _SIGNABLE.get(context) if isinstance(context, bytes) else None
        if prefix is None or not message.startswith(prefix) or not isinstance(r[6], bool):
            raise AgentError("the agent signs only envelopes and receipts")
        return key.sign(message, hybrid=r[6], context=context)

    def _keys(self) -> Keystore:
        if self.keystore is None:
            raise AgentError("the agent has forgotten its keys ({why})", why=self.ended)
        return self.keystore


def _public(key: PrivateKey) -> list[object]:
    p = key.public
    return [key.agency, key.version, p.x25519, p.ed25519, p.mlkem, p.mldsa]


# --- the socket ------------------------------------------------------------------------


def listen(home: Path, *, runtime: str | None = None) -> socket.socket:
    """Bind this home's agent socket (0600, in a 0700 directory of this user's);
    AgentError if an agent already answers there. A socket left by a killed agent is
    replaced. Under a lock, so two ``sandi agent start`` cannot both bind."""
    peercred_option()  # refuse to start where peers cannot be checked
    path = socket_path(home, runtime=runtime)
    private_dir(path.parent, create=True)
    with _fs.locked(path.with_suffix(".lock")):
        if _answers(path):
            raise AgentError("an agent already serves {home}; `sandi agent stop` ends it",
                             home=home)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(path))
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        sock.listen(16)
    return sock


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(2.0)
        try:
            probe.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            return False
        except OSError:
            return True  # something is there that we cannot judge: do not take it over
        return True


def serve(agent: Agent, sock: socket.socket) -> None:
    """Serve until the keys are forgotten (stop, timeout, sleep); then remove the socket."""
    path = Path(sock.getsockname())
    bound = path.stat().st_ino
    me = os.getuid()
    sock.settimeout(_TICK)
    clients = threading.BoundedSemaphore(_MAX_CLIENTS)
    try:
        while agent.tick():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            if peer_uid(conn) != me or not clients.acquire(blocking=False):
                conn.close()  # another user (or too many at once): not a word
                continue
            threading.Thread(target=_session, args=(agent, conn, clients), daemon=True).start()
    finally:
        with contextlib.suppress(OSError):
            if path.stat().st_ino == bound:  # still ours, not a newer agent's
                path.unlink()
        sock.close()


def _session(agent: Agent, conn: socket.socket, clients: threading.BoundedSemaphore) -> None:
    conn.settimeout(_IDLE)
    try:
        with conn:
            while (frame := wire.receive(conn)) is not None:
                wire.send(conn, agent.handle(frame))
                if agent.keystore is None:
                    break
    except (OSError, AgentError, MalformedInput):
        pass  # the client went away or spoke nonsense: drop it, keep serving others
    finally:
        clients.release()


def start(keystore: Keystore, home: Path, ttl: int, *, runtime: str | None = None) -> int:
    """Start an agent process for ``keystore`` (already unlocked in this process) and
    return its pid once it listens. The caller should drop its own reference to the
    keys afterwards. POSIX only (fork)."""
    agent = Agent(home, keystore, ttl)
    sock = listen(home, runtime=runtime)
    ready_r, ready_w = os.pipe()
    first = os.fork()
    if first == 0:  # pragma: no cover - runs in the child, which never returns
        _detach(agent, sock, ready_w, ready_r)
    sock.close()
    os.close(ready_w)
    os.waitpid(first, 0)
    with os.fdopen(ready_r, "rb") as ready:
        answer = ready.read(64)
    if not answer.isdigit():
        raise AgentError("the agent did not start")
    return int(answer)


def _detach(agent: Agent, sock: socket.socket, ready_w: int, ready_r: int) -> None:
    """In the first child: a new session, a second fork (no controlling terminal ever),
    then serve in the grandchild with nothing of the caller's left open."""
    code = 0
    try:
        os.close(ready_r)
        os.setsid()
        harden()  # before the second fork: the agent is never dumpable
        if os.fork() != 0:
            os._exit(0)
        # A plain `kill` (SIGTERM) forgets as `sandi agent stop` does, socket removed.
        signal.signal(signal.SIGTERM, lambda _sig, _frame: agent.forget("stopped"))
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        keep = {0, 1, 2, ready_w, sock.fileno()}
        for fd in _open_fds():  # the caller's pipes must not wait on us
            if fd not in keep:
                with contextlib.suppress(OSError):
                    os.close(fd)
        os.chdir("/")
        os.write(ready_w, str(os.getpid()).encode())
        os.close(ready_w)
        serve(agent, sock)
    except BaseException:
        code = 1
    os._exit(code)


def _open_fds() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: every descriptor that may be open
        return list(range(3, min(os.sysconf("SC_OPEN_MAX"), 65536)))
