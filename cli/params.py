"""Click parameter types and the passphrase source.

A passphrase never comes from the command line or from the value of an
environment variable (both leak into shell history and ``/proc``): it is typed
at a hidden prompt, or read from the first line of a file named by
``--passphrase-file`` or by the ``SANDI_PASSPHRASE_FILE`` variable.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import click

import sandi
import sandi.agent

from .context import Session, lang_of, option
from .hints import hinted
from .messages import t

F = TypeVar("F", bound=Callable[..., Any])

ENV_PASSPHRASE_FILE = "SANDI_PASSPHRASE_FILE"  # noqa: S105  (a variable name)
TRIES = 3  # a passphrase typed at a terminal: asked this many times
_SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_MAX_PASSPHRASE_FILE = 64 * 1024


if TYPE_CHECKING:  # click >= 8.4 makes ParamType generic; older click is not
    _Str = click.ParamType[str]
    _Time = click.ParamType[datetime]
    _Level = click.ParamType[Any]  # a Classification or an Urgency
else:
    _Str = _Time = _Level = click.ParamType


class AgencyId(_Str):
    """An agency id: a lowercase slug such as ``diskominfo`` or ``kec-utara``."""

    name = "agency"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        """The slug, or a usage error naming the rule."""
        text = str(value).strip()
        if (0 < len(text) <= 32 and set(text) <= _SLUG_CHARS
                and not text.startswith("-") and not text.endswith("-")):
            return text
        self.fail(t("param.agency", lang_of(ctx), value=value), param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """``AGENCY``."""
        return "AGENCY"


_E = TypeVar("_E", sandi.Classification, sandi.Urgency)


class LevelType(_Level):
    """A classification (``sangat-rahasia`` or ``Sangat Rahasia``) or an urgency (derajat
    kecepatan: ``biasa``, ``segera``, ``sangat-segera``, ``kilat``), by its enum."""

    def __init__(self, levels: type[_E], name: str) -> None:
        self.levels: Any = levels
        self.name = name

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        """The level, or a usage error listing the levels."""
        try:
            return self.levels.parse(value)
        except sandi.errors.InvalidArgument:
            choices = ", ".join(level.slug for level in self.levels)
            self.fail(t(f"param.{self.name}", lang_of(ctx), value=value, choices=choices),
                      param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """The levels, lowest first."""
        return "[" + "|".join(level.slug for level in self.levels) + "]"

    def shell_complete(self, ctx: click.Context, param: click.Parameter,
                       incomplete: str) -> list[click.shell_completion.CompletionItem]:
        """Complete the slugs."""
        return [click.shell_completion.CompletionItem(level.slug)
                for level in self.levels if level.slug.startswith(incomplete)]


class TimeType(_Time):
    """A moment in ISO 8601 (``2026-11-23``, ``2026-11-23T21:34Z``); UTC if no zone."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        """An aware datetime, or a usage error with an example."""
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(t("param.time", lang_of(ctx), value=value), param, ctx)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """``ISO8601``."""
        return "ISO8601"


AGENCY = AgencyId()
CLASSIFICATION = LevelType(sandi.Classification, "classification")
URGENCY = LevelType(sandi.Urgency, "urgency")
TIME = TimeType()


# --- passphrases ---------------------------------------------------------------------


def passphrase_option(f: F) -> F:
    """``--passphrase-file FILE`` (or ``$SANDI_PASSPHRASE_FILE``)."""
    return option("--passphrase-file", "passphrase_file", envvar=ENV_PASSPHRASE_FILE,
                  show_envvar=True, metavar="FILE",
                  type=click.Path(dir_okay=False, path_type=Path),
                  help="opt.passphrase_file")(f)


def custodian_passphrase_option(f: F) -> F:
    """``--passphrase-file FILE`` for an authority custodian's key: no environment
    variable, so the keystore's passphrase file is never used for it by accident."""
    return option("--passphrase-file", "passphrase_file", metavar="FILE",
                  type=click.Path(dir_okay=False, path_type=Path),
                  help="opt.custodian_passphrase_file")(f)


def read_passphrase_file(path: Path, session: Session) -> str:
    """The first line of ``path``, its line ending stripped."""
    try:
        mode = path.stat().st_mode
        with path.open("rb") as fh:
            first = fh.read(_MAX_PASSPHRASE_FILE).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError as exc:
        raise click.UsageError(session.t("pass.unreadable", path=path,
                                         reason=exc.strerror or exc)) from None
    if not stat.S_ISREG(mode):
        raise click.UsageError(session.t("pass.unreadable", path=path, reason="not a file"))
    if mode & 0o077:
        # Readable by others: the keystore's protection is only as good as this file.
        session.warn(session.t("pass.loose", path=path, mode=f"{mode & 0o777:o}"))
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(session.t("pass.not_utf8", path=path)) from None
    if not text:
        raise click.UsageError(session.t("pass.empty", path=path))
    return text


def get_passphrase(session: Session, path: Path | None, *, confirm: bool = False,
                   prompt: str = "pass.prompt") -> str:
    """From ``path`` if given, else by hidden prompt (typed twice if ``confirm``);
    ``prompt`` is the message id of the prompt."""
    if path is not None:
        return read_passphrase_file(path, session)
    if not _interactive():
        # Piped: read the line(s) ourselves. getpass would print "Warning: Password input
        # may be echoed" and Python's GetPassWarning naming its own source file.
        first = _piped_line(session, session.t(prompt))
        if confirm and _piped_line(session, session.t("pass.repeat")) != first:
            raise click.UsageError(session.t("pass.mismatch"))
        return first
    try:
        value = click.prompt(session.t(prompt), hide_input=True,
                             confirmation_prompt=session.t("pass.repeat") if confirm
                             else False, type=str, err=True)
    except click.Abort:
        if _interactive():
            raise
        raise click.UsageError(session.t("pass.no_input", env=ENV_PASSPHRASE_FILE)) from None
    return str(value)


