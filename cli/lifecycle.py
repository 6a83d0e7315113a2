"""``sandi keys rotate`` and ``sandi keys revoke``: an agency custodian's requests.

Neither command changes the pola: each writes a signed request file for the
persandian authority, which applies it (``sandi pola request FILE``), then
builds, signs and publishes the next pola.

* ``rotate`` makes the next key version and asks for it to become current; the
  request is signed by the new key and by the version the installed pola lists
  as current, so only the holder of the current key can replace it. The key and its
  request are saved together in the keystore (a *pending request*) before the request
  file is written: killed in between, the same command run again writes the request
  and makes no other key (:func:`finish`).
* ``revoke`` asks for a version to be revoked from a moment on: ``superseded``
  (signatures made before that moment stay valid) or ``compromised`` (no
  signature by it is trusted any more, whatever its date).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

import sandi

from .context import (
    LocalizedCommand,
    Session,
    iso,
    json_option,
    option,
    pass_session,
    shown,
    when,
    write_new,
)
from .params import AGENCY, TIME, installed_pola, open_keystore, passphrase_option

F = TypeVar("F", bound=Callable[..., Any])

REQUEST_SUFFIX = ".request"


def request_out_option(f: F) -> F:
    """``--request-out PATH``: a file, or a directory for the default name."""
    return option("--request-out", "request_out", metavar="PATH",
                  type=click.Path(path_type=Path), help="opt.request_out")(f)


def request_path(out: Path | None, name: str) -> Path:
    """Where a request goes: ``out`` if a file, ``out/name`` if a directory, else ``./name``."""
    if out is None:
        return Path(name)
    return out / name if out.is_dir() else out


def write_request(session: Session, path: Path, data: bytes) -> None:
    """Write a request file (public: keys and signatures only); never replace one."""
    write_new(session, path, data)


class Delivery:
    """Writes a change's requests into ``--request-out`` for the keystore (which calls it
    with its lock held, once the change is saved) and remembers where they went.

    A request already on disk with the same bytes counts as written (a rerun after a
    kill). If one cannot be written, the error says the change itself is saved and that
    running the same command again writes the rest."""

    def __init__(self, session: Session, out: Path | None) -> None:
        self.session = session
        self.out = out
        self.paths: list[Path] = []

    def __call__(self, pending: Sequence[sandi.keys.PendingRequest]) -> None:
        """Write each request file."""
        for request in pending:
            path = request_path(self.out, request.name)
            try:
                if not (path.is_file() and path.read_bytes() == request.data):
                    sandi.write_file(path, request.data)
            except (OSError, sandi.errors.OutputExists, sandi.errors.StorageError) as exc:
                reason = exc.message(self.session.lang) if isinstance(exc, sandi.SandiError) \
                    else exc.strerror or type(exc).__name__
                raise sandi.errors.StorageError(self.session.t(
                    "pending.unwritten", path=shown(path), reason=reason)) from None
            self.paths.append(path)


def pending_request(operation: str, name: str, data: bytes) -> sandi.keys.PendingRequest:
    """A request for :func:`finish` to write (``name`` is its default file name)."""
    return sandi.keys.PendingRequest(operation, name, data)


def pola_current(pola: sandi.Pola, keystore: sandi.Keystore, agency: str
                 ) -> sandi.keys.AgencyKey:
    """The private key of the version the pola lists as ``agency``'s current one."""
    version = pola.agency(agency).current.version
    return keystore.get(agency, version)


