"""``sandi members ...``: officials' own keys under their agency (no shared passphrase).

For the agency custodian, at the workstation officials share:

* ``members init NEW`` turns the home's passphrase keystore into a vault whose
  key is wrapped to each member's personal key, with NEW as its first member; the
  keystore file (one passphrase, easy to share) is deleted.
* ``members add NEW`` gives a new official a personal key (they type their own
  passphrase) and a slot in the vault, and writes the member request that the
  authority applies with ``sandi pola member add``.
* ``members suspend|reinstate ID`` write a member-status request.
* ``members remove ID`` drops the slot, rotates the agency key and the vault key,
  and writes the key-change and member-status requests: the removed official can
  open nothing sealed to the new key, and signs nothing valid after the removal.
* ``members list`` shows the members the pola lists and who holds a slot here.

The acting official is the global ``--member`` (their own passphrase unlocks it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

import sandi

from .context import (
    LocalizedCommand,
    LocalizedGroup,
    Session,
    json_option,
    option,
    pass_session,
    shown,
)
from .lifecycle import (
    pola_current,
    request_out_option,
    request_path,
    write_request,
)
from .params import (
    AGENCY,
    TIME,
    get_passphrase,
    installed_pola,
    open_keystore,
    passphrase_option,
)


@click.group("members", cls=LocalizedGroup, help="members.help")
def members() -> None:
    """The members command group."""


def _new_passphrase_option(f: Any) -> Any:
    return option("--new-passphrase-file", "new_passphrase_file", metavar="FILE",
                  type=click.Path(dir_okay=False, path_type=Path),
                  help="opt.new_passphrase_file")(f)


def _vault(session: Session, passphrase_file: Path | None) -> Any:
    store = open_keystore(session, passphrase_file)
    if not hasattr(store, "add_member"):
        raise click.UsageError(session.t("members.no_vault"))
    return store


@members.command("init", cls=LocalizedCommand, help="members.init.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@option("--pq", is_flag=True, help="opt.pq")
@request_out_option
@passphrase_option
@_new_passphrase_option
@json_option
@pass_session
def init(session: Session, member: str, pq: bool, request_out: Path | None,
         passphrase_file: Path | None, new_passphrase_file: Path | None) -> None:
    with session.audited("members-init") as note:
        if not sandi.Keystore.exists(session.home.path):
            raise sandi.errors.NoKeystore(session.t("keystore.missing", home=session.home.path))
        pola = installed_pola(session)
        old = get_passphrase(session, passphrase_file)
        mine = get_passphrase(session, new_passphrase_file, confirm=True,
                              prompt="members.prompt_new")
        personal = sandi.keys.adopt_keystore(session.home.path, passphrase=old,
                                                member=member, member_passphrase=mine, pq=pq)
        session.member = member
        store = sandi.Keystore.open(session.home.path, passphrase=mine, member=member)
        agency = store.agencies()[0]
        note.agency, note.doc_id = agency, member
        path = request_path(request_out, f"{agency}-{member}.member.request")
        write_request(session, path, sandi.authority.member_enrollment(
            personal, pola_current(pola, store, agency)))
    session.say("members.initialised", member=member, home=shown(session.home.path))
    _report_enrolled(session, agency, member, path, personal)


@members.command("add", cls=LocalizedCommand, help="members.add.help")
@click.argument("new", type=AGENCY, metavar="MEMBER")
@option("--pq", is_flag=True, help="opt.pq")
@request_out_option
@passphrase_option
@_new_passphrase_option
@json_option
@pass_session
def add(session: Session, new: str, pq: bool, request_out: Path | None,
        passphrase_file: Path | None, new_passphrase_file: Path | None) -> None:
    with session.audited("members-add") as note:
        pola = installed_pola(session)
        store = _vault(session, passphrase_file)
        agency = store.agencies()[0]
        note.agency, note.doc_id = agency, new
        path = request_path(request_out, f"{agency}-{new}.member.request")
        if path.exists():
            raise sandi.errors.OutputExists(session.t("out.exists", path=shown(path)))
        theirs = get_passphrase(session, new_passphrase_file, confirm=True,
                                prompt="members.prompt_new")
        personal = sandi.keys.create_member_key(session.home.path, new, passphrase=theirs,
                                                   pq=pq)
        store.add_member(new, personal.public)
        write_request(session, path, sandi.authority.member_enrollment(
            personal, pola_current(pola, store, agency)))
    _report_enrolled(session, agency, new, path, personal)


def _report_enrolled(session: Session, agency: str, member: str, path: Path,
                     personal: sandi.keys.AgencyKey) -> None:
    """What the custodian hands on: the request file, and the fingerprint to read out."""
    fingerprint = personal.public.fingerprint()
    session.emit({"agency": agency, "member": member, "request": str(path),
                  "fingerprint": fingerprint})
    session.say("members.added", member=member, agency=agency, path=shown(path))
    session.say("keys.fingerprint", fingerprint=fingerprint)


def _status_request(session: Session, member: str, status: str, effective: datetime | None,
                    request_out: Path | None, passphrase_file: Path | None) -> None:
    with session.audited(f"members-{status}") as note:
        pola = installed_pola(session)
        store = open_keystore(session, passphrase_file)
        agency = store.agencies()[0]
        note.agency, note.doc_id = agency, member
        pola.agency(agency).member(member)  # refuse a name the pola does not list
        at = int((effective or datetime.now(UTC)).timestamp())
        path = request_path(request_out, f"{agency}-{member}-{status}.request")
        write_request(session, path, sandi.authority.member_status(
            pola_current(pola, store, agency), member, status, at))
    session.emit({"agency": agency, "member": member, "status": status, "effective": at,
                  "request": str(path)})
    session.say("members.status_request", member=member, status=status, path=shown(path))


@members.command("suspend", cls=LocalizedCommand, help="members.suspend.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@option("--effective", type=TIME, help="opt.effective")
@request_out_option
@passphrase_option
@json_option
@pass_session
def suspend(session: Session, member: str, effective: datetime | None,
            request_out: Path | None, passphrase_file: Path | None) -> None:
    _status_request(session, member, "suspended", effective, request_out, passphrase_file)


@members.command("reinstate", cls=LocalizedCommand, help="members.reinstate.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@request_out_option
@passphrase_option
@json_option
@pass_session
def reinstate(session: Session, member: str, request_out: Path | None,
              passphrase_file: Path | None) -> None:
    _status_request(session, member, "active", None, request_out, passphrase_file)


@members.command("remove", cls=LocalizedCommand, help="members.remove.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@option("--pq", is_flag=True, help="opt.pq_rotate")
@request_out_option
@passphrase_option
@json_option
@pass_session
def remove(session: Session, member: str, pq: bool, request_out: Path | None,
           passphrase_file: Path | None) -> None:
    with session.audited("members-remove") as note:
        pola = installed_pola(session)
        store = _vault(session, passphrase_file)
        agency = store.agencies()[0]
        note.agency, note.doc_id = agency, member
        listed = {m.id: m for m in pola.agency(agency).members}
        others = [m for m in store.members() if m != member]
        if unknown := [m for m in others if m not in listed]:
            raise click.UsageError(session.t("members.not_enrolled", members=", ".join(unknown)))
        remaining = {m: listed[m].keys[-1].keys for m in others}
        current = pola_current(pola, store, agency)
        new = store.remove_member(member, remaining, pq=pq or current.public.has_pq)
        now = int(datetime.now(UTC).timestamp())
        rotate_path = request_path(request_out, f"{agency}-v{new.version}.request")
        status_path = request_path(request_out, f"{agency}-{member}-removed.request")
        write_request(session, rotate_path, sandi.authority.key_change(new, current))
        write_request(session, status_path, sandi.authority.member_status(
            current, member, "removed", now))
    session.emit({"agency": agency, "member": member, "new_version": new.version,
                  "requests": [str(rotate_path), str(status_path)]})
    session.say("members.removed", member=member, agency=agency, version=new.version,
                rotate=shown(rotate_path), status=shown(status_path))


@members.command("list", cls=LocalizedCommand, help="members.list.help")
@option("--agency", "--instansi", "agency", type=AGENCY, help="opt.agency")
@json_option
@pass_session
def list_members(session: Session, agency: str | None) -> None:
    pola = installed_pola(session)
    if agency is None:
        raise click.UsageError(session.t("members.which_agency"))
    rows = [{"id": m.id, "name": m.name, "jabatan": m.jabatan, "nip": m.nip,
             "status": m.status.value, "key_versions": [k.version for k in m.keys]}
            for m in pola.agency(agency).members]
    session.emit({"agency": agency, "members": rows})
    for row in rows:
        session.echo(f"{row['id']:<16} {row['status']:<10} {row['name']}, {row['jabatan']}")
    if not rows:
        session.say("members.none", agency=agency)
