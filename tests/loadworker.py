"""One process of the audit-log load test (tests/test_audit_load.py).

Usage: ``python tests/loadworker.py HOME AUDIT_TARGET PASSPHRASE_FILE WORKER OPS``.

Sets up (keystore, pola), prints ``ready``, waits for a line on stdin, then does
OPS operations, alternately sealing a small document (setda to inspektorat) and
opening the envelope just sealed. Each operation runs as a CLI command does:
a fresh :class:`sandi_cli.context.Session` inside a click context, the work inside
``session.audited(...)``, so the record goes through the CLI's own code path and
its own connection to the log, closed when the "command" ends. Prints one JSON line:
the (action, doc_id) pairs it logged, whether any append failed, and latencies.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

import sandi
from sandi_cli.context import Session

SENDER, READER = "setda", "inspektorat"


def main(home: str, audit: str, passphrase_file: str, worker: str, ops: int) -> None:
    store = sandi.Keystore.open(home, passphrase=Path(passphrase_file).read_text().strip())
    pola = sandi.Home(home).pola()
    appends: list[float] = []
    real_append = sandi.AuditLog.append

    def timed_append(log: sandi.AuditLog, event: sandi.audit.Event, **kw: int | None) -> object:
        start = time.perf_counter()
        try:
            return real_append(log, event, **kw)
        finally:
            appends.append(time.perf_counter() - start)

    sandi.AuditLog.append = timed_append  # type: ignore[assignment,method-assign]
    logged: list[tuple[str, str]] = []
    failed = False
    latencies: list[float] = []
    envelope = b""
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    for i in range(ops):
        start = time.perf_counter()
        session = Session(home=sandi.Home(home), audit_db=audit)
        with click.Context(click.Command("load"), obj=session):
            action = "seal" if i % 2 == 0 else "open"
            with session.audited(action) as note:
                note.classification = "rahasia"
                if action == "seal":
                    note.agency = SENDER
                    envelope = sandi.seal(b"Nota Dinas %s/%d" % (worker.encode(), i),
                                          sender=store.identity(SENDER), to=[READER],
                                          classification="rahasia", pola=pola)
                    note.doc_id = sandi.verify(envelope, pola=pola).doc_id
                else:
                    note.agency = READER
                    doc = sandi.open(envelope, keystore=store, pola=pola)
                    assert doc.plaintext == b"Nota Dinas %s/%d" % (worker.encode(), i - 1)
                    note.doc_id = doc.doc_id
            logged.append((action, note.doc_id))
            failed = failed or session.audit_failed
        latencies.append(time.perf_counter() - start)
    print(json.dumps({"worker": worker, "logged": logged, "failed": failed,
                      "seconds": time.perf_counter() - began,
                      "max_op": max(latencies, default=0.0),
                      "max_append": max(appends, default=0.0),
                      "appends": len(appends)}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]))
