"""``sandi pola`` authoring commands for the persandian authority.

The authority works in a workspace directory (``--dir``, default the current
one; see :class:`sandi.authority.Workspace`)::

    sandi pola keygen --id kustodian-1 --name "Rina Marlina" -o k1.key   # each custodian
    sandi pola init --id kota-contoh --name ... --authority ... \\
        --custodian k1.key.pub --custodian k2.key.pub --custodian k3.key.pub --threshold 2 \\
        --decree-number ... --decree-date 2026-01-02 --decree-title ...
    sandi pola agency add diskominfo-v1.request --name ... --abbrev ... --group dinas
    sandi pola allow diskominfo bkpsdmd --up-to rahasia
    sandi pola build
    sandi pola sign --key k1.key          # k custodians, one after another
    sandi pola publish                    # pola.sandi, for `sandi pola update`

Key requests from agency custodians (``sandi keys rotate`` / ``revoke``) are
applied with ``sandi pola request FILE``; a new authority set with
``sandi pola authority``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

import sandi

from .context import (
    LocalizedCommand,
    LocalizedGroup,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    shown,
    when,
    write_new,
)
from .params import CLASSIFICATION, custodian_passphrase_option, get_passphrase
from .passwd import new_file_cost

F = TypeVar("F", bound=Callable[..., Any])

_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def dir_option(f: F) -> F:
    """``--dir DIR``: the authority's workspace (default: the current directory)."""
    return option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
                  default=Path(), show_default=".", metavar="DIR", help="opt.workspace")(f)


def custodian_keys(session: Session, paths: tuple[Path, ...]) -> list[Any]:
    """Custodians' public keys from their ``.pub`` files."""
    keys = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(session.t("authority.bad_pub", path=path,
                                               reason=exc), param_hint="--custodian") from None
        keys.append(sandi.authority.parse_public_key_text(text))
    return keys


def _threshold_line(session: Session, keys: list[Any], threshold: int) -> str:
    return session.t("authority.set", threshold=threshold, count=len(keys),
                     ids=", ".join(f"{k.id} ({k.custodian})" for k in keys))


# --- custodian keys and the workspace -------------------------------------------------


@click.command("keygen", cls=LocalizedCommand, help="pola.keygen.help")
@option("--id", "key_id", required=True, metavar="ID", help="opt.custodian_id")
@option("--name", required=True, metavar="NAME", help="opt.custodian_name")
@option("-o", "--output", "output", required=True, metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path), help="opt.custodian_key")
@custodian_passphrase_option
@json_option
@pass_session
def keygen(session: Session, key_id: str, name: str, output: Path,
           passphrase_file: Path | None) -> None:
    public_path = output.with_name(output.name + ".pub")
    for path in (output, public_path):
        if path.exists():
            raise sandi.errors.OutputExists(session.t("out.exists", path=shown(path)))
    key = sandi.authority.AuthorityKeyPair.generate(key_id, name)
    passphrase = get_passphrase(session, passphrase_file, confirm=True,
                                prompt="pass.custodian_prompt")
    sandi.authority.save_custodian_key(output, key, passphrase, kdf=new_file_cost(custodian=True))
    write_new(session, public_path, sandi.authority.public_key_text(key.public).encode("utf-8"))
    session.emit({"id": key_id, "custodian": name, "key": str(output),
                  "public_key": str(public_path)})
    session.say("keygen.done", id=key_id, name=name, path=shown(output))
    session.say("keygen.public", path=shown(public_path))


@click.command("init", cls=LocalizedCommand, help="pola.init.help")
@dir_option
@option("--id", "pola_id", required=True, metavar="SLUG", help="opt.pola_id")
@option("--name", required=True, metavar="NAME", help="opt.pola_name")
@option("--authority", "authority_name", required=True, metavar="NAME",
        help="opt.authority_name")
@option("--custodian", "custodians", multiple=True, required=True, type=_EXISTING_FILE,
        metavar="FILE.pub", help="opt.custodian")
@option("--threshold", required=True, type=click.IntRange(min=1), metavar="K",
        help="opt.threshold")
@option("--decree-number", required=True, metavar="TEXT", help="opt.decree_number")
@option("--decree-date", required=True, metavar="YYYY-MM-DD", help="opt.decree_date")
@option("--decree-title", required=True, metavar="TEXT", help="opt.decree_title")
@option("--valid-days", type=click.IntRange(1, 3660), default=365, show_default=True,
        metavar="N", help="opt.valid_days")
