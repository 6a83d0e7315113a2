"""The ``sandi`` command: global options and the one place errors become exit codes.

Exit codes: 0 success; 1 a refusal (verification, policy, wrong passphrase) or
malformed input; 2 misuse (bad arguments, missing keystore or pola, an existing
output file); 70 an internal error (a bug: run again with ``--debug``); 130
interrupted. Errors go to stderr as ``sandi: error: ...`` and ``sandi: hint: ...``
(``galat`` / ``petunjuk`` in Indonesian); with ``--json`` an error document
``{"error": {"type", "category", "message", "hint", "exit_code"}}`` is also printed
on stdout. The hint is the command line's (:mod:`sandi_cli.hints`): it names sandi's
commands and flags and fits the command that met the error.

>>> from sandi_cli.main import main
>>> main(["--version"])  # doctest: +SKIP
sandi 0.1.0
0
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

import sandi

from .context import (
    ENV_AUDIT_DB,
    LANG_KEY,
    LocalizedCommand,
    LocalizedGroup,
    LocalizedOption,
    Session,
    lang_of,
    option,
)
from .escape import json_text, printable
from .localized import ARGS_KEY, COMMAND_KEY, json_usage
from .messages import default_lang, t

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# Each command's module, attribute and help id. A module is imported only when its
# command runs, shows its own help or is completed: `sandi --version` and `sandi --help`
# import none of them (nor the crypto, msgpack, SQLite, TOML or SLIP-39 code behind
# them), and the help listing takes each one-line help from the message catalogue.
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "agent": (".agent", "agent", "agent.help"),
    "audit": (".audit", "audit", "audit.help"),
    "demo": (".demo", "demo", "demo.help"),
    "keys": (".keys", "keys", "keys.help"),
    "members": (".members", "members", "members.help"),
    "open": (".open", "open_command", "open.help"),
    "pola": (".pola", "pola", "pola.help"),
    "receipt": (".receipt", "receipt", "receipt.help"),
    "rewrap": (".rewrap", "rewrap", "rewrap.help"),
    "seal": (".seal", "seal", "seal.help"),
    "verify": (".verify", "verify", "verify.help"),
    "witness": (".witness", "witness", "witness.help"),
}


def _session(ctx: click.Context) -> Session | None:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Session) else None


def _report(ctx: click.Context, err: sandi.SandiError) -> None:
    """Print a sandi error and its fix; with --json, also as a JSON document."""
    session = _session(ctx)
    lang = lang_of(ctx)
    if session is not None and session.debug:
        _print_traceback()
    # One line each, escaped: a message may quote a sender's file name or subject.
    click.echo(f"sandi: {t('label.error', lang)}: {printable(err.describe(lang))}", err=True)
    if session is not None and session.debug and (detail := err.debug_detail(lang)):
        click.echo(f"sandi: {t('label.debug', lang)}: {printable(detail)}", err=True)
    from .hints import hint_for  # only on an error: start-up stays lean

    hint = hint_for(err, lang, str(ctx.meta.get(COMMAND_KEY, "")),
                    None if session is None else session.home.path)
    click.echo(f"sandi: {t('label.hint', lang)}: {printable(hint)}", err=True)
    if session is not None and session.json:
        click.echo(json_text({"error": {
            "type": type(err).__name__, "category": err.category.value,
            "message": str(err), "hint": hint, "exit_code": err.exit_code}}))


class SandiCLI(LocalizedGroup):
    """The root group: the single handler of sandi errors, interrupts and bugs, and
    the lazy loader of the commands (:data:`_COMMANDS`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse as click does, once the global options typed after the subcommand
        (``sandi seal ... --home DIR``) are moved before it (:func:`hoist_globals`)."""
        ctx.meta[ARGS_KEY] = list(args)
        return super().parse_args(ctx, hoist_globals(self, ctx, args))

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loaded or not."""
        return sorted({*self.commands, *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported on first use."""
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            module, attribute, _help = _COMMANDS[cmd_name]
            command = importlib.import_module(module, __package__)
            self.add_command(getattr(command, attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def listed_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """For the help listing, a stand-in carrying the catalogue's help id, unless the
        command is already loaded."""
        if name in self.commands or name not in _COMMANDS:
            return super().listed_command(ctx, name)
        return LocalizedCommand(name, help=_COMMANDS[name][2])

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn what it raises into one or two lines and an exit code.

        A command whose audit record could not be written has printed its result and
        a warning; it exits 1 here."""
        result = self._invoke(ctx)
        session = _session(ctx)
        if session is not None and session.audit_failed:
            ctx.exit(1)
        return result

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except sandi.SandiError as err:
            _report(ctx, err)
            ctx.exit(err.exit_code)
        except click.UsageError as exc:  # raised by a command itself (seal's --from)
            from .usage import localized  # only on a usage error

            said = localized(exc, lang_of(ctx))  # "Penggunaan: ... Galat: ..." in id
            json_usage(said, ctx)
            if said is exc:
                raise
            raise said from None
        except (click.ClickException, click.exceptions.Exit):
            raise
        except BrokenPipeError:
            _silence_stdout()  # the reader went away (`sandi pola show | head`)
            ctx.exit(1)
        except (KeyboardInterrupt, click.Abort):
            click.echo(f"sandi: {t('main.interrupted', lang_of(ctx))}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            session = _session(ctx)
            if session is not None and session.debug:
                _print_traceback()
            detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            click.echo(f"sandi: {t('main.internal', lang_of(ctx), detail=detail[:200])}",
                       err=True)
            ctx.exit(EXIT_INTERNAL)


def _print_traceback() -> None:
    import traceback  # only with --debug: it pulls in linecache and tokenize

    traceback.print_exc()


def _takes_value(cmd: click.Command, ctx: click.Context) -> dict[str, bool]:
    """Each option name of ``cmd`` and whether it takes a value."""
    names: dict[str, bool] = {}
    for param in cmd.get_params(ctx):
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                names[name] = not (param.is_flag or param.count)
    return names


def hoist_globals(root: click.Group, ctx: click.Context, args: list[str]) -> list[str]:
    """``args`` with the root's options that follow the subcommand moved to just before
    it, so ``--home``, ``--member``, ``--lang``, ``--json``, ``-q``, ``--debug`` and
    ``--audit-db`` work in either place (the tutorial adds ``--home DIR`` at the end).

    The subcommands are followed as click will (so a value such as ``--subject
    --home`` stays the subject), an option the subcommand itself defines stays its own
    (``sandi demo --home``), and nothing after ``--`` moves. Typed in both places, the
    one after the subcommand wins (it comes later)."""
    roots = _takes_value(root, ctx)
    cmd: click.Command = root
    kept: list[str] = []
    hoisted: list[str] = []
    at_command: int | None = None  # where the subcommand's name is in ``kept``
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            kept.extend(args[i:])
            break
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            own = _takes_value(cmd, ctx)
            if cmd is not root and name not in own and name in roots:
                width = 2 if roots[name] and "=" not in word else 1
                hoisted.extend(args[i:i + width])
            else:
                width = 2 if own.get(name) and "=" not in word else 1
                kept.extend(args[i:i + width])
            i += width
            continue
        kept.append(word)
        i += 1
        if isinstance(cmd, click.Group):
            sub = cmd.get_command(ctx, word)
            if sub is None:  # click will say "no such command"
                kept.extend(args[i:])
                break
            at_command = len(kept) - 1 if at_command is None else at_command
            cmd = sub
    if not hoisted or at_command is None:
        return args
    return kept[:at_command] + hoisted + kept[at_command:]


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _remember_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    lang = (value or default_lang()).lower()
    ctx.meta[LANG_KEY] = lang
    return lang


def _audit_target(ctx: click.Context, _param: click.Parameter, value: str | None
                  ) -> str | None:
    if value and "://" in value and not value.startswith(("postgresql://", "postgres://")):
        raise click.BadParameter(t("param.audit_db", lang_of(ctx)))
    return value or None


@click.group(cls=SandiCLI, help="main.help",
             context_settings={"help_option_names": ["-h", "--help"]})
@option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="SANDI_HOME",
        show_envvar=True, metavar="DIR", help="opt.home")
@option("--audit-db", "audit_db", envvar=ENV_AUDIT_DB, show_envvar=True, metavar="FILE|URL",
        callback=_audit_target, help="opt.audit_db")
@option("--member", envvar="SANDI_MEMBER", show_envvar=True, metavar="ID", help="opt.member")
@option("--json", "json_output", is_flag=True, help="opt.json")
@option("--lang", type=click.Choice(["en", "id"], case_sensitive=False), is_eager=True,
        callback=_remember_lang, help="opt.lang")
@option("-q", "--quiet", is_flag=True, help="opt.quiet")
@option("--debug", is_flag=True, help="opt.debug")
@click.version_option(sandi.__version__, "--version", prog_name="sandi",
                      message="%(prog)s %(version)s", help="opt.version",
                      cls=LocalizedOption)
@click.pass_context
def cli(ctx: click.Context, home: Path | None, audit_db: str | None, member: str | None,
        json_output: bool, lang: str, quiet: bool, debug: bool) -> None:
    ctx.obj = Session(home=sandi.Home(home), lang=lang, json=json_output, quiet=quiet,
                      debug=debug, audit_db=audit_db, member=member)



def main(argv: list[str] | None = None) -> int:
    """Run ``sandi`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        cli.main(args=argv, prog_name="sandi", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1


if __name__ == "__main__":
    raise SystemExit(main())
