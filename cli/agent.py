"""``sandi agent start|status|stop|lock``: unlock the keys once, for a while.

``start`` asks the passphrase once and leaves the home's keys with an agent process
for ``--timeout`` (at most :data:`sandi.agent.MAX_TTL`); ``seal``, ``open`` and
``rewrap`` then use it and ask nothing. ``stop`` ends this home's agent, ``lock``
every agent of this user (leaving the desk); an agent also ends by itself at its
time limit or when the machine sleeps. Each start and stop is in the audit log.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import sandi
import sandi.agent

from .context import LocalizedGroup, Session, json_option, option, pass_session, when
from .params import open_keystore, passphrase_option

if TYPE_CHECKING:
    _Seconds = click.ParamType[int]
else:
    _Seconds = click.ParamType

DEFAULT_TIMEOUT = "8h"
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


class Duration(_Seconds):
    """``8h``, ``90m``, ``1h30m``, ``45s``: a time limit in seconds, 1 s .. MAX_TTL."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        """Seconds, or a usage error with an example."""
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        match = _DURATION.fullmatch(text)
        seconds = 0
        if text and match is not None:
            h, m, s = (int(g) if g else 0 for g in match.groups())
            seconds = h * 3600 + m * 60 + s
        if not 0 < seconds <= sandi.agent.MAX_TTL:
            session = ctx.find_object(Session) if ctx is not None else None
            lang = session.lang if session is not None else "en"
            from .messages import t
            self.fail(t("param.duration", lang, value=value,
                        most=sandi.agent.MAX_TTL // 3600), param, ctx)
        return seconds

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """``DURATION``."""
        return "DURATION"


@click.group("agent", cls=LocalizedGroup, help="agent.help")
def agent() -> None:
    pass


@agent.command("start", help="agent.start.help")
@option("--timeout", "ttl", type=Duration(), default=DEFAULT_TIMEOUT, show_default=True,
        help="opt.agent_timeout")
@passphrase_option
@json_option
@pass_session
def start(session: Session, ttl: int, passphrase_file: Path | None) -> None:
    home = session.home.path
    running = _connect(session)
    if running is not None:  # before asking the passphrase
        raise sandi.errors.AgentError(session.t("agent.running", pid=running.pid))
    with session.audited("agent-start") as note:
        keystore = open_keystore(session, passphrase_file)
        note.agency = ",".join(keystore.agencies())
        pid = sandi.agent.start(keystore, home, ttl)
    until = int(time.time()) + ttl
    session.emit({"pid": pid, "socket": str(sandi.agent.socket_path(home)),
                  "agencies": keystore.agencies(), "member": session.member,
                  "seconds": ttl, "until": until})
    session.say("agent.started", pid=pid, count=len(keystore.agencies()), until=when(until))
    session.say("agent.how_to_stop")


@agent.command("status", help="agent.status.help")
@json_option
@pass_session
def status(session: Session) -> None:
    store = _connect(session)
    if store is None:
        session.emit({"running": False})
        session.say("agent.none", home=session.home.path)
        raise click.exceptions.Exit(1)  # for scripts: `sandi agent status || sandi agent start`
    member = None if store.member is None else store.member.agency
    session.emit({"running": True, "pid": store.pid, "agencies": store.agencies(),
                  "member": member, "seconds_left": store.seconds_left})
    until = when(int(time.time()) + store.seconds_left)
    session.say("agent.status", pid=store.pid, count=len(store.agencies()), until=until)
    if member is not None:
        session.say("agent.member", member=member)
    store.close()


@agent.command("stop", help="agent.stop.help")
@json_option
@pass_session
def stop(session: Session) -> None:
    with session.audited("agent-stop"):
        pid = sandi.agent.stop(session.home.path)
    session.emit({"stopped": pid})
    if pid is None:
        session.say("agent.none", home=session.home.path)
    else:
        session.say("agent.stopped", pid=pid)


@agent.command("lock", help="agent.lock.help")
@json_option
@pass_session
def lock(session: Session) -> None:
    stopped = sandi.agent.stop_all()
    session.emit({"stopped": len(stopped)})
    session.say("agent.locked", count=len(stopped))


def _connect(session: Session) -> sandi.agent.AgentKeystore | None:
    """The running agent of this home, or None; a warning if it cannot be used."""
    try:
        return sandi.agent.connect(session.home.path)
    except sandi.errors.AgentError as exc:
        session.warn(exc.message(session.lang))
        return None
