"""A members' vault of BKPSDMD and the pola that lists its members, for the custody tests.

Members: ``ani`` and ``budi`` (the custodians who act), ``dedi``, ``hari``, ``eko``,
``indra`` (active, with slots: to remove or suspend), ``joko`` and ``kiki`` (listed but
suspended, without slots: to reinstate). Every key file uses the test-only Argon2id
cost; passphrases are ``sandi milik <id>``, each in a 0600 file ``<id>.pass``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sandi
from sandi.authority.authoring import AuthorityKeyPair
from sandi.authority.requests import enrollment, member_enrollment
from sandi.authority.workspace import Workspace
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import KdfParams
from sandi.keys.vault import init_vault
from sandi.pola.model import MemberStatus

AGENCY = "bkpsdmd"
ACTIVE = ("ani", "budi", "dedi", "hari", "eko", "indra")
SUSPENDED = ("joko", "kiki")
NEW = ("fajar", "gita")


def passphrase(member: str) -> str:
    """The passphrase of ``member``'s personal key."""
    return f"sandi milik {member}"


@dataclass
class VaultCity:
    """The template home (vault, member keys, installed pola) and the passphrase files."""

    home: Path
    secrets: Path
    pola: sandi.Pola
    ws: Workspace
    custodians: list[AuthorityKeyPair]

    def secret(self, member: str) -> Path:
        """The 0600 file holding ``member``'s passphrase."""
        return self.secrets / f"{member}.pass"

    def publish(self, member: str, status: MemberStatus, home: Path) -> sandi.Pola:
        """The authority sets ``member``'s status from now and publishes; ``home``
        installs the new pola."""
        self.ws.set_member_status(AGENCY, member, status,
                                  at=datetime.now(UTC) - timedelta(seconds=1))
        self.ws.build()
        for custodian in self.custodians:
            self.ws.sign(custodian)
        return sandi.Home(home).install_pola(self.ws.publish().to_bytes())


def build(root: Path) -> VaultCity:
    """Make the city under ``root`` (a few hundred milliseconds)."""
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    custodians = [AuthorityKeyPair.generate(f"k{i}", f"Kustodian {i}") for i in range(2)]
    ws = Workspace.init(root / "ws", pola_id="kota-uji", name="Pola Uji",
                        authority_name="Persandian", custodians=[c.public for c in custodians],
                        threshold=2, decree_number="Perwal 1/2026", decree_date="2026-01-05",
                        decree_title="Pola")
    home, secrets = root / "home", root / "secrets"
    secrets.mkdir()
    people = {}
    for member in (*ACTIVE, *SUSPENDED, *NEW):
        (secrets / f"{member}.pass").write_text(passphrase(member) + "\n")
        (secrets / f"{member}.pass").chmod(0o600)
    for member in (*ACTIVE, *SUSPENDED):
        people[member] = create_member_key(home, member, passphrase=passphrase(member),
                                           kdf=KdfParams.TEST, pq=True)
    agency_key = sandi.keys.AgencyKey.generate(AGENCY, 1, now=now, pq=True)
    init_vault(home, AGENCY, {m: people[m].public for m in ACTIVE}, keys=[agency_key])
    ws.add_agency(enrollment(agency_key), name="Badan Kepegawaian", abbrev="BKPSDMD",
                  groups=["badan"])
    for member, key in people.items():
        ws.add_member(member_enrollment(key, agency_key), name=member.title(),
                      jabatan="Analis")
    for member in SUSPENDED:
        ws.set_member_status(AGENCY, member, MemberStatus.SUSPENDED,
                             at=datetime.now(UTC))
    ws.add_rule("allow", "*", "*", sandi.Classification.RAHASIA)
    ws.build(now=now)
    for custodian in custodians:
        ws.sign(custodian)
    pola = ws.publish(now=now)
    sandi.Home(home).install_pola(pola.to_bytes(), fingerprint=pola.authority.fingerprint())
    return VaultCity(home, secrets, pola, ws, custodians)
