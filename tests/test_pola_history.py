"""One rule judges every envelope, however the Pola was obtained (issue 14 §3, docs/pola.md §3).

The installed pola's requirements (suite, number of recipients) and key history
always apply; the flows of the older version an envelope names count only if
that version was in force at the envelope's creation time, which only a home's
history knows (indexed once, at install). A Pola from ``Pola.load`` or
``Pola.from_bytes`` has no history: for it, only its own version's flows count.

The city: v1 (issued T0, valid 30 days) lets dispendukcapil send rahasia to dinkes
with the classical suite and up to 10 recipients; v2 (issued T1) withdraws that
flow, requires the hybrid suite for rahasia and caps it at two recipients.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import forge, known_parts, make_header

import sandi
from sandi._internal.time import epoch
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld, demo_world, example_source
from sandi.errors import PolaExpired, PolaNotTrusted, PolicyViolation
from sandi.home import Home
from sandi.pola.classification import Classification
from sandi.pola.policy import Pola

T0 = datetime(2026, 3, 2, tzinfo=UTC)
T1 = T0 + timedelta(days=20)  # v2 issued: v1 superseded
V1_EXPIRES = T0 + timedelta(days=30)
JUDGED = V1_EXPIRES + timedelta(days=25)  # "25 days after v1 expired"
DAY = timedelta(days=1)
A, C = "dispendukcapil", "dinkes"  # the flow v2 withdraws
R = Classification.RAHASIA
LETTER = b"Data NIK penduduk rentan untuk program vaksinasi"


def reissue(world: DemoWorld, version: int, issued: datetime, *, withdraw: bool,
            hybrid: bool, cap: int, history: tuple[tuple[int, datetime], ...] = ()) -> bytes:
    """The demo pola at ``version``: with or without A -> C, rahasia's suite and cap."""
    source = parse_source(example_source())
    source["pola"].update(version=version, valid_days=30 if version == 1 else 365)
    source.pop("freshness")  # this city is about flows; freshness has its own tests
    if withdraw:
        source["allow"] = [r for r in source["allow"] if (r["from"], r["to"]) != (A, C)]
    source["requirement"]["rahasia"] = {"suite": "hybrid" if hybrid else "classical",
                                        "max_recipients": cap}
    keys = {a.id: list(a.keys) for a in world.pola.agencies}
    body = compile_source(source, keys=keys, authority_keys=[a.public for a in world.authority],
                          threshold=2, issued_at=issued, history=history)
    return sign_body(body, world.authority[:2]).to_bytes()


@dataclass(frozen=True)
class City:
    world: DemoWorld
    home: Home  # installed v1 at T0, then v2 at T1
    v1: bytes
    v2: bytes

    def paths(self) -> dict[str, Callable[[], Pola]]:
        """Every way an application gets the installed pola."""
        return {"Home.pola()": lambda: self.home.pola(now=JUDGED),
                "Pola.load": lambda: Pola.load(self.home.pola_path, now=JUDGED),
                "Pola.from_bytes": lambda: Pola.from_bytes(self.v2, now=JUDGED)}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    world = demo_world(tmp_path_factory.mktemp("kota") / "home", now=T0 - DAY)
    v1 = reissue(world, 1, T0, withdraw=False, hybrid=False, cap=10)
    v2 = reissue(world, 2, T1, withdraw=True, hybrid=True, cap=2)
    home = Home(tmp_path_factory.mktemp("dinkes"))
    home.install_pola(v1, fingerprint=world.pola.authority.fingerprint(), now=T0)
    home.install_pola(v2, now=T1)
    return City(world, home, v1, v2)


def forged(city: City, *, to: tuple[str, ...] = (C,), suite: Suite = Suite.CLASSICAL,
           at: datetime, seed: int) -> bytes:
    """A letter A -> ``to`` naming v1, dated ``at``, validly signed by A."""
    v1 = Pola.from_bytes(city.v1, now=T0)
    parts = known_parts(seed)
    h = make_header(city.world, sender=A, to=to, classification=R, suite=suite, parts=parts,
                    created_at=epoch(at), pola=v1)
    return forge(city.world, h, LETTER, parts)


