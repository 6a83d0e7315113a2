"""``sandi keys``: an agency's private keys in the home's keystore.

``keys init`` makes the first key version of an agency (and the keystore, if
the home has none) and writes the enrollment request for the persandian
authority (saved in the keystore with the key, so a rerun after a kill writes it);
``keys list`` shows every version held and, when a pola is installed, its state
there; ``keys fingerprint`` prints the codes to compare by phone. Rotation and
revocation are in :mod:`sandi_cli.lifecycle`, backup and restore in
:mod:`sandi_cli.backup`, ``keys passwd`` in :mod:`sandi_cli.passwd`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

import sandi

from . import backup, lifecycle, passwd
from .context import (
    LocalizedGroup,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    shown,
    when,
)
from .lifecycle import (
    REQUEST_SUFFIX,
    Delivery,
    pending_request,
    request_out_option,
    request_path,
)
from .params import (
    AGENCY,
    get_passphrase,
    installed_pola,
    open_keystore,
    passphrase_option,
)
from .passwd import new_file_cost


@click.group("keys", cls=LocalizedGroup, help="keys.help")
def keys() -> None:
    pass


@keys.command("init", help="keys.init.help")
@option("--agency", "--instansi", "agency", required=True, type=AGENCY, help="opt.agency")
@option("--pq", is_flag=True, help="opt.pq")
@request_out_option
@passphrase_option
@json_option
@pass_session
def init(session: Session, agency: str, pq: bool, request_out: Path | None,
         passphrase_file: Path | None) -> None:
    home = session.home
    operation = f"keys init --agency {agency}"
    name = f"{agency}-v1{REQUEST_SUFFIX}"
    created = not sandi.Keystore.exists(home.path)
    if created:
        if request_path(request_out, name).exists():  # before making a key in vain
            raise sandi.errors.OutputExists(session.t(
                "out.exists", path=shown(request_path(request_out, name))))
        passphrase = get_passphrase(session, passphrase_file, confirm=True)
        keystore = sandi.Keystore.create(home.path, passphrase=passphrase, kdf=new_file_cost())
    else:
        keystore = open_keystore(session, passphrase_file)
    deliver = Delivery(session, request_out)
    if keystore.finish_pending(operation, deliver):  # a killed run's request
        key = keystore.keys(agency)[0]
    else:
        if agency in keystore.agencies():
            raise sandi.errors.KeystoreExists(session.t("keys.already", agency=agency))
        if request_path(request_out, name).exists():
            raise sandi.errors.OutputExists(session.t(
                "out.exists", path=shown(request_path(request_out, name))))
        key = keystore.generate(agency, pq=pq, deliver=deliver, requests=lambda made: [
            pending_request(operation, f"{agency}-v{made.version}{REQUEST_SUFFIX}",
                            sandi.authority.enrollment(made))])
    request, = deliver.paths
    fingerprint = key.public.fingerprint()
    session.emit({"agency": agency, "version": key.version, "pq": key.public.has_pq,
                  "fingerprint": fingerprint, "keystore_created": created,
                  "home": str(home.path), "request": str(request)})
    if created:
        session.say("keys.created_store", path=keystore.path)
    session.say("keys.made", agency=agency, version=key.version,
                pq=session.t("word.yes" if key.public.has_pq else "word.no"))
    session.say("keys.fingerprint", fingerprint=fingerprint)
    session.say("request.written", path=shown(request))
    session.say("keys.next", path=shown(request), agency=agency)
    _warn_if_pola_wants_pq(session, key.public.has_pq)


def _warn_if_pola_wants_pq(session: Session, pq: bool) -> None:
    pola = session.home.trusted_pola()
    if pola is None or pq:
        return
    hybrid = [r.level.label for r in pola.requirements if r.suite.slug == "hybrid"]
    if hybrid:
        session.warn(session.t("keys.wants_pq", levels=", ".join(hybrid)))


def _published(pola: sandi.Pola | None, key: sandi.keys.AgencyKey) -> Any:
    """The pola's entry for this key version, or None."""
    if pola is None:
        return None
    try:
        return pola.agency(key.agency).key(key.version)
    except sandi.SandiError:
        return None


