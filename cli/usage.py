"""Click's own usage errors ("Missing option", "No such command") in the session's
language.

Click phrases these in English. For an Indonesian session, :func:`localized` turns
the error click raised into the same error said in Indonesian, usage line, help hint
and ``Galat:`` prefix included; an English session gets click's error untouched.
The commands' own parameter types already fail in the session's language
(:mod:`sandi_cli.params`).
"""

from __future__ import annotations

import re
from typing import IO, Any

import click
from click.exceptions import NoArgsIsHelpError

from .messages import t

_EXTRA = re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)\Z", re.S)
_NO_COMMAND = re.compile(r"No such command (?P<name>'.*')\.\Z", re.S)
# What click's own parameter types say (click.Path, Choice, IntRange), to say it again.
_PATH = re.compile(r"(?P<kind>File|Directory|Path) (?P<name>'.*') (?P<state>does not exist"
                   r"|is a file|is a directory|is not readable|is not writable"
                   r"|is not executable)\.\Z", re.S)
_STATES = {"does not exist": "missing", "is a file": "file", "is a directory": "directory",
           "is not readable": "unreadable", "is not writable": "unwritable",
           "is not executable": "not_executable"}
_TYPES = [("usage.not_one_of", re.compile(r"(?P<value>'.*') is not (?:one of )?(?P<choices>"
                                          r"'.*')\.\Z", re.S)),
          ("usage.not_integer", re.compile(r"(?P<value>'.*') is not a valid integer"
                                           r"(?: range)?\.\Z", re.S)),
          ("usage.not_in_range", re.compile(r"(?P<value>.*) is not in the range"
                                            r" (?P<range>.*)\.\Z", re.S))]


class LocalizedUsageError(click.UsageError):
    """A usage error said in ``lang``: exit code 2, as click's."""

    def __init__(self, message: str, ctx: click.Context | None, lang: str) -> None:
        super().__init__(message, ctx)
        self.lang = lang

    def show(self, file: IO[Any] | None = None) -> None:
        """The usage line and the help hint (as click shows them), then the error."""
        err = file is None
        if self.ctx is not None:
            names = self.ctx.command.get_help_option_names(self.ctx)
            hint = t("usage.try", self.lang, command=self.ctx.command_path,
                     option=max(names, key=len)) + "\n" if names else ""
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=err,
                       color=self.ctx.color)
        click.echo(t("usage.error", self.lang, message=self.format_message()), file=file,
                   err=err, color=self.ctx.color if self.ctx is not None else None)


def _hint(exc: click.MissingParameter | click.BadParameter) -> str:
    hint: Any = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx) if exc.ctx is not None else exc.param.name
    if isinstance(hint, (list, tuple)):
        return " / ".join(repr(h) for h in hint)
    return str(hint or "")


def _value_message(message: str, lang: str) -> str:
    """What a parameter type said: click's own types in ``lang``; ours already are."""
    if found := _PATH.match(message):
        return t("usage.path", lang, kind=t(f"usage.kind.{found['kind'].lower()}", lang),
                 name=found["name"], state=t(f"usage.state.{_STATES[found['state']]}", lang))
    for msg_id, pattern in _TYPES:
        if found := pattern.match(message):
            return t(msg_id, lang, **found.groupdict())
    return message


def _message(exc: click.UsageError, lang: str) -> str:
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        kind = kind if kind in ("argument", "option") else "parameter"
        return t(f"usage.missing_{kind}", lang, name=_hint(exc))
    if isinstance(exc, click.NoSuchOption):
        text = t("usage.no_such_option", lang, name=exc.option_name)
        if exc.possibilities:
            text += " " + t("usage.did_you_mean", lang,
                            options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, click.BadOptionUsage) \
            and exc.message == f"Option {exc.option_name!r} requires an argument.":
        return t("usage.needs_value", lang, name=repr(exc.option_name))
    if isinstance(exc, click.BadParameter):
        return t("usage.bad_value", lang, name=_hint(exc), message=_value_message(exc.message,
                                                                                   lang))
    if found := _EXTRA.match(exc.message):
        return t("usage.extra_args", lang, args=found["args"])
    if found := _NO_COMMAND.match(exc.message):
        return t("usage.no_such_command", lang, name=found["name"])
    return exc.message


def localized(exc: click.UsageError, lang: str) -> click.UsageError:
    """``exc`` said in ``lang``: itself in English (or when it only asks for help)."""
    if lang == "en" or isinstance(exc, (LocalizedUsageError, NoArgsIsHelpError)):
        return exc
    return LocalizedUsageError(_message(exc, lang), exc.ctx, lang)
