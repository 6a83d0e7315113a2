"""What every command shares: the session (home, language, output mode, audit
log) and the localized click classes whose help texts come from
:mod:`sandi_cli.messages`.

Auditing happens in one place, :meth:`Session.audited`: a command wraps its
action in ``with session.audited("open") as note:``, fills in what it learns
(agency, document id, classification), and the record is appended whether the
action succeeded, was refused or failed. Plaintext, keys and passphrases never
reach the log. If the log cannot be written, a warning is printed and the
command still reports its own result, then exits 1, except where a record must
come first: seal, open and rewrap append theirs (:meth:`AuditNote.commit`) before
the library publishes the envelope, the plaintext or the rewrapped file, and
nothing is published if the log cannot be written.

Text another party chose (a sender's file name and subject, names in a pola, a
receipt's member) is escaped where it leaves the CLI (:mod:`sandi_cli.escape`):
``say`` escapes its parameters, ``table`` its values, ``echo`` and ``warn`` every
non-printable character but the newlines sandi put there, ``emit`` inside JSON
strings. The localized click classes live in :mod:`sandi_cli.localized`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

import sandi

from .escape import json_text, printable
from .localized import (
    LANG_KEY as LANG_KEY,
)
from .localized import (
    LocalizedCommand as LocalizedCommand,
)
from .localized import (
    LocalizedGroup as LocalizedGroup,
)
from .localized import (
    LocalizedOption as LocalizedOption,
)
from .localized import (
    lang_of as lang_of,
)
from .localized import (
    option as option,
)
from .messages import t

F = TypeVar("F", bound=Callable[..., Any])

AUDIT_FILE = "audit.db"
ENV_AUDIT_DB = "SANDI_AUDIT_DB"


@dataclass
class AuditNote:
    """What a command has learned about the action it audits, filled in as it goes."""

    agency: str = ""
    doc_id: str = ""  # the document id; for key and pola actions, the version acted on
    classification: str = ""
    committed: bool = False  # the "ok" record is written already (before publishing)

    def envelope(self, info: sandi.EnvelopeInfo, agency: str | None = None) -> None:
        """Take the document's id, classification and (by default) its sender."""
        self.agency = info.sender if agency is None else agency
        self.doc_id = info.doc_id
        self.classification = info.classification.slug

    def commit(self, session: Session, action: str, info: sandi.EnvelopeInfo,
               agency: str | None = None) -> None:
        """Record ``action`` as done, now, before the library publishes its output: the
        record comes first, so a kill cannot leave a document released without one. If
        the publish then fails, :meth:`Session.audited` records the error after it."""
        self.envelope(info, agency)
        session.record(self.event(action, "ok"), required=True)
        self.committed = True

    def event(self, action: str, outcome: str, error: str = "") -> sandi.audit.Event:
        """The audit event (never plaintext, keys or passphrases)."""
        return sandi.audit.Event(action, agency=self.agency, member="", doc_id=self.doc_id,
                           classification=self.classification, outcome=outcome,
                           error=error)


def outcome_of(exc: BaseException) -> str:
    """``refused`` for a refusal or malformed input (what an auditor looks for), else
    ``error``."""
    refused = (sandi.errors.Refusal, sandi.errors.MalformedInput)
    return "refused" if isinstance(exc, refused) else "error"


