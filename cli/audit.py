"""``sandi audit``: read and check the home's tamper-evident log.

Every seal, open, verify, rewrap, key rotation or revocation request, backup,
restore and pola installation appends a record (see :meth:`Session.audited`):
time, OS user, host, agency, action, document id (for key and pola actions, the
version acted on), classification, and the outcome ``ok``, ``refused`` or
``error`` with the error's class. Never plaintext, keys or passphrases.

* ``audit show [--since ISO] [--doc ID]`` lists records.
* ``audit verify`` walks the hash chain and names the first bad record; with
  ``--checkpoint FILE`` it also checks that the log still extends a checkpoint the
  agency signed earlier (so even a rewrite of the whole chain shows), using the
  agency's public key from the installed pola; with ``--witness ID`` too, that the
  witness cosigned it, and keeps it in the log; with ``--witness ID`` alone, or with
  no option when the log keeps one, it checks the latest kept checkpoint.
* ``audit pending [--older-than HOURS]`` lists the receipts (tanda terima) requested
  at sealing (``receipt-requested`` records) that no verified receipt (``receipt``
  record, see ``sandi receipt verify``) has answered, sealed more than HOURS ago.
* ``audit checkpoint --agency ID [--from-size N]`` signs the log's current size and
  Merkle root with the agency's current key and writes the request for the witness
  (``sandi witness cosign``): the checkpoint and a consistency proof from the last
  checkpoint kept (or from N, the size the witness last cosigned).

The log is ``HOME/audit.db`` (SQLite) unless ``--audit-db`` or
``$SANDI_AUDIT_DB`` names another file or a ``postgresql://`` URL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

import sandi

from .context import (
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
from .keys import format_columns
from .params import AGENCY, TIME, installed_pola, open_keystore, passphrase_option


@click.group("audit", cls=LocalizedGroup, help="audit.help")
def audit() -> None:
    pass


def _log(session: Session) -> sandi.AuditLog:
    """The existing log (a missing SQLite file is a usage error, not a new empty log)."""
    target = session.audit_target()
    if target is None:
        raise session.no_home()
    if isinstance(target, Path) and not target.exists():
        raise sandi.errors.InvalidArgument(session.t("audit.none", path=shown(target)))
    return session.audit_log()


def _record_doc(r: Any) -> dict[str, Any]:
    return {"seq": r.seq, "time": iso(r.time), "os_user": r.os_user, "host": r.host,
            "agency": r.agency, "member": r.member, "action": r.action, "doc_id": r.doc_id,
            "classification": r.classification, "outcome": r.outcome, "error": r.error,
            "prev": r.prev.hex(), "hash": r.hash.hex()}


@audit.command("show", help="audit.show.help")
@option("--since", type=TIME, help="opt.since")
@option("--doc", "doc_id", metavar="ID", help="opt.doc")
@json_option
@pass_session
def show(session: Session, since: datetime | None, doc_id: str | None) -> None:
    log = _log(session)
    records = list(log.records(since=since, doc_id=doc_id))
    session.emit({"log": session.audit_where(), "records": [_record_doc(r) for r in records]})
    if not records:
        session.say("audit.empty", where=session.audit_where())
        return
    s = session.t
    header = ("#", s("col.time"), s("col.who"), s("col.agency"), s("col.action"),
              s("col.subject"), s("col.classification"), s("col.outcome"))
    rows = [(str(r.seq), when(r.time),
             (f"{r.member} " if r.member else "") + f"({r.os_user}@{r.host})", r.agency or "-",
             r.action,
             r.doc_id or "-", r.classification or "-",
             r.outcome + (f" ({r.error})" if r.error else "")) for r in records]
    for line in format_columns([header, *rows]):
        session.echo(line)


@audit.command("pending", help="audit.pending.help")
@option("--older-than", "hours", type=click.IntRange(0, 24 * 3660), default=24,
        show_default=True, metavar="HOURS", help="opt.older_than")
@json_option
@pass_session
def pending(session: Session, hours: int) -> None:
    log = _log(session)
    asked: dict[tuple[str, str], Any] = {}
    answered: set[tuple[str, str]] = set()
    for r in log.records():
        key = (r.doc_id, r.agency)
        if r.action == "receipt-requested":
            asked.setdefault(key, r)
        elif r.action == "receipt":
            answered.add(key)
    cutoff = datetime.now(UTC) - timedelta(hours=hours)
    missing = [r for key, r in asked.items() if key not in answered and _at(r.time) <= cutoff]
    session.emit({"log": session.audit_where(), "older_than_hours": hours, "pending": [
        {"document_id": r.doc_id, "agency": r.agency, "sealed": iso(r.time),
         "classification": r.classification} for r in missing]})
    if not missing:
        session.say("audit.no_pending", hours=hours)
        return
    s = session.t
    rows = [(s("col.time"), s("col.subject"), s("col.agency"), s("col.classification"))]
    rows += [(when(r.time), r.doc_id, r.agency, r.classification or "-") for r in missing]
    for line in format_columns(rows):
        session.echo(line)


def _at(moment: datetime | int) -> datetime:
    return moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)


@audit.command("verify", help="audit.verify.help")
@option("--checkpoint", "checkpoint_file", metavar="FILE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path), help="opt.checkpoint")
@option("--agency", "--instansi", "agency", type=AGENCY, help="opt.checkpoint_agency")
@option("--witness", "--saksi", "witness", type=AGENCY, help="opt.witness")
@json_option
@pass_session
def verify(session: Session, checkpoint_file: Path | None, agency: str | None,
           witness: str | None) -> None:
    log = _log(session)
    checkpoint = None
    if checkpoint_file is not None:
        checkpoint = sandi.audit.Checkpoint.from_text(_read_text(checkpoint_file))
        if agency is not None and checkpoint.agency != agency:
            raise sandi.errors.AuditLogBroken(session.t(
                "audit.other_agency", signer=checkpoint.agency, agency=agency))
    kept = log.latest_checkpoint() if checkpoint is None and witness is None else None
    if kept is not None and kept.cosignatures:
        # The log keeps a cosigned checkpoint: check the log still extends it, with the
        # witness that cosigned it (--witness ID names the one to require instead).
        witness = kept.cosignatures[0].witness
        status = log.verify(kept, pola=installed_pola(session), witness=witness)
    elif checkpoint is None and witness is None:
        status = log.verify()
    elif checkpoint is not None and witness is not None:
        # A cosigned checkpoint that verifies is kept in the log: later checks with
        # --witness alone use the latest kept one.
        status = log.keep(checkpoint, pola=installed_pola(session), witness=witness)
    else:
        status = log.verify(checkpoint, pola=installed_pola(session), witness=witness)
    checked = status.checkpoint
    cosigned = None if checked is None or witness is None else checked.cosignature(witness)
    session.emit({"log": session.audit_where(), "valid": True, "records": status.size,
                  "head": status.head.hex(), "checkpoint": None if checked is None else {
                      "agency": checked.agency, "key_version": checked.key_version,
                      "size": checked.size, "root": checked.root.hex(),
                      "witness": None if cosigned is None else cosigned.witness,
                      "cosigned": None if cosigned is None else iso(cosigned.time)}})
    session.say("audit.valid", size=status.size, head=status.head.hex()[:16])
    if checked is not None:
        session.say("audit.extends", size=checked.size, agency=checked.agency,
                    version=checked.key_version)
    if cosigned is not None:
        session.say("audit.cosigned", witness=cosigned.witness, version=cosigned.key_version,
                    when=when(cosigned.time))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise sandi.errors.MalformedInput("audit checkpoint: not a sandi checkpoint "
                                          "text") from None


@audit.command("checkpoint", help="audit.checkpoint.help")
@option("--agency", "--instansi", "agency", required=True, type=AGENCY, help="opt.agency")
@option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE", help="opt.checkpoint_output")
@option("--from-size", "from_size", type=click.IntRange(0), metavar="N",
        help="opt.from_size")
@passphrase_option
@json_option
@pass_session
def checkpoint(session: Session, agency: str, output: Path | None, from_size: int | None,
               passphrase_file: Path | None) -> None:
    log = _log(session)
    if output is not None and output.exists():
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(output)))
    with session.audited("checkpoint", agency=agency):
        pola = installed_pola(session)
        key = open_keystore(session, passphrase_file).get(agency, pola.agency(agency)
                                                          .current.version)
        signed = log.checkpoint(key, pola=pola)
        request = log.witness_request(signed, old_size=from_size)
        text = request.to_text()
        if output is not None:
            write_new(session, output, text.encode("utf-8"))
    session.emit({"agency": agency, "key_version": signed.key_version, "size": signed.size,
                  "root": signed.root.hex(), "old_size": request.old_size, "text": text,
                  "output": None if output is None else str(output)})
    if output is None:
        if not session.json:
            click.echo(text, nl=False)
        return
    session.say("checkpoint.written", path=shown(output), size=signed.size, agency=agency,
                version=signed.key_version)
    session.say("checkpoint.next")