@option("--timestamp-key", type=_EXISTING_FILE, metavar="FILE.pub", help="opt.timestamp_pub")
@json_option
@pass_session
def init(session: Session, directory: Path, pola_id: str, name: str, authority_name: str,
         custodians: tuple[Path, ...], threshold: int, decree_number: str, decree_date: str,
         decree_title: str, valid_days: int, timestamp_key: Path | None) -> None:
    keys = custodian_keys(session, custodians)
    stamp = None if timestamp_key is None else custodian_keys(session, (timestamp_key,))[0]
    ws = sandi.authority.Workspace.init(directory, pola_id=pola_id, name=name,
                              authority_name=authority_name, custodians=keys,
                              threshold=threshold, decree_number=decree_number,
                              decree_date=decree_date, decree_title=decree_title,
                              valid_days=valid_days, timestamp_key=stamp)
    session.emit({"workspace": str(ws.path), "id": pola_id, "threshold": threshold,
                  "custodians": [k.id for k in keys], "valid_days": valid_days})
    session.say("init.done", path=shown(ws.path), id=pola_id)
    session.echo(_threshold_line(session, keys, threshold))
    if stamp is None:
        session.warn(session.t("init.no_timestamp"))
    session.say("init.next")


# --- agencies and rules -------------------------------------------------------------


@click.group("agency", cls=LocalizedGroup, help="pola.agency.help")
def agency() -> None:
    pass


@agency.command("add", help="pola.agency.add.help")
@click.argument("request", type=_EXISTING_FILE)
@dir_option
@option("--name", required=True, metavar="NAME", help="opt.agency_name")
@option("--abbrev", required=True, metavar="TEXT", help="opt.abbrev")
@option("--group", "groups", multiple=True, metavar="G", help="opt.group")
@option("--sipd", metavar="CODE", help="opt.sipd")
@json_option
@pass_session
def agency_add(session: Session, request: Path, directory: Path, name: str, abbrev: str,
               groups: tuple[str, ...], sipd: str | None) -> None:
    req = sandi.authority.Workspace(directory).add_agency(request.read_bytes(), name=name,
                                                abbrev=abbrev, groups=list(groups), sipd=sipd)
    fingerprint = req.keys.fingerprint()
    session.emit({"agency": req.agency, "version": req.version, "fingerprint": fingerprint,
                  "pq": req.keys.has_pq, "name": name, "abbrev": abbrev,
                  "groups": list(groups), "sipd": sipd})
    session.say("agency.added", agency=req.agency, version=req.version, name=name)
    session.say("keys.fingerprint", fingerprint=fingerprint)
    session.say("agency.compare")


@agency.command("rekey", help="pola.agency.rekey.help")
@click.argument("request", type=_EXISTING_FILE)
@dir_option
@json_option
@pass_session
def agency_rekey(session: Session, request: Path, directory: Path) -> None:
    req = sandi.authority.Workspace(directory).rekey_agency(request.read_bytes())
    fingerprint = req.keys.fingerprint()
    session.emit({"agency": req.agency, "version": req.version, "fingerprint": fingerprint,
                  "pq": req.keys.has_pq})
    session.say("agency.rekeyed", agency=req.agency, version=req.version)
    session.say("keys.fingerprint", fingerprint=fingerprint)
    session.say("agency.compare")
    session.say("rule.next")


@agency.command("remove", help="pola.agency.remove.help")
@click.argument("agency_id", metavar="AGENCY")
@dir_option
@json_option
@pass_session
def agency_remove(session: Session, agency_id: str, directory: Path) -> None:
    sandi.authority.Workspace(directory).remove_agency(agency_id)
    session.emit({"removed": agency_id})
    session.say("agency.removed", agency=agency_id)


def _rule(session: Session, directory: Path, kind: str, source: str, target: str,
          level: sandi.Classification | None, sarana: str | None, note: str | None) -> None:
    sandi.authority.Workspace(directory).add_rule(sandi.pola.Effect(kind), source, target,
                                                  level, sarana=sarana,
                                                  note=note)
    session.emit({"effect": kind, "from": source, "to": target,
                  "level": None if level is None else level.slug, "sarana": sarana,
                  "note": note})
    shown_level = (level or sandi.Classification.BIASA).label
    session.echo(session.t(f"pola.rule.{kind}", source=source, target=target,
                           level=shown_level))
    session.say("rule.next")


@click.command("allow", cls=LocalizedCommand, help="pola.allow.help")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@dir_option
@option("--up-to", "level", required=True, type=CLASSIFICATION, help="opt.up_to")
@option("--sarana", metavar="TEXT", help="opt.sarana")
@option("--note", metavar="TEXT", help="opt.note")
@json_option
@pass_session
def allow(session: Session, source: str, target: str, directory: Path,
          level: sandi.Classification, sarana: str | None, note: str | None) -> None:
    _rule(session, directory, "allow", source, target, level, sarana, note)


