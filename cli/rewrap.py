"""``sandi rewrap PATH...``: move an archive to the agency's current key version.

Each envelope (a file, or every ``*.sandi`` and ``*.sandi.txt`` under a directory)
gets its recipient stanza for our agency re-wrapped to the version the installed pola
lists as current; the signed header and the payload stay byte for byte, so the
sender's signature still verifies. An envelope whose signature or policy does not
verify is reported as failed and left as it is. Files are independent, so they are
spread over worker processes (``--jobs``; by default one per CPU for large batches,
see :func:`default_workers`); each worker unlocks the keystore itself, receiving the
passphrase through the pool's initializer, never on a command line, or, when ``sandi
agent`` holds the home's keys, asks the agent (and no passphrase is asked at all; not
with ``--retire``, whose requests are signed only by a keystore unlocked here). Workers hold the
agency's private keys, so they die with the command (``PR_SET_PDEATHSIG`` on Linux,
and a watch on their parent everywhere): a ``kill -9`` of ``sandi rewrap`` leaves
none running.

Every rewrapped file's audit record is appended before the file is rewritten (by the
worker that rewrites it); every failure is audited too. Two rewraps of one archive at
once take turns: each holds a lock on every folder it scans, and says so while it
waits.

With ``--retire``, once no scanned envelope needs an older version any more, a
revocation request (reason ``superseded``) is written for each older version,
for the authority to publish.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

import sandi
import sandi.agent

from .context import (
    AuditNote,
    LocalizedCommand,
    Session,
    json_option,
    option,
    outcome_of,
    pass_session,
    shown,
)
from .lifecycle import REQUEST_SUFFIX, request_out_option, request_path, write_request
from .params import Keys, agent_keys, check_member, get_passphrase, passphrase_option
from .passwd import warn_keystore

FAILED = "failed"
KINDS = ("rewrapped", "already_current", "not_addressed", FAILED)
FILES_PER_WORKER = 64
_WORKER: dict[str, Any] = {}


@dataclass(frozen=True)
class FileResult:
    """What happened to one file (plain data: it crosses the process boundary)."""

    path: str
    outcome: str  # one of KINDS
    agencies: tuple[str, ...] = ()
    old_versions: tuple[int, ...] = ()
    error: str = ""  # the error class name, if failed
    reason: str = ""
    audit_outcome: str = ""  # refused | error, if failed
    doc_id: str = ""
    reason_id: str = ""  # the reason in Indonesian, for people (not in --json)

    def public(self) -> dict[str, Any]:
        """The result as --json prints it."""
        doc = asdict(self)
        del doc["reason_id"]
        return doc


Record = Callable[[Any], object]


def rewrap_one(path: Path, keystore: sandi.keys.Keyring, pola: sandi.Pola,
               record: Record | None = None) -> FileResult:
    """Rewrap one file (``record`` audits it before it is rewritten); a failure is a
    result, not an exception (the batch goes on)."""
    kinds = {sandi.envelope.RewrapOutcome.REWRAPPED: "rewrapped",
             sandi.envelope.RewrapOutcome.CURRENT: "already_current",
             sandi.envelope.RewrapOutcome.NOT_ADDRESSED: "not_addressed"}
    try:
        done = sandi.envelope.rewrap_file(path, keystore=keystore, pola=pola,
                                          before_publish=record)
    except Exception as exc:
        reason = str(exc) if isinstance(exc, sandi.SandiError) else \
            f"{type(exc).__name__}: {exc}"
        reason_id = exc.message("id") if isinstance(exc, sandi.SandiError) else reason
        return FileResult(str(path), FAILED, error=type(exc).__name__, reason=reason,
                          audit_outcome=outcome_of(exc), reason_id=reason_id)
    return FileResult(str(path), kinds[done.outcome], done.agencies, done.old_versions,
                      doc_id=done.doc_id)


def _die_with(parent: int) -> None:
    """A worker holds the agency's private keys: it must not outlive the command."""
    sandi.envelope.end_with_parent()
    # Nor may it hold the caller's pipes open: only stderr is kept, for a crash.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)


def _init_worker(home: str, passphrase: str | None, pola: bytes, member: str | None,
                 audit: str | None, parent: int) -> None:
    _die_with(parent)
    if passphrase is None:  # the parent found an agent: each worker asks it too
        _WORKER["keystore"] = sandi.agent.connect(home)
        if _WORKER["keystore"] is None:
            raise sandi.errors.AgentError("the agent has ended; unlock again")
    else:
        _WORKER["keystore"] = sandi.Keystore.open(home, passphrase=passphrase, member=member)
    _WORKER["pola"] = sandi.Pola.from_bytes(pola)
    _WORKER["member"], _WORKER["audit"] = member or "", audit


