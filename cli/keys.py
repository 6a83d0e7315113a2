"""``sandi keys``: an agency's private keys in the home's keystore.

``keys init`` makes the first key version of an agency (and the keystore, if
the home has none); ``keys list`` shows every version held and, when a pola is
installed, its state there. Rotation and revocation are separate commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

import sandi
from sandi_cli.context import (
    LocalizedGroup,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    when,
)
from sandi_cli.params import AGENCY, get_passphrase, open_keystore, passphrase_option


@click.group("keys", cls=LocalizedGroup, help="keys.help")
def keys() -> None:
    pass


@keys.command("init", help="keys.init.help")
@option("--agency", "--instansi", "agency", required=True, type=AGENCY, help="opt.agency")
@option("--pq", is_flag=True, help="opt.pq")
@passphrase_option
@json_option
@pass_session
def init(session: Session, agency: str, pq: bool, passphrase_file: Path | None) -> None:
    home = session.home
    if sandi.Keystore.exists(home.path):
        keystore = open_keystore(session, passphrase_file)
        if agency in keystore.agencies():
            raise sandi.errors.KeystoreExists(session.t("keys.already", agency=agency))
        created = False
    else:
        passphrase = get_passphrase(session, passphrase_file, confirm=True)
        keystore = sandi.Keystore.create(home.path, passphrase=passphrase)
        created = True
    key = keystore.generate(agency, pq=pq)
    fingerprint = key.public.fingerprint()
    session.emit({"agency": agency, "version": key.version, "pq": key.public.has_pq,
                  "fingerprint": fingerprint, "keystore_created": created,
                  "home": str(home.path)})
    if created:
        session.say("keys.created_store", path=home.keystore_path)
    session.say("keys.made", agency=agency, version=key.version,
                pq=session.t("word.yes" if pq else "word.no"))
    session.say("keys.fingerprint", fingerprint=fingerprint)
    session.say("keys.next")
    _warn_if_pola_wants_pq(session, pq)


def _warn_if_pola_wants_pq(session: Session, pq: bool) -> None:
    pola = session.home.trusted_pola()
    if pola is None or pq:
        return
    hybrid = [r.level.label for r in pola.requirements if r.suite.slug == "hybrid"]
    if hybrid:
        session.warn(session.t("keys.wants_pq", levels=", ".join(hybrid)))


def _state(pola: sandi.Pola | None, key: Any) -> str | None:
    """The key's state in the pola (current, retired, revoked, not-in-pola, differs)."""
    if pola is None:
        return None
    try:
        published = pola.agency(key.agency).key(key.version)
    except sandi.SandiError:
        return "not-in-pola"
    if published.keys != key.public:
        return "differs"
    return str(published.state.value)


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
             "state": _state(pola, k)} for k in held]
    session.emit({"home": str(session.home.path),
                  "pola": None if pola is None else {"id": pola.id, "version": pola.version},
                  "keys": rows})
    if not held:
        session.say("keys.none", home=session.home.path)
        return
    s = session.t
    header = (s("col.agency"), s("col.version"), s("col.created"), "PQ",
              s("col.fingerprint"), s("col.state"))
    lines = [(k.agency, f"v{k.version}", when(k.created_at),
              s("word.yes" if k.public.has_pq else "word.no"), k.public.fingerprint(),
              s(f"state.{_state(pola, k) or 'none'}")) for k in held]
    for line in format_columns([header, *lines]):
        session.echo(line)
    if pola is None:
        session.say("keys.no_pola")


def format_columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as left-aligned columns two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]
