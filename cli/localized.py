"""Help texts, usage lines and usage errors in the session's language.

Help strings, option help and section headings are message ids, looked up in the
session's language when help is shown, so ``sandi --lang id seal --help`` is in
Indonesian. Click's own usage errors ("Missing option ...") are said again in the
session's language by :mod:`sandi_cli.usage`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from .messages import default_lang, t

F = TypeVar("F", bound=Callable[..., Any])

LANG_KEY = "sandi.lang"
COMMAND_KEY = "sandi.command"  # the command running ("seal", "pola update"), for hints
ARGS_KEY = "sandi.args"  # the arguments as typed (to know --json on a usage error)


def lang_of(ctx: click.Context | None) -> str:
    """The language for help texts: the session's, else --lang if parsed, else the env."""
    if ctx is not None:
        root = ctx.find_root()
        lang = getattr(root.obj, "lang", None)  # the Session, once the group has run
        if isinstance(lang, str):
            return lang
        lang = root.meta.get(LANG_KEY)
        if isinstance(lang, str):
            return lang
    return default_lang()


class LocalizedOption(click.Option):
    """An option whose ``help`` is a message id."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_id = self.help

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """The option and its help, both in the session's language: click's own
        ``[env var: ...; default: ...; required]`` too."""
        lang = lang_of(ctx)
        if self.help_id:
            self.help = t(self.help_id, lang)
        if self.hidden:
            return None
        extra = self.get_help_extra(ctx)
        items = []
        if "envvars" in extra:
            items.append(t("help.envvar", lang, var=", ".join(extra["envvars"])))
        if "default" in extra:
            items.append(t("help.default", lang, default=extra["default"]))
        if "range" in extra:
            items.append(extra["range"])
        if "required" in extra:
            items.append(t("help.required", lang))
        text = self.help or ""
        if items:
            text = f"{text}  [{'; '.join(items)}]" if text else f"[{'; '.join(items)}]"
        return self.get_help_spec(ctx), text

    def make_metavar(self, ctx: click.Context) -> str:
        """The value's placeholder (``FILE``) in the session's language (``BERKAS``)."""
        return metavar_in(super().make_metavar(ctx), lang_of(ctx))


class LocalizedArgument(click.Argument):
    """An argument whose placeholder (``FILE``) follows the session's language, in the
    usage line and in usage errors (``Argumen 'BERKAS' wajib diisi``)."""

    def make_metavar(self, ctx: click.Context) -> str:
        """The placeholder in the session's language."""
        return metavar_in(super().make_metavar(ctx), lang_of(ctx))


#: The placeholders of sandi's options and arguments, in Indonesian (a word not listed
#: stays: URL, ID, NIP, ISO8601).
_METAVARS_ID = {
    "FILE": "BERKAS", "DIR": "DIREKTORI", "TEXT": "TEKS", "AGENCY": "INSTANSI",
    "CODE": "KODE", "MEMBER": "ANGGOTA", "NAME": "NAMA", "PATH": "JALUR", "FROM": "DARI",
    "TO": "KE", "HOURS": "JAM", "SOURCE": "SUMBER", "ENVELOPE": "AMPLOP",
    "REQUEST": "PERMINTAAN", "SHARE": "BAGIAN", "INTEGER": "BILANGAN", "LEVEL": "TINGKAT",
    "VERSION": "VERSI", "OUTPUT": "KELUARAN", "COMMAND": "PERINTAH", "ARGS": "ARG",
    "OPTIONS": "OPSI", "YYYY-MM-DD": "TTTT-BB-HH", "KEY": "KUNCI", "REASON": "ALASAN",
}


def metavar_in(metavar: str, lang: str) -> str:
    """``metavar`` with each of its words in ``lang`` (``FILE|URL`` -> ``BERKAS|URL``)."""
    if lang != "id":
        return metavar
    return re.sub(r"[A-Z][A-Z-]*[A-Z]|[A-Z]", lambda m: _METAVARS_ID.get(m[0], m[0]), metavar)


def option(*decls: str, help: str, **kw: Any) -> Callable[[F], F]:
    """``click.option`` with a localized help text (``help`` is a message id)."""
    return click.option(*decls, cls=LocalizedOption, help=help, **kw)


def _localize(cmd: click.Command, ctx: click.Context | None) -> None:
    help_id = getattr(cmd, "help_id", None)
    if isinstance(help_id, str):
        cmd.help = t(help_id, lang_of(ctx))
        cmd.short_help = cmd.help.split("\n", 1)[0]


