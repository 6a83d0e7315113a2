"""Agencies' requests are hybrid where the pola requires the hybrid suite (issue 14 §7).

The attack: an agency whose current key is classical (Ed25519 only) lives under a
pola that requires Ed25519 + ML-DSA-65 for rahasia and above. Whoever can forge
Ed25519 (a future quantum adversary; here, someone holding the classical key)
signs a key-change request installing a hybrid key of their own, and with it
gains the power to send at the levels the agency could not reach before. So the
authority takes no request with a classical signature, or carrying a classical
key, under such a pola; the agency gets its first hybrid key from the
authority's own change (``Workspace.rekey_agency``), which k custodians sign
after comparing its fingerprint in person. Each attack has its honest control.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
from sandi.authority.authoring import AuthorityKeyPair
from sandi.authority.requests import (
    enrollment,
    key_change,
    member_enrollment,
    member_status,
    revocation,
)
from sandi.authority.workspace import Workspace
from sandi.errors import ClassicalRequest, MalformedRequest, UnknownAgency
from sandi.keys.keystore import AgencyKey, Identity
from sandi.pola.model import KeyState, MemberStatus, RevocationReason

T0 = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)
C = tuple(AuthorityKeyPair.generate(f"k{i}", f"Kustodian {i}") for i in range(2))


def workspace(path: Path, *, hybrid: bool = True) -> tuple[Workspace, AgencyKey]:
    """A 2-of-2 workspace (hybrid for rahasia and above unless ``hybrid`` is False) with
    setda (hybrid) and kec-a, whose v1 is classical; published at T0."""
    ws = Workspace.init(path, pola_id="kota-uji", name="Pola", authority_name="P",
                        custodians=[c.public for c in C], threshold=2, decree_number="1",
                        decree_date="2026-03-02", decree_title="t")
    if not hybrid:
        ws.source_path.write_text(ws.source_path.read_text().replace('"hybrid"',
                                                                     '"classical"'))
    kec = AgencyKey.generate("kec-a", 1, now=T0 - HOUR)
    for key in (AgencyKey.generate("setda", 1, pq=True, now=T0 - HOUR), kec):
        ws.add_agency(enrollment(key, now=T0 - HOUR), name=key.agency, abbrev=key.agency,
                      groups=[])
    ws.add_rule("allow", "*", "*", sandi.Classification.SANGAT_RAHASIA)
    publish(ws, T0)
    return ws, kec


def publish(ws: Workspace, at: datetime) -> sandi.Pola:
    ws.build(now=at)
    for c in C:
        ws.sign(c)
    return ws.publish(now=at)


def test_a_forged_classical_key_change_is_refused(tmp_path: Path) -> None:
    ws, kec = workspace(tmp_path / "ws")
    before = ws.keys_path.read_bytes()
    forged = AgencyKey.generate("kec-a", 2, pq=True, now=T0)  # the forger's own key
    with pytest.raises(ClassicalRequest, match=r"this rotate request for kec-a is signed by "
                                               r"key v1, which has no ML-DSA-65 half, and the "
                                               r"pola requires the hybrid suite for Rahasia"):
        ws.apply_request(key_change(forged, kec, now=T0), now=T0)
    # Nor any other request the classical key authorises.
    member = AgencyKey.generate("andi", 1, pq=True, now=T0)
    for request in (revocation(kec, 1, RevocationReason.COMPROMISED, T0, now=T0),
                    member_status(kec, "andi", MemberStatus.ACTIVE, T0, now=T0)):
        with pytest.raises(ClassicalRequest, match=r"signed by key v1"):
            ws.apply_request(request, now=T0)
    with pytest.raises(ClassicalRequest, match=r"this member request for kec-a is signed"):
        ws.add_member(member_enrollment(member, kec, now=T0), name="Andi", jabatan="Camat")
    assert ws.keys_path.read_bytes() == before  # nothing changed


def test_a_hybrid_key_cannot_hand_over_to_a_classical_one(tmp_path: Path) -> None:
    ws, _ = workspace(tmp_path / "ws")
    dinkes = AgencyKey.generate("dinkes", 1, pq=True, now=T0 - HOUR)
    ws.add_agency(enrollment(dinkes, now=T0 - HOUR), name="Dinkes", abbrev="d", groups=[])
    downgrade = AgencyKey.generate("dinkes", 2, now=T0)
    with pytest.raises(ClassicalRequest, match=r"this rotate request for dinkes carries a key "
                                               r"without an ML-DSA-65 half"):
        ws.apply_request(key_change(downgrade, dinkes, now=T0), now=T0)
    # The honest control: a hybrid successor is applied.
    ws.apply_request(key_change(AgencyKey.generate("dinkes", 2, pq=True, now=T0),
                                dinkes, now=T0), now=T0)
    assert [k.state for k in ws.agency_keys()["dinkes"]] == [KeyState.RETIRED,
                                                              KeyState.CURRENT]


def test_the_authority_installs_the_first_hybrid_key(tmp_path: Path) -> None:
    ws, kec = workspace(tmp_path / "ws")
    new = AgencyKey.generate("kec-a", 2, pq=True, now=T0)
    request = key_change(new, kec, now=T0)  # what `sandi keys rotate --pq` writes
    with pytest.raises(ClassicalRequest):
        ws.apply_request(request, now=T0)
    applied = ws.rekey_agency(request)
    assert (applied.agency, applied.version, applied.keys) == ("kec-a", 2, new.public)
    pola = publish(ws, T0 + HOUR)
    v1, v2 = pola.agency("kec-a").keys
    assert (v1.state, v1.retired_at) == (KeyState.RETIRED, T0 + HOUR)
    assert v2.state is KeyState.CURRENT and v2.keys == new.public and v2.keys.has_pq
    # From now on the agency's requests are hybrid, and they are taken.
    ws.apply_request(revocation(new, 1, RevocationReason.SUPERSEDED, T0 + HOUR,
                                now=T0 + HOUR), now=T0 + HOUR)
    assert ws.agency_keys()["kec-a"][0].state is KeyState.REVOKED
    # And the agency can now send at the level that needs the hybrid suite.
    sent = sandi.seal(b"laporan", sender=Identity("kec-a", (new,)),
                      to=["setda"], classification="sangat-rahasia", pola=pola,
                      now=T0 + 2 * HOUR)
    assert sandi.verify(sent, pola=pola, now=T0 + 2 * HOUR).sender == "kec-a"


def test_the_authority_installs_only_a_hybrid_key_under_a_hybrid_pola(tmp_path: Path
                                                                       ) -> None:
    ws, kec = workspace(tmp_path / "ws")
    before = ws.keys_path.read_bytes()
    classical = AgencyKey.generate("kec-a", 2, now=T0)
    with pytest.raises(ClassicalRequest, match=r"the new key of kec-a has no ML-DSA-65 half"):
        ws.rekey_agency(key_change(classical, kec, now=T0))
    with pytest.raises(MalformedRequest, match=r"takes an enrollment or key-change request"):
        ws.rekey_agency(revocation(kec, 1, RevocationReason.SUPERSEDED, T0, now=T0))
    with pytest.raises(UnknownAgency, match=r"dinkes is not enrolled"):
        ws.rekey_agency(enrollment(AgencyKey.generate("dinkes", 1, pq=True)))
    with pytest.raises(MalformedRequest, match=r"kec-a v1 is not a new version"):
        ws.rekey_agency(enrollment(AgencyKey.generate("kec-a", 1, pq=True)))
    assert ws.keys_path.read_bytes() == before


def test_under_a_classical_pola_a_classical_agency_rotates_itself(tmp_path: Path) -> None:
    # The honest control of the first test: no level needs the hybrid suite, so the
    # classical key's own request is all the authorisation a key change needs.
    ws, kec = workspace(tmp_path / "ws", hybrid=False)
    ws.apply_request(key_change(AgencyKey.generate("kec-a", 2, now=T0), kec, now=T0),
                     now=T0)
    assert [k.version for k in ws.agency_keys()["kec-a"]
            if k.state is KeyState.CURRENT] == [2]
