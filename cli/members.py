"""``sandi members ...``: officials' own keys under their agency (no shared passphrase).

For the agency custodian, at the workstation officials share:

* ``members init NEW`` turns the home's passphrase keystore into a vault whose
  key is wrapped to each member's personal key, with NEW as its first member; the
  keystore file (one passphrase, easy to share) is deleted.
* ``members add NEW`` gives a new official a personal key (they type their own
  passphrase) and a slot in the vault, and writes the member request that the
  authority applies with ``sandi pola member add``.
* ``members suspend|remove ID`` drop the member's slot, make a new vault key and the
  agency's next key version, and write the key-change and member-status requests:
  with whatever they kept, the official opens nothing sealed to the new key, and signs
  nothing valid after the change. ``members reinstate ID`` gives the slot back and
  writes the status request.
* ``members list`` shows the members the pola lists.

Every change is saved in the vault together with the requests it needs (pending
requests), under the vault's lock, before any request file is written; killed at any
point, the same command run again finishes the job (:class:`sandi_cli.lifecycle.Delivery`).
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
    iso,
    json_option,
    option,
    pass_session,
    shown,
)
from .lifecycle import (
    REQUEST_SUFFIX,
    Delivery,
    pending_request,
    pola_current,
    request_out_option,
    request_path,
)
from .params import (
    AGENCY,
    TIME,
    get_passphrase,
    installed_pola,
    open_keystore,
    passphrase_option,
)
from .passwd import new_file_cost


@click.group("members", cls=LocalizedGroup, help="members.help")
def members() -> None:
    """The members command group."""


def _new_passphrase_option(f: Any) -> Any:
    return option("--new-passphrase-file", "new_passphrase_file", metavar="FILE",
                  type=click.Path(dir_okay=False, path_type=Path),
                  help="opt.new_passphrase_file")(f)


def _vault(session: Session, passphrase_file: Path | None) -> sandi.Keystore:
    store = open_keystore(session, passphrase_file)
    if not store.in_vault:
        raise click.UsageError(session.t("members.no_vault"))
    return store


def _member_request(operation: str, agency: str, member: str, personal: sandi.keys.AgencyKey,
                    current: sandi.keys.AgencyKey) -> sandi.keys.PendingRequest:
    return pending_request(operation, f"{agency}-{member}.member{REQUEST_SUFFIX}",
                           sandi.authority.member_enrollment(personal, current))


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
    operation = f"members init {member}"
    with session.audited("members-init") as note:
        if not sandi.Keystore.exists(session.home.path):
            raise sandi.errors.NoKeystore(session.t("keystore.missing", home=session.home.path))
        pola = installed_pola(session)
        old = get_passphrase(session, passphrase_file)
        mine = get_passphrase(session, new_passphrase_file, confirm=True,
                              prompt="members.prompt_new")

        def requests(personal: sandi.keys.AgencyKey, keys: Any) -> list[Any]:
            agency = keys[0].agency
            version = pola.agency(agency).current.version
            current = next(k for k in keys if k.version == version)
            return [_member_request(operation, agency, member, personal, current)]

        sandi.keys.adopt_keystore(session.home.path, passphrase=old, member=member,
                                  member_passphrase=mine, pq=pq, kdf=new_file_cost(),
                                  requests=requests)
        session.member = member
        store = sandi.Keystore.open(session.home.path, passphrase=mine, member=member,
                                    pola=pola)
        agency = store.vault_agency
        note.agency, note.doc_id = agency, member
        deliver = Delivery(session, request_out)
        store.finish_pending(operation, deliver)
        paths = deliver.paths
    if not paths:  # done already: the request was written by an earlier run
        _nothing_to_do(session, "members.already", agency, member)
        return
    session.say("members.initialised", member=member, home=shown(session.home.path))
    _report_enrolled(session, agency, member, paths)


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
    operation = f"members add {new}"
    with session.audited("members-add") as note:
        pola = installed_pola(session)
        store = _vault(session, passphrase_file)
        agency = store.vault_agency
        note.agency, note.doc_id = agency, new
        deliver = Delivery(session, request_out)
        if not store.finish_pending(operation, deliver):  # a killed run's request, else:
            if new in store.members():
                _nothing_to_do(session, "members.already", agency, new)
                return
            name = f"{agency}-{new}.member{REQUEST_SUFFIX}"
            if request_path(request_out, name).exists():  # before making a key in vain
                raise sandi.errors.OutputExists(session.t(
                    "out.exists", path=shown(request_path(request_out, name))))
            theirs = get_passphrase(session, new_passphrase_file, confirm=True,
                                    prompt="members.prompt_new")
            hybrid = pq or any(k.public.has_pq for k in store.keys(agency))
            personal = _personal_key(session, new, theirs, hybrid)
            store.add_member(new, personal.public, deliver=deliver, requests=[_member_request(
                operation, agency, new, personal, pola_current(pola, store, agency))])
    _report_enrolled(session, agency, new, deliver.paths)


def _personal_key(session: Session, member: str, passphrase: str,
                  pq: bool) -> sandi.keys.AgencyKey:
    """A new personal key, or the one an interrupted run made (its passphrase opens it)."""
    home = session.home.path
    if sandi.keys.member_key_path(home, member).exists():
        return sandi.keys.unlock_member_key(home, member, passphrase)[0]
    return sandi.keys.create_member_key(home, member, passphrase=passphrase, pq=pq,
                                        kdf=new_file_cost())


def _nothing_to_do(session: Session, msg_id: str, agency: str, member: str) -> None:
    session.emit({"agency": agency, "member": member, "requests": [], "changed": False})
    session.say(msg_id, member=member, agency=agency)


def _report_enrolled(session: Session, agency: str, member: str, paths: list[Path]) -> None:
    """What the custodian hands on: the request file, and the fingerprint to read out."""
    path, = paths
    fingerprint = _request_keys(path).fingerprint()
    session.emit({"agency": agency, "member": member, "request": str(path),
                  "fingerprint": fingerprint})
    session.say("members.added", member=member, agency=agency, path=shown(path))
    session.say("keys.fingerprint", fingerprint=fingerprint)


def _request_keys(path: Path) -> sandi.keys.PublicKeys:
    return sandi.authority.read_request_of(sandi.authority.MemberRequest,
                                           path.read_bytes()).keys


_COMMAND = {sandi.pola.MemberStatus.SUSPENDED: "suspend",
            sandi.pola.MemberStatus.REMOVED: "remove"}


def _drop(session: Session, member: str, status: sandi.pola.MemberStatus,
          effective: datetime | None, pq: bool, request_out: Path | None,
          passphrase_file: Path | None) -> None:
    """Suspend or remove: drop the slot, rotate the vault key and the agency key."""
    operation = f"members {_COMMAND[status]} {member}"
    with session.audited(f"members-{status.value}") as note:
        pola = installed_pola(session)
        store = _vault(session, passphrase_file)
        agency = store.vault_agency
        note.agency, note.doc_id = agency, member
        pola.agency(agency).member(member)  # refuse a name the pola does not list
        deliver = Delivery(session, _as_folder(request_out))
        if not store.finish_pending(operation, deliver):  # a killed run's requests, else:
            if member not in store.members():
                _nothing_to_do(session, "members.no_slot", agency, member)
                return
            current = pola_current(pola, store, agency)
            at = effective or datetime.now(UTC)
            store.remove_member(member, pq=pq or current.public.has_pq, deliver=deliver,
                                requests=lambda new: [
                pending_request(operation, f"{agency}-v{new.version}{REQUEST_SUFFIX}",
                                sandi.authority.key_change(new, current)),
                pending_request(operation, f"{agency}-{member}-{status.value}{REQUEST_SUFFIX}",
                                sandi.authority.member_status(current, member, status, at))])
        rotate_path, status_path = deliver.paths
        new = store.get(agency, sandi.authority.read_request_of(
            sandi.authority.RotateRequest, rotate_path.read_bytes()).version)
    session.emit({"agency": agency, "member": member, "status": status.value,
                  "new_version": new.version,
                  "requests": [str(rotate_path), str(status_path)]})
    session.say(f"members.{status.value}", member=member, agency=agency, version=new.version,
                rotate=shown(rotate_path), status=shown(status_path))
    for other in store.classical_slots():
        session.warn(session.t("members.classical_slot", member=other, agency=agency))


def _as_folder(out: Path | None) -> Path | None:
    """``--request-out`` for a change that writes two requests: a folder, not a file."""
    if out is not None and not out.is_dir():
        raise click.UsageError(f"--request-out: {out}: not a folder")
    return out


@members.command("suspend", cls=LocalizedCommand, help="members.suspend.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@option("--effective", type=TIME, help="opt.effective")
@option("--pq", is_flag=True, help="opt.pq_rotate")
@request_out_option
@passphrase_option
@json_option
@pass_session
def suspend(session: Session, member: str, effective: datetime | None, pq: bool,
            request_out: Path | None, passphrase_file: Path | None) -> None:
    _drop(session, member, sandi.pola.MemberStatus.SUSPENDED, effective, pq, request_out,
          passphrase_file)


@members.command("remove", cls=LocalizedCommand, help="members.remove.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@option("--pq", is_flag=True, help="opt.pq_rotate")
@request_out_option
@passphrase_option
@json_option
@pass_session
def remove(session: Session, member: str, pq: bool, request_out: Path | None,
           passphrase_file: Path | None) -> None:
    _drop(session, member, sandi.pola.MemberStatus.REMOVED, None, pq, request_out, passphrase_file)


@members.command("reinstate", cls=LocalizedCommand, help="members.reinstate.help")
@click.argument("member", type=AGENCY, metavar="MEMBER")
@request_out_option
@passphrase_option
@json_option
@pass_session
def reinstate(session: Session, member: str, request_out: Path | None,
              passphrase_file: Path | None) -> None:
    operation = f"members reinstate {member}"
    with session.audited("members-active") as note:
        pola = installed_pola(session)
        store = _vault(session, passphrase_file)
        agency = store.vault_agency
        note.agency, note.doc_id = agency, member
        listed = pola.agency(agency).member(member)
        deliver = Delivery(session, request_out)
        if not store.finish_pending(operation, deliver):  # a killed run's request, else:
            if member in store.members():
                _nothing_to_do(session, "members.already", agency, member)
                return
            key = listed.keys[-1]  # the personal key the pola publishes
            current = pola_current(pola, store, agency)
            at = datetime.now(UTC)
            store.add_member(member, key.keys, version=key.version, deliver=deliver,
                             requests=[pending_request(
                operation, f"{agency}-{member}-active{REQUEST_SUFFIX}",
                sandi.authority.member_status(current, member, sandi.pola.MemberStatus.ACTIVE,
                                              at))])
        path, = deliver.paths
    session.emit({"agency": agency, "member": member, "status": "active",
                  "request": str(path)})
    session.say("members.status_request", member=member,
                status=session.t("members.status.active"), path=shown(path))


@members.command("list", cls=LocalizedCommand, help="members.list.help")
@option("--agency", "--instansi", "agency", type=AGENCY, help="opt.agency")
@json_option
@pass_session
def list_members(session: Session, agency: str | None) -> None:
    pola = installed_pola(session)
    if agency is None:
        raise click.UsageError(session.t("members.which_agency"))
    rows = [{"id": m.id, "name": m.name, "jabatan": m.jabatan, "nip": m.nip,
             "status": m.status.value, "key_versions": [k.version for k in m.keys],
             "status_at": None if m.status_at is None else iso(m.status_at),
             "suspensions": [[iso(start), iso(until)] for start, until in m.suspensions]}
            for m in pola.agency(agency).members]
    session.emit({"agency": agency, "members": rows})
    for row in rows:
        status = session.t(f"members.status.{row['status']}")  # JSON keeps the stable value
        session.echo(f"{row['id']:<16} {status:<10} {row['name']}, {row['jabatan']}")
    if not rows:
        session.say("members.none", agency=agency)
