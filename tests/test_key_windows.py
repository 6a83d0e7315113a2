"""Keys have an end, and time does not go back (issue 14 §2; docs/threat-model.md).

Every key version has a window ``[not_before, retired_at)``: the authority's
workspace ends a version when it publishes its successor, and a member's removal
ends the agency key the removed official held. A signature counts only inside
the window (and before any revocation); an envelope dated in the future beyond
the clock skew is refused; a home never judges with a clock earlier than the
latest trusted time it has seen. Each attack of the review is built here, with
the honest construction beside it.

The city lives on a fixed calendar: v1 of every key and pola v1 at T0, bkpsdmd's
rotation published at T1 (pola v2), bkpsdmd v1 revoked as superseded at T2 (v3).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
from sandi._internal.time import from_epoch as T
from sandi.authority.authoring import AuthorityKeyPair
from sandi.authority.requests import enrollment, key_change, member_status, revocation
from sandi.authority.workspace import Workspace
from sandi.errors import (
    ClockBehind,
    EnvelopeFromFuture,
    InvalidArgument,
    KeyRevoked,
    MalformedPola,
    PolaNotTrusted,
)
from sandi.home import Home
from sandi.keys.keystore import AgencyKey, Identity
from sandi.pola.classification import Classification
from sandi.pola.model import KeyState, KeyVersion
from sandi.pola.policy import Pola

T0 = datetime(2026, 3, 2, tzinfo=UTC)
T1 = T0 + timedelta(days=10)  # bkpsdmd's v2 published: v1 retired
T2 = T1 + timedelta(days=30)  # bkpsdmd v1 revoked as superseded
SECOND, DAY = timedelta(seconds=1), timedelta(days=1)
C = tuple(AuthorityKeyPair.generate(f"kustodian-{i}", f"Kustodian {i}") for i in range(3))
LETTER = b"Nota Dinas: rekapitulasi cuti pegawai"


@dataclass
class City:
    ws: Workspace
    home: Home
    keys: dict[tuple[str, int], AgencyKey]
    polas: dict[int, Pola]

    def publish(self, at: datetime) -> Pola:
        self.ws.build(now=at)
        for c in C[:2]:
            self.ws.sign(c)
        published = self.ws.publish(now=at)
        self.polas[published.version] = published
        self.home.install_pola(published.to_bytes(), fingerprint=published.authority
                               .fingerprint(), now=at)
        return published

    def seal(self, signer: tuple[str, int], at: datetime, under: int) -> bytes:
        """``signer`` seals to setda at ``at``, with the pola (bare) where it is current."""
        return sandi.seal(LETTER, sender=Identity(signer[0], (self.keys[signer],)),
                          to=["setda"], classification="terbatas", pola=self.polas[under],
                          now=at)


@pytest.fixture
def city(tmp_path: Path) -> City:
    ws = Workspace.init(tmp_path / "ws", pola_id="kota-uji", name="Pola Kota Uji",
                        authority_name="Persandian", custodians=[c.public for c in C],
                        threshold=2, decree_number="Perwal 1/2026", decree_date="2026-03-02",
                        decree_title="Pola")
    keys = {(a, 1): AgencyKey.generate(a, 1, now=T0 - DAY, pq=True)
            for a in ("setda", "bkpsdmd")}
    for (agency, _), key in keys.items():
        ws.add_agency(enrollment(key, now=T0 - DAY), name=agency.upper(), abbrev=agency,
                      groups=[])
    ws.add_rule("allow", "*", "*", Classification.TERBATAS)
    city = City(ws, Home(tmp_path / "setda-home"), keys, {})
    city.publish(T0)
    keys["bkpsdmd", 2] = AgencyKey.generate("bkpsdmd", 2, now=T1 - DAY, pq=True)
    ws.apply_request(key_change(keys["bkpsdmd", 2], keys["bkpsdmd", 1], now=T1 - DAY))
    city.publish(T1)
    return city


# --- a retired key's signatures count only before its end ---------------------------------


def test_publishing_a_successor_ends_the_old_version(city: City) -> None:
    v1, v2 = city.polas[2].agency("bkpsdmd").keys
    assert (v1.state, v1.retired_at) == (KeyState.RETIRED, T1)
    assert (v2.state, v2.retired_at, v2.not_before) == (KeyState.CURRENT, None, T1 - DAY)
    # The end is recorded once: later builds keep it.
    city.ws.add_rule("allow", "setda", "bkpsdmd", Classification.RAHASIA)
    assert city.publish(T1 + DAY).agency("bkpsdmd").key(1).retired_at == T1


def test_a_retired_key_cannot_sign_300_days_after_the_rotation(city: City) -> None:
    # The review's attack: v1 (kept in a vault copy or a backup) signs a letter dated
    # 300 days after the rotation. It was accepted; it is refused at open and verify.
    later = T1 + 300 * DAY
    forged = city.seal(("bkpsdmd", 1), later, under=1)
    pola = city.home.pola(now=later)
    for judge in (lambda: sandi.verify(forged, pola=pola, now=later),
                  lambda: sandi.verify(forged, pola=Pola.from_bytes(city.polas[2].to_bytes(),
                                                                    now=later), now=later)):
        with pytest.raises(KeyRevoked, match=r"bkpsdmd key v1 was retired on 2026-03-12 00:00"
                                             r" UTC, before the envelope was created"):
            judge()
    # The honest constructions: v1 before its end, v2 after it.
    for signer, at, under in ((("bkpsdmd", 1), T1 - SECOND, 1), (("bkpsdmd", 2), later, 2)):
        info = sandi.verify(city.seal(signer, at, under), pola=pola, now=later)
        assert (info.signer_key_version, info.created_at) == (signer[1], at)


def test_a_superseded_key_cannot_backdate_to_just_before_its_revocation(city: City) -> None:
    # The review's second attack: v1, revoked as superseded from T2, signs a letter
    # dated one second before T2 and presents it 200 days later. Its window ended at
    # T1 already, when v2 was published.
    city.ws.apply_request(revocation(city.keys["bkpsdmd", 2], 1, "superseded", T2))
    city.publish(T2)
    judged = T2 + 200 * DAY
    pola = city.home.pola(now=judged)
    forged = city.seal(("bkpsdmd", 1), T2 - SECOND, under=1)
    with pytest.raises(KeyRevoked, match=r"retired on 2026-03-12"):
        sandi.verify(forged, pola=pola, now=judged)
    # What remains (docs/threat-model.md, "Backdating"): a holder of v1 can still date a
    # letter inside v1's own window, before T1, and only there.
    inside = city.seal(("bkpsdmd", 1), T1 - SECOND, under=1)
    assert sandi.verify(inside, pola=pola, now=judged).signer_key_version == 1


# --- a member's removal ends the agency key they held -------------------------------------


def test_member_removal_retires_the_exposed_key(city: City) -> None:
    # `sandi members remove` writes two requests, signed by the agency key the removed
    # official held (v2): the key change to v3 and the removal. The authority applies
    # both; v2's window ends when v3 is published.
    v2, v3 = city.keys["bkpsdmd", 2], AgencyKey.generate("bkpsdmd", 3, now=T2, pq=True)
    city.keys["bkpsdmd", 3] = v3
    person = AgencyKey.generate("budi", 1, now=T0, pq=True)
    from sandi.authority.requests import member_enrollment

    city.ws.add_member(member_enrollment(person, v2, now=T1), name="Budi", jabatan="Analis")
    removed_at = T2
    city.ws.apply_request(member_status(v2, "budi", "removed", removed_at, now=T2))
    # The removal alone would leave v2, which Budi still holds, current: refused.
    with pytest.raises(InvalidArgument, match=r"budi was removed from bkpsdmd on 2026-04-11"
                                              r" 00:00 UTC, but key v2, which they held, is"
                                              r" still current"):
        city.ws.build(now=T2 + DAY)
    city.ws.apply_request(key_change(v3, v2, now=T2))
    published = city.publish(T2 + DAY)
    assert published.agency("bkpsdmd").key(2).retired_at == T2 + DAY
    # Budi signs as the agency with his copy of v2, a week after he left: refused.
    later = T2 + 8 * DAY
    forged = city.seal(("bkpsdmd", 2), later, under=2)
    with pytest.raises(KeyRevoked, match=r"bkpsdmd key v2 was retired on 2026-04-12"):
        sandi.verify(forged, pola=city.home.pola(now=later), now=later)
    assert sandi.verify(city.seal(("bkpsdmd", 3), later, under=published.version),
                        pola=city.home.pola(now=later), now=later).signer_key_version == 3


# --- nothing dated in the future ---------------------------------------------------------


def test_an_envelope_dated_in_the_future_is_refused(city: City, tmp_path: Path) -> None:
    now = T1 + DAY
    store = sandi.Keystore.create(tmp_path / "store", passphrase="uji")
    store.add_keys([city.keys["setda", 1]])
    pola = city.home.pola(now=now)
    ahead = city.seal(("bkpsdmd", 2), now + timedelta(minutes=5, seconds=1), under=2)
    for judge in (lambda: sandi.verify(ahead, pola=pola, now=now),
                  lambda: sandi.open(ahead, keystore=store, pola=pola, now=now)):
        with pytest.raises(EnvelopeFromFuture, match=r"dated 2026-03-13 00:05 UTC, later than"
                                                     r" this computer's clock \(2026-03-13"):
            judge()
    # Clocks disagree by a few minutes: within five, the envelope is accepted.
    skewed = city.seal(("bkpsdmd", 2), now + timedelta(minutes=5), under=2)
    assert sandi.open(skewed, keystore=store, pola=pola, now=now).plaintext == LETTER


# --- the clock floor ------------------------------------------------------------------------


def test_a_home_never_judges_with_a_clock_before_its_floor(city: City) -> None:
    # The home installed pola v2, issued at T1: a clock set back before T1 (to make a
    # revoked or retired key look valid, or an expired pola current) is refused, by a
    # fresh Home object too: the floor is in the home's trust state.
    letter = city.seal(("bkpsdmd", 2), T1, under=2)
    back = T1 - DAY
    with pytest.raises(ClockBehind, match=r"clock says 2026-03-11 00:00 UTC, earlier than "
                                          r"2026-03-12 00:00 UTC, the latest trusted time"):
        Home(city.home.path).pola(now=back)
    pola = Home(city.home.path).pola(now=T1)
    with pytest.raises(ClockBehind):
        sandi.verify(letter, pola=pola, now=back)
    with pytest.raises(ClockBehind):
        city.seal(("bkpsdmd", 2), back, under=2)  # a bare pola's floor is its issue time
    # A clock a few minutes slow is not a clock set back.
    assert sandi.verify(letter, pola=pola, now=T1 - timedelta(minutes=4)).sender == "bkpsdmd"
    # Installing with a clock behind the new pola's issue time is refused too.
    other = Home(city.home.path.parent / "late-home")
    with pytest.raises(ClockBehind):
        other.install_pola(city.polas[2].to_bytes(),
                           fingerprint=city.polas[2].authority.fingerprint(), now=back)


def test_the_floor_only_rises(city: City) -> None:
    # Re-installing an older pola's bytes is refused (rollback); the floor stays.
    floor = city.home.pola(now=T1).clock_floor
    assert floor == T1
    with pytest.raises(sandi.errors.PolaRollback):
        city.home.install_pola(city.polas[1].to_bytes(), now=T1)
    assert city.home.pola(now=T1).clock_floor == floor


def test_the_trust_state_is_this_users_alone(city: City) -> None:
    path = city.home.trust_path
    path.chmod(0o622)  # writable by the group and others: anyone could move the floor back
    with pytest.raises(PolaNotTrusted, match=r"is not a private file of this user"):
        city.home.pola(now=T1)
    path.chmod(0o600)
    assert city.home.pola(now=T1).version == 2
    assert os.stat(path).st_mode & 0o777 == 0o600


# --- the model ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "retired_at", "match"), [
    (KeyState.RETIRED, None, r"a retired key has an end"),
    (KeyState.CURRENT, T(5), r"a retired key has an end"),
    (KeyState.RETIRED, T(9), r"retired_at is before not_before"),
])
def test_a_key_window_is_well_formed(state: KeyState, retired_at: datetime | None,
                                     match: str) -> None:
    keys = AgencyKey.generate("setda", 1, pq=True).public
    with pytest.raises(MalformedPola, match=match):
        KeyVersion(1, keys, state, T(10), retired_at=retired_at)
    current = KeyVersion(1, keys, KeyState.CURRENT, T(10))
    assert current.retire(T(20)).retired_at == T(20)
    assert current.retire(T(20)).retire(T(30)).retired_at == T(20)  # an end never moves later
