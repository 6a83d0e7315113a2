"""``sandi pola diff`` and ``sandi pola graph``: what changed, and a diagram.

``diff OLD NEW`` compares two pola files, signed or drafts at any number of
signatures (each side says how far it is signed; neither is trusted for it):
every field that differs (:func:`sandi.pola.diff`), one line each, and every flow
whose highest classification changed. ``sandi pola sign`` shows the same lines
before it asks. ``graph`` draws the installed pola (or ``--pola FILE``) with Graphviz:
DOT on stdout or in a ``.dot`` file, or rendered to ``.svg``/``.png`` when the
``dot`` program is installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

import sandi

from .context import (
    LocalizedCommand,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    shown,
    when,
    write_new,
)
from .escape import printable
from .params import installed_pola

RENDERED = {".svg": "svg", ".png": "png"}
_POLA_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("diff", cls=LocalizedCommand, help="pola.diff.help")
@click.argument("old", type=_POLA_FILE)
@click.argument("new", type=_POLA_FILE)
@json_option
@pass_session
def diff(session: Session, old: Path, new: Path) -> None:
    before, after = sandi.pola.Draft.load(old), sandi.pola.Draft.load(new)
    changes = sandi.pola.diff(before, after)
    session.emit({"old": side_doc(before), "new": side_doc(after),
                  "changes": [change_doc(c) for c in changes]})
    show_changes(session, before, after, changes)


def side_doc(p: sandi.pola.PolaContent) -> dict[str, Any]:
    """One side of a diff for machines: which pola, and how far it is signed."""
    status = p.signature_status()
    return {"id": p.id, "version": p.version, "signed": list(status.valid),
            "threshold": status.threshold, "complete": status.ok}


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


def change_doc(c: sandi.pola.Change) -> dict[str, Any]:
    """A change for machines: kind, path ``[[field, key], ...]``, the field's values, or
    an added or removed item's own fields."""
    doc: dict[str, Any] = {"kind": c.kind.value, "path": [list(step) for step in c.path],
                           "field": c.field}
    if c.kind is sandi.pola.ChangeKind.CHANGED:
        doc.update(old=_json_value(c.old), new=_json_value(c.new))
    else:
        doc["fields"] = {name: _json_value(v) for name, v in c.fields}
    return doc


def _text(session: Session, value: object) -> str:
    """A value for people; text the authority's sources chose is shown escaped, never raw
    (a control or bidirectional character could make a line say something else)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return session.t("word.yes" if value else "word.no")
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_text(session, v) for v in value) + "]"
    return printable(str(value))


#: Fields whose values are words of the model (key states, reasons, member statuses,
#: rule effects): said in the session's language.
_WORDS = frozenset({"state", "reason", "status", "effect"})


def _field_value(session: Session, name: str, value: object) -> str:
    if name in _WORDS and isinstance(value, str):
        return session.t(f"value.{value}")
    return _text(session, value)


def _where(session: Session, path: tuple[tuple[str, str | int | None], ...]) -> str:
    parts = []
    for name, key in path:
        if key is None:
            parts.append(session.t(f"field.{name}"))
        else:
            shown_key = f"v{key}" if isinstance(key, int) else _text(session, key)
            parts.append(session.t(f"item.{name}", key=shown_key))
    return ", ".join(parts)


def change_line(session: Session, c: sandi.pola.Change) -> str:
    """One change for people: ``~ where: old -> new``, ``+ where: field value; ...``."""
    where = _where(session, c.path)
    if c.kind is sandi.pola.ChangeKind.CHANGED:
        if c.field == "flows":
            old, new = (session.t("diff.no_flow") if v is None else _text(session, v)
                        for v in (c.old, c.new))
        else:
            old, new = (_field_value(session, c.field, v) for v in (c.old, c.new))
        return f"~ {where}: {old} -> {new}"
    sign = "+" if c.kind is sandi.pola.ChangeKind.ADDED else "-"
    own = "; ".join(f"{session.t(f'field.{name}')} {_field_value(session, name, v)}"
                    for name, v in c.fields if v is not None)
    return f"{sign} {where}: {own}"


def _side(session: Session, p: sandi.pola.PolaContent) -> str:
    status = p.signature_status()
    signed = session.t("pola.signed", signed=len(status.valid), keys=status.keys,
                       threshold=status.threshold)
    state = signed if status.ok else session.t("diff.draft", signed=signed)
    return f"{_text(session, p.id)} v{p.version} [{state}]"


def show_changes(session: Session, before: sandi.pola.PolaContent,
                 after: sandi.pola.PolaContent, changes: tuple[sandi.pola.Change, ...]) -> None:
    """The diff for people: both sides, then one line per change."""
    session.say("diff.sides", old=_side(session, before), new=_side(session, after))
    if not changes:
        session.say("diff.none")
    for c in changes:
        session.echo(change_line(session, c))


def at_terminal() -> bool:
    """Whether a person answers at a terminal (then sandi may ask before acting)."""
    return sys.stdin.isatty()


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
