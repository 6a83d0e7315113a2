"""Every state change of an agency key version, and what it does to documents.

A key version is CURRENT (seals and opens), RETIRED after a rotation (opens and
verifies old documents, seals nothing new; its signatures count only if dated
before ``retired_at``, when its successor was published) or REVOKED from an
effective time: as *superseded*, its signatures dated before that time stay
valid; as *compromised*, none does. A version is not valid before its
``not_before``.
Open and verify judge an envelope by the key history of the newest pola, at the
envelope's creation time (guarantee 8).

The city below lives on a fixed calendar: keys made at T0, bkpsdmd and
inspektorat rotate at T1, and their v1 is revoked from T2. Its documents are
*terbatas*: the calendar spans weeks without freshness statements, and
staleness refuses only above terbatas (that is tested in test_pola_freshness.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
import sandi.keys.keystore
from sandi._internal.time import from_epoch as T
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.crypto.public import PublicKeys
from sandi.demo import DEMO_PASSPHRASE, DemoWorld, demo_world, example_source
from sandi.errors import (
    KeyNotFound,
    KeyNotValid,
    KeyRevoked,
    MalformedPola,
    NotARecipient,
    PolaMismatch,
    SandiError,
)
from sandi.keys.keystore import Identity, Keystore
from sandi.keys.secretfile import KdfParams
from sandi.pola.model import KeyState, KeyVersion, RevocationReason
from sandi.pola.policy import Pola

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # the demo city's keys and first pola
T1 = T0 + timedelta(days=10)  # bkpsdmd and inspektorat rotate to v2
T2 = T0 + timedelta(days=20)  # their v1 is revoked from here on
#: When documents are opened and verified: every pola of the story is still in force.
JUDGED = T2 + timedelta(days=5)
DAY, SECOND = timedelta(days=1), timedelta(seconds=1)
SENDER, RECIPIENT = "bkpsdmd", "inspektorat"
DOCUMENT = b"Surat Keputusan pemberhentian ASN (terbatas)"


@dataclass(frozen=True)
class City:
    """The demo city and each pola of its history, by name."""

    world: DemoWorld
    polas: Mapping[str, Pola]


def reissue(world: DemoWorld, version: int, keys: Mapping[str, Sequence[KeyVersion]],
            issued: datetime) -> bytes:
    """The demo pola at ``version`` with some key histories replaced, signed 2-of-3."""
    source = parse_source(example_source())
    source["pola"]["version"] = version
    history = {a.id: list(a.keys) for a in world.pola.agencies}
    history.update({agency: list(v) for agency, v in keys.items()})
    body = compile_source(source, keys=history,
                          timestamp_key=world.timestamp.public,
                          authority_keys=[a.public for a in world.authority], threshold=2,
                          issued_at=issued)
    return sign_body(body, world.authority[1:]).to_bytes()


def revoked(key: KeyVersion, reason: RevocationReason) -> KeyVersion:
    return replace(key, state=KeyState.REVOKED, revoked_at=T2, reason=reason)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    world = demo_world(tmp_path_factory.mktemp("kota") / "home", now=T0, kdf=KdfParams.TEST)
    history: dict[str, list[KeyVersion]] = {}
    for agency in (SENDER, RECIPIENT):
        v1 = world.pola.agency(agency).current
        v2 = world.keystore.generate(agency, now=T1)
        history[agency] = [v1.retire(T1),
                           KeyVersion(2, v2.public, KeyState.CURRENT, T1)]
    # The authority publishes each change; the demo home installs them in order.
    home = world.home
    rotated = home.install_pola(reissue(world, 2, history, T1), now=T1)

    def revoke_v1(reason: RevocationReason) -> dict[str, list[KeyVersion]]:
        return {a: [revoked(h[0], reason), h[1]] for a, h in history.items()}

    superseded = home.install_pola(
        reissue(world, 3, revoke_v1(RevocationReason.SUPERSEDED), T2), now=T2)
    compromised = Pola.from_bytes(
        reissue(world, 3, revoke_v1(RevocationReason.COMPROMISED), T2), trusted=rotated,
        now=T2)
    # What a holder of v2 would need to backdate a document: a pola (never
    # published) in which v2 was valid from T0.
    backdating = Pola.from_bytes(reissue(world, 2, {SENDER: [
        history[SENDER][0], replace(history[SENDER][1], not_before=T0)]}, T0),
        now=T0)
    yield City(world, {"original": world.pola, "rotated": rotated,
                       "superseded": superseded, "compromised": compromised,
                       "backdating": backdating})



def seal(city: City, *, to: str, at: datetime, under: str, sender: str = SENDER) -> bytes:
    return sandi.seal(DOCUMENT, sender=city.world.keystore.identity(sender), to=[to],
                      classification="terbatas", pola=city.polas[under], now=at)


# --- the sender's key: every state, as a table ---------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A document signed by bkpsdmd ``signer`` dated ``at``, judged under pola ``judge``."""

    signer: int
    at: datetime
    judge: str
    refused: type[SandiError] | None = None
    match: str = ""

    @property
    def sealed_under(self) -> str:
        """The pola whose current key is ``signer`` at ``at``."""
        if self.signer == 1:
            return "original"
        return "rotated" if self.at >= T1 else "backdating"


