"""``sandi pola diff`` and ``sandi pola graph``: what changed, and a diagram.

``diff OLD NEW`` compares two signed pola files (both verified) line by line:
agencies, key versions, authority and every flow whose highest classification
changed. ``graph`` draws the installed pola (or ``--pola FILE``) with Graphviz:
DOT on stdout or in a ``.dot`` file, or rendered to ``.svg``/``.png`` when the
``dot`` program is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click

import sandi

from .context import (
    LocalizedCommand,
    Session,
    json_option,
    option,
    pass_session,
    shown,
    write_new,
)
from .params import installed_pola

RENDERED = {".svg": "svg", ".png": "png"}
_POLA_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("diff", cls=LocalizedCommand, help="pola.diff.help")
@click.argument("old", type=_POLA_FILE)
@click.argument("new", type=_POLA_FILE)
@json_option
@pass_session
def diff(session: Session, old: Path, new: Path) -> None:
    before, after = sandi.Pola.load(old), sandi.Pola.load(new)
    lines = sandi.pola.diff(before, after)
    session.emit({"old": {"id": before.id, "version": before.version},
                  "new": {"id": after.id, "version": after.version}, "changes": lines})
    if not lines:
        session.say("diff.none")
    for line in lines:
        session.echo(session.words(line))


def _source(session: Session, pola_file: Path | None) -> sandi.Pola:
    if pola_file is not None:
        return sandi.Pola.load(pola_file)
    return installed_pola(session)  # a diagram of an expired pola is still useful


def _render(session: Session, dot: str, output: Path, fmt: str, force: bool) -> None:
    program = shutil.which("dot")
    if program is None:
        raise sandi.errors.InvalidArgument(session.t("graph.no_dot", path=shown(output)))
    if output.exists() and not force:
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(output)))
    # The program is Graphviz found on PATH; the DOT text goes in on stdin, and the
    # only arguments are the format and the output path the user chose.
    result = subprocess.run([program, f"-T{fmt}", "-o", str(output)],  # noqa: S603
                            input=dot.encode("utf-8"), capture_output=True, check=False,
                            timeout=300)
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise sandi.errors.StorageError(session.t(
            "graph.failed", path=shown(output), reason=reason[0] if reason else
            f"exit {result.returncode}"))


@click.command("graph", cls=LocalizedCommand, help="pola.graph.help")
@option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE", help="opt.graph_output")
@option("--pola", "pola_file", type=_POLA_FILE, metavar="FILE", help="opt.graph_pola")
@option("--force", is_flag=True, help="opt.force")
@json_option
@pass_session
def graph(session: Session, output: Path | None, pola_file: Path | None,
          force: bool) -> None:
    suffix = output.suffix.lower() if output is not None else ".dot"
    if output is not None and suffix != ".dot" and suffix not in RENDERED:
        raise click.UsageError(session.t("graph.suffix", path=shown(output)))
    pola = _source(session, pola_file)
    dot = sandi.pola.to_dot(pola)
    if output is None:
        session.emit({"id": pola.id, "version": pola.version, "dot": dot})
        if not session.json:
            click.echo(dot, nl=False)  # the diagram itself, even with --quiet
        return
    if suffix == ".dot":
        write_new(session, output, dot.encode("utf-8"), force=force)
    else:
        _render(session, dot, output, RENDERED[suffix], force)
    session.emit({"id": pola.id, "version": pola.version, "output": str(output),
                  "format": suffix[1:]})
    session.say("graph.written", path=shown(output), id=pola.id, version=pola.version)


COMMANDS: list[click.Command] = [diff, graph]