def refused_everywhere(city: City, env: bytes, match: str) -> None:
    for name, get in city.paths().items():
        with pytest.raises(PolicyViolation, match=match):
            sandi.verify(env, pola=get(), now=JUDGED)
        with pytest.raises(PolicyViolation, match=match):
            sandi.open(env, keystore=city.world.keystore, pola=get(), now=JUDGED)
        assert name  # (the path, for a failure's traceback)


# --- the attack: name an older version to escape every later change --------------------------


def test_sealing_with_the_old_pola_file_escapes_nothing(city: City) -> None:
    # The review: a sender seals with Pola.load("polas/pola-v1.sandi") after v2 was issued.
    old = Pola.load(city.home.path / "polas" / "pola-v1.sandi", now=T1 + DAY)
    assert old.version == 1 and old.may_send(A, C, R)
    sender = city.world.keystore.identity(A)
    env = sandi.seal(LETTER, sender=sender, to=[C], classification="rahasia", pola=old,
                     now=T1 + DAY)
    refused_everywhere(city, env, r"Rahasia requires the hybrid suite; this envelope uses "
                                  r"classical")


@pytest.mark.parametrize(("what", "to", "suite", "match"), [
    ("the withdrawn flow", (C,), Suite.HYBRID,
     r"pola kota-contoh v2 does not allow dispendukcapil to send Rahasia to dinkes"),
    ("the classical suite", ("dinsos",), Suite.CLASSICAL, r"requires the hybrid suite"),
    ("more recipients than v2 allows", ("bappeda", "dinsos", "disdik"), Suite.HYBRID,
     r"Rahasia allows at most 2 recipients, not 3"),
])
def test_a_forged_envelope_naming_v1_after_it_expired_is_refused(
        city: City, what: str, to: tuple[str, ...], suite: Suite, match: str) -> None:
    # By hand: dated 25 days after v1 expired, naming v1 (seal would refuse the expired v1).
    env = forged(city, to=to, suite=suite, at=JUDGED - DAY, seed=10 + len(to))
    refused_everywhere(city, env, match)
    assert what


def test_naming_v1_while_v1_was_in_force_cannot_escape_v2s_requirements(city: City) -> None:
    env = forged(city, suite=Suite.CLASSICAL, at=T0 + DAY, seed=20)
    refused_everywhere(city, env, r"requires the hybrid suite")


# --- the honest constructions ---------------------------------------------------------------


def test_an_archive_sealed_under_v1_is_judged_by_v1s_flows(city: City) -> None:
    # Sealed while v1 was in force, meeting v2's requirements: the home's history
    # knows v1 allowed A -> C then, and the archive opens after v2 withdrew the flow.
    env = forged(city, suite=Suite.HYBRID, at=T0 + DAY, seed=30)
    pola = city.home.pola(now=JUDGED)
    assert sandi.verify(env, pola=pola, now=JUDGED).pola_version == 1
    assert sandi.open(env, keystore=city.world.keystore, pola=pola,
                      now=JUDGED).plaintext == LETTER
    # A bare Pola knows no history: only its own (v2's) flows count, so it refuses,
    # never accepts more than the home (docs/pola.md §3).
    for bare in (Pola.load(city.home.pola_path, now=JUDGED),
                 Pola.from_bytes(city.v2, now=JUDGED)):
        with pytest.raises(PolicyViolation, match=r"v2 does not allow dispendukcapil"):
            sandi.verify(env, pola=bare, now=JUDGED)
    # The same letter dated after v2 was issued: v1 was no longer in force.
    late = forged(city, suite=Suite.HYBRID, at=T1 + timedelta(seconds=1), seed=31)
    with pytest.raises(PolicyViolation, match=r"v2 does not allow"):
        sandi.verify(late, pola=pola, now=JUDGED)


def test_a_flow_both_versions_allow_is_accepted_on_every_path(city: City) -> None:
    parts = known_parts(40)
    v1 = Pola.from_bytes(city.v1, now=T0)
    h = make_header(city.world, sender="setda", to=["inspektorat"], classification=R,
                    suite=Suite.HYBRID, parts=parts, created_at=epoch(T1 + DAY), pola=v1)
    env = forge(city.world, h, LETTER, parts)
    for get in city.paths().values():
        assert sandi.verify(env, pola=get(), now=JUDGED).sender == "setda"