@click.command("rotate", cls=LocalizedCommand, help="keys.rotate.help")
@option("--agency", "--instansi", "agency", required=True, type=AGENCY, help="opt.agency")
@option("--pq", is_flag=True, help="opt.pq_rotate")
@request_out_option
@passphrase_option
@json_option
@pass_session
def rotate(session: Session, agency: str, pq: bool, request_out: Path | None,
           passphrase_file: Path | None) -> None:
    operation = f"keys rotate --agency {agency}"
    deliver = Delivery(session, request_out)
    with session.audited("rotate", agency=agency) as note:
        pola = installed_pola(session)
        keystore = open_keystore(session, passphrase_file)
        current = pola_current(pola, keystore, agency)
        resumed = keystore.finish_pending(operation, deliver)  # a killed run's request
        pending = [k.version for k in keystore.keys(agency) if k.version > current.version]
        if resumed:
            new = keystore.get(agency, sandi.authority.read_request_of(
                sandi.authority.RotateRequest, resumed[0].data).version)
        else:
            name = f"{agency}-v{max([current.version, *pending]) + 1}{REQUEST_SUFFIX}"
            if request_path(request_out, name).exists():  # before making a key in vain
                raise sandi.errors.OutputExists(session.t(
                    "out.exists", path=shown(request_path(request_out, name))))
            # The file is named after the version made under the keystore's lock, so two
            # custodians rotating at once get v2 and v3, each in its own request.
            new = keystore.generate(agency, pq=pq or current.public.has_pq, deliver=deliver,
                                    requests=lambda made: [pending_request(
                                        operation, f"{agency}-v{made.version}{REQUEST_SUFFIX}",
                                        sandi.authority.key_change(made, current))])
        note.doc_id = f"{agency} v{new.version}"
        path, = deliver.paths
    fingerprint = new.public.fingerprint()
    older = [v for v in pending if v != new.version]
    session.emit({"agency": agency, "version": new.version, "previous_version":
                  current.version, "pq": new.public.has_pq, "fingerprint": fingerprint,
                  "request": str(path), "pending_versions": older, "resumed": bool(resumed)})
    if resumed:
        session.say("rotate.resumed", agency=agency, version=new.version)
    if older:
        session.warn(session.t("rotate.pending", agency=agency, versions=", ".join(
            f"v{v}" for v in older), current=current.version))
    session.say("rotate.made", agency=agency, version=new.version, old=current.version,
                pq=session.t("word.yes" if new.public.has_pq else "word.no"))
    session.say("keys.fingerprint", fingerprint=fingerprint)
    session.say("request.written", path=shown(path))
    session.say("rotate.next", path=shown(path), agency=agency, old=current.version,
                version=new.version)


@click.command("revoke", cls=LocalizedCommand, help="keys.revoke.help")
@option("--agency", "--instansi", "agency", required=True, type=AGENCY, help="opt.agency")
@option("--version", "version", required=True, type=click.IntRange(min=1), metavar="N",
        help="opt.revoke_version")
@option("--reason", required=True, type=click.Choice(["superseded", "compromised"]),
        help="opt.reason")
@option("--effective", type=TIME, help="opt.effective")
@request_out_option
@passphrase_option
@json_option
@pass_session
def revoke(session: Session, agency: str, version: int, reason: str,
           effective: datetime | None, request_out: Path | None,
           passphrase_file: Path | None) -> None:
    moment = effective if effective is not None else datetime.now(UTC)
    with session.audited("revoke", agency=agency) as note:
        note.doc_id = f"{agency} v{version}"
        pola = installed_pola(session)
        published = pola.agency(agency)
        published.key(version)  # KeyNotValid if the pola lists no such version
        path = request_path(request_out, f"{agency}-v{version}-{reason}{REQUEST_SUFFIX}")
        if path.exists():
            raise sandi.errors.OutputExists(session.t("out.exists", path=shown(path)))
        keystore = open_keystore(session, passphrase_file)
        if version == published.current.version and not any(
                k.version > version for k in keystore.keys(agency)):
            # The authority refuses to leave an agency without a current key: the
            # rotation request must come first (both can be applied in one build).
            raise sandi.errors.InvalidArgument(session.t("revoke.current", agency=agency,
                                                         version=version))
        signer = pola_current(pola, keystore, agency)
        write_request(session, path, sandi.authority.revocation(
            signer, version, sandi.pola.RevocationReason(reason), moment))
    session.emit({"agency": agency, "version": version, "reason": reason,
                  "effective_at": iso(moment), "signed_by": signer.version,
                  "request": str(path)})
    session.say("revoke.made", agency=agency, version=version, reason=reason,
                when=when(moment))
    session.say("request.written", path=shown(path))
    session.say(f"revoke.next.{reason}", path=shown(path))


COMMANDS: list[click.Command] = [rotate, revoke]