def _worker_record(done: Any) -> None:
    """Append a rewrap's audit record from the worker, before the file is rewritten."""
    target = _WORKER["audit"]
    if target is None:
        return
    if "log" not in _WORKER:
        _WORKER["log"] = sandi.AuditLog(target if "://" in target else Path(target))
    _WORKER["log"].append(sandi.audit.Event(
        "rewrap", agency=",".join(done.agencies), member=_WORKER["member"], doc_id=done.doc_id,
        classification=done.classification, outcome="ok"))


def _work(path: str) -> FileResult:
    return rewrap_one(Path(path), _WORKER["keystore"], _WORKER["pola"], _worker_record)


SUFFIXES = ("*.sandi", "*.sandi.txt")


def collect(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and every ``*.sandi`` and armored ``*.sandi.txt`` file under the
    directories named, once each."""
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        found = sorted(p for pattern in SUFFIXES for p in path.rglob(pattern)
                       if p.is_file()) if path.is_dir() else [path]
        for file in found:
            if (key := file.resolve()) not in seen:
                seen.add(key)
                files.append(file)
    return files


def default_workers(files: int) -> int:
    """One worker per CPU, but at least ``FILES_PER_WORKER`` files each: every worker
    pays one Argon2id unlock of the keystore (about a second), while rewrapping one
    file costs milliseconds, so a small batch is faster in this process alone."""
    return max(1, min(os.cpu_count() or 1, files // FILES_PER_WORKER))


def _results(session: Session, files: list[Path], keystore: Keys,
             pola: sandi.Pola, passphrase: str | None, workers: int) -> Iterator[FileResult]:
    if workers <= 1:
        def record(done: Any) -> None:
            session.record(AuditNote(",".join(done.agencies), done.doc_id, done.classification)
                           .event("rewrap", "ok"), required=True)

        for file in files:
            yield rewrap_one(file, keystore, pola, record)
        return
    # The platform's default start method (fork on Linux before Python 3.14): with
    # fork every worker starts at the first submit, before this process opens the
    # audit log, so no worker inherits a database connection; each opens its own.
    member = keystore.member.agency if keystore.member is not None else None
    audit = session.audit_target()
    start = functools.partial(_init_worker, str(session.home.path), passphrase,
                              pola.to_bytes(), member, None if audit is None else str(audit),
                              os.getpid())
    with ProcessPoolExecutor(max_workers=workers, initializer=start) as pool:
        futures: dict[Future[FileResult], Path] = {
            pool.submit(_work, str(file)): file for file in files}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool as exc:
                yield FileResult(str(futures[future]), FAILED, error=type(exc).__name__,
                                 reason=str(exc), audit_outcome="error")


def _check_keys_held(session: Session, held: sandi.keys.HeldKeys, pola: sandi.Pola) -> None:
    """Refuse to rewrap to a current version this keystore cannot open (before the
    passphrase, from the keystore's public part; again once unlocked)."""
    for agency in held.agencies():
        try:
            current = pola.agency(agency).current.version
        except sandi.SandiError:
            continue  # not in the pola: nothing is rewrapped for it
        if not held.has(agency, current):
            raise sandi.errors.KeyNotFound(session.t("rewrap.not_held", agency=agency,
                                                     version=current))


def _none_addressed(files: list[Path], held: sandi.keys.HeldKeys) -> bool:
    """Whether no file is addressed to an agency whose keys the home holds, by the clear
    headers (rewrap's own test: a stanza for a held agency). Then no key is needed:
    each is "not addressed to us", as rewrap would find after unlocking. A header is
    its writer's claim; it can only spare the passphrase for a file rewrap would leave
    as it is. Stops at the first file that needs the keys (or does not parse)."""
    agencies = set(held.agencies())
    for file in files:
        try:
            header = sandi.envelope.peek(file)
        except sandi.SandiError:
            return False  # reported by the rewrap itself, after unlocking as before
        if any(agency in agencies for agency, _ in header.stanzas):
            return False
    return True


def _audit(session: Session, result: FileResult) -> None:
    # A rewrapped file was recorded before it was rewritten; a failure is recorded here.
    if result.outcome == FAILED:
        session.record(AuditNote().event("rewrap", result.audit_outcome, result.error))


@contextlib.contextmanager
def _taking_turns(session: Session, paths: tuple[Path, ...]) -> Iterator[None]:
    """Hold a lock on every folder scanned (a file's own folder), so that two rewraps of
    one archive take turns; say so while waiting."""
    folders = sorted({(p if p.is_dir() else p.parent).resolve() for p in paths})
    with contextlib.ExitStack() as held:
        for folder in folders:
            held.enter_context(sandi.envelope.archive_turn(
                folder, on_wait=functools.partial(
                    session.warn, session.t("rewrap.waiting", path=shown(folder)))))
        yield


def _progress(session: Session, length: int) -> Any:
    if session.quiet or length < 2 or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return click.progressbar(length=length, label=session.t("rewrap.progress"),
                             file=sys.stderr)


def _retire(session: Session, keystore: sandi.Keystore, pola: sandi.Pola,
            request_out: Path | None) -> list[dict[str, Any]]:
    """Revocation requests (superseded, from now) for every older, unrevoked version."""
    now = datetime.now(UTC)
    written: list[dict[str, Any]] = []
    for agency in keystore.agencies():
        try:
            published = pola.agency(agency)
        except sandi.SandiError:
            continue
        current = published.current.version
        signer = keystore.get(agency, current)
        for old in published.keys:
            if old.version >= current or old.state is sandi.pola.KeyState.REVOKED:
                continue
            path = request_path(request_out, f"{agency}-v{old.version}-superseded"
                                             f"{REQUEST_SUFFIX}")
            if path.exists():
                session.warn(session.t("retire.exists", path=shown(path)))
                continue
            write_request(session, path, sandi.authority.revocation(
                signer, old.version, sandi.pola.RevocationReason.SUPERSEDED, now))
            session.record(AuditNote(agency, f"{agency} v{old.version}").event("revoke", "ok"))
            written.append({"agency": agency, "version": old.version, "current": current,
                            "request": str(path)})
    return written


@click.command("rewrap", cls=LocalizedCommand, help="rewrap.help")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, path_type=Path))
@option("--retire", is_flag=True, help="opt.retire")
@option("--jobs", type=click.IntRange(min=1), metavar="N", help="opt.jobs")
@request_out_option
@passphrase_option
@json_option
@pass_session
def rewrap(session: Session, paths: tuple[Path, ...], retire: bool, jobs: int | None,
           request_out: Path | None, passphrase_file: Path | None) -> None:
    home = session.home.path
    pola = session.pola()
    if not sandi.Keystore.exists(home):
        raise sandi.errors.NoKeystore(session.t("keystore.missing", home=home))
    public = sandi.Keystore.peek(home)  # None for a keystore written before public parts
    if public is not None:  # check first, ask last
        _check_keys_held(session, public, pola)
        files = collect(paths)
        if not retire and _none_addressed(files, public):
            _report(session, [FileResult(str(f), "not_addressed") for f in files], retire,
                    None, pola, request_out)
            return
    keystore: Keys
    passphrase: str | None = None
    if not retire and (held := agent_keys(session)) is not None:
        keystore = held  # the agent's keys: nothing asked, and workers ask the agent too
    else:
        check_member(session)  # before the passphrase, as every command that unlocks
        passphrase = get_passphrase(session, passphrase_file)
        keystore = sandi.Keystore.open(home, passphrase=passphrase, member=session.member,
                                       pola=pola if sandi.Keystore.uses_vault(home) else None)
        if keystore.member is not None:
            session.member = keystore.member.agency
        warn_keystore(session, keystore)
    _check_keys_held(session, sandi.keys.HeldKeys.of(keystore.keys()), pola)
    results: list[FileResult] = []
    with _taking_turns(session, paths):
        files = collect(paths)
        workers = min(jobs, len(files)) if jobs is not None else default_workers(len(files))
        order = {str(f): i for i, f in enumerate(files)}
        with _progress(session, len(files)) as bar:
            for result in _results(session, files, keystore, pola, passphrase, workers):
                results.append(result)
                _audit(session, result)
                if bar is not None:
                    bar.update(1)
    results.sort(key=lambda r: order.get(r.path, len(order)))
    _report(session, results, retire, keystore, pola, request_out)


