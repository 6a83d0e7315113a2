"""``sandi witness``: cosign other agencies' audit checkpoints, each only if it extends
the last one this witness cosigned for that log.

* ``witness cosign REQUEST --agency ID [-o FILE]``: check the request made by
  ``sandi audit checkpoint`` (the log agency's signature, with the installed pola, and
  the consistency proof against the size and root kept for that log), cosign it with
  the witness agency's current key and write the cosigned checkpoint for the log's
  custodian (``sandi audit verify --checkpoint FILE --witness ID``). A log that shrank,
  forked or was rewritten is refused (exit 1) and the state is unchanged.
* ``witness show --log ID``: print the last checkpoint cosigned for that agency's log,
  which an auditor checks the log against.

The witness's state is ``HOME/witness.db`` (SQLite) unless ``--state`` or
``$SANDI_WITNESS_DB`` names another file or a ``postgresql://`` URL.
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
    shown,
    when,
    write_new,
)
from .params import AGENCY, installed_pola, open_keystore, passphrase_option

WITNESS_FILE = "witness.db"


@click.group("witness", cls=LocalizedGroup, help="witness.help")
def witness() -> None:
    pass


def _state(session: Session, state: str | None) -> Path | str:
    if state:
        return state if "://" in state else Path(state)
    if not session.home.path.is_dir():
        raise session.no_home()
    return session.home.path / WITNESS_FILE


def _state_option(f: click.decorators.FC) -> click.decorators.FC:
    return option("--state", "state", envvar="SANDI_WITNESS_DB", metavar="FILE|URL",
                  help="opt.witness_state")(f)


@witness.command("cosign", help="witness.cosign.help")
@click.argument("request_file", metavar="REQUEST",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--agency", "--instansi", "agency", required=True, type=AGENCY, help="opt.witness_agency")
@option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE", help="opt.cosigned_output")
@_state_option
@passphrase_option
@json_option
@pass_session
def cosign(session: Session, request_file: Path, agency: str, output: Path | None,
           state: str | None, passphrase_file: Path | None) -> None:
    if output is not None and output.exists():
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(output)))
    try:
        text = request_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise sandi.errors.MalformedInput("audit checkpoint: not a sandi cosigning "
                                          "request") from None
    with session.audited("witness-cosign", agency=agency) as note:
        request = sandi.audit.CosignRequest.from_text(text)
        note.doc_id = request.checkpoint.agency
        pola = installed_pola(session)
        key = open_keystore(session, passphrase_file).get(agency,
                                                          pola.agency(agency).current.version)
        keeper = sandi.audit.Witness(_state(session, state), pola=pola, key=key)
        try:
            cosigned = keeper.cosign(request)
        finally:
            keeper.close()
        out = cosigned.to_text()
        if output is not None:
            write_new(session, output, out.encode("utf-8"))
    mine = cosigned.cosignature(agency)
    assert mine is not None
    session.emit({"log": cosigned.agency, "size": cosigned.size, "root": cosigned.root.hex(),
                  "witness": agency, "key_version": mine.key_version, "time": iso(mine.time),
                  "text": out, "output": None if output is None else str(output)})
    if output is None:
        if not session.json:
            click.echo(out, nl=False)
        return
    session.say("witness.cosigned", log=cosigned.agency, size=cosigned.size,
                path=shown(output), when=when(mine.time))


@witness.command("show", help="witness.show.help")
@option("--log", "log_agency", required=True, type=AGENCY, help="opt.witness_log")
@_state_option
@json_option
@pass_session
def show(session: Session, log_agency: str, state: str | None) -> None:
    target = _state(session, state)
    if isinstance(target, Path) and not target.exists():
        raise sandi.errors.InvalidArgument(session.t("witness.none", path=shown(target)))
    latest = sandi.audit.witnessed(target, log_agency)
    if latest is None:
        raise sandi.errors.InvalidArgument(session.t("witness.unknown_log", log=log_agency))
    text = latest.to_text()
    session.emit({"log": log_agency, "size": latest.size, "root": latest.root.hex(),
                  "text": text})
    if not session.json:
        click.echo(text, nl=False)
