"""``sandi verify FILE``: check an envelope with public information only.

Needs the installed pola but no passphrase and no private key: an auditor can
check who sealed a document, for whom, under which pola, and that nothing was
changed, without being able to read it.

JSON output (``--json``), schema ``sandi.verify/1``; keys are stable, new keys
may be added::

    {
      "schema": "sandi.verify/1",
      "document_id": "<32 hex digits>",
      "sender": {"id": "dispendukcapil", "name": "Dinas Kependudukan ..."},
      "signer": {"id": "dispendukcapil", "key_version": 1},
      "to": ["dinkes"],                       # recipient agency ids, sorted
      "classification": "rahasia",            # slug: biasa|terbatas|rahasia|sangat-rahasia
      "classification_label": "Rahasia",
      "urgency": "biasa",                     # slug: biasa|segera|sangat-segera|kilat
      "created_at": "2026-11-23T21:34:56Z",   # UTC, ISO 8601
      "pola": {"id": "kota-contoh", "version": 1},
      "suite": "hybrid",                      # classical|hybrid
      "witnessed_at": null,                   # an RFC 3161 token's time, if any
      "receipts": {"from": [], "to": []},     # receipts requested, and to whom
      "signature": "valid",
      "policy": "allowed"
    }

On failure nothing is printed on stdout but the error document (see
:mod:`sandi_cli.main`), and the exit code is 1 (refused or malformed) or 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import sandi

from .context import (
    LocalizedCommand,
    Session,
    iso,
    json_option,
    pass_session,
    urgency_label,
    when,
)

SCHEMA = "sandi.verify/1"


def info_doc(info: sandi.EnvelopeInfo) -> dict[str, Any]:
    """The JSON form of a verified header (shared by seal, open and verify)."""
    return {
        "document_id": info.doc_id,
        "sender": {"id": info.sender, "name": info.sender_name},
        "signer": {"id": info.signer, "key_version": info.signer_key_version},
        "to": list(info.to),
        "classification": info.classification.slug,
        "classification_label": info.classification.label,
        "urgency": info.urgency.slug,
        "created_at": iso(info.created_at),
        "pola": {"id": info.pola_id, "version": info.pola_version},
        "suite": info.suite,
        "witnessed_at": None if info.witnessed_at is None else iso(info.witnessed_at),
        "receipts": {"from": list(info.receipts_from), "to": list(info.receipts_to)},
    }


def info_rows(session: Session, info: sandi.EnvelopeInfo) -> list[tuple[str, str]]:
    """The header as labelled lines for people."""
    s = session.t
    return [
        (s("label.document"), info.doc_id),
        (s("label.sender"), f"{info.sender_name} ({info.sender})"),
        (s("label.signer"), s("verify.signer", id=info.signer,
                              version=info.signer_key_version)),
        (s("label.to"), ", ".join(info.to)),
        (s("label.classification"), info.classification.label),
        (s("label.urgency"), urgency_label(info.urgency)),
        (s("label.created"), when(info.created_at)),
        (s("label.pola"), f"{info.pola_id} v{info.pola_version}"),
        (s("label.suite"), info.suite),
        *([(s("label.witnessed"), when(info.witnessed_at))] if info.witnessed_at else []),
        *([(s("label.receipts"), s("verify.receipts", who=", ".join(info.receipts_from),
                                     back=", ".join(info.receipts_to)))]
          if info.receipts_from else []),
    ]


@click.command("verify", cls=LocalizedCommand, help="verify.help")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_session
def verify(session: Session, file: Path) -> None:
    with session.audited("verify") as note:
        with session.progress(file, "progress.verify") as progress:
            info = sandi.verify(file, pola=session.pola(), progress=progress)
        note.envelope(info)
    session.emit({"schema": SCHEMA, **info_doc(info), "signature": "valid",
                  "policy": "allowed"})
    session.table([*info_rows(session, info),
                   (session.t("label.signature"), session.t("verify.valid")),
                   (session.t("label.policy"), session.t("verify.allowed"))])
