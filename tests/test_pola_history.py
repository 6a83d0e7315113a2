"""Envelopes are judged by the pola version they name; an expired pola is refused
at seal, open and verify, not only when it is loaded (a frozen pola)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import sandi
from sandi.authority.authoring import compile_source, parse_source, sign_body
from sandi.demo import DemoWorld, example_source
from sandi.errors import PolaExpired, PolicyViolation


def _reissue(world: DemoWorld, version: int, drop_rule: tuple[str, str] | None = None) -> bytes:
    source = parse_source(example_source())
    source["pola"]["version"] = version
    if drop_rule:
        source["allow"] = [r for r in source["allow"]
                           if (r["from"], r["to"]) != drop_rule]
    keys = {a.id: list(a.keys) for a in world.pola.agencies}
    body = compile_source(source, keys=keys, authority_keys=[a.public for a in world.authority],
                          threshold=2, issued_at=world.pola.issued_at)
    return sign_body(body, world.authority[:2]).to_bytes()


def test_an_envelope_is_judged_by_the_pola_it_names(fresh_world: DemoWorld) -> None:
    w = fresh_world
    env = sandi.seal(b"data penduduk", sender=w.keystore.identity("dispendukcapil"),
                     to=["dinkes"], classification="rahasia", pola=w.pola)
    # v2 withdraws dispendukcapil -> dinkes at rahasia (the data-sharing agreement ended)
    v2 = w.home.install_pola(_reissue(w, 2, drop_rule=("dispendukcapil", "dinkes")))
    assert not v2.may_send("dispendukcapil", "dinkes", "rahasia")
    pola = w.home.pola()
    # ... the archive sealed under v1 still verifies and opens: it was allowed then,
    assert sandi.verify(env, pola=pola).pola_version == 1
    assert sandi.open(env, keystore=w.keystore, pola=pola).plaintext == b"data penduduk"
    # ... and a new envelope is refused.
    with pytest.raises(PolicyViolation):
        sandi.seal(b"baru", sender=w.keystore.identity("dispendukcapil"), to=["dinkes"],
                   classification="rahasia", pola=pola)


def test_a_pola_without_its_history_judges_by_its_own_rules(fresh_world: DemoWorld,
                                                            tmp_path: Path) -> None:
    w = fresh_world
    env = sandi.seal(b"x", sender=w.keystore.identity("dispendukcapil"), to=["dinkes"],
                     classification="rahasia", pola=w.pola)
    bare = sandi.Pola.from_bytes(_reissue(w, 2, drop_rule=("dispendukcapil", "dinkes")))
    with pytest.raises(PolicyViolation):
        sandi.verify(env, pola=bare)


def test_an_expired_pola_is_refused_at_seal_open_and_verify(world: DemoWorld) -> None:
    env = sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                     classification="rahasia", pola=world.pola)
    later = datetime.fromtimestamp(world.pola.expires_at, UTC) + timedelta(days=1)
    with pytest.raises(PolaExpired, match="expired on"):
        sandi.seal(b"x", sender=world.keystore.identity("setda"), to=["inspektorat"],
                   classification="rahasia", pola=world.pola, now=later)
    with pytest.raises(PolaExpired):
        sandi.verify(env, pola=world.pola, now=later)
    with pytest.raises(PolaExpired):
        sandi.open(env, keystore=world.keystore, pola=world.pola, now=later)
