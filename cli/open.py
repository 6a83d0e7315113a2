"""``sandi open FILE``: open an envelope addressed to one of the home's agencies.

The plaintext is published only after every check passed (the library writes
it atomically). Without ``-o`` (or with ``-o DIR``) the library names the output
in that directory after the sender's encrypted file name, reduced to a plain,
visible base name (``Opened.safe_filename``, or FILE without ``.sandi``), and an
existing file there is never replaced: the sender chose that name. ``--force``
replaces only a file the user names with ``-o FILE``. The sender's file name and
subject are shown escaped (:mod:`sandi_cli.escape`).
"""

from __future__ import annotations

from pathlib import Path

import click

import sandi

from .context import (
    AuditNote,
    LocalizedCommand,
    Session,
    json_option,
    option,
    pass_session,
    shown,
    write_new,
)
from .escape import printable
from .params import agent_keys, open_keystore, passphrase_option, require_keystore
from .verify import info_doc


def _open(session: Session, note: AuditNote, file: Path, output: Path | None, force: bool,
          passphrase_file: Path | None, receipt: Path | None) -> sandi.Opened:
    if force and (output is None or output.is_dir()):
        # The name in a folder is the sender's choice: --force would let a sender pick
        # which of the recipient's files is replaced. It applies to a file named by -o.
        raise sandi.errors.InvalidArgument(session.t("open.force_needs_output"))
    pola = session.pola()
    if output is not None and not output.is_dir() and output.exists() and not force:
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(output)))
    if receipt is not None and receipt.exists():
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(receipt)))
    # An agent serving this home holds the keys: nothing will be asked, and the keystore
    # file is never read (nor its modules loaded). Otherwise: no keystore is said first.
    held = agent_keys(session)
    if held is None:
        require_keystore(session)
    if file.is_file():
        # (Only a regular file: a FIFO or a device would be consumed by reading it twice.)
        # Check first, ask last: before a passphrase is asked, the clear header (a few
        # KiB) is checked against the pola and the keystore's public part: an envelope
        # at all, allowed by the pola, addressed to a key held. The header is its
        # writer's claim, so this only ever refuses; the one streaming open below
        # verifies everything (signature, payload) as it reads the file, once. (With
        # --receipt, a pola refusal is answered with a signed receipt, which needs the
        # key: the open below checks the pola then.)
        sandi.envelope.precheck(file, pola=None if receipt is not None else pola,
                                held=None if held is not None else
                                sandi.Keystore.peek(session.home.path))
    keystore = held if held is not None else open_keystore(session, passphrase_file)
    dst = output if output is not None else file.parent
    try:
        with session.progress(file, "progress.open") as progress:
            # A receipt is always made (and signed only once every check passed); it is
            # written when asked for (--receipt) or when the sender requested one.
            return sandi.open_file(file, dst, keystore=keystore, pola=pola, force=force,
                                   progress=progress, receipt=True,
                                   before_publish=lambda opened: note.commit(
                                       session, "open", opened, _reader(opened)))
    except sandi.errors.PolicyViolation:
        if receipt is not None:
            _refusal(session, file, keystore, pola, receipt)
        raise


def _refusal(session: Session, file: Path, keystore: sandi.keys.Keyring, pola: sandi.Pola,
             path: Path) -> None:
    """Tell the sender, with a signed 'refused' receipt, that our pola refuses an
    authentic envelope (none is made for anything that is not authentic)."""
    try:
        refused = sandi.envelope.refuse(file, keystore=keystore, pola=pola)
    except sandi.SandiError:
        return
    write_new(session, path, refused.armored().encode())
    session.warn(session.t("open.refused_receipt", path=shown(path)))


def _write_receipt(session: Session, opened: sandi.Opened, asked: Path | None,
                   target: Path) -> Path | None:
    """Write the receipt where asked, or beside the output when the sender requested one."""
    me = opened.opened_with[0] if opened.opened_with else ""
    if opened.receipt is None or (asked is None and me not in opened.receipts_from):
        return None
    path = asked or target.parent / f"tanda-terima-{opened.doc_id[:12]}.txt"
    write_new(session, path, opened.receipt.armored().encode())
    return path


def _reader(opened: sandi.Opened) -> str:
    """The agency whose key opened it (the audit record's agency)."""
    return opened.opened_with[0] if opened.opened_with else ""


@click.command("open", cls=LocalizedCommand, help="open.help")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("-o", "--output", "output", type=click.Path(path_type=Path), help="opt.open_output")
@option("--force", is_flag=True, help="opt.force")
@option("--receipt", "--tanda-terima", "receipt", type=click.Path(dir_okay=False, path_type=Path),
        help="opt.receipt")
@passphrase_option
@json_option
@pass_session
def open_command(session: Session, file: Path, output: Path | None, force: bool,
                 receipt: Path | None, passphrase_file: Path | None) -> None:
    with session.audited("open") as note:
        opened = _open(session, note, file, output, force, passphrase_file, receipt)
    target = Path(opened.path) if opened.path else file.parent
    receipt_path = _write_receipt(session, opened, receipt, target)
    if opened.filename and (output is None or output.is_dir()) \
            and target.name != opened.filename:
        session.warn(session.t("open.unsafe_name", name=printable(repr(opened.filename)),
                               saved=printable(target.name)))
    for warning in opened.warnings:
        session.warn(session.words(warning))
    session.emit({
        "output": str(target), **info_doc(opened), "filename": opened.filename,
        "subject": opened.subject, "content_type": opened.content_type,
        "opened_with": None if opened.opened_with is None else {
            "agency": opened.opened_with[0], "key_version": opened.opened_with[1]},
        "warnings": list(opened.warnings),
        "receipt": None if receipt_path is None else str(receipt_path)})
    session.say("open.done", path=shown(target), level=opened.classification.label,
                name=opened.sender_name, sender=opened.sender)
    rows = [(session.t("label.document"), opened.doc_id)]
    if opened.filename:
        rows.append((session.t("label.filename"), opened.filename))
    if opened.subject:
        rows.append((session.t("label.subject"), opened.subject))
    if opened.opened_with is not None:
        rows.append((session.t("label.opened_with"), session.t(
            "verify.signer", id=opened.opened_with[0], version=opened.opened_with[1])))
    session.table(rows)
    if receipt_path is not None:
        session.say("open.receipt", path=shown(receipt_path),
                    back=", ".join(opened.receipts_to or (opened.sender,)))