def _report(session: Session, results: list[FileResult], retire: bool,
            keystore: Keys | None, pola: sandi.Pola, request_out: Path | None) -> None:
    counts = {kind: sum(r.outcome == kind for r in results) for kind in KINDS}
    failed = [r for r in results if r.outcome == FAILED]
    requests = []
    if retire and not failed and isinstance(keystore, sandi.Keystore):  # never the agent's
        requests = _retire(session, keystore, pola, request_out)
    session.emit({"files": len(results), **counts, "retire": {
        "asked": retire, "blocked": bool(retire and failed), "requests": requests},
        "results": [r.public() for r in results]})
    session.say("rewrap.summary", total=len(results), **counts)
    for r in failed:
        reason = r.reason_id if session.lang == "id" and r.reason_id else r.reason
        session.echo("  " + session.t("rewrap.failed_file", path=shown(r.path), reason=reason))
    if retire and failed:
        session.say("retire.blocked", count=len(failed))
    elif retire and not requests:
        session.say("retire.nothing")
    for req in requests:
        session.say("retire.written", path=shown(req["request"]), agency=req["agency"],
                    old=req["version"], current=req["current"])
    if requests:
        session.say("retire.explain")
    if failed:
        session.fail(session.t("rewrap.some_failed", count=len(failed), total=len(results)),
                     session.t("rewrap.failed_hint"))
