"""``sandi demo``: a guided tour in a throwaway home.

Builds the demo city (forty OPDs, their keys, a pola signed 2-of-3 by the
persandian custodians) in a NEW directory, never the user's own home, then
seals a nota dinas from Disdukcapil to Dinkes, verifies it, opens it, and shows
the pola refusing a flow it does not allow. It ends with the commands to keep
exploring that home.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

import sandi
import sandi.demo

from .context import LocalizedCommand, Session, json_option, option, pass_session, shown
from .passwd import new_file_cost

SENDER = "dispendukcapil"
RECIPIENT = "dinkes"
LETTER_NAME = "nota-dinas-470-2026.txt"
PASSPHRASE_FILE = "demo-passphrase.txt"  # noqa: S105  (a file name, not a secret)

LETTER = """\
PEMERINTAH KOTA CONTOH
DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL

NOTA DINAS
Nomor       : 470/0123/Disdukcapil/2026
Kepada      : Yth. Kepala Dinas Kesehatan
Dari        : Kepala Dinas Kependudukan dan Pencatatan Sipil
Klasifikasi : Rahasia
Hal         : Data penduduk rentan untuk pelayanan imunisasi

Bersama ini kami sampaikan rekapitulasi data penduduk rentan (balita dan
lansia) per kecamatan, memuat NIK dan alamat, sebagai dasar penjadwalan
pelayanan imunisasi. Data hanya digunakan untuk keperluan tersebut dan tidak
diteruskan kepada pihak lain.

Demikian disampaikan, atas perhatian Saudara diucapkan terima kasih.
"""


def _demo_home(session: Session, home: Path | None) -> Path:
    """A new temporary directory, or ``home`` if it is new or empty.

    ``sandi --home DIR demo`` counts as asking for DIR; a home that comes from
    ``SANDI_HOME`` does not (it is most likely the user's real one).
    """
    root = click.get_current_context().find_root()
    if home is None and root.get_parameter_source("home") is ParameterSource.COMMANDLINE:
        home = session.home.path
    if home is None:
        return Path(tempfile.mkdtemp(prefix="sandi-demo-"))
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise click.UsageError(session.t("demo.not_empty", path=shown(home)))
    return home


def _write_passphrase(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(sandi.demo.DEMO_PASSPHRASE + "\n")


@click.command("demo", cls=LocalizedCommand, help="demo.help")
@option("--home", "home", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
        help="opt.demo_home")
@json_option
@pass_session
def demo(session: Session, home: Path | None) -> None:
    s, say = session.t, session.say
    path = _demo_home(session, home)
    world = sandi.demo.demo_world(path, kdf=new_file_cost())
    pola = world.pola
    status = pola.signature_status()
    say("demo.home", path=shown(path))
    say("demo.pola", name=pola.name, id=pola.id, version=pola.version,
        agencies=len(pola.agencies), rules=len(pola.rules))
    say("demo.authority", name=pola.authority.name, signed=len(status.valid),
        keys=len(pola.authority.keys), threshold=pola.authority.threshold)
    sender, recipient = pola.agency(SENDER), pola.agency(RECIPIENT)
    level = sandi.Classification.RAHASIA

    # 1. seal
    letter = path / LETTER_NAME
    letter.write_text(LETTER, encoding="utf-8")
    envelope = letter.with_name(letter.name + ".sandi")
    sealed = sandi.seal_file(letter, envelope, sender=world.keystore.identity(SENDER),
                             to=[RECIPIENT], classification=level, pola=pola,
                             subject="Data penduduk rentan untuk pelayanan imunisasi",
                             urgency=sandi.Urgency.SEGERA)
    session.echo()
    say("demo.seal", sender=sender.abbrev, recipient=recipient.abbrev, level=level.label,
        path=shown(envelope), size=envelope.stat().st_size, suite=sealed.suite)

    # 2. verify, with public information only
    info = sandi.verify(envelope, pola=world.home.pola())
    say("demo.verify", doc=info.doc_id, sender=info.sender, version=info.signer_key_version)

    # 3. open as the recipient
    opened_path = path / f"dibuka-{LETTER_NAME}"
    opened = sandi.open_file(envelope, opened_path, keystore=world.keystore, pola=pola)
    same = opened_path.read_bytes() == letter.read_bytes()
    say("demo.open", path=shown(opened_path), agency=RECIPIENT,
        filename=opened.filename or "-", subject=opened.subject or "-")
    say("demo.same" if same else "demo.differs")

    # 4. two officials of Dinkes open it on their shared workstation, each with their own
    #    passphrase; the audit log names them as two people
    people = _officials(session, world, envelope)

    # 5. a flow the pola does not allow
    refusal = ""
    try:
        sandi.seal(b"Laporan", sender=world.keystore.identity(RECIPIENT), to=[SENDER],
                   classification=sandi.Classification.SANGAT_RAHASIA, pola=pola)
    except sandi.errors.PolicyViolation as err:
        refusal = str(err)  # English in --json, like every error message there
        session.echo()
        say("demo.refused", sender=recipient.abbrev, recipient=sender.abbrev,
            level=sandi.Classification.SANGAT_RAHASIA.label, reason=err.message(session.lang))
    else:
        session.warn(s("demo.not_refused"))

    # 6. how to keep exploring
    secret = path / PASSPHRASE_FILE
    _write_passphrase(secret)
    session.emit({**_doc(path, secret, envelope, opened_path, info, same, refusal),
                  "audit_members": people})
    session.echo()
    say("demo.explore", home=shown(path), secret=shown(secret))
    for line in _commands(path, secret, envelope):
        session.echo("  " + line)
    say("demo.cleanup", home=shown(path))
    if not same:
        raise click.ClickException(s("demo.differs"))


def _officials(session: Session, world: sandi.demo.DemoWorld, envelope: Path) -> list[str]:
    """Each Dinkes official opens the letter with their own key; the log tells them apart."""
    log = sandi.AuditLog(world.workstation / "audit.db")
    session.echo()
    session.say("demo.members", agency=RECIPIENT, home=shown(world.workstation))
    for member, (name, jabatan, passphrase) in sandi.demo.DEMO_MEMBERS.items():
        store = sandi.Keystore.open(world.workstation, passphrase=passphrase, member=member)
        doc = sandi.open(envelope.read_bytes(), keystore=store, pola=world.pola)
        log.append(sandi.audit.Event("open", agency=RECIPIENT, member=member, doc_id=doc.doc_id,
                               classification=doc.classification.slug))
        session.say("demo.member_open", name=name, jabatan=jabatan, member=member)
    records = list(log.records())
    log.verify()
    session.say("demo.audit", count=len(records),
                people=", ".join(f"{r.member} ({r.action} {r.doc_id[:8]})" for r in records))
    log.close()
    return [r.member for r in records]


def _commands(home: Path, secret: Path, envelope: Path) -> list[str]:
    pf = f"--passphrase-file {shown(secret)}"
    return [f"export SANDI_HOME={shown(home)}",
            "sandi pola show --matrix",
            f"sandi verify {shown(envelope)}",
            f"sandi open {shown(envelope)} -o nota-dinas.txt {pf}",
            f"sandi keys list {pf}",
            "sandi seal FILE --from setda --to inspektorat --klasifikasi rahasia " + pf]


def _doc(home: Path, secret: Path, envelope: Path, opened: Path, info: sandi.EnvelopeInfo,
         same: bool, refusal: str) -> dict[str, Any]:
    return {"home": str(home), "passphrase_file": str(secret), "envelope": str(envelope),
            "document_id": info.doc_id, "opened": str(opened), "plaintext_matches": same,
            "refusal": refusal}
