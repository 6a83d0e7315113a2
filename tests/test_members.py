"""Personal accountability: officials sign and open with their own keys and passphrases.

Issue "Personal accountability", item 6: a removed member cannot open new documents
nor sign valid ones; a suspended member's signatures after the suspension are
rejected; two members of one agency open the same document and the log tells them
apart; a member of agency A cannot sign for agency B.

Member status only tightens, cannot be replayed, and keeps its history (issue 14 §6).
Attacks, each with its honest control: a removed official holding a retired agency key
(copied from the vault) signs a status request that moves his cut-off into the future,
or reinstates him; an old reinstatement request is replayed after a later suspension;
an envelope signed while suspended verifies again once the member is reinstated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
from sandi._internal.time import from_epoch as T
from sandi.audit.log import AuditLog, Event
from sandi.authority.authoring import AuthorityKeyPair
from sandi.authority.registry import changed_status
from sandi.authority.requests import enrollment, key_change, member_enrollment, member_status
from sandi.authority.workspace import Workspace
from sandi.envelope.format import SignerKind, parse_header
from sandi.errors import (
    KeyNotValid,
    KeyRevoked,
    MalformedPola,
    MalformedRequest,
    MemberSignatureRequired,
    NotARecipient,
    WrongPassphrase,
)
from sandi.keys.agencykey import AgencyKey
from sandi.keys.keystore import Keystore
from sandi.keys.members import create_member_key
from sandi.keys.secretfile import KdfParams
from sandi.keys.vault import init_vault
from sandi.pola.model import Agency, KeyState, KeyVersion, Member, MemberStatus
from sandi.pola.records import agency_record, check_agency

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
    ani = create_member_key(home, "ani", passphrase="sandi milik ani", kdf=KdfParams.TEST,
                            pq=True)
    budi = create_member_key(home, "budi", passphrase="sandi milik budi", kdf=KdfParams.TEST,
                             pq=True)
    init_vault(home, "bkpsdmd", {"ani": ani.public, "budi": budi.public}, pq=True)
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
                              at=T0 + timedelta(days=1))
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
                              at=T0 + timedelta(days=1))
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
        header_member.check_active_at("bkpsdmd", T0 + timedelta(days=2))


def test_a_member_of_one_agency_cannot_sign_for_another(city: City) -> None:
    store = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    forged = replace(city.setda.identity("setda"), member=store.member)
    with pytest.raises(KeyNotValid, match="not a member of setda"):
        sandi.seal(b"palsu", sender=forged, to=["bkpsdmd"], classification="terbatas",
                   pola=city.pola, now=T0 + timedelta(hours=1))


def test_member_status_requests_tighten_with_any_valid_key_but_reinstate_only_with_current(
        city: City) -> None:
    store = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    old = store.identity("bkpsdmd").keys[-1]
    at = T0 + timedelta(days=1)
    new = store.generate("bkpsdmd")
    city.ws.apply_request(key_change(new, old))  # `old` is retired from here on
    city.ws.apply_request(member_status(old, "budi", "suspended", at))
    assert city.ws.members()["bkpsdmd"][1].status is MemberStatus.SUSPENDED
    with pytest.raises(MalformedRequest, match="current key"):
        city.ws.apply_request(member_status(old, "budi", "active", at + timedelta(seconds=10)))
    city.ws.apply_request(member_status(new, "budi", "active", at + timedelta(seconds=10)))
    assert city.ws.members()["bkpsdmd"][1].status is MemberStatus.ACTIVE


# --- issue 14 §6: status only tightens, no replays, suspensions kept for good ---------------

ACTIVE, SUSPENDED, REMOVED = MemberStatus.ACTIVE, MemberStatus.SUSPENDED, MemberStatus.REMOVED


def _t(days: float) -> datetime:
    return T0 + timedelta(seconds=int(days * 86_400))


def _budi(city: City) -> Member:
    return city.pola.agency("bkpsdmd").member("budi")


def _seal_as_budi(city: City, pola: sandi.Pola, days: float) -> bytes:
    budi = _member_store(city.bkpsdmd, "budi", "sandi milik budi")
    return sandi.seal(b"nota " + str(days).encode(), sender=budi.identity("bkpsdmd"),
                      to=["setda"], classification="terbatas", pola=pola,
                      now=T0 + timedelta(days=days))


def _verify(env: bytes, pola: sandi.Pola, days: float) -> str | None:
    return sandi.verify(env, pola=pola, now=T0 + timedelta(days=days)).signer


# --- a retired key only tightens ----------------------------------------------------------


def test_a_removed_official_with_a_retired_key_cannot_loosen_his_removal(city: City) -> None:
    ani = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    before = city.pola
    during = _seal_as_budi(city, before, 2)  # budi signs after his removal, with what he kept
    old = ani.identity("bkpsdmd").keys[-1]  # the key budi copied from the vault
    new = ani.remove_member("budi")
    city.ws.apply_request(key_change(new, old))
    city.ws.apply_request(member_status(old, "budi", REMOVED, _t(1)))  # honest: tightens
    pola = city.publish()
    assert (_budi(city).status, _budi(city).status_at) == (REMOVED, _t(1))
    # The attack: with the retired key, move the cut-off a year later, or reinstate.
    for status in (SUSPENDED, REMOVED):
        city.ws.apply_request(member_status(old, "budi", status, _t(365)))
    with pytest.raises(MalformedRequest, match="must be signed by bkpsdmd's current key"):
        city.ws.apply_request(member_status(old, "budi", ACTIVE, _t(1)))
    pola = city.publish()
    assert (_budi(city).status, _budi(city).status_at) == (REMOVED, _t(1))
    with pytest.raises(KeyRevoked, match="Budi Santoso was removed from bkpsdmd"):
        _verify(during, pola, 3)
    # A retired key still brings a cut-off earlier (tightening travels with a removal).
    city.ws.apply_request(member_status(old, "budi", SUSPENDED, _t(0.5)))
    city.publish()
    assert (_budi(city).status, _budi(city).status_at) == (REMOVED, _t(0.5))


# --- no replays ---------------------------------------------------------------------------


def test_an_old_reinstatement_cannot_be_replayed(city: City) -> None:
    current = _member_store(city.bkpsdmd, "ani", "sandi milik ani").identity("bkpsdmd").keys[-1]
    suspend = member_status(current, "budi", SUSPENDED, _t(1))
    reinstate = member_status(current, "budi", ACTIVE, _t(2))
    again = member_status(current, "budi", SUSPENDED, _t(3))
    for request in (suspend, reinstate, again):
        city.ws.apply_request(request)
    for replayed in (reinstate, suspend):
        with pytest.raises(MalformedRequest, match="is not newer than the last one applied"):
            city.ws.apply_request(replayed)
    city.publish()
    assert (_budi(city).status, _budi(city).status_at) == (SUSPENDED, _t(3))
    # The control: a new reinstatement, made after, applies.
    city.ws.apply_request(member_status(current, "budi", ACTIVE, _t(4)))
    city.publish()
    assert _budi(city).status is ACTIVE
    assert _budi(city).suspensions == ((_t(1), _t(2)), (_t(3), _t(4)))


def test_the_sequence_travels_in_the_signed_body(city: City) -> None:
    current = _member_store(city.bkpsdmd, "ani", "sandi milik ani").identity("bkpsdmd").keys[-1]
    city.ws.apply_request(member_status(current, "budi", SUSPENDED, _t(1), seq=10))
    assert city.ws.members()["bkpsdmd"][1].seq == 10
    with pytest.raises(MalformedRequest, match=r"\(number 10\) is not newer than the last one "
                                               r"applied \(10\)"):
        city.ws.apply_request(member_status(current, "budi", ACTIVE, _t(2), seq=10))
    city.ws.apply_request(member_status(current, "budi", ACTIVE, _t(2), seq=11))
    assert city.publish().agency("bkpsdmd").member("budi").seq == 11


def test_a_retired_key_cannot_burn_the_sequence_numbers_to_come(city: City) -> None:
    # A removed official's retired key is allowed to tighten; with a sequence number near
    # 2^63 (or a creation date far ahead) it would leave every later status request for
    # that member refused as a replay.
    ani = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    old = ani.identity("bkpsdmd").keys[-1]
    new = ani.remove_member("budi")
    city.ws.apply_request(key_change(new, old))
    future = T0 + timedelta(days=3650)
    for attack in (member_status(old, "ani", SUSPENDED, _t(365), seq=2**62),
                   member_status(old, "ani", SUSPENDED, _t(365), now=future,
                                 seq=int(future.timestamp()) * 1_000_000)):
        with pytest.raises(MalformedRequest, match="numbered beyond its date"):
            city.ws.apply_request(attack)
    assert city.ws.members()["bkpsdmd"][0].seq == 0
    # The control: the current key's honest requests still apply, in order.
    city.ws.apply_request(member_status(new, "ani", SUSPENDED, _t(1)))
    city.ws.apply_request(member_status(new, "ani", ACTIVE, _t(2)))
    assert city.ws.members()["bkpsdmd"][0].status is ACTIVE


# --- suspensions are kept for good ----------------------------------------------------------


def test_an_envelope_signed_while_suspended_stays_refused_after_reinstatement(
        city: City) -> None:
    current = _member_store(city.bkpsdmd, "ani", "sandi milik ani").identity("bkpsdmd").keys[-1]
    first = city.pola
    before, during = _seal_as_budi(city, first, 0.5), _seal_as_budi(city, first, 1.5)
    city.ws.apply_request(member_status(current, "budi", SUSPENDED, _t(1)))
    city.ws.apply_request(member_status(current, "budi", ACTIVE, _t(2)))
    pola = city.publish()
    after = _seal_as_budi(city, pola, 3)
    assert _verify(before, pola, 4) == "budi"
    assert _verify(after, pola, 4) == "budi"
    with pytest.raises(KeyRevoked, match=r"Budi Santoso was suspended from bkpsdmd from .* "
                                         r"until .*, when the envelope was created"):
        _verify(during, pola, 4)
    with pytest.raises(KeyRevoked, match="suspended"):
        _seal_as_budi(city, pola, 1.5)


# --- the rules of a status change, one by one ------------------------------------------------


def _member(status: MemberStatus = ACTIVE, at: int | None = None,
            suspensions: tuple[tuple[int, int], ...] = ()) -> Member:
    """A member record; the times in seconds, for short tables."""
    key = KeyVersion(1, AgencyKey.generate("budi", 1).public, KeyState.CURRENT, T(0))
    return Member("budi", "Budi", "Analis", None, (key,), T(0), status,
                  None if at is None else T(at), _ts(suspensions))


def _ts(suspensions: tuple[tuple[int, int], ...]) -> tuple[tuple[datetime, datetime], ...]:
    return tuple((T(start), T(until)) for start, until in suspensions)


def test_a_cut_off_only_moves_earlier_and_a_removal_stays_a_removal() -> None:
    out = _member(SUSPENDED, 100)
    assert (changed_status(out, SUSPENDED, T(500), T(50)).status_at) == T(100)
    assert (changed_status(out, SUSPENDED, T(80), T(50)).status_at) == T(80)
    removed = changed_status(_member(REMOVED, 100), SUSPENDED, T(90), T(50))
    assert (removed.status, removed.status_at) == (REMOVED, T(90))
    assert changed_status(out, REMOVED, T(500), T(50)).status is REMOVED


def test_a_reinstatement_ends_a_suspension_never_before_it_was_made() -> None:
    out = _member(SUSPENDED, 100, ((10, 20),))
    back = changed_status(out, ACTIVE, T(150), T(120))
    assert (back.status, back.status_at, back.suspensions) == (ACTIVE, None,
                                                               _ts(((10, 20), (100, 150))))
    # Backdated (effective 50, made at 300): the suspension still ran until 300.
    assert changed_status(out, ACTIVE, T(50), T(300)).suspensions == _ts(((10, 20), (100, 300)))
    # Made before the suspension began: it is cancelled, nothing was refused yet.
    assert changed_status(out, ACTIVE, T(50), T(60)).suspensions == _ts(((10, 20),))


def test_a_new_suspension_absorbs_the_ended_ones_it_reaches() -> None:
    m = _member(ACTIVE, None, ((10, 20), (30, 40), (50, 60)))
    out = changed_status(m, SUSPENDED, T(35), T(0))
    assert (out.status_at, out.suspensions) == (T(30), _ts(((10, 20),)))
    assert changed_status(m, SUSPENDED, T(40), T(0)).suspensions == _ts(((10, 20),))
    assert changed_status(m, SUSPENDED, T(41), T(0)).suspensions == _ts(((10, 20), (30, 40)))


@pytest.mark.parametrize("suspensions, at", [
    (((20, 10),), None),            # ends before it begins
    (((10, 10),), None),            # empty
    (((10, 20), (20, 30)), None),   # touching: one suspension, written as two
    (((30, 40), (10, 20)), None),   # not ascending
    (((10, 20),), 20),              # the current one begins where an ended one ends
])
def test_the_pola_refuses_a_member_record_whose_suspensions_are_not_one_history(
        suspensions: tuple[tuple[int, int], ...], at: int | None) -> None:
    status = ACTIVE if at is None else SUSPENDED
    with pytest.raises(MalformedPola, match="suspension"):
        _member(status, at, suspensions)
    good = _member(SUSPENDED, 100, ((10, 20),))
    record = agency_record(Agency("bkpsdmd", "B", "B", None, (), good.keys, (good,)))
    check_agency(record)  # the control
    record[6][0][8] = [list(s) for s in suspensions]
    record[6][0][7] = at
    record[6][0][6] = status.value
    with pytest.raises(MalformedPola, match="suspension"):
        check_agency(record)


# --- issue 15 §2: a pola that requires a member's personal signature -----------------------


def _require_members_at_terbatas(city: City) -> sandi.Pola:
    import tomlkit
    doc = tomlkit.parse(city.ws.source_path.read_text("utf-8"))
    doc["requirement"]["terbatas"] = {"member_signed": True}
    city.ws.source_path.write_text(tomlkit.dumps(doc), "utf-8")
    return city.publish()


def test_where_the_pola_requires_a_member_the_agency_key_cannot_seal(city: City) -> None:
    ani = _member_store(city.bkpsdmd, "ani", "sandi milik ani")
    agency_only = replace(ani.identity("bkpsdmd"), member=None)  # the vault's agency key
    old_pola = city.pola
    earlier = sandi.seal(b"tanpa nama", sender=agency_only, to=["setda"],
                         classification="terbatas", pola=old_pola, now=T0 + timedelta(hours=1))
    pola = _require_members_at_terbatas(city)
    assert pola.requirement(sandi.Classification.TERBATAS).member_signed
    when = T0 + timedelta(hours=2)
    with pytest.raises(MemberSignatureRequired, match="Terbatas requires the personal "
                                                      "signature of a member of bkpsdmd"):
        sandi.seal(b"tanpa nama", sender=agency_only, to=["setda"], classification="terbatas",
                   pola=pola, now=when)
    # The same agency-signed envelope, sealed before the setting, is refused at verify and
    # open: the installed pola's requirements always apply.
    with pytest.raises(MemberSignatureRequired):
        sandi.verify(earlier, pola=pola, now=when)
    with pytest.raises(MemberSignatureRequired):
        sandi.open(earlier, keystore=city.setda, pola=pola, now=when)
    # Controls: signed by Ani herself, it seals, verifies (naming her) and opens; at a level
    # without the setting the agency key still signs.
    signed = sandi.seal(b"dengan nama", sender=ani.identity("bkpsdmd"), to=["setda"],
                        classification="terbatas", pola=pola, now=when)
    assert sandi.verify(signed, pola=pola, now=when).signer == "ani"
    assert sandi.open(signed, keystore=city.setda, pola=pola, now=when).plaintext == \
        b"dengan nama"
    biasa = sandi.seal(b"biasa", sender=agency_only, to=["setda"], classification="biasa",
                       pola=pola, now=when)
    assert sandi.verify(biasa, pola=pola, now=when).signer == "bkpsdmd"


def test_the_setting_is_a_boolean_in_the_source(city: City) -> None:
    import tomlkit
    doc = tomlkit.parse(city.ws.source_path.read_text("utf-8"))
    doc["requirement"]["terbatas"] = {"member_signed": "ya"}
    city.ws.source_path.write_text(tomlkit.dumps(doc), "utf-8")
    with pytest.raises(MalformedPola, match=r"requirement\.terbatas\.member_signed must be "
                                            r"true or false"):
        city.ws.build(now=T0)
