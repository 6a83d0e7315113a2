"""``sandi open FILE``: open an envelope addressed to one of the home's agencies.

The plaintext is published only after every check passed (the library writes
it atomically). Without ``-o`` the output goes beside FILE, named by the
sender's (encrypted) file name reduced to a plain base name, or FILE without
``.sandi``. Since that name is known only once the envelope is open, the
library writes to a hidden temporary name in the same directory, which is then
linked to the final name (never replacing a file without ``--force``) and
removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import click

import sandi
from sandi_cli.context import LocalizedCommand, Session, json_option, option, pass_session, shown
from sandi_cli.params import open_keystore, passphrase_option
from sandi_cli.verify import info_doc

SUFFIX = ".sandi"
FALLBACK_SUFFIX = ".dibuka"


def safe_name(name: str | None) -> str | None:
    """The sender's file name as a plain base name, or None if it is not usable.

    The name comes from the sender, so it is only a suggestion: directory parts
    are dropped (no writing outside the chosen directory), and '.', '..', hidden
    names (a '.profile' beside the envelope could be run at the next login) and
    names with control characters are refused.
    """
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base.startswith(".") or any(ord(c) < 32 or ord(c) == 127 for c in base):
        return None
    return base


def default_name(file: Path) -> str:
    """FILE without ``.sandi`` (or with ``.dibuka`` added if it has no such suffix)."""
    if file.name.endswith(SUFFIX) and len(file.name) > len(SUFFIX):
        return file.name[: -len(SUFFIX)]
    return file.name + FALLBACK_SUFFIX


def _publish(session: Session, staged: Path, target: Path, force: bool) -> None:
    """Give the fully verified ``staged`` file its final name."""
    try:
        if force:
            os.replace(staged, target)
            return
        try:
            os.link(staged, target)  # fails if target exists: never replaced silently
        except FileExistsError:
            raise sandi.errors.OutputExists(session.t("out.exists", path=shown(target))) from None
        except OSError:
            if target.exists():  # a file system without hard links
                raise sandi.errors.OutputExists(
                    session.t("out.exists", path=shown(target))) from None
            os.rename(staged, target)
    except OSError as exc:
        raise sandi.errors.StorageError(session.t(
            "out.cannot_write", path=shown(target), reason=exc.strerror or exc)) from None


def _open_beside(session: Session, file: Path, keystore: sandi.Keystore, pola: sandi.Pola,
                 force: bool) -> tuple[sandi.Opened, Path]:
    directory = file.parent
    staged = directory / f".sandi-open-{secrets.token_hex(8)}.tmp"
    try:
        opened = sandi.open_file(file, staged, keystore=keystore, pola=pola)
        name = safe_name(opened.filename)
        if opened.filename and name is None:
            session.warn(session.t("open.unsafe_name", name=repr(opened.filename)))
        target = directory / (name or default_name(file))
        _publish(session, staged, target, force)
        return opened, target
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()


@click.command("open", cls=LocalizedCommand, help="open.help")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
        help="opt.open_output")
@option("--force", is_flag=True, help="opt.force")
@passphrase_option
@json_option
@pass_session
def open_command(session: Session, file: Path, output: Path | None, force: bool,
                 passphrase_file: Path | None) -> None:
    pola = session.pola()
    if output is not None and output.exists() and not force:  # before the passphrase
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(output)))
    keystore = open_keystore(session, passphrase_file)
    if output is not None:
        opened = sandi.open_file(file, output, keystore=keystore, pola=pola, force=force)
        target = output
    else:
        opened, target = _open_beside(session, file, keystore, pola, force)
    for warning in opened.warnings:
        session.warn(warning)
    session.emit({
        "output": str(target), **info_doc(opened), "filename": opened.filename,
        "subject": opened.subject, "content_type": opened.content_type,
        "opened_with": None if opened.opened_with is None else {
            "agency": opened.opened_with[0], "key_version": opened.opened_with[1]},
        "warnings": list(opened.warnings)})
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
