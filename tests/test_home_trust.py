"""A home trusts what it installed, not the files beside it (issue 14 §4).

The home pins its authority's fingerprint and the hash of every pola body it
installed in ``trust.sandi``, written only by ``install_pola`` (docs/threat-model.md,
"The home's trust state"). Another authority's ``pola.sandi``, an injected
``polas/pola-vN.sandi`` or an older version put in place of the installed one is
refused, with an error that says what was found; a fresh home does not install
a version the authority's freshness statement says is stale.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import forge, known_parts, make_header

import sandi
from sandi._internal.time import epoch
from sandi.authority.authoring import AuthorityKeyPair, compile_source, parse_source, sign_body
from sandi.authority.timestamping import freshness_statement
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld, demo_world, example_source
from sandi.errors import PolaNotTrusted, PolaSignatureInvalid, PolaStale, PolicyViolation
from sandi.home import Home
from sandi.pola.classification import Classification
from sandi.pola.policy import Pola

T0 = datetime(2026, 3, 2, tzinfo=UTC)
T1 = T0 + timedelta(days=20)
NOW = T1 + timedelta(hours=1)


def reissue(world: DemoWorld, version: int, issued: datetime, *, hybrid_sangat: bool = True,
            authority: tuple[AuthorityKeyPair, ...] | None = None) -> bytes:
    source = parse_source(example_source())
    source["pola"]["version"] = version
    if not hybrid_sangat:
        source["requirement"]["sangat-rahasia"]["suite"] = "classical"
    signers = authority or world.authority
    body = compile_source(source, keys={a.id: list(a.keys) for a in world.pola.agencies},
                          authority_keys=[a.public for a in signers], threshold=2,
                          issued_at=issued, timestamp_key=world.timestamp.public)
    return sign_body(body, signers[:2]).to_bytes()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    return demo_world(tmp_path_factory.mktemp("kota") / "home", now=T0)


@pytest.fixture
def home(world: DemoWorld, tmp_path: Path) -> Home:
    """A home that installed v1 (T0) and v2 (T1), with a statement naming v2."""
    home = Home(tmp_path / "home")
    v2 = reissue(world, 2, T1)
    home.install_pola(world.pola.to_bytes(), fingerprint=world.pola.authority.fingerprint(),
                      now=T0)
    home.install_pola(v2, freshness=freshness_statement(Pola.from_bytes(v2, now=T1).signed,
                                                        world.timestamp, now=T1), now=T1)
    return home


def test_the_installed_pola_loads(home: Home) -> None:
    assert home.pola(now=NOW).version == 2
    assert sorted(p.name for p in (home.path / "polas").iterdir()) == [
        "pola-v1.flows", "pola-v1.sandi", "pola-v2.flows", "pola-v2.sandi"]


def test_another_authoritys_pola_in_place_is_refused(world: DemoWorld, home: Home) -> None:
    # A pola.sandi signed by a foreign authority used to load from Home.pola().
    outsiders = tuple(AuthorityKeyPair.generate(f"luar-{i}", "Orang Luar") for i in range(2))
    foreign = reissue(world, 3, T1, authority=outsiders)
    home.pola_path.write_bytes(foreign)
    found = Pola.from_bytes(foreign, now=NOW).authority.fingerprint()
    with pytest.raises(PolaNotTrusted, match=rf"pola.sandi is signed by another authority "
                                             rf"\(fingerprint {found}; this home trusts "
                                             rf"{world.pola.authority.fingerprint()}\)"):
        home.pola(now=NOW)
    # `sandi pola update` with the real pola repairs it (from the pinned copy in polas/).
    home.install_pola(reissue(world, 2, T1), now=NOW)
    assert home.pola(now=NOW).version == 2


def test_an_older_version_in_place_is_refused(world: DemoWorld, home: Home) -> None:
    shutil.copy(home.path / "polas" / "pola-v1.sandi", home.pola_path)
    with pytest.raises(PolaNotTrusted, match=r"pola.sandi is pola kota-contoh v1, not the pola "
                                             r"kota-contoh v2 this home installed"):
        home.pola(now=NOW)


def test_an_injected_older_version_in_polas_is_refused(world: DemoWorld, tmp_path: Path) -> None:
    # The review: a home that installed only v2 (sangat-rahasia hybrid) is given
    # polas/pola-v1.sandi, a validly signed v1 that allowed a classical sangat-rahasia,
    # and an envelope naming v1. Before, it was accepted.
    v1, v2 = reissue(world, 1, T0, hybrid_sangat=False), reissue(world, 2, T1)
    home = Home(tmp_path / "home")
    home.install_pola(v2, fingerprint=world.pola.authority.fingerprint(), now=T1)
    parts = known_parts(5)
    h = make_header(world, sender="inspektorat", to=["setda"],
                    classification=Classification.SANGAT_RAHASIA, suite=Suite.CLASSICAL,
                    parts=parts, created_at=epoch(T0 + timedelta(days=1)),
                    pola=Pola.from_bytes(v1, now=T0))
    env = forge(world, h, b"laporan", parts)
    injected = home.path / "polas" / "pola-v1.sandi"
    injected.write_bytes(v1)
    with pytest.raises(PolaNotTrusted, match=r"polas/pola-v1.sandi was not installed by this "
                                             r"home"):
        home.pola(now=NOW)
    injected.unlink()
    with pytest.raises(PolicyViolation, match=r"Sangat Rahasia requires the hybrid suite"):
        sandi.verify(env, pola=home.pola(now=NOW), now=NOW)
    # The honest construction: the same letter sealed hybrid verifies.
    honest = forge(world, make_header(
        world, sender="inspektorat", to=["setda"], classification=Classification.SANGAT_RAHASIA,
        suite=Suite.HYBRID, parts=parts, created_at=epoch(T1 + timedelta(minutes=5)),
        pola=Pola.from_bytes(v2, now=T1)), b"laporan", parts)
    assert sandi.verify(honest, pola=home.pola(now=NOW), now=NOW).sender == "inspektorat"


def test_a_pola_file_without_trust_state_is_not_installed(world: DemoWorld,
                                                         tmp_path: Path) -> None:
    home = Home(tmp_path / "copied")
    home.path.mkdir()
    shutil.copy(world.home.pola_path, home.pola_path)
    with pytest.raises(PolaNotTrusted, match=r"was not installed by this home \(there is no "
                                             r"trust state beside it\)"):
        home.pola(now=NOW)


def test_a_fresh_home_refuses_a_version_the_authority_says_is_stale(world: DemoWorld,
                                                                    tmp_path: Path) -> None:
    # The mirror still serves v1; the authority's statement (served beside it, signed by
    # the timestamp key) names v2: the first install is refused, not done silently.
    v2 = Pola.from_bytes(reissue(world, 2, T1), now=T1)
    statement = freshness_statement(v2.signed, world.timestamp, now=NOW)
    home = Home(tmp_path / "fresh")
    with pytest.raises(PolaStale, match=r"pola kota-contoh v1 is stale: the authority's "
                                        r"freshness statement of .* names v2"):
        home.install_pola(world.pola.to_bytes(), fingerprint=world.pola.authority.fingerprint(),
                          freshness=statement, now=NOW)
    assert not home.has_pola()
    # With the current pola it installs, fresh.
    installed = home.install_pola(v2.to_bytes(), fingerprint=v2.authority.fingerprint(),
                                  freshness=statement, now=NOW)
    assert not installed.freshness_status(NOW).stale


def test_without_a_statement_a_stale_first_install_says_so(world: DemoWorld,
                                                          tmp_path: Path) -> None:
    # No statement at all (the authority's server is down): the home installs v1, but
    # knows it is not confirmed current, and refuses rahasia until it is.
    home = Home(tmp_path / "fresh")
    pola = home.install_pola(world.pola.to_bytes(),
                             fingerprint=world.pola.authority.fingerprint(), now=NOW)
    status = pola.freshness_status(NOW)
    assert status.stale and status.fresh_until == world.pola.issued_at + timedelta(hours=24)


def test_first_install_pins_the_fingerprint_given(world: DemoWorld, tmp_path: Path) -> None:
    home = Home(tmp_path / "fresh")
    with pytest.raises(PolaSignatureInvalid, match=r"its authority fingerprint is"):
        home.install_pola(world.pola.to_bytes(), fingerprint="AAAA-BBBB", now=T0)
    assert not home.has_pola() and not home.pola_path.exists()
    home.install_pola(world.pola.to_bytes(), fingerprint=world.pola.authority.fingerprint(),
                      now=T0)
    assert home._state().root == world.pola.authority.fingerprint()  # type: ignore[union-attr]
