"""``sandi pola``: show the installed pola, install a newer one.

``pola show`` prints what the persandian authority signed: agencies, rules,
per-classification requirements, who signed (``signed 2/3``) and, with
``--matrix``, the highest classification each agency may send to each other.
``pola show FILE`` prints a pola file the same way without installing or trusting
it: a draft at any number of signatures (``signed 0/3``, marked as a draft), or a
pola received for review.
``pola update FILE|URL`` installs a newer pola only if it verifies against the
installed one (or, the first time, against the authority's fingerprint, given
with ``--fingerprint`` or shown and confirmed at a terminal), accepts the
freshness statement published beside it (``freshness.sandi``), and records the
installation in the audit log. Run it every hour or so: a home that has seen no
fresh statement within the pola's limit warns, and refuses the classifications
above the one the pola names.

The authority's commands of the same group live in :mod:`sandi_cli.authority`
(keygen, init, agency, allow, deny, request, authority),
:mod:`sandi_cli.signing` (build, sign, publish) and :mod:`sandi_cli.pola_views`
(diff, graph).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

import sandi

from . import authority, pola_views, signing
from .context import (
    LocalizedGroup,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    when,
)
from .escape import printable
from .freshness import warn_if_stale
from .keys import format_columns
from .params import installed_pola

SCHEMA = "sandi.pola/1"


@click.group("pola", cls=LocalizedGroup, help="pola.help")
def pola() -> None:
    pass


def _expired(p: sandi.pola.PolaContent) -> bool:
    return p.is_expired() if isinstance(p, sandi.Pola) else datetime.now(UTC) >= p.expires_at


def _doc(p: sandi.pola.PolaContent, matrix: bool) -> dict[str, Any]:
    status = p.signature_status()
    doc: dict[str, Any] = {
        "schema": SCHEMA, "id": p.id, "name": p.name, "version": p.version,
        "decree": {"number": p.decree.number, "date": p.decree.date, "title": p.decree.title},
        "authority": {
            "name": p.authority.name, "fingerprint": p.authority.fingerprint(),
            "threshold": p.authority.threshold, "signed": len(status.valid),
            "keys": [{"id": k.id, "custodian": k.custodian, "signed": k.id in status.valid}
                     for k in p.authority.keys]},
        "issued_at": iso(p.issued_at), "expires_at": iso(p.expires_at),
        "expired": _expired(p), "draft": not status.ok,
        "installed": isinstance(p, sandi.Pola),
        "agencies": [{"id": a.id, "abbrev": a.abbrev, "name": a.name, "sipd": a.sipd,
                      "groups": list(a.groups), "current_key_version": a.current.version}
                     for a in p.agencies],
        "rules": [{"effect": r.effect.value, "from": r.source, "to": r.target,
                   "level": r.level.slug, "sarana": r.sarana, "note": r.note}
                  for r in p.rules],
        "requirements": [{"level": q.level.slug, "suite": q.suite.slug,
                          "max_recipients": q.max_recipients, "receipts": q.receipts,
                          "member_signed": q.member_signed} for q in p.requirements],
        "freshness": _freshness_doc(p),
    }
    if matrix:
        doc["matrix"] = {a.id: {b.id: _slug(sandi.pola.highest(p, a.id, b.id))
                                for b in p.agencies if b.id != a.id} for a in p.agencies}
    return doc


def _slug(level: sandi.Classification | None) -> str | None:
    return None if level is None else level.slug


def _summary(session: Session, p: sandi.pola.PolaContent) -> None:
    s = session.t
    status = p.signature_status()
    signers = ", ".join(f"{k.id} ({printable(k.custodian)})" + ("" if k.id in status.valid
                                                     else f" [{s('pola.not_signed')}]")
                        for k in p.authority.keys)
    expiry = when(p.expires_at) + (f" [{s('pola.expired')}]" if _expired(p) else "")
    signed = s("pola.signed", signed=len(status.valid), keys=len(p.authority.keys),
               threshold=p.authority.threshold)
    session.table([
        (s("label.pola"), printable(p.name)),
        (s("label.id"), f"{p.id} v{p.version}"),
        (s("label.decree"), f"{printable(p.decree.number)} ({printable(p.decree.date)})"),
        (s("label.authority"), f"{printable(p.authority.name)}: " + (
            signed if status.ok else s("diff.draft", signed=signed))),
        (s("label.custodians"), signers),
        (s("label.fingerprint"), p.authority.fingerprint()),
        (s("label.issued"), when(p.issued_at)),
        (s("label.expires"), expiry),
        (s("label.freshness"), _freshness_line(session, p)),
    ])


def _agencies(session: Session, p: sandi.pola.PolaContent) -> None:
    s = session.t
    session.echo()
    session.say("pola.agencies", count=len(p.agencies))
    rows = [(s("col.agency"), s("col.abbrev"), s("col.name"), s("col.groups"), s("col.key"))]
    rows += [(a.id, printable(a.abbrev), printable(a.name), ",".join(a.groups),
              f"v{a.current.version}") for a in p.agencies]
    for line in format_columns(rows):
        session.echo("  " + line)


def _rules(session: Session, p: sandi.pola.PolaContent) -> None:
    s = session.t
    session.echo()
    session.say("pola.rules", count=len(p.rules))
    for r in p.rules:
        text = s(f"pola.rule.{r.effect.value}", source=r.source, target=r.target,
                 level=r.level.label)
        if r.sarana:
            text += f" [{printable(r.sarana)}]"
        if r.note:
            text += f": {printable(r.note)}"
        session.echo(f"  {text}")
    if p.requirements:
        session.echo()
        session.say("pola.requirements")
        for q in p.requirements:
            session.echo("  " + s("pola.requirement", level=q.level.label, suite=q.suite.slug,
                                  max=q.max_recipients))
            if q.member_signed:
                session.echo("    " + s("pola.requirement_member"))


def _matrix(session: Session, p: sandi.pola.PolaContent) -> None:
    """The flow matrix of :func:`sandi.pola.matrix`, columns numbered like rows."""
    header, *rows = sandi.pola.matrix(p)
    width = max(len(i) for i in header[1:])
    session.echo()
    session.say("pola.matrix")
    session.echo(" " * (width + 5) + "".join(f"{n:>3}" for n in range(1, len(header))))
    for n, (sender, *cells) in enumerate(rows, 1):
        session.echo(f"{n:>3}  {sender:<{width}}" + "".join(f"{c:>3}" for c in cells))
    session.say("pola.legend")


def describe(session: Session, p: sandi.pola.PolaContent, matrix: bool = False) -> None:
    """The pola (or draft) for people: summary, agencies, rules, requirements."""
    _summary(session, p)
    _agencies(session, p)
    _rules(session, p)
    if matrix:
        _matrix(session, p)


@pola.command("show", help="pola.show.help")
@click.argument("pola_file", metavar="[FILE]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--matrix", is_flag=True, help="opt.matrix")
@json_option
@pass_session
def show(session: Session, pola_file: Path | None, matrix: bool) -> None:
    p = installed_pola(session) if pola_file is None else sandi.pola.Draft.load(pola_file)
    session.emit(_doc(p, matrix))
    describe(session, p, matrix)
    if _expired(p):
        session.warn(session.t("pola.expired_warn", when=when(p.expires_at)))
    if isinstance(p, sandi.Pola):
        warn_if_stale(session, p)


def _freshness_line(session: Session, p: sandi.pola.PolaContent) -> str:
    policy = p.freshness
    if policy is not None and not isinstance(p, sandi.Pola):
        return session.t("pola.freshness_policy", hours=policy.max_age // 3600,
                         level=policy.refuse_above.label)
    status = p.freshness_status() if isinstance(p, sandi.Pola) else None
    if policy is None or status is None or status.fresh_until is None:
        return session.t("pola.freshness_none")
    return session.t("pola.freshness_stale" if status.stale else "pola.freshness_fresh",
                     hours=policy.max_age // 3600, level=policy.refuse_above.label,
                     when=when(status.fresh_until))


def _interactive() -> bool:
    """Whether a person answers at a terminal (then a first fingerprint may be confirmed)."""
    return sys.stdin.isatty()


def _confirmed_fingerprint(session: Session, data: bytes) -> str | None:
    """At the first install, with no --fingerprint: show the authority's fingerprint and
    the decree, and ask the person to confirm them against the authority's own copy."""
    offered = sandi.Pola.from_bytes(data)  # verified; nothing is installed yet
    session.say("pola.first_show", id=offered.id, version=offered.version,
                authority=offered.authority.name, decree=offered.decree.number,
                fingerprint=offered.authority.fingerprint())
    if click.confirm(session.t("pola.first_confirm"), default=False, err=True):
        return offered.authority.fingerprint()
    return None


