"""``sandi receipt verify FILE``: check a signed receipt (tanda terima) a recipient sent back.

Needs the installed pola only. With ``--envelope ENV`` (the envelope the sender kept)
it also checks that the receipt names exactly that envelope: its document id, header
and sender's signature. A receipt that verifies is recorded in the home's audit log
(action ``receipt``: the recipient agency and member, the document, and ``ok`` for
opened or ``refused`` with its reason), which ``sandi audit show --doc ID`` lists and
``sandi audit pending`` compares with the receipts requested at sealing.
"""

from __future__ import annotations

from pathlib import Path

import click

import sandi

from .context import (
    LocalizedGroup,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    when,
)


@click.group("receipt", cls=LocalizedGroup, help="receipt.help")
def receipt() -> None:
    pass


@receipt.command("verify", help="receipt.verify.help")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--envelope", "envelope", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="opt.receipt_envelope")
@json_option
@pass_session
def verify(session: Session, file: Path, envelope: Path | None) -> None:
    data = file.read_bytes()
    with session.audited("receipt-verify") as note:
        info = sandi.envelope.check_receipt(data, pola=session.pola(), envelope=envelope)
        note.agency, note.doc_id = info.recipient, info.doc_id
    refused = info.outcome is sandi.envelope.ReceiptOutcome.REFUSED
    session.record(sandi.audit.Event(
        "receipt", agency=info.recipient, member=info.member or "", doc_id=info.doc_id,
        outcome="refused" if refused else "ok",
        error=info.reason.value if info.reason is not None else ""))
    session.emit({"schema": "sandi.receipt/1", "document_id": info.doc_id,
                  "sender": info.sender, "recipient": info.recipient, "member": info.member,
                  "outcome": info.outcome.value,
                  "reason": None if info.reason is None else info.reason.value,
                  "time": iso(info.time), "witnessed_at": None if info.witnessed_at is None
                  else iso(info.witnessed_at), "signer_key_version": info.signer_key_version,
                  "suite": info.suite, "matched_envelope": info.matched_envelope})
    s = session.t
    who = info.recipient_name + f" ({info.recipient})"
    if info.member is not None:
        who = f"{info.member}, {who}"
    rows = [(s("label.document"), info.doc_id), (s("label.recipient"), who),
            (s("label.outcome"), s("receipt.refused") if refused else s("receipt.opened")),
            (s("label.time"), when(info.time))]
    if info.witnessed_at is not None:
        rows.append((s("label.witnessed"), when(info.witnessed_at)))
    rows.append((s("label.signature"), s("verify.valid")))
    if info.matched_envelope:
        rows.append((s("label.envelope"), s("receipt.matches")))
    session.table(rows)