def _piped_line(session: Session, prompt: str) -> str:
    """One line of a piped stdin (the prompt still said on stderr, as at a terminal)."""
    click.echo(f"{prompt}: ", nl=False, err=True)
    line = sys.stdin.readline()
    click.echo(err=True)
    text = line.rstrip("\r\n")
    if not line or not text:
        raise click.UsageError(session.t("pass.no_input", env=ENV_PASSPHRASE_FILE))
    return text


def _interactive() -> bool:
    try:
        return os.isatty(0)
    except OSError:
        return False


def require_keystore(session: Session) -> None:
    """NoKeystore, saying how to make one, if the home has none."""
    if not sandi.Keystore.exists(session.home.path):
        raise sandi.errors.NoKeystore(session.t("keystore.missing", home=session.home.path))


def open_keystore(session: Session, path: Path | None) -> sandi.Keystore:
    """Unlock the home's keystore; say how to make one if there is none. The passphrase
    comes from ``path`` (--passphrase-file), else the systemd credential
    ``sandi-passphrase``, else a prompt. In a members' vault, the installed pola
    decides whether the member may unlock it."""
    home = session.home.path
    require_keystore(session)
    check_member(session)
    pola = session.home.trusted_pola() if sandi.Keystore.uses_vault(home) else None
    if path is None:  # a service under systemd: its credential, never a prompt
        path = sandi.keys.credential_path()
    # At a terminal a mistyped passphrase is asked again, up to TRIES times; from a file
    # (or a pipe) once, since the same text would fail again.
    tries = TRIES if path is None and _interactive() else 1
    for attempt in range(1, tries + 1):
        try:
            asked = get_passphrase(session, path, prompt="pass.prompt" if pola is None
                                   else "pass.prompt_member")  # a vault: one's own
            store = sandi.Keystore.open(home, passphrase=asked, member=session.member,
                                        pola=pola)
            break
        except sandi.errors.WrongPassphrase:
            if attempt == tries:
                raise
            click.echo(f"sandi: {session.t('pass.again', left=tries - attempt)}", err=True)
    if store.member is not None:  # a member's keystore names who unlocked it
        session.member = store.member.agency
    from .passwd import warn_keystore

    warn_keystore(session, store)
    return store


#: Keys as seal, open and rewrap use them: unlocked here, or held by the agent.
Keys: TypeAlias = "sandi.Keystore | sandi.agent.AgentKeystore"


def unlock_keys(session: Session, path: Path | None) -> Keys:
    """The keys seal and open use: those of the agent serving the home, if one runs
    (nothing is asked), else the keystore unlocked here as :func:`open_keystore`."""
    held = agent_keys(session)
    return held if held is not None else open_keystore(session, path)


def agent_keys(session: Session) -> sandi.agent.AgentKeystore | None:
    """The keys of the agent serving the home, or None. An agent that cannot be used
    (another member's, or its keystore changed since it started) is passed over with a
    warning; a member the installed pola suspended or removed is refused."""
    try:
        held = sandi.agent.connect(session.home.path)
    except sandi.errors.AgentError as exc:
        session.warn(session.t("agent.passed_over", reason=exc.message(session.lang)))
        return None
    if held is None:
        return None
    who = None if held.member is None else held.member.agency
    if session.member is not None and who != session.member:
        held.close()  # the agent acts for someone else: this member unlocks their own
        return None
    if held.member is not None:  # the pola decides, as it does at unlock
        held.check_member(installed_pola(session))
    session.member = who or session.member
    for warning in held.warnings:
        session.warn(session.words(warning))
    return held
def check_member(session: Session) -> None:
    """Before any passphrase is asked: in a members' vault, ``--member`` names a member
    of this home (a mistyped id is not "no keystore", and needs no passphrase to tell).
    In a home without a vault there are no members: a member named there would be
    recorded in the audit log as the official who acted, unchecked, so it is refused."""
    home = session.home.path
    if not sandi.Keystore.uses_vault(home):
        if session.member is not None:
            raise hinted(sandi.errors.InvalidArgument(session.t(
                "member.no_vault", member=session.member, home=home)),
                session.t("hint.member_no_vault"))
        return
    if session.member is None:
        members = sandi.keys.member_ids(home)
        if len(members) > 1:  # whose passphrase would the prompt ask for?
            raise hinted(sandi.errors.InvalidArgument(session.t(
                "member.which", home=home, count=len(members))),
                session.t("hint.no_member", members=", ".join(members)))
        return
    if not sandi.keys.member_key_path(home, session.member).exists():
        raise hinted(sandi.errors.InvalidArgument(session.t(
            "member.unknown", member=session.member, home=home)),
            session.t("hint.no_member", members=", ".join(sandi.keys.member_ids(home)) or "-"))


def installed_pola(session: Session) -> sandi.Pola:
    """The installed pola, signatures verified, expired or not: the anchor of key requests,
    checkpoints and diagrams. NoPola, saying how to install one, if there is none."""
    found = session.home.trusted_pola()
    if found is None:
        raise sandi.errors.NoPola(session.t("pola.missing", home=session.home.path))
    return found