@click.command("deny", cls=LocalizedCommand, help="pola.deny.help")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@dir_option
@option("--from-level", "level", type=CLASSIFICATION, help="opt.from_level")
@option("--note", metavar="TEXT", help="opt.note")
@json_option
@pass_session
def deny(session: Session, source: str, target: str, directory: Path,
         level: sandi.Classification | None, note: str | None) -> None:
    _rule(session, directory, "deny", source, target, level, None, note)


# --- key requests and the authority set ----------------------------------------------


@click.command("request", cls=LocalizedCommand, help="pola.request.help")
@click.argument("request", type=_EXISTING_FILE)
@dir_option
@json_option
@pass_session
def request(session: Session, request: Path, directory: Path) -> None:
    req = sandi.authority.Workspace(directory).apply_request(request.read_bytes())
    doc: dict[str, Any] = {"kind": req.kind.value, "agency": req.agency,
                           "signed_by": req.signed_by}
    if isinstance(req, sandi.authority.MemberStatusRequest):
        doc.update(version=req.signed_by, effective_at=iso(req.effective_at), reason=None,
                   member=req.member, status=req.status.value)
        session.emit(doc)
        session.say("request.member_status", agency=req.agency, member=req.member,
                    status=req.status.value, when=when(req.effective_at))
    elif isinstance(req, sandi.authority.RotateRequest):
        doc.update(version=req.version, fingerprint=req.keys.fingerprint())
        session.emit(doc)
        session.say("request.rotated", agency=req.agency, version=req.version)
        session.say("keys.fingerprint", fingerprint=doc["fingerprint"])
        session.say("agency.compare")
    else:
        doc.update(version=req.version, reason=req.reason.value,
                   effective_at=iso(req.effective_at))
        session.emit(doc)
        session.say("request.revoked", agency=req.agency, version=req.version,
                    reason=req.reason.value, when=when(req.effective_at))
    session.say("rule.next")


@click.command("authority", cls=LocalizedCommand, help="pola.authority.help")
@dir_option
@option("--custodian", "custodians", multiple=True, required=True, type=_EXISTING_FILE,
        metavar="FILE.pub", help="opt.custodian")
@option("--threshold", required=True, type=click.IntRange(min=1), metavar="K",
        help="opt.threshold")
@option("--timestamp-key", type=_EXISTING_FILE, metavar="FILE.pub", help="opt.timestamp_pub")
@json_option
@pass_session
def authority(session: Session, directory: Path, custodians: tuple[Path, ...],
              threshold: int, timestamp_key: Path | None) -> None:
    ws = sandi.authority.Workspace(directory)
    keys = custodian_keys(session, custodians)
    stamp = None if timestamp_key is None else custodian_keys(session, (timestamp_key,))[0]
    ws.set_authority(keys, threshold, timestamp_key=stamp)
    previous = ws.previous()
    old = None if previous is None else previous.body.authority
    session.emit({"threshold": threshold, "custodians": [k.id for k in keys],
                  "previous": None if old is None else {
                      "threshold": old.threshold, "custodians": [k.id for k in old.keys]}})
    session.echo(_threshold_line(session, keys, threshold))
    if old is not None:
        session.say("authority.rotation", old=old.threshold, old_ids=", ".join(
            k.id for k in old.keys), new=threshold, new_ids=", ".join(k.id for k in keys))
    session.say("rule.next")


@click.group("member", cls=LocalizedGroup, help="pola.member.help")
def member() -> None:
    """Members of an agency, enrolled from their custodian's member request."""


@member.command("add", help="pola.member.add.help")
@click.argument("request", type=_EXISTING_FILE)
@dir_option
@option("--name", required=True, metavar="NAME", help="opt.member_name")
@option("--jabatan", required=True, metavar="TEXT", help="opt.jabatan")
@option("--nip", metavar="NIP", help="opt.nip")
@json_option
@pass_session
def member_add(session: Session, request: Path, directory: Path, name: str, jabatan: str,
               nip: str | None) -> None:
    req = sandi.authority.Workspace(directory).add_member(request.read_bytes(), name=name,
                                                jabatan=jabatan, nip=nip)
    fingerprint = req.keys.fingerprint()
    session.emit({"agency": req.agency, "member": req.member, "fingerprint": fingerprint,
                  "name": name, "jabatan": jabatan, "nip": nip})
    session.say("member.added", member=req.member, agency=req.agency, name=name)
    session.say("keys.fingerprint", fingerprint=fingerprint)


COMMANDS: list[click.Command] = [keygen, init, agency, member, allow, deny, request, authority]