@dataclass
class Session:
    """The global options, shared by every command through ``ctx.obj``."""

    home: sandi.Home
    lang: str = "en"
    json: bool = False
    quiet: bool = False
    debug: bool = False
    audit_db: str | None = None
    member: str | None = None  # the official acting, when members share a home
    audit_failed: bool = False
    _audit: sandi.AuditLog | None = field(default=None, repr=False)

    def t(self, msg_id: str, **kw: object) -> str:
        """A message in the session's language."""
        return t(msg_id, self.lang, **kw)

    def words(self, text: str) -> str:
        """``text`` in the session's language, if the library gave it as a Phrase (a str
        that can also be said in Indonesian); else as it is."""
        return text.message(self.lang) if isinstance(text, sandi.errors.Phrase) else text

    def say(self, msg_id: str, **kw: object) -> None:
        """Print a human line to stdout, unless --quiet or --json; each parameter is
        shown escaped (a name or subject may be another party's)."""
        self.echo(self.t(msg_id, **{k: printable(v) if isinstance(v, str) else v
                                    for k, v in kw.items()}))

    def echo(self, text: str = "") -> None:
        """Print text for people to stdout, unless --quiet or --json (every
        non-printable character but a newline escaped)."""
        if not (self.quiet or self.json):
            click.echo(printable(text, lines=True))

    def warn(self, text: str) -> None:
        """A warning on stderr (shown even with --quiet)."""
        click.echo(f"sandi: {self.t('label.warning')}: {printable(text, lines=True)}",
                   err=True)

    def fail(self, message: str, hint: str, code: int = 1) -> NoReturn:
        """End the command with one error line and one hint, as the main handler does
        (for a command that reports its own results first, such as a batch)."""
        click.echo(f"sandi: {self.t('label.error')}: {printable(message)}", err=True)
        click.echo(f"sandi: {self.t('label.hint')}: {printable(hint)}", err=True)
        raise click.exceptions.Exit(code)

    def emit(self, doc: dict[str, Any]) -> None:
        """The one JSON document of a command, on stdout, if --json."""
        if self.json:
            click.echo(json_text(doc))

    @contextlib.contextmanager
    def progress(self, path: Path, msg_id: str) -> Iterator[Callable[[int], object] | None]:
        """A progress bar over ``path``'s size on a terminal (stderr), for long work only;
        None (no bar) with --quiet, --json, off a terminal, or for small files."""
        try:
            total = path.stat().st_size
        except OSError:
            total = 0
        if self.quiet or self.json or total < PROGRESS_FROM or not sys.stderr.isatty():
            yield None
            return
        with click.progressbar(length=total, label=self.t(msg_id), file=sys.stderr,
                               show_eta=True, show_percent=True) as bar:
            yield bar.update

    def pola(self) -> sandi.Pola:
        """The installed pola, verified and not expired (NoPola if none); warns if stale."""
        from .freshness import warn_if_stale
        return warn_if_stale(self, self.home.pola())

    # --- the audit log ----------------------------------------------------------------

    def audit_target(self) -> Path | str | None:
        """``--audit-db`` / ``$SANDI_AUDIT_DB`` (a file or a ``postgresql://`` URL), else
        ``HOME/audit.db``; None while the home does not exist (it holds no keys and no
        pola, so nothing there can be sealed or opened)."""
        if self.audit_db:
            return self.audit_db if "://" in self.audit_db else Path(self.audit_db)
        if self.home.path.is_dir():
            return self.home.path / AUDIT_FILE
        return None

    def audit_where(self) -> str:
        """The log's location for messages (a URL without its credentials)."""
        target = self.audit_target()
        if isinstance(target, str):
            scheme, rest = target.split("://", 1)
            return f"{scheme}://{rest.rsplit('@', 1)[-1]}"
        return str(target if target is not None else self.home.path / AUDIT_FILE)

    def no_home(self) -> sandi.SandiError:
        """The error for a home that does not exist (so has no audit log): most likely a
        new terminal without SANDI_HOME, and the hint says so."""
        from .hints import hinted  # (not at start-up: `sandi --version` loads no commands)

        return hinted(sandi.errors.InvalidArgument(self.t("audit.no_home", home=self.home.path)),
                      self.t("hint.no_home", home=self.home.path))

    def audit_log(self) -> sandi.AuditLog:
        """The open audit log (opened once, closed when the command ends)."""
        if self._audit is None:
            target = self.audit_target()
            if target is None:
                raise self.no_home()
            self._audit = sandi.AuditLog(target)
            ctx = click.get_current_context(silent=True)
            if ctx is not None:
                ctx.find_root().call_on_close(self._audit.close)
        return self._audit

    def record(self, event: sandi.audit.Event, *, required: bool = False) -> None:
        """Append one record; on failure warn (once) and remember to exit 1, never raise,
        unless the record is ``required`` before something is published: then raise
        StorageError, so that nothing is."""
        if self.audit_target() is None:
            return
        if self.audit_failed and not required:
            return
        if self.member and not event.member:
            event = dataclasses.replace(event, member=self.member)  # the person, not the host
        try:
            self.audit_log().append(event)
        except Exception as exc:  # the log must never hide the command's own result
            reason = exc.message(self.lang) if isinstance(exc, sandi.SandiError) \
                else type(exc).__name__
            if required:
                raise sandi.errors.StorageError(self.t(
                    "audit.required", where=self.audit_where(), reason=reason)) from None
            self.audit_failed = True
            self.warn(self.t("audit.unwritable", where=self.audit_where(), reason=reason))

    @contextlib.contextmanager
    def audited(self, action: str, agency: str = "") -> Iterator[AuditNote]:
        """Record ``action`` with its outcome: ok, refused or error (and the error class)."""
        note = AuditNote(agency=agency)
        try:
            yield note
        except Exception as exc:
            self.record(note.event(action, outcome_of(exc), type(exc).__name__))
            raise
        if not note.committed:
            self.record(note.event(action, "ok"))

    def table(self, rows: list[tuple[str, str]]) -> None:
        """Aligned ``label: value`` lines."""
        width = max((len(label) for label, _ in rows), default=0) + 1
        for label, value in rows:
            self.echo(f"{label + ':':<{width}} {printable(value)}")


pass_session = click.make_pass_decorator(Session)
PROGRESS_FROM = 16 * 1024 * 1024  # a bar for files of at least this size


def when(moment: datetime | int) -> str:
    """A time for people: ``2026-11-23 21:34 UTC``."""
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(moment: datetime | int) -> str:
    """A time for machines: ISO 8601 in UTC with a ``Z``."""
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def urgency_label(urgency: sandi.Urgency) -> str:
    """``Sangat Segera`` for people (the slug is ``sangat-segera``)."""
    return urgency.name.replace("_", " ").title()


def shown(path: Path | str) -> str:
    """A path as the user should see it (escaped: a name may be a sender's)."""
    return printable(click.format_filename(path))


def write_new(session: Session, path: Path, data: bytes, *, force: bool = False) -> None:
    """Write a public file (a request, a public key, a checkpoint, a diagram); an
    existing file is replaced only with ``force``."""
    # Atomically: a kill -9 must not leave an empty or half-written request behind.
    try:
        sandi.write_file(path, data, overwrite=force)
    except sandi.errors.OutputExists:
        raise sandi.errors.OutputExists(session.t("out.exists", path=shown(path))) from None


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    session = ctx.find_object(Session)
    if value and session is not None:
        session.json = True


def json_option(f: F) -> F:
    """``--json`` on a command: the same as the global ``sandi --json``."""
    return option("--json", is_flag=True, expose_value=False, callback=_set_json,
                  help="opt.json")(f)
