"""Where the agent listens, who may talk to it, and what it does to its own process.

The socket of a home's agent is ``$XDG_RUNTIME_DIR/sandi/agent-<id>.sock`` (else
``~/.sandi-agent/agent-<id>.sock``), ``<id>`` the first 16 hex digits of the SHA-256
of the home's resolved path, as gpg-agent names its sockets. The directory must be
this user's and 0700, the socket 0600: nobody else can reach it through the file
system. The agent also asks the kernel who is at the other end of every connection
(``SO_PEERCRED``) and serves only its own user id, so a socket made reachable by
mistake still serves nobody else; and the client asks the same of the agent, so a
socket planted by someone else is never given a stanza or a passphrase.

>>> socket_path("/srv/sandi", runtime="/run/user/1000").name.startswith("agent-")
True
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import stat
import struct
import sys
from pathlib import Path

from sandi._internal import system
from sandi.errors import AgentError

ENV_RUNTIME = "XDG_RUNTIME_DIR"
_FALLBACK = ".sandi-agent"
_SUN_PATH_MAX = 107  # sockaddr_un.sun_path holds 108 bytes with the final NUL
_PR_SET_DUMPABLE = 4


def socket_dir(runtime: str | None = None) -> Path:
    """The directory of this user's agent sockets (not created here)."""
    base = runtime if runtime is not None else os.environ.get(ENV_RUNTIME)
    if base:
        return Path(base) / "sandi"
    return Path.home() / _FALLBACK


def socket_path(home: str | os.PathLike[str], *, runtime: str | None = None) -> Path:
    """The socket of the agent serving ``home``."""
    key = hashlib.sha256(os.fsencode(Path(home).resolve())).hexdigest()[:16]
    path = socket_dir(runtime) / f"agent-{key}.sock"
    if len(os.fsencode(path)) > _SUN_PATH_MAX:
        raise AgentError("the agent's socket path {path} is too long for a Unix socket; set "
                         "XDG_RUNTIME_DIR to a shorter directory", path=path)
    return path


def private_dir(path: Path, *, create: bool) -> bool:
    """Check (or, with ``create``, make) ``path`` a directory of this user's, mode 0700.
    False if it does not exist (and ``create`` is off); AgentError if it is not private:
    a socket there could be someone else's, or reachable by them."""
    if create:
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700, parents=True)
    try:
        st = path.lstat()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise AgentError("cannot use the agent's directory {path}: {reason}", path=path,
                         reason=exc.strerror or exc) from None
    if not stat.S_ISDIR(st.st_mode) or not system.owned_by_me(st) \
            or system.others_may(st, 0o077):
        raise AgentError("the agent's directory {path} is not a directory private to this "
                         "user (it must be yours and mode 0700); sandi will not use it",
                         path=path)
    return True


def peercred_option() -> int:
    """``SO_PEERCRED``, or AgentError where the system has none (the agent never runs
    where it cannot tell who is asking)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        raise AgentError("this system cannot tell who is at the other end of a socket "
                         "(no SO_PEERCRED), so the agent cannot run here; unlock per command")
    return int(option)


def available() -> bool:
    """Whether an agent can run on this system: Unix sockets whose peer the kernel
    names (``SO_PEERCRED``: Linux). Elsewhere (Windows, macOS) every command unlocks
    the keys itself."""
    return hasattr(socket, "AF_UNIX") and getattr(socket, "SO_PEERCRED", None) is not None


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end of a connected Unix socket, from the
    kernel (``SO_PEERCRED``): it cannot be forged by the peer."""
    raw = sock.getsockopt(socket.SOL_SOCKET, peercred_option(), struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


def file_signature(path: Path) -> list[int]:
    """What tells a changed keystore file (an atomic replace makes a new inode)."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def harden() -> None:
    """Keep the agent's memory to itself, as ssh-agent does: no core dumps, and (Linux)
    not dumpable, so processes of the same user cannot ptrace it or read
    ``/proc/PID/mem``; only root can. Best effort where the calls do not exist."""
    import resource  # Unix only: the agent runs only where peers can be checked

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
