"""``sandi seal FILE --to AGENCY --classification LEVEL``: seal a document.

The pola decides whether the sender may send that classification to every
recipient; the envelope goes to ``FILE.sandi`` unless ``-o`` says otherwise,
and an existing file is replaced only with ``--force``.
"""

from __future__ import annotations

from pathlib import Path

import click

import sandi

from .context import LocalizedCommand, Session, json_option, option, pass_session, shown, when
from .params import AGENCY, CLASSIFICATION, URGENCY, passphrase_option, unlock_keys
from .verify import info_doc


def sender_of(session: Session, keystore: sandi.keys.Keyring, sender: str | None) -> str:
    """``--from``, or the keystore's only agency."""
    if sender is not None:
        return sender
    held = keystore.agencies()
    if len(held) == 1:
        return held[0]
    listed = ", ".join(held[:8]) + (", ..." if len(held) > 8 else "")
    raise click.UsageError(session.t("seal.which_sender", count=len(held), held=listed))


def check_first(pola: sandi.Pola, sender: str | None, to: tuple[str, ...],
                level: sandi.Classification) -> None:
    """What the pola refuses, before a passphrase is typed: an agency it does not list,
    and (when ``--from`` names the sender) a flow it does not allow. Seal checks all of
    it again with the keys."""
    for agency in (*([sender] if sender else []), *to):
        pola.agency(agency)  # UnknownAgency
    if sender is not None:
        pola.check_flow(sender, list(to), level, pola.requirement(level).suite)


@click.command("seal", cls=LocalizedCommand, help="seal.help")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--to", "--kepada", "to", multiple=True, required=True, type=AGENCY,
        help="opt.to")
@option("--classification", "--klasifikasi", "classification", required=True,
        type=CLASSIFICATION, help="opt.classification")
@option("--from", "--dari", "sender", type=AGENCY, help="opt.from")
@option("--urgency", "--kecepatan", "urgency", type=URGENCY, default="biasa",
        show_default=True, help="opt.urgency")
@option("--subject", "--perihal", "subject", metavar="TEXT", help="opt.subject")
@option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
        help="opt.seal_output")
@option("--force", is_flag=True, help="opt.force")
@option("--armor", is_flag=True, help="opt.armor")
@option("--receipts", "--tanda-terima", "receipts", is_flag=True, help="opt.receipts")
@option("--receipt-from", "receipt_from", multiple=True, type=AGENCY, help="opt.receipt_from")
@option("--receipts-to", "receipts_to", multiple=True, type=AGENCY, help="opt.receipts_to")
@passphrase_option
@json_option
@pass_session
def seal(session: Session, file: Path, to: tuple[str, ...],
         classification: sandi.Classification, sender: str | None, urgency: sandi.Urgency,
         subject: str | None, output: Path | None, force: bool, armor: bool,
         receipts: bool, receipt_from: tuple[str, ...], receipts_to: tuple[str, ...],
         passphrase_file: Path | None) -> None:
    suffix = ".sandi.txt" if armor else ".sandi"
    out = output if output is not None else file.with_name(file.name + suffix)
    with session.audited("seal", agency=sender or "") as note:
        note.classification = classification.slug
        pola = session.pola()
        if out.exists() and not force:  # before asking for the passphrase
            raise sandi.errors.OutputExists(session.t("out.exists", path=shown(out)))
        check_first(pola, sender, to, classification)  # before any passphrase is asked
        keystore = unlock_keys(session, passphrase_file)  # the agent's, if one runs
        note.agency = agency = sender_of(session, keystore, sender)
        with session.progress(file, "progress.seal") as progress:
            info = sandi.seal_file(file, out, sender=keystore.identity(agency), to=list(to),
                                   classification=classification, pola=pola,
                                   subject=subject, urgency=urgency, force=force, armor=armor,
                                   progress=progress,
                                   receipts=list(receipt_from) if receipt_from else receipts,
                                   receipts_to=list(receipts_to) or None,
                                   before_publish=lambda made: note.commit(session, "seal", made))
    for recipient in info.receipts_from:  # what `sandi audit pending` waits for
        session.record(sandi.audit.Event("receipt-requested", agency=recipient,
                                         doc_id=info.doc_id,
                                         classification=info.classification.slug))
    session.emit({"output": str(out), **info_doc(info)})
    session.say("seal.done", path=shown(out), level=info.classification.label,
                sender=info.sender, to=", ".join(info.to), doc=info.doc_id)
    if info.receipts_from:
        session.say("seal.receipts", who=", ".join(info.receipts_from),
                    back=", ".join(info.receipts_to))
    if info.witnessed_at is not None:
        session.say("seal.witnessed", when=when(info.witnessed_at))