NOT_YET = r"bkpsdmd key v2 was not yet valid at the envelope's creation time"
REVOKED_BEFORE = r"bkpsdmd key v1 was revoked before the envelope was created"
RETIRED = r"bkpsdmd key v1 was retired on 2026-01-15 00:00 UTC, before the envelope was created"
COMPROMISED = r"bkpsdmd key v1 is revoked as compromised; none of its signatures is trusted"

SENDER_CASES: dict[str, Case] = {
    "current v1": Case(1, T0 + DAY, "original"),
    "current v1 from its first second": Case(1, T0, "original"),
    "retired v1: old documents still verify": Case(1, T0 + DAY, "rotated"),
    "retired v1, one second before its end": Case(1, T1 - SECOND, "rotated"),
    "retired v1, at its end": Case(1, T1, "rotated", KeyRevoked, RETIRED),
    "retired v1, a day after the rotation": Case(1, T1 + DAY, "rotated", KeyRevoked, RETIRED),
    "current v2 after the rotation": Case(2, T1 + DAY, "rotated"),
    "v2 backdated before its not_before": Case(2, T1 - DAY, "rotated", KeyNotValid, NOT_YET),
    "v2 backdated one second": Case(2, T1 - SECOND, "rotated", KeyNotValid, NOT_YET),
    "superseded v1, signed before revoked_at": Case(1, T0 + DAY, "superseded"),
    "superseded v1, one second before it retired": Case(1, T1 - SECOND, "superseded"),
    "superseded v1, retired before revoked_at": Case(1, T2 - SECOND, "superseded", KeyRevoked,
                                                     RETIRED),
    "superseded v1, at revoked_at": Case(1, T2, "superseded", KeyRevoked, REVOKED_BEFORE),
    "superseded v1, after revoked_at": Case(1, T2 + DAY, "superseded", KeyRevoked,
                                            REVOKED_BEFORE),
    "compromised v1, signed long before": Case(1, T0 + DAY, "compromised", KeyRevoked,
                                               COMPROMISED),
    "compromised v1, after revoked_at": Case(1, T2 + DAY, "compromised", KeyRevoked,
                                             COMPROMISED),
    "v2 untouched by v1's compromise": Case(2, T1 + DAY, "compromised"),
    "an older pola does not know v2": Case(2, T1 + DAY, "original", PolaMismatch,
                                           r"names pola v2; this home has v1"),
}


@pytest.mark.parametrize("op", ["verify", "open"])
@pytest.mark.parametrize("case", SENDER_CASES.values(), ids=SENDER_CASES.keys())
def test_sender_key_states(city: City, case: Case, op: str) -> None:
    env = seal(city, to="setda", at=case.at, under=case.sealed_under)
    pola = city.polas[case.judge]

    def check() -> sandi.EnvelopeInfo:
        if op == "verify":
            return sandi.verify(env, pola=pola, now=JUDGED)
        return sandi.open(env, keystore=city.world.keystore, pola=pola, now=JUDGED)

    if case.refused is not None:
        with pytest.raises(case.refused, match=case.match):
            check()
        return
    info = check()
    assert (info.signer, info.signer_key_version) == (SENDER, case.signer)
    assert info.created_at == case.at


def test_after_a_rotation_seal_signs_with_the_new_version(city: City) -> None:
    before = seal(city, to="setda", at=T0 + DAY, under="original")
    after = seal(city, to="setda", at=T1 + DAY, under="rotated")
    for env, judge, version in ((before, "rotated", 1), (after, "rotated", 2),
                                (after, "superseded", 2)):
        info = sandi.verify(env, pola=city.polas[judge], now=JUDGED)
        assert info.signer_key_version == version


