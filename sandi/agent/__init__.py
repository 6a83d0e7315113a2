"""``sandi agent``: one home's keys, unlocked once, used by every command for a time.

Like ssh-agent, the agent holds the private keys and performs their private
operations itself (unwrap an envelope's stanza, sign an envelope or a receipt),
for processes of the same user only (checked on every connection with
``SO_PEERCRED``), until its time limit (at most :data:`MAX_TTL`), ``sandi agent
stop`` or ``lock``, or the machine sleeps; then it ends. Commands that find no agent
unlock as without one. The protocol is in docs/agent.md, what it changes in
docs/threat-model.md.

>>> import tempfile
>>> connect(tempfile.mkdtemp(), runtime=tempfile.mkdtemp()) is None   # none runs there
True
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.agent.client import AgentKey, AgentKeystore, connect, stop, stop_all
    from sandi.agent.runtime import socket_path
    from sandi.agent.server import MAX_TTL, start

__getattr__, __dir__ = surface(__name__, {
    "AgentKey": "sandi.agent.client", "AgentKeystore": "sandi.agent.client",
    "connect": "sandi.agent.client", "stop": "sandi.agent.client",
    "stop_all": "sandi.agent.client", "socket_path": "sandi.agent.runtime",
    "MAX_TTL": "sandi.agent.server", "start": "sandi.agent.server",
})

__all__ = ["MAX_TTL", "AgentKey", "AgentKeystore", "connect", "socket_path", "start", "stop",
           "stop_all"]
