"""``sandi keys backup`` and ``sandi keys restore``: K-of-N paper shares.

The first backup makes a backup key and prints it as N shares (SLIP-39 word lists),
any K of which rebuild it: one per custodian, written on paper, never stored on a
computer, with the key's fingerprint beside them. Only once the shares are out is the
key's public half kept, inside the keystore (sealed, so nobody who can merely write
the home can swap it), and only then is the backup file written: killed, out of disk
or with ``-o`` into a missing folder, no backup key is left whose shares nobody holds.
Every later backup (after each rotation) needs no shares, encrypts to that key and
shows its fingerprint to compare with the paper. ``restore`` rebuilds a keystore in an
empty home from a backup file and K shares.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

import sandi

from .context import LocalizedCommand, Session, json_option, option, pass_session, shown
from .params import get_passphrase, open_keystore, passphrase_option
from .passwd import new_file_cost

BACKUP_FILE = "backup.sandi"
_MAX_SHARES_FILE = 64 * 1024


@click.command("backup", cls=LocalizedCommand, help="keys.backup.help")
@option("--shares", type=click.IntRange(1, 16), metavar="N", help="opt.shares")
@option("--threshold", type=click.IntRange(1, 16), metavar="K", help="opt.share_threshold")
@option("--new-shares", is_flag=True, help="opt.new_shares")
@option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
        help="opt.backup_output")
@passphrase_option
@json_option
@pass_session
def backup(session: Session, shares: int | None, threshold: int | None, new_shares: bool,
           output: Path | None, passphrase_file: Path | None) -> None:
    home = session.home
    out = output if output is not None else home.path / BACKUP_FILE
    if not out.absolute().parent.is_dir():  # before any share is printed
        raise sandi.errors.StorageError(session.t("backup.no_folder", path=shown(out)))
    with session.audited("backup") as note:
        keystore = open_keystore(session, passphrase_file)
        note.agency = ",".join(keystore.agencies())
        fresh = new_shares or keystore.backup_key is None
        if fresh and (shares is None or threshold is None):
            raise click.UsageError(session.t("backup.needs_shares"))
        versions = keystore.keys()
        held = [f"{k.agency} v{k.version}" for k in versions]
        doc = {"backup": str(out), "keys": held, "new_shares": fresh, "threshold": None,
               "shares": []}
        if fresh:
            assert shares is not None and threshold is not None
            words, public = sandi.keys.new_backup_key(threshold, shares)
            _hand_out(session, {**doc, "threshold": threshold, "shares": words}, public)
            keystore.set_backup_key(public)  # only now: the shares are out
        public = sandi.keys.write_backup(keystore, out)
    if not fresh:
        session.emit({**doc, "fingerprint": public.fingerprint()})
    session.say("backup.written", path=shown(out), count=len(held))
    if not fresh:  # a new key's fingerprint was shown with its shares
        session.say("backup.key", fingerprint=public.fingerprint())
    session.say("backup.copy")


def _hand_out(session: Session, doc: dict[str, Any], public: sandi.keys.BackupKey) -> None:
    """Print the shares (or the JSON document holding them) and make sure they left this
    process: a full disk or a closed pipe here must not leave a key without shares."""
    try:
        session.emit({**doc, "fingerprint": public.fingerprint()})
        if not session.json:
            _print_shares(session, doc["shares"], doc["threshold"])
            session.say("backup.key_new", fingerprint=public.fingerprint())
        sys.stdout.flush()
    except OSError as exc:
        raise sandi.errors.StorageError(session.t(
            "backup.shares_unprinted", reason=exc.strerror or type(exc).__name__)) from None


def _print_shares(session: Session, words: list[str], threshold: int) -> None:
    """The shares, numbered, with what to do with them (stdout, not the log)."""
    session.say("backup.shares_intro", count=len(words), threshold=threshold)
    for n, share in enumerate(words, 1):
        session.echo()
        session.say("backup.share", n=n, count=len(words))
        line: list[str] = []
        for i, word in enumerate(share.split(), 1):
            line.append(f"{i:>2}. {word:<10}")
            if i % 6 == 0:
                session.echo("  " + " ".join(line).rstrip())
                line = []
        if line:
            session.echo("  " + " ".join(line).rstrip())
    session.echo()
    session.say("backup.shares_care", threshold=threshold)


def _shares_from_file(session: Session, path: Path) -> list[str]:
    try:
        with path.open("rb") as fh:
            text = fh.read(_MAX_SHARES_FILE).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise click.UsageError(session.t("restore.unreadable", path=path,
                                         reason=reason)) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _shares_by_prompt(session: Session) -> list[str]:
    """Ask for shares one at a time until they rebuild the key (or an empty line)."""
    session.say("restore.prompt_intro")
    shares: list[str] = []
    while True:
        try:
            share = click.prompt(session.t("restore.prompt", n=len(shares) + 1), default="",
                                 show_default=False, err=True)
        except click.Abort:
            share = ""  # end of input
        if not share.strip():
            return shares
        shares.append(share.strip())
        try:
            sandi.keys.recover_backup_key(shares)
        except sandi.errors.WrongShares:
            continue  # not enough yet (or one is mistyped: the final error says which)
        return shares


@click.command("restore", cls=LocalizedCommand, help="keys.restore.help")
@option("--backup", "backup_file", required=True, metavar="FILE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path), help="opt.backup_file")
@option("--shares-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar="FILE", help="opt.shares_file")
@passphrase_option
@json_option
@pass_session
def restore(session: Session, backup_file: Path, shares_file: Path | None,
            passphrase_file: Path | None) -> None:
    home = session.home
    with session.audited("restore") as note:
        if sandi.Keystore.exists(home.path):
            raise sandi.errors.KeystoreExists(session.t("restore.exists", home=home.path))
        blob = backup_file.read_bytes()
        shares = (_shares_from_file(session, shares_file) if shares_file is not None
                  else _shares_by_prompt(session))
        sandi.keys.recover_backup_key(shares)  # WrongShares before asking a passphrase
        passphrase = get_passphrase(session, passphrase_file, confirm=True,
                                    prompt="pass.new_prompt")
        keystore = sandi.keys.restore(blob, shares, home.path, passphrase=passphrase,
                                      kdf=new_file_cost())
        note.agency = ",".join(keystore.agencies())
    versions = keystore.keys()
    held = [f"{k.agency} v{k.version}" for k in versions]
    fingerprint = keystore.backup_key.fingerprint() if keystore.backup_key else None
    session.emit({"home": str(home.path), "keys": held, "fingerprint": fingerprint})
    session.say("restore.done", home=home.path, count=len(held), keys=", ".join(held))
    if fingerprint is not None:
        session.say("backup.key", fingerprint=fingerprint)


COMMANDS: list[click.Command] = [backup, restore]
