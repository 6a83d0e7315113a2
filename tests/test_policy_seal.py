"""Guarantee 8 at the sealing end: seal refuses what the pola does not allow.

Flows the pola does not allow, unknown agencies, too many recipients for a
classification, and a suite weaker than the classification requires (also at
open, for a hand-built downgrade); misuse (naive datetimes, no recipients) is
refused as such.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import Layout, forge, keystore_with, known_parts, make_header, pola_with

import sandi
from sandi.crypto.suite import Suite
from sandi.demo import DemoWorld
from sandi.errors import InvalidArgument, PolicyViolation, UnknownAgency
from sandi.keys.keystore import AgencyKey, Identity
from sandi.pola.classification import Classification
from sandi.pola.model import KeyState, KeyVersion

DOC = b"Nota dinas"


def _seal(world: DemoWorld, sender: str, to: list[str] | str, level: str, **kw: object) -> bytes:
    return sandi.seal(DOC, sender=world.keystore.identity(sender), to=to, classification=level,
                      pola=world.pola, **kw)  # type: ignore[arg-type]


ALLOWED = [
    ("dispendukcapil", ["dinkes"], "rahasia"),
    ("dispendukcapil", ["dinkes", "dinsos", "disdik", "bappeda"], "rahasia"),
    ("dinkes", ["kec-utara"], "terbatas"),  # "*" -> "*" up to terbatas
    ("kec-utara", ["kec-selatan"], "terbatas"),
    ("rsud", ["kec-utara"], "biasa"),
    ("inspektorat", ["setda"], "sangat-rahasia"),
    ("setda", ["inspektorat", "diskominfo"], "sangat-rahasia"),
    ("setda", ["dinkes"], "rahasia"),  # setda -> "*" up to rahasia
    ("bapenda", ["setda"], "rahasia"),  # "*" -> setda up to rahasia
    ("kec-utara", ["kec-utara"], "sangat-rahasia"),  # a copy for oneself is always allowed
]

DENIED = [
    ("kec-utara", ["kec-selatan"], "rahasia", "kec-selatan"),  # deny kecamatan -> kecamatan
    ("dinkes", ["dispendukcapil"], "rahasia", "dispendukcapil"),  # no allow that far
    ("dispendukcapil", ["dinkes"], "sangat-rahasia", "dinkes"),
    ("rsud", ["kec-utara"], "terbatas", "kec-utara"),  # deny beats the "*" allow
    ("setda", ["kec-utara"], "sangat-rahasia", "kec-utara"),
    ("dispendukcapil", ["dinkes", "dpupr"], "rahasia", "dpupr"),  # one bad recipient spoils all
]


@pytest.mark.parametrize("sender,to,level", ALLOWED)
def test_seal_allows_what_the_pola_allows(world: DemoWorld, sender: str, to: list[str],
                                          level: str) -> None:
    info = sandi.verify(_seal(world, sender, to, level), pola=world.pola)
    assert (info.sender, info.to, info.classification.slug) == (sender, tuple(sorted(to)), level)


@pytest.mark.parametrize("sender,to,level,culprit", DENIED)
def test_seal_refuses_what_the_pola_does_not_allow(world: DemoWorld, sender: str,
                                                   to: list[str], level: str,
                                                   culprit: str) -> None:
    with pytest.raises(PolicyViolation, match=f"does not allow {sender} to send .* to {culprit}"):
        _seal(world, sender, to, level)


def test_seal_file_refusal_writes_nothing(world: DemoWorld, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(DOC)
    with pytest.raises(PolicyViolation):
        sandi.seal_file(src, tmp_path / "out.sandi",
                        sender=world.keystore.identity("kec-utara"), to=["kec-selatan"],
                        classification="rahasia", pola=world.pola)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt"]


@pytest.mark.parametrize("to", [["dinas-fiktif"], ["dinkes", "kec-atlantis"], ["DINKES"]])
def test_unknown_recipient(world: DemoWorld, to: list[str]) -> None:
    with pytest.raises(UnknownAgency, match="is not in pola kota-contoh"):
        _seal(world, "dispendukcapil", to, "biasa")


def test_unknown_sender(world: DemoWorld) -> None:
    stray = Identity("dinas-fiktif", world.keystore.identity("dinkes").keys)
    with pytest.raises(UnknownAgency, match="dinas-fiktif"):
        sandi.seal(DOC, sender=stray, to=["setda"], classification="biasa", pola=world.pola)


# --- per-classification requirements ---------------------------------------------------------


def test_too_many_recipients_for_sangat_rahasia(world: DemoWorld) -> None:
    # The example pola: sangat-rahasia goes to at most 3 agencies.
    with pytest.raises(PolicyViolation, match="Sangat Rahasia allows at most 3 recipients, not 4"):
        _seal(world, "setda", ["inspektorat", "diskominfo", "bappeda", "bpkad"],
              "sangat-rahasia")


def test_too_many_recipients_for_rahasia(world: DemoWorld) -> None:
    # rahasia: at most 10; setda may send rahasia to every agency.
    everyone = [a.id for a in world.pola.agencies if a.id != "setda"]
    assert len(_seal(world, "setda", everyone[:10], "rahasia")) > 0
    with pytest.raises(PolicyViolation, match="at most 10 recipients, not 11"):
        _seal(world, "setda", everyone[:11], "rahasia")


@pytest.mark.parametrize("level,suite", [("biasa", "classical"), ("terbatas", "classical"),
                                         ("rahasia", "hybrid"),
                                         ("sangat-rahasia", "hybrid")])
def test_suite_follows_the_classification(world: DemoWorld, level: str, suite: str) -> None:
    env = _seal(world, "setda", ["inspektorat"], level)
    assert sandi.verify(env, pola=world.pola).suite == suite
    assert len(Layout.of(env).signature_bytes) == Suite[suite.upper()].signature_len


def test_classical_sangat_rahasia_is_refused_at_open_and_verify(world: DemoWorld,
                                                                tmp_path: Path) -> None:
    # A downgrade built by hand (and validly signed): the pola demands hybrid.
    parts = known_parts(100)
    h = make_header(world, sender="inspektorat", to=["setda"],
                    classification=Classification.SANGAT_RAHASIA, suite=Suite.CLASSICAL,
                    parts=parts)
    env = forge(world, h, DOC, parts)
    store = keystore_with(world, tmp_path / "setda", ["setda"])
    checks: list[Callable[[], object]] = [lambda: sandi.verify(env, pola=world.pola),
                                          lambda: sandi.open(env, keystore=store,
                                                             pola=world.pola)]
    for check in checks:
        with pytest.raises(PolicyViolation,
                           match="Sangat Rahasia requires the hybrid suite; this envelope uses"
                                 " classical"):
            check()


def test_the_example_pola_requires_hybrid_from_rahasia_up(world: DemoWorld,
                                                          tmp_path: Path) -> None:
    # Issue 14 §8: the shipped example sealed rahasia with the classical suite. Now the
    # example (and `sandi pola init`) requires hybrid for rahasia and sangat-rahasia: a
    # classical rahasia envelope, validly signed, is refused; the hybrid one is not.
    assert [q.suite for q in world.pola.requirements] == [
        Suite.CLASSICAL, Suite.CLASSICAL, Suite.HYBRID, Suite.HYBRID]
    store = keystore_with(world, tmp_path / "dinkes", ["dinkes"])
    for seed, suite in ((102, Suite.CLASSICAL), (103, Suite.HYBRID)):
        parts = known_parts(seed)
        h = make_header(world, sender="dispendukcapil", to=["dinkes"],
                        classification=Classification.RAHASIA, suite=suite, parts=parts)
        env = forge(world, h, DOC, parts)
        if suite is Suite.HYBRID:
            assert sandi.open(env, keystore=store, pola=world.pola).plaintext == DOC
            continue
        for check in (lambda: sandi.verify(env, pola=world.pola),  # noqa: B023
                      lambda: sandi.open(env, keystore=store, pola=world.pola)):  # noqa: B023
            with pytest.raises(PolicyViolation, match="Rahasia requires the hybrid suite"):
                check()


def test_too_many_recipients_is_refused_at_open(world: DemoWorld, tmp_path: Path) -> None:
    parts = known_parts(101)
    h = make_header(world, sender="setda", to=["inspektorat", "diskominfo", "setda", "setwan"],
                    classification=Classification.SANGAT_RAHASIA, suite=Suite.HYBRID,
                    parts=parts)
    env = forge(world, h, DOC, parts)
    with pytest.raises(PolicyViolation, match="at most 3"):
        sandi.verify(env, pola=world.pola)


def test_hybrid_level_refuses_a_recipient_without_post_quantum_keys(world: DemoWorld) -> None:
    v1 = world.pola.agency("setda").key(1)
    classical = AgencyKey.generate("setda", 2, pq=False)
    pola = pola_with(world, {"setda": [
        v1.retire(v1.not_before),
        KeyVersion(2, classical.public, KeyState.CURRENT, v1.not_before)]})
    with pytest.raises(PolicyViolation, match="setda key v2 has no post-quantum key"):
        sandi.seal(DOC, sender=world.keystore.identity("inspektorat"), to=["setda"],
                   classification="sangat-rahasia", pola=pola)


# --- misuse ----------------------------------------------------------------------------------


def test_naive_datetime_is_refused(world: DemoWorld) -> None:
    with pytest.raises(InvalidArgument, match="time zone"):
        _seal(world, "dispendukcapil", ["dinkes"], "rahasia", now=datetime(2026, 11, 23, 9, 0))


def test_aware_datetime_is_the_creation_time(world: DemoWorld) -> None:
    at = world.pola.issued_at + timedelta(hours=1)
    env = _seal(world, "dispendukcapil", ["dinkes"], "rahasia", now=at)
    assert sandi.verify(env, pola=world.pola, now=at).created_at == at


@pytest.mark.parametrize("to", [[], ()])
def test_no_recipients_is_refused(world: DemoWorld, to: object) -> None:
    with pytest.raises(InvalidArgument, match="at least one recipient"):
        _seal(world, "dispendukcapil", to, "rahasia")  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["rahasia-banget", "top-secret", ""])
def test_unknown_classification_is_refused(world: DemoWorld, level: str) -> None:
    with pytest.raises(InvalidArgument, match="unknown classification"):
        _seal(world, "dispendukcapil", ["dinkes"], level)


def test_unknown_urgency_is_refused(world: DemoWorld) -> None:
    with pytest.raises(InvalidArgument, match="unknown urgency"):
        _seal(world, "dispendukcapil", ["dinkes"], "rahasia", urgency="darurat")


def test_duplicate_recipients_are_one(world: DemoWorld) -> None:
    env = _seal(world, "dispendukcapil", ["dinsos", "dinkes", "dinsos"], "rahasia")
    assert sandi.verify(env, pola=world.pola).to == ("dinkes", "dinsos")
