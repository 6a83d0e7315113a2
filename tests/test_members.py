"""Personal accountability: officials sign and open with their own keys and passphrases.

Issue "Personal accountability", item 6: a removed member cannot open new documents
nor sign valid ones; a suspended member's signatures after the suspension are
rejected; two members of one agency open the same document and the log tells them
apart; a member of agency A cannot sign for agency B.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
from sandi.audit.log import AuditLog, Event
from sandi.authority.authoring import AuthorityKeyPair
from sandi.authority.requests import enrollment, key_change, member_enrollment
from sandi.authority.workspace import Workspace
from sandi.envelope.format import SignerKind, parse_header
from sandi.errors import KeyNotValid, KeyRevoked, NotARecipient, WrongPassphrase
from sandi.keys.keystore import Keystore
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import KdfParams
from sandi.keys.vault import init_vault
from sandi.pola.model import MemberStatus

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)  # after the requests


@dataclass
class City:
    ws: Workspace
    custodians: list[AuthorityKeyPair]
    bkpsdmd: Path  # a shared workstation of BKPSDMD: vault + two members
    setda: Keystore
    pola: sandi.Pola

    def publish(self) -> sandi.Pola:
        self.ws.build(now=T0)
        for c in self.custodians[:2]:
            self.ws.sign(c)
        self.pola = self.ws.publish(now=T0)
        return self.pola


def _member_store(home: Path, member: str, passphrase: str) -> Keystore:
    store = Keystore.open(home, passphrase=passphrase, member=member)
    assert store.in_vault and store.member is not None
    return store


@pytest.fixture
def city(tmp_path: Path) -> City:
    custodians = [AuthorityKeyPair.generate(f"k{i}", f"Kustodian {i}") for i in range(3)]
    ws = Workspace.init(tmp_path / "ws", pola_id="kota-uji", name="Pola Uji",
                        authority_name="Persandian", custodians=[c.public for c in custodians],
                        threshold=2, decree_number="Perwal 1/2026", decree_date="2026-01-05",
                        decree_title="Pola")
    home = tmp_path / "bkpsdmd"
    ani = create_member_key(home, "ani", passphrase="sandi milik ani", kdf=KdfParams.TEST)
    budi = create_member_key(home, "budi", passphrase="sandi milik budi", kdf=KdfParams.TEST)
    init_vault(home, "bkpsdmd", {"ani": ani.public, "budi": budi.public})
    store = _member_store(home, "ani", "sandi milik ani")
    agency_key = store.identity("bkpsdmd").keys[-1]
    ws.add_agency(enrollment(agency_key), name="Badan Kepegawaian", abbrev="BKPSDMD",
                  groups=["badan"])
    setda = Keystore.create(tmp_path / "setda", passphrase="setda", kdf=KdfParams.TEST)
    ws.add_agency(enrollment(setda.generate("setda")), name="Sekretariat Daerah",
                  abbrev="Setda", groups=["sekretariat"])
    ws.add_rule("allow", "*", "*", sandi.Classification.RAHASIA)
    ws.add_member(member_enrollment(ani, agency_key), name="Ani Suryani, S.H.",
                  jabatan="Kepala Bidang Mutasi", nip="198001012005012001")
    ws.add_member(member_enrollment(budi, agency_key), name="Budi Santoso",
                  jabatan="Analis Kepegawaian")
    c = City(ws, custodians, home, setda, None)  # type: ignore[arg-type]
    c.publish()
    return c


def test_two_members_open_the_same_letter_and_the_log_tells_them_apart(city: City) -> None:
    env = sandi.seal(b"SK mutasi", sender=city.setda.identity("setda"), to=["bkpsdmd"],
                     classification="terbatas", pola=city.pola, now=T0 + timedelta(hours=1))
    log = AuditLog(city.bkpsdmd / "audit.db")
    for member, passphrase in (("ani", "sandi milik ani"), ("budi", "sandi milik budi")):
        store = _member_store(city.bkpsdmd, member, passphrase)
        doc = sandi.open(env, keystore=store, pola=city.pola, now=T0 + timedelta(hours=2))
        assert doc.plaintext == b"SK mutasi"
        log.append(Event("open", agency="bkpsdmd", member=store.member.agency,
                         doc_id=doc.doc_id, classification=doc.classification.slug))
    assert [r.member for r in log.records()] == ["ani", "budi"]
    assert log.verify().size == 2


def test_no_shared_passphrase(city: City) -> None:
    with pytest.raises(WrongPassphrase):
        Keystore.open(city.bkpsdmd, passphrase="sandi milik ani", member="budi")


def test_a_member_signs_for_the_agency_and_verify_names_the_person(city: City) -> None:
    store = _member_store(city.bkpsdmd, "budi", "sandi milik budi")
    env = sandi.seal(b"nota", sender=store.identity("bkpsdmd"), to=["setda"],
                     classification="terbatas", pola=city.pola, now=T0 + timedelta(hours=1))
    header, _ = parse_header(env)
    assert header.signed.signer.kind is SignerKind.MEMBER
    info = sandi.verify(env, pola=city.pola, now=T0 + timedelta(hours=2))
    assert (info.sender, info.signer) == ("bkpsdmd", "budi")
    assert city.pola.agency("bkpsdmd").member("budi").jabatan == "Analis Kepegawaian"


def test_a_suspended_members_later_signatures_are_rejected(city: City) -> None:
    store = _member_store(city.bkpsdmd, "budi", "sandi milik budi")
    before = sandi.seal(b"sebelum", sender=store.identity("bkpsdmd"), to=["setda"],
                        classification="terbatas", pola=city.pola, now=T0 + timedelta(hours=1))
    city.ws.set_member_status("bkpsdmd", "budi", MemberStatus.SUSPENDED,
                              at=int((T0 + timedelta(days=1)).timestamp()))
    city.publish()
    after_pola = city.pola
    assert sandi.verify(before, pola=after_pola, now=T0 + timedelta(hours=2)).signer == "budi"
    with pytest.raises(KeyRevoked, match="suspended"):
        sandi.seal(b"sesudah", sender=store.identity("bkpsdmd"), to=["setda"],
                   classification="terbatas", pola=after_pola, now=T0 + timedelta(days=2))


def test_a_removed_member_can_neither_open_new_documents_nor_sign(city: City) -> None:
    ani = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    budi_pub = city.pola.agency("bkpsdmd").member("budi").key(1).keys
    old_key = ani.identity("bkpsdmd").keys[-1]
    new_key = ani.remove_member("budi")
    city.ws.apply_request(key_change(new_key, old_key))
    city.ws.set_member_status("bkpsdmd", "budi", MemberStatus.REMOVED,
                              at=int((T0 + timedelta(days=1)).timestamp()))
    pola = city.publish()
    assert pola.agency("bkpsdmd").current.version == new_key.version
    env = sandi.seal(b"baru", sender=city.setda.identity("setda"), to=["bkpsdmd"],
                     classification="terbatas", pola=pola, now=T0 + timedelta(days=2))
    assert sandi.open(env, keystore=_member_store(city.bkpsdmd, "ani", "sandi milik ani"),
                      pola=pola, now=T0 + timedelta(days=2)).plaintext == b"baru"
    with pytest.raises(NotARecipient, match="no slot"):
        Keystore.open(city.bkpsdmd, passphrase="sandi milik budi", member="budi")
    assert budi_pub  # budi's personal key is still published, but as removed:
    header_member = pola.agency("bkpsdmd").member("budi")
    with pytest.raises(KeyRevoked, match="removed"):
        header_member.check_active_at("bkpsdmd", int((T0 + timedelta(days=2)).timestamp()))


def test_a_member_of_one_agency_cannot_sign_for_another(city: City) -> None:
    store = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    forged = replace(city.setda.identity("setda"), member=store.member)
    with pytest.raises(KeyNotValid, match="not a member of setda"):
        sandi.seal(b"palsu", sender=forged, to=["bkpsdmd"], classification="terbatas",
                   pola=city.pola, now=T0 + timedelta(hours=1))


def test_member_status_requests_tighten_with_any_valid_key_but_reinstate_only_with_current(
        city: City) -> None:
    from sandi.authority.requests import member_status
    from sandi.errors import MalformedRequest

    store = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    old = store.identity("bkpsdmd").keys[-1]
    at = int((T0 + timedelta(days=1)).timestamp())
    new = store.generate("bkpsdmd")
    city.ws.apply_request(key_change(new, old))  # `old` is retired from here on
    city.ws.apply_request(member_status(old, "budi", "suspended", at))
    assert city.ws.members()["bkpsdmd"][1].status is MemberStatus.SUSPENDED
    with pytest.raises(MalformedRequest, match="current key"):
        city.ws.apply_request(member_status(old, "budi", "active", at + 10))
    city.ws.apply_request(member_status(new, "budi", "active", at + 10))
    assert city.ws.members()["bkpsdmd"][1].status is MemberStatus.ACTIVE
