"""``sandi pola build``, ``sign``, ``publish`` and ``timestamp``: from the workspace to
``pola.sandi`` and its freshness statement.

``build`` compiles the source into an unsigned draft of the next version;
each custodian adds a signature with ``sign --key FILE``; ``publish`` checks the
draft exactly as a home would (threshold, and after an authority change k of
the old and k of the new custodians) and writes ``pola.sandi``. ``timestamp --key
FILE`` signs ``freshness.sandi`` with the timestamp key, every few hours (a
scheduled job: docs/custodians.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import sandi

from . import pola_views
from .authority import dir_option
from .context import (
    LocalizedCommand,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    shown,
    when,
)
from .params import custodian_passphrase_option, get_passphrase
from .passwd import warn_if_weak


def _old_authority(ws: sandi.authority.Workspace, draft: Any) -> Any:
    """The previously published authority, if the draft changes it (else None)."""
    previous = ws.previous()
    if previous is None or previous.body.authority == draft.body.authority:
        return None
    return previous.body.authority


@click.command("build", cls=LocalizedCommand, help="pola.build.help")
@dir_option
@json_option
@pass_session
def build(session: Session, directory: Path) -> None:
    ws = sandi.authority.Workspace(directory)
    draft = ws.build()
    body = draft.body
    old = _old_authority(ws, draft)
    session.emit({"draft": str(ws.draft_path), "id": body.id, "version": body.version,
                  "agencies": len(body.agencies), "rules": len(body.rules),
                  "expires_at": iso(body.expires_at), "threshold": body.authority.threshold,
                  "previous_threshold": None if old is None else old.threshold})
    session.say("build.done", id=body.id, version=body.version, agencies=len(body.agencies),
                rules=len(body.rules), path=shown(ws.draft_path), expires=when(body.expires_at))
    session.say("build.next", threshold=body.authority.threshold,
                ids=", ".join(k.id for k in body.authority.keys))
    if old is not None:
        session.say("build.next_old", threshold=old.threshold,
                    ids=", ".join(k.id for k in old.keys))


@click.command("sign", cls=LocalizedCommand, help="pola.sign.help")
@dir_option
@option("--key", "key_file", required=True, metavar="FILE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path), help="opt.sign_key")
@option("--yes", is_flag=True, help="opt.sign_yes")
@custodian_passphrase_option
@json_option
@pass_session
def sign(session: Session, directory: Path, key_file: Path, yes: bool,
         passphrase_file: Path | None) -> None:
    ws = sandi.authority.Workspace(directory)
    reviewed = ws.draft()  # "run build first" before anything else
    review = _review(session, ws, reviewed, yes)
    key = sandi.authority.load_custodian_key(key_file, get_passphrase(
        session, passphrase_file, prompt="pass.custodian_prompt"))
    cost = sandi.keys.key_file_cost(key_file)
    warn_if_weak(session, key_file, cost.cost, cost.kind.floor)
    # Signs only the body that was shown: a draft rebuilt or replaced meanwhile is refused.
    status = ws.sign(key, reviewed=reviewed.body_bytes)
    draft = ws.draft()
    old = _old_authority(ws, draft)
    doc: dict[str, Any] = {"signer": key.id, "version": draft.body.version,
                           "signed": list(status.valid), "threshold": status.threshold,
                           "keys": status.keys, "complete": status.ok, "review": review}
    old_signed: list[str] = []
    if old is not None:
        ids = {k.id for k in old.keys}
        old_signed = sorted({kid for kid, _ in draft.signatures if kid in ids})
        doc["previous"] = {"signed": old_signed, "threshold": old.threshold,
                           "keys": len(old.keys)}
    session.emit(doc)
    session.say("sign.done", id=key.id, version=draft.body.version)
    session.echo(session.t("pola.signed", signed=len(status.valid), keys=status.keys,
                           threshold=status.threshold))
    if old is not None:
        session.say("sign.previous", signed=len(old_signed), keys=len(old.keys),
                    threshold=old.threshold)
    ready = status.ok and (old is None or len(old_signed) >= old.threshold)
    session.say("sign.ready" if ready else "sign.more")


def _review(session: Session, ws: sandi.authority.Workspace, signed: Any, yes: bool
            ) -> dict[str, Any]:
    """Show the custodian what they are about to sign (the changes from the published
    pola, or the whole draft for a first version) and ask; ``--yes`` answers for a
    script, and without it nothing is signed where nobody can answer."""
    if not yes and (session.json or not pola_views.at_terminal()):
        raise sandi.errors.InvalidArgument(session.t("sign.needs_yes"))
    draft = sandi.pola.Draft.from_bytes(signed.to_bytes())
    published = ws.previous()
    review: dict[str, Any] = {"against": None, "changes": None}
    if published is None:
        from .pola import describe  # the group imports this module: import on use
        describe(session, draft)
    else:
        before = sandi.pola.Draft.from_bytes(published.to_bytes())
        changes = sandi.pola.diff(before, draft)
        pola_views.show_changes(session, before, draft, changes)
        review = {"against": pola_views.side_doc(before),
                  "changes": [pola_views.change_doc(c) for c in changes]}
    if not yes and not click.confirm(session.t("sign.confirm", id=draft.id,
                                               version=draft.version), default=False,
                                     err=True):
        session.fail(session.t("sign.declined"), session.t("sign.declined_hint"))
    return review


@click.command("publish", cls=LocalizedCommand, help="pola.publish.help")
@dir_option
@json_option
@pass_session
def publish(session: Session, directory: Path) -> None:
    ws = sandi.authority.Workspace(directory)
    pola = ws.publish()
    fingerprint = pola.authority.fingerprint()
    archived = ws.path / "published" / f"pola-v{pola.version}.sandi"
    session.emit({"id": pola.id, "version": pola.version, "pola": str(ws.published_path),
                  "archived": str(archived), "authority_fingerprint": fingerprint,
                  "expires_at": iso(pola.expires_at)})
    session.say("publish.done", id=pola.id, version=pola.version,
                path=shown(ws.published_path), archived=shown(archived))
    session.say("publish.fingerprint", fingerprint=fingerprint)
    session.say("publish.next", path=shown(ws.published_path), fingerprint=fingerprint)
    if pola.freshness is not None:
        session.say("publish.timestamp_next", path=shown(ws.freshness_path))


@click.command("timestamp", cls=LocalizedCommand, help="pola.timestamp.help")
@dir_option
@option("--key", "key_file", required=True, metavar="FILE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path), help="opt.timestamp_key")
@option("--hours", type=click.IntRange(1, 744), metavar="N", help="opt.timestamp_hours")
@custodian_passphrase_option
@json_option
@pass_session
def timestamp(session: Session, directory: Path, key_file: Path, hours: int | None,
              passphrase_file: Path | None) -> None:
    ws = sandi.authority.Workspace(directory)
    key = sandi.authority.load_custodian_key(key_file, get_passphrase(
        session, passphrase_file, prompt="pass.custodian_prompt"))
    ws.timestamp(key, hours=hours)
    published = sandi.Pola.load(ws.published_path, freshness=ws.freshness_path)
    status = published.freshness_status()
    assert status.fresh_until is not None
    session.emit({"id": published.id, "version": published.version,
                  "freshness": str(ws.freshness_path), "fresh_until": iso(status.fresh_until)})
    session.say("timestamp.done", id=published.id, version=published.version,
                path=shown(ws.freshness_path), when=when(status.fresh_until))


COMMANDS: list[click.Command] = [build, sign, publish, timestamp]