def test_seal_refuses_what_open_would_refuse(city: City) -> None:
    # The new current key, dated before it existed (a minute: within the clock skew,
    # so the clock floor of the rotated pola, issued at T1, does not object first):
    with pytest.raises(KeyNotValid, match=NOT_YET):
        seal(city, to="setda", at=T1 - timedelta(minutes=1), under="rotated")
    # A keystore that lacks the version the pola publishes as current:
    v1_only = Identity(SENDER, (city.world.keystore.get(SENDER, 1),))
    with pytest.raises(KeyNotFound, match=r"holds no key bkpsdmd v2 \(holds v1\)"):
        sandi.seal(DOCUMENT, sender=v1_only, to=["setda"], classification="terbatas",
                   pola=city.polas["rotated"], now=T1 + DAY)
    # A key the pola does not publish under that version:
    impostor = sandi.keys.keystore.AgencyKey.generate(SENDER, 2, now=T1)
    with pytest.raises(KeyNotValid, match=r"is not the key the pola publishes for it"):
        sandi.seal(DOCUMENT, sender=Identity(SENDER, (impostor,)), to=["setda"],
                   classification="terbatas", pola=city.polas["rotated"], now=T1 + DAY)


def test_the_keystore_keeps_every_private_version(city: City) -> None:
    for store in (city.world.keystore,
                  Keystore.open(city.world.home.path, passphrase=DEMO_PASSPHRASE)):
        assert [k.version for k in store.keys(SENDER)] == [1, 2]
        assert [k.version for k in store.keys(RECIPIENT)] == [1, 2]
    assert city.world.home.pola(now=T2).version == 3  # the home installed each step


# --- the recipient's key --------------------------------------------------------------------------


def test_after_the_recipient_rotates_old_documents_still_open(city: City,
                                                              tmp_path: Path) -> None:
    old = seal(city, to=RECIPIENT, at=T0 + DAY, under="original", sender="setda")
    new = seal(city, to=RECIPIENT, at=T1 + DAY, under="rotated", sender="setda")
    pola = city.polas["rotated"]
    store = city.world.keystore
    for env, version in ((old, 1), (new, 2)):
        doc = sandi.open(env, keystore=store, pola=pola, now=JUDGED)
        assert doc.opened_with == (RECIPIENT, version)
    # Without v1 the old documents are lost: that is what rewrap is for.
    only_v2 = Keystore.create(tmp_path, passphrase="hanya v2", kdf=KdfParams.TEST)
    only_v2.add_keys([store.get(RECIPIENT, 2)])
    assert sandi.open(new, keystore=only_v2, pola=pola, now=JUDGED).plaintext == DOCUMENT
    with pytest.raises(NotARecipient) as caught:
        sandi.open(old, keystore=only_v2, pola=pola, now=JUDGED)
    assert caught.value.tried == (("inspektorat", 1),)


@pytest.mark.parametrize("judge", ["superseded", "compromised"])
def test_a_revoked_recipient_key_still_opens_with_a_warning(city: City, judge: str) -> None:
    # Revoking our own key must not lock us out of what was sent to it; it warns.
    old = seal(city, to=RECIPIENT, at=T0 + DAY, under="original", sender="setda")
    new = seal(city, to=RECIPIENT, at=T1 + DAY, under="rotated", sender="setda")
    pola = city.polas[judge]
    doc = sandi.open(old, keystore=city.world.keystore, pola=pola, now=JUDGED)
    assert doc.plaintext == DOCUMENT and doc.opened_with == (RECIPIENT, 1)
    assert doc.warnings == ("opened with inspektorat key v1, which is revoked; rewrap or"
                            " re-seal what you still need",)
    assert sandi.open(new, keystore=city.world.keystore, pola=pola,
                      now=JUDGED).warnings == ()


# --- the rules of the model itself ---------------------------------------------------------------


KEYS = PublicKeys(bytes(32), bytes(range(32)))
BAD_VERSIONS: dict[str, object] = {
    "revoked without a time": {"state": KeyState.REVOKED,
                               "reason": RevocationReason.SUPERSEDED},
    "revoked without a reason": {"state": KeyState.REVOKED, "revoked_at": T(1)},
    "retired with a revocation time": {"state": KeyState.RETIRED, "revoked_at": T(1),
                                       "reason": RevocationReason.COMPROMISED},
    "current with a reason": {"state": KeyState.CURRENT,
                              "reason": RevocationReason.COMPROMISED},
    "retired with a time only": {"state": KeyState.RETIRED, "revoked_at": T(1)},
}


@pytest.mark.parametrize("fields", BAD_VERSIONS.values(), ids=BAD_VERSIONS.keys())
def test_a_key_version_carries_revocation_fields_only_when_revoked(
        fields: dict[str, object]) -> None:
    with pytest.raises(MalformedPola, match=r"revoked_at and reason go with, and only with,"
                                            r" state revoked"):
        KeyVersion(version=3, keys=KEYS, not_before=T(0), **fields)  # type: ignore[arg-type]