# --- the history: indexed at install, pinned, told by later bodies ----------------------------


def test_old_flows_come_from_the_index_made_at_install(city: City, tmp_path: Path) -> None:
    env = forged(city, suite=Suite.HYBRID, at=T0 + DAY, seed=50)
    home = Home(tmp_path / "copy")
    home.install_pola(city.v1, fingerprint=city.world.pola.authority.fingerprint(), now=T0)
    home.install_pola(city.v2, now=T1)
    # The old pola file is not read again: removing it changes nothing.
    (home.path / "polas" / "pola-v1.sandi").unlink()
    assert sandi.verify(env, pola=home.pola(now=JUDGED), now=JUDGED).pola_version == 1
    # The index is pinned: a changed one is refused, naming it.
    index = home.path / "polas" / "pola-v1.flows"
    index.write_bytes(index.read_bytes()[:-1] + b"\x00")
    with pytest.raises(PolaNotTrusted, match=r"pola-v1.flows is not the flows index this home "
                                             r"wrote when it installed v1"):
        sandi.verify(env, pola=home.pola(now=JUDGED), now=JUDGED)


def test_a_skipped_version_still_ends_the_one_before(city: City, tmp_path: Path) -> None:
    # The home installed v1, then v3 (never v2). v3's body says when v2 was issued, so
    # v1 is in force only until then, not until v3.
    v2_issued = T1
    v3 = reissue(city.world, 3, T1 + 5 * DAY, withdraw=True, hybrid=True, cap=2,
                 history=((1, T0), (2, v2_issued)))
    home = Home(tmp_path / "skipper")
    home.install_pola(city.v1, fingerprint=city.world.pola.authority.fingerprint(), now=T0)
    home.install_pola(v3, now=T1 + 5 * DAY)
    pola = home.pola(now=JUDGED)
    between = forged(city, suite=Suite.HYBRID, at=v2_issued + DAY, seed=60)
    with pytest.raises(PolicyViolation, match=r"v3 does not allow"):
        sandi.verify(between, pola=pola, now=JUDGED)
    before = forged(city, suite=Suite.HYBRID, at=v2_issued - DAY, seed=61)
    assert sandi.verify(before, pola=pola, now=JUDGED).pola_version == 1


def test_a_version_this_home_never_installed_is_judged_by_the_current_flows(
        city: City, tmp_path: Path) -> None:
    home = Home(tmp_path / "late")
    home.install_pola(city.v2, fingerprint=city.world.pola.authority.fingerprint(), now=T1)
    env = forged(city, suite=Suite.HYBRID, at=T0 + DAY, seed=70)
    with pytest.raises(PolicyViolation, match=r"v2 does not allow"):
        sandi.verify(env, pola=home.pola(now=JUDGED), now=JUDGED)


def test_the_index_is_small_and_decides_like_the_pola(city: City) -> None:
    from sandi.pola.flows import Flows

    index = (city.home.path / "polas" / "pola-v1.flows").read_bytes()
    flows, v1 = Flows(index), Pola.from_bytes(city.v1, now=T0)
    assert len(index) < len(city.v1) // 2
    ids = [a.id for a in v1.agencies]
    for sender in ids[::3]:
        for recipient in ids[::4]:
            for level in Classification:
                assert flows.may_send(sender, recipient, level) == v1.may_send(
                    sender, recipient, level), (sender, recipient, level)
    assert not flows.may_send("bukan-opd", ids[0], Classification.BIASA)
    assert hashlib.sha256(index).digest() == city.home._state().versions[0].flows_sha256


# --- an expired pola is refused wherever it is used -------------------------------------------


def test_an_expired_pola_is_refused_at_seal_open_and_verify(world: DemoWorld) -> None:
    env = sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                     classification="terbatas", pola=world.pola)
    later = world.pola.expires_at + timedelta(days=1)
    with pytest.raises(PolaExpired, match="expired on"):
        sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                   classification="terbatas", pola=world.pola, now=later)
    with pytest.raises(PolaExpired):
        sandi.verify(env, pola=world.pola, now=later)
    with pytest.raises(PolaExpired):
        sandi.open(env, keystore=world.keystore, pola=world.pola, now=later)

