"""``sandi keys passwd``: change a passphrase, and raise the Argon2id cost with it.

One command for the three kinds of passphrase-sealed key file: the home's keystore,
an official's personal key in a members' vault (``--member``, the global option), and
an authority custodian's key (``--custodian-key FILE``). The file is re-sealed under a
fresh salt at the floor of its kind, or the ``--memory``/``--passes`` given, never
below its present cost, and replaced atomically under its lock: killed at any point,
the old passphrase or the new one opens it, never neither.

Also here: the Argon2id cost the command line gives new key files, and the warning
when a file opened is below the floor of its kind. ``SANDI_INSECURE_TEST_KDF=1``
makes both the test-only cost, for test suites (never set it anywhere else).
"""

from __future__ import annotations

import os
from pathlib import Path

import click

import sandi

from .context import LocalizedCommand, Session, json_option, option, pass_session, shown
from .params import get_passphrase

ENV_TEST_KDF = "SANDI_INSECURE_TEST_KDF"
_MIB = 1024 * 1024


def testing() -> bool:
    """Whether the test-only Argon2id cost was asked for."""
    return os.environ.get(ENV_TEST_KDF) == "1"


def new_file_cost(custodian: bool = False) -> sandi.keys.KdfParams:
    """The Argon2id cost of a new key file: the floor of its kind (or the test cost)."""
    params = sandi.keys.KdfParams
    if testing():
        return params.TEST
    return params.CUSTODIAN if custodian else params.STANDARD


def warn_if_weak(session: Session, path: Path, cost: sandi.keys.KdfParams,
                 floor: sandi.keys.KdfParams) -> None:
    """Warn that a key file opened is protected below the floor of its kind."""
    if testing() or not cost.below(floor):
        return
    session.warn(session.t("passwd.weak", path=shown(path), cost=str(cost), floor=str(floor)))


def warn_keystore(session: Session, keystore: sandi.Keystore) -> None:
    """The keystore's warnings (a member not yet in the pola, a weak passphrase file)."""
    for warning in keystore.warnings:
        session.warn(session.words(warning))
    where = keystore.path
    if keystore.member is not None:
        where = sandi.keys.member_key_path(where.parent, keystore.member.agency)
    warn_if_weak(session, where, keystore.kdf, sandi.keys.KdfParams.STANDARD)


def _target(session: Session, custodian_key: Path | None) -> Path:
    """The key file whose passphrase changes."""
    if custodian_key is not None:
        return custodian_key
    home = session.home.path
    if (home / "vault.sandi").exists():
        member = session.member
        if member is None:
            found = sorted(p.stem for p in (home / "members").glob("*.key"))
            if len(found) != 1:
                raise click.UsageError(session.t("passwd.which_member",
                                                 members=", ".join(found) or "-"))
            member = found[0]
        return sandi.keys.member_key_path(home, member)
    if not sandi.Keystore.exists(home):
        raise sandi.errors.NoKeystore(session.t("keystore.missing", home=home))
    return home / "keystore.sandi"


@click.command("passwd", cls=LocalizedCommand, help="keys.passwd.help")
@option("--custodian-key", "custodian_key", metavar="FILE",
        type=click.Path(exists=True, dir_okay=False, path_type=Path), help="opt.custodian_key_file")
@option("--memory", "memory", type=click.IntRange(64, 1024), metavar="MIB", help="opt.kdf_memory")
@option("--passes", "passes", type=click.IntRange(1, 16), metavar="N", help="opt.kdf_passes")
@option("--passphrase-file", "passphrase_file", metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path), help="opt.passwd_old_file")
@option("--new-passphrase-file", "new_passphrase_file", metavar="FILE",
        type=click.Path(dir_okay=False, path_type=Path), help="opt.passwd_new_file")
@json_option
@pass_session
def passwd(session: Session, custodian_key: Path | None, memory: int | None,
           passes: int | None, passphrase_file: Path | None,
           new_passphrase_file: Path | None) -> None:
    path = _target(session, custodian_key)
    kind = sandi.keys.key_file_cost(path)  # MalformedKeyFile before any prompt
    floor = sandi.keys.KdfParams.TEST if testing() else kind.kind.floor
    wanted = sandi.keys.KdfParams(passes or floor.ops, memory * _MIB if memory else floor.mem)
    with session.audited("passwd") as note:
        note.doc_id = path.name
        old = get_passphrase(session, passphrase_file, prompt="passwd.old_prompt")
        new = get_passphrase(session, new_passphrase_file, confirm=True,
                             prompt="passwd.new_prompt")
        before, after = sandi.keys.change_passphrase(path, old, new, wanted)
    session.emit({"file": str(path), "kind": str(kind.kind.name),
                  "before": {"memory_mib": before.mem // _MIB, "passes": before.ops},
                  "after": {"memory_mib": after.mem // _MIB, "passes": after.ops}})
    session.say("passwd.done", path=shown(path), before=str(before), after=str(after))