class _Localized(click.Command):
    """What commands and groups share: the help text, usage prefix and headings follow
    the session language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_id = self.help
        for param in self.params:  # @click.argument makes click's own class
            if type(param) is click.Argument:
                param.__class__ = LocalizedArgument

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        """``[OPTIONS] FILE`` in the session's language (``[OPSI] BERKAS``)."""
        lang = lang_of(ctx)
        return [metavar_in(piece, lang) for piece in super().collect_usage_pieces(ctx)]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Translate, then format as click does."""
        _localize(self, ctx)
        super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The one-line help, translated: shell completion (zsh, fish) shows it beside
        each candidate without formatting any help page first."""
        _localize(self, click.get_current_context(silent=True))
        return super().get_short_help_str(limit)

    def invoke(self, ctx: click.Context) -> Any:
        """Note which command runs (for the hint of an error it raises), then run it."""
        names = []
        at: click.Context | None = ctx
        while at is not None and at.parent is not None:
            names.append(at.info_name or "")
            at = at.parent
        if names:
            ctx.meta[COMMAND_KEY] = " ".join(reversed(names))
        return super().invoke(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as click does; a usage error is said in the session's language."""
        with _usage_localized(ctx):
            return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usage line with a localized prefix."""
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces),
                              prefix=t("help.usage", lang_of(ctx)) + " ")


class LocalizedCommand(_Localized):
    """A command whose help, usage prefix and headings follow the session language."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options with a localized heading."""
        _format_options(self, ctx, formatter)


@contextlib.contextmanager
def _usage_localized(ctx: click.Context) -> Iterator[None]:
    """Let click parse; a usage error it raises is said in the session's language."""
    try:
        yield
    except click.UsageError as exc:
        said = _localized_usage(exc, ctx)
        if said is exc:
            raise
        raise said from None


def _localized_usage(exc: click.UsageError, ctx: click.Context) -> click.UsageError:
    """A usage error said in the session's language (``exc`` itself where click's words
    stay as they are); with ``--json``, also as the JSON error document on stdout."""
    from . import usage  # only on a usage error: start-up stays lean

    said = usage.localized(exc, lang_of(ctx))
    json_usage(said, ctx)
    return said


def json_usage(exc: click.UsageError, ctx: click.Context) -> None:
    """With ``--json`` typed (anywhere before ``--``), print the usage error as the JSON
    error document on stdout, as for every other failure (docs/cli.md); once."""
    args = ctx.meta.get(ARGS_KEY)
    typed = args[:args.index("--")] if isinstance(args, list) and "--" in args else args
    if not isinstance(typed, list) or "--json" not in typed or vars(exc).get("_sandi_json"):
        return
    from .escape import json_text

    vars(exc)["_sandi_json"] = True
    lang = lang_of(ctx)
    command = (exc.ctx or ctx).command_path
    click.echo(json_text({"error": {
        "type": "UsageError", "category": "bad-input", "message": exc.format_message(),
        "hint": t("usage.try", lang, command=command, option="--help"),
        "exit_code": exc.exit_code}}))


def _format_options(cmd: click.Command, ctx: click.Context,
                    formatter: click.HelpFormatter) -> None:
    # The -h/--help option's own help is translated here, when help is shown, so that
    # parsing (`sandi --version`) loads no catalogue.
    help_option = cmd.get_help_option(ctx)
    if help_option is not None:
        help_option.help = t("opt.help", lang_of(ctx))
    records = [rv for p in cmd.get_params(ctx)
               if not isinstance(p, click.Argument) and (rv := p.get_help_record(ctx))]
    if records:
        with formatter.section(t("help.options", lang_of(ctx))):
            formatter.write_dl(records)


class LocalizedGroup(_Localized, click.Group):
    """A group of localized commands."""

    command_class = LocalizedCommand
    group_class = type  # subgroups are of this same class

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Options, then commands, with localized headings."""
        _format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the subcommand; "no such command" is said in the session's language."""
        with _usage_localized(ctx):
            return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The subcommands with their localized one-line help."""
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.listed_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            _localize(cmd, ctx)
            rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section(t("help.commands", lang_of(ctx))):
                formatter.write_dl(rows)

    def listed_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command as the help listing shows it (a lazy group need not import it)."""
        return self.get_command(ctx, name)


