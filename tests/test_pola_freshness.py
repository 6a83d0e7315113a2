"""Revocations cannot be withheld until the pola expires (issue 14 §5; docs/pola.md §9).

The pola names a timestamp key; every few hours it signs a freshness statement
naming the current version and the hash of its body. A home that has seen none
within the pola's limit (the pola's own issue time counts as one) warns, and
refuses every classification above the one the pola names. The attack: someone
who controls what a home downloads withholds the pola that revokes a stolen key.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from helpers import forge, known_parts, make_header

import sandi
from sandi._internal.time import epoch, from_epoch
from sandi.authority.authoring import AuthorityKeyPair, compile_source, parse_source, sign_body
from sandi.authority.requests import enrollment
from sandi.authority.timestamping import freshness_statement
from sandi.authority.workspace import Workspace
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld, demo_world, example_source
from sandi.errors import (
    ClockBehind,
    InvalidArgument,
    KeyRevoked,
    MalformedPola,
    PolaMismatch,
    PolaSignatureInvalid,
    PolaStale,
)
from sandi.home import Home
from sandi.keys.keystore import AgencyKey
from sandi.pola.classification import Classification
from sandi.pola.freshness import FRESHNESS_MLDSA_CONTEXT, statement_body, statement_message
from sandi.pola.model import KeyState, KeyVersion, RevocationReason
from sandi.pola.policy import Pola

T0 = datetime(2026, 3, 2, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
STOLEN = "inspektorat"  # its key v1 is stolen at T0 + 1 day and revoked in pola v2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    return demo_world(tmp_path_factory.mktemp("kota") / "home", now=T0)


def v2_revoking(world: DemoWorld, issued: datetime) -> Pola:
    """Pola v2: the stolen key revoked as compromised (the authority published it)."""
    source = parse_source(example_source())
    source["pola"]["version"] = 2
    keys = {a.id: list(a.keys) for a in world.pola.agencies}
    keys[STOLEN] = [replace(keys[STOLEN][0].retire(issued), state=KeyState.REVOKED,
                            revoked_at=T0 + DAY, reason=RevocationReason.COMPROMISED),
                    KeyVersion(2, AgencyKey.generate(STOLEN, 2, pq=True).public,
                               KeyState.CURRENT, issued)]
    body = compile_source(source, keys=keys, authority_keys=[a.public for a in world.authority],
                          threshold=2, issued_at=issued,
                          timestamp_key=world.timestamp.public)
    return Pola.from_bytes(sign_body(body, world.authority[:2]).to_bytes(), now=issued)


def forged_by_thief(world: DemoWorld, at: datetime, level: Classification) -> bytes:
    """A letter signed with the stolen key, dated ``at``."""
    parts = known_parts(int(level) + 3)
    suite = Suite.HYBRID if level >= Classification.RAHASIA else Suite.CLASSICAL
    h = make_header(world, sender=STOLEN, to=["setda"], classification=level, suite=suite,
                    parts=parts, created_at=epoch(at))
    return forge(world, h, b"perintah palsu", parts)


def home_at(world: DemoWorld, path: Path) -> Home:
    """A home that installed v1 at T0 with its statement (what the demo home did)."""
    home = Home(path)
    home.install_pola(world.pola.to_bytes(), fingerprint=world.pola.authority.fingerprint(),
                      freshness=freshness_statement(world.pola.signed, world.timestamp, now=T0),
                      now=T0)
    return home


def test_a_withheld_revocation_freezes_nothing_above_the_limit(world: DemoWorld,
                                                               tmp_path: Path) -> None:
    # At T0 + 2 days the authority publishes v2, revoking the stolen key, and renews its
    # statement every 6 hours. An attacker keeps both from the victim's home and presents
    # letters signed with the stolen key.
    v2 = v2_revoking(world, T0 + 2 * DAY)
    now = T0 + 3 * DAY
    victim = home_at(world, tmp_path / "victim")
    pola = victim.pola(now=now)
    status = pola.freshness_status(now)
    assert status.stale and status.fresh_until == T0 + DAY  # 24 hours after T0
    secret = forged_by_thief(world, now - HOUR, Classification.RAHASIA)
    for judge in (lambda: sandi.verify(secret, pola=pola, now=now),
                  lambda: sandi.open(secret, keystore=world.keystore, pola=pola, now=now)):
        with pytest.raises(PolaStale, match=r"pola kota-contoh v1 is not confirmed current "
                                            r"since 2026-03-03 00:00 UTC: Rahasia needs a "
                                            r"freshness statement from the authority at most "
                                            r"24 hours old"):
            judge()
    # Up to the level the pola names, a stale home still works (and the CLI warns).
    open_letter = forged_by_thief(world, now - HOUR, Classification.TERBATAS)
    assert sandi.verify(open_letter, pola=pola, now=now).sender == STOLEN
    # Sealing rahasia is refused as well: the recipient's key may be the revoked one.
    with pytest.raises(PolaStale):
        sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                   classification="rahasia", pola=pola, now=now)
    # The honest construction: a home that fetched v2 and a statement refuses the forgery
    # for what it is, and is fresh.
    honest = home_at(world, tmp_path / "honest")
    honest.install_pola(v2.to_bytes(), freshness=freshness_statement(
        v2.signed, world.timestamp, now=now - 2 * HOUR), now=now)
    with pytest.raises(KeyRevoked, match=r"revoked as compromised"):
        sandi.verify(secret, pola=honest.pola(now=now), now=now)
    assert not honest.pola(now=now).freshness_status(now).stale


def test_renewing_keeps_a_pola_fresh_and_raises_the_floor(world: DemoWorld,
                                                          tmp_path: Path) -> None:
    home = home_at(world, tmp_path / "home")
    for day in range(1, 4):
        at = T0 + day * DAY - HOUR
        statement = freshness_statement(world.pola.signed, world.timestamp, now=at)
        pola = home.install_pola(world.pola.to_bytes(), freshness=statement, now=at)
        assert pola.freshness_status(at + 12 * HOUR).fresh_until == at + DAY
        assert pola.clock_floor == from_epoch(epoch(at))
    with pytest.raises(ClockBehind):
        home.pola(now=T0 + DAY)


@pytest.mark.parametrize(("name", "change", "error", "match"), [
    ("another key", "key", PolaSignatureInvalid, r"not signed by the pola's timestamp key"),
    ("another pola", "pola", PolaSignatureInvalid, r"statement is for pola 'kota-lain'"),
    ("too long", "long", PolaSignatureInvalid, r"valid for longer than the pola's limit of 24"),
    ("another body", "body", PolaMismatch, r"names another body for pola kota-contoh v1"),
    ("truncated", "cut", MalformedPola, r"freshness statement"),
])
def test_a_bad_statement_is_refused(world: DemoWorld, tmp_path: Path, name: str, change: str,
                                    error: type[Exception], match: str) -> None:
    key, pola_id, hours = world.timestamp, "kota-contoh", 24
    digest = hashlib.sha256(world.pola.signed.body_bytes).digest()
    if change == "key":
        key = AuthorityKeyPair.generate("stempel-palsu", "Orang Luar")
    elif change == "pola":
        pola_id = "kota-lain"
    elif change == "long":
        hours = 25
    elif change == "body":
        digest = bytes(32)
    signed = statement_body(pola_id, 1, digest, T0, T0 + hours * HOUR)
    statement = signed + key.signature(statement_message(signed), hybrid=True,
                                       context=FRESHNESS_MLDSA_CONTEXT)
    if change == "cut":
        statement = statement[:-1]
    with pytest.raises(error, match=match):
        Home(tmp_path / "h").install_pola(world.pola.to_bytes(), freshness=statement, now=T0,
                                          fingerprint=world.pola.authority.fingerprint())
    with pytest.raises(error, match=match):
        Pola.from_bytes(world.pola.to_bytes(), freshness=statement, now=T0)
    assert name


def test_a_statement_for_an_older_version_adds_nothing(world: DemoWorld) -> None:
    v2 = v2_revoking(world, T0 + 2 * DAY)
    old = freshness_statement(world.pola.signed, world.timestamp, now=T0 + 3 * DAY)
    pola = Pola.from_bytes(v2.to_bytes(), freshness=old, now=T0 + 3 * DAY)
    assert pola.freshness_status(T0 + 3 * DAY).fresh_until == T0 + 3 * DAY  # v2's own


def test_a_bare_pola_is_fresh_only_with_a_statement(world: DemoWorld, tmp_path: Path) -> None:
    # The same rule as a home's: without a statement only the pola's own issue time counts.
    later = T0 + 2 * DAY
    bare = Pola.from_bytes(world.pola.to_bytes(), now=later)
    assert bare.freshness_status(later).stale
    path = tmp_path / "freshness.sandi"
    path.write_bytes(freshness_statement(world.pola.signed, world.timestamp, now=later - HOUR))
    pola_file = tmp_path / "pola.sandi"
    pola_file.write_bytes(world.pola.to_bytes())
    assert not Pola.load(pola_file, freshness=path, now=later).freshness_status(later).stale


def test_custodians_renew_with_the_timestamp_key(tmp_path: Path) -> None:
    custodians = [AuthorityKeyPair.generate(f"k{i}", f"Kustodian {i}") for i in range(3)]
    stamp = AuthorityKeyPair.generate("stempel", "Server Persandian")
    ws = Workspace.init(tmp_path / "ws", pola_id="kota-uji", name="Pola", authority_name="P",
                        custodians=[c.public for c in custodians], threshold=2,
                        decree_number="1", decree_date="2026-03-02", decree_title="t",
                        timestamp_key=stamp.public)
    ws.add_agency(enrollment(AgencyKey.generate("setda", 1, now=T0 - DAY),
                             now=T0 - DAY), name="Setda", abbrev="Setda", groups=[])
    with pytest.raises(InvalidArgument, match=r"nothing is published yet"):
        ws.timestamp(stamp, now=T0)
    ws.build(now=T0)
    for c in custodians[:2]:
        ws.sign(c)
    published = ws.publish(now=T0)
    assert published.freshness is not None and published.freshness.max_age == 24 * 3600
    assert published.requirement(Classification.RAHASIA).suite is Suite.HYBRID  # §8
    with pytest.raises(InvalidArgument, match=r"k0 is not the timestamp key of pola kota-uji"):
        ws.timestamp(custodians[0], now=T0)
    with pytest.raises(InvalidArgument, match=r"hours must be 1\.\.24, got 25"):
        ws.timestamp(stamp, hours=25, now=T0)
    ws.timestamp(stamp, hours=6, now=T0 + DAY)
    fresh = Pola.load(ws.published_path, freshness=ws.freshness_path, now=T0 + DAY)
    assert fresh.freshness_status(T0 + DAY).fresh_until == T0 + DAY + 6 * HOUR


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_statement_is_fetched_beside_the_pola(world: DemoWorld,
                                                  server: tuple[str, Path]) -> None:
    url, root = server
    (root / "pola.sandi").write_bytes(world.pola.to_bytes())
    assert sandi.pola.fetch_freshness(sandi.pola.beside(f"{url}/pola.sandi"),
                                      missing_ok=True) is None  # 404: none published
    with pytest.raises(MalformedPola, match=r"cannot download"):
        sandi.pola.fetch_freshness(f"{url}/freshness.sandi")
    statement = freshness_statement(world.pola.signed, world.timestamp, now=T0)
    (root / "freshness.sandi").write_bytes(statement)
    assert sandi.pola.fetch_freshness(sandi.pola.beside(f"{url}/pola.sandi")) == statement