def _freshness_doc(p: sandi.pola.PolaContent) -> dict[str, Any]:
    policy = p.freshness
    if not isinstance(p, sandi.Pola):  # a file, not installed: its policy, no statement
        return {"required": policy is not None, "stale": None,
                "max_age_hours": None if policy is None else policy.max_age // 3600,
                "fresh_until": None,
                "refuse_above": None if policy is None else policy.refuse_above.slug}
    status = p.freshness_status()
    return {"required": status.required, "stale": status.stale,
            "max_age_hours": None if policy is None else policy.max_age // 3600,
            "fresh_until": None if status.fresh_until is None else iso(status.fresh_until),
            "refuse_above": None if status.refuse_above is None else status.refuse_above.slug}


@pola.command("update", help="pola.update.help")
@click.argument("source", metavar="FILE|URL")
@option("--fingerprint", metavar="CODE", help="opt.fingerprint")
@option("--freshness", metavar="FILE|URL", help="opt.freshness")
@json_option
@pass_session
def update(session: Session, source: str, fingerprint: str | None,
           freshness: str | None) -> None:
    with session.audited("pola-install") as note:
        data = sandi.pola.fetch(source)  # a file, or the authority's http(s) address
        # The freshness statement is published beside the pola; one given by name must be
        # there, the one beside may not be (an authority without a timestamp role).
        statement = sandi.pola.fetch_freshness(freshness or sandi.pola.beside(source),
                                               missing_ok=freshness is None)
        before = session.home.trusted_pola()
        if before is None and fingerprint is None and _interactive():
            fingerprint = _confirmed_fingerprint(session, data)
        new = session.home.install_pola(data, fingerprint=fingerprint, freshness=statement)
        note.doc_id = f"{new.id} v{new.version}"
    unchanged = before is not None and before.version == new.version
    session.emit({"id": new.id, "version": new.version, "previous_version":
                  None if before is None else before.version, "changed": not unchanged,
                  "freshness": _freshness_doc(new)})
    if unchanged:
        session.say("pola.unchanged", id=new.id, version=new.version)
    elif before is None:
        session.say("pola.installed_first", id=new.id, version=new.version,
                    home=session.home.path)
    else:
        session.say("pola.installed", id=new.id, version=new.version, old=before.version)
    status = new.freshness_status()
    if status.required and not status.stale:
        assert status.fresh_until is not None
        session.say("pola.fresh_until", when=when(status.fresh_until))
    warn_if_stale(session, new)


# The authority's commands of this group live in their own modules (loaded with this
# one: the group is imported only when `sandi pola` runs).
for _command in authority.COMMANDS + signing.COMMANDS + pola_views.COMMANDS:
    pola.add_command(_command)