def _state(pola: sandi.Pola | None, key: sandi.keys.AgencyKey) -> str | None:
    """The key's state in the pola (current, retired, revoked, not-in-pola, differs)."""
    if pola is None:
        return None
    published = _published(pola, key)
    if published is None:
        return "not-in-pola"
    if published.keys != key.public:
        return "differs"
    return str(published.state.value)


def _revocation(pola: sandi.Pola | None, key: sandi.keys.AgencyKey) -> dict[str, str] | None:
    published = _published(pola, key)
    if published is None or published.revoked_at is None:
        return None
    return {"revoked_at": iso(published.revoked_at), "reason": published.reason.value}


def _state_text(session: Session, pola: sandi.Pola | None, key: sandi.keys.AgencyKey) -> str:
    text = session.t(f"state.{_state(pola, key) or 'none'}")
    revoked = _revocation(pola, key)
    if revoked is not None:
        text += " " + session.t("state.revoked_detail", reason=revoked["reason"],
                                when=revoked["revoked_at"])
    return text


@keys.command("list", help="keys.list.help")
@passphrase_option
@json_option
@pass_session
def list_keys(session: Session, passphrase_file: Path | None) -> None:
    keystore = open_keystore(session, passphrase_file)
    pola = session.home.trusted_pola()  # expiry does not matter for a listing
    held = keystore.keys()
    rows = [{"agency": k.agency, "version": k.version, "created_at": iso(k.created_at),
             "pq": k.public.has_pq, "fingerprint": k.public.fingerprint(),
             "state": _state(pola, k), **(_revocation(pola, k) or {})} for k in held]
    backup = keystore.backup_key
    session.emit({"home": str(session.home.path),
                  "pola": None if pola is None else {"id": pola.id, "version": pola.version},
                  "keys": rows, "backup_key": None if backup is None else backup.fingerprint(),
                  "pending_requests": [{"operation": p.operation, "name": p.name}
                                       for p in keystore.pending()]})
    for pending in keystore.pending():  # a change killed before its request was written
        session.warn(session.t("keys.pending", operation=pending.operation,
                               name=pending.name))
    if not held:
        session.say("keys.none", home=session.home.path)
        return
    s = session.t
    header = (s("col.agency"), s("col.version"), s("col.created"), "PQ",
              s("col.fingerprint"), s("col.state"))
    lines = [(k.agency, f"v{k.version}", when(k.created_at),
              s("word.yes" if k.public.has_pq else "word.no"), k.public.fingerprint(),
              _state_text(session, pola, k)) for k in held]
    for line in format_columns([header, *lines]):
        session.echo(line)
    if backup is not None:
        session.say("backup.key", fingerprint=backup.fingerprint())
    if pola is None:
        session.say("keys.no_pola")


@keys.command("fingerprint", help="keys.fingerprint.help")
@option("--agency", "--instansi", "agency", type=AGENCY, help="opt.fingerprint_agency")
@option("--pola", "show_pola", is_flag=True, help="opt.fingerprint_pola")
@passphrase_option
@json_option
@pass_session
def fingerprint(session: Session, agency: str | None, show_pola: bool,
                passphrase_file: Path | None) -> None:
    doc: dict[str, Any] = {}
    if show_pola:
        pola = installed_pola(session)
        doc["pola"] = {"id": pola.id, "version": pola.version,
                       "authority_fingerprint": pola.authority.fingerprint()}
    if agency is not None or not show_pola:
        keystore = open_keystore(session, passphrase_file)
        held = keystore.keys(agency) if agency is not None else keystore.keys()
        if agency is not None and not held:
            keystore.identity(agency)  # KeyNotFound, naming what is held
        doc["keys"] = [{"agency": k.agency, "version": k.version,
                        "fingerprint": k.public.fingerprint()} for k in held]
    session.emit(doc)
    if "pola" in doc:
        session.say("fingerprint.pola", id=doc["pola"]["id"], version=doc["pola"]["version"],
                    fingerprint=doc["pola"]["authority_fingerprint"])
    for k in doc.get("keys", []):
        session.say("fingerprint.key", agency=k["agency"], version=k["version"],
                    fingerprint=k["fingerprint"])


def format_columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as left-aligned columns two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]


# Rotation, revocation, backup and restore belong to this group; they live in their own
# modules (loaded with this one: the group is imported only when `sandi keys` runs).
for _command in [*lifecycle.COMMANDS, *backup.COMMANDS, passwd.passwd]:
    keys.add_command(_command)
