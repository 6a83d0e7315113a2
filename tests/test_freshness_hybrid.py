"""Freshness statements are hybrid where the pola requires the hybrid suite (issue 14 §7).

A statement keeps a withheld revocation from freezing (issue 14 §5). Under a pola
that requires Ed25519 + ML-DSA-65 for any level, a statement signed with Ed25519
alone would let whoever breaks Ed25519 (a future quantum adversary) keep the old
pola fresh, and so keep a stolen key alive above ``refuse_above``. So the
timestamp key has both halves there, and a statement needs both: stripped of
its ML-DSA-65 half, made classical, or with halves from two statements, it is
refused, as a pola signature would be. Each attack has its honest control.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandi._internal.time import from_epoch
from sandi.authority.authoring import (
    AuthorityKeyPair,
    compile_source,
    parse_source,
    sign_body,
)
from sandi.authority.requests import enrollment
from sandi.authority.timestamping import freshness_statement
from sandi.authority.workspace import Workspace
from sandi.crypto.suite import MLDSA65_SIGNATURE_SIZE, Suite
from sandi.demo import DemoWorld, demo_world, example_source
from sandi.errors import MalformedPola, PolaSignatureInvalid, SandiError
from sandi.keys.keystore import AgencyKey
from sandi.pola._wire import decode_body, encode_body
from sandi.pola.freshness import (
    FRESHNESS_MAGIC,
    FRESHNESS_MLDSA_CONTEXT,
    decode_statement,
    statement_message,
)
from sandi.pola.policy import Pola

T0 = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)
ML = MLDSA65_SIGNATURE_SIZE


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    return demo_world(tmp_path_factory.mktemp("kota") / "home", now=T0)


def accept(world: DemoWorld, statement: bytes, pola: bytes | None = None) -> Pola:
    return Pola.from_bytes(pola or world.pola.to_bytes(), freshness=statement, now=T0 + HOUR)


def classical_pola(world: DemoWorld) -> bytes:
    """The same pola, but requiring no hybrid suite anywhere and naming the timestamp
    key's Ed25519 half alone."""
    body = world.body
    assert body.freshness is not None
    body = replace(body, requirements=tuple(replace(r, suite=Suite.CLASSICAL)
                                            for r in body.requirements),
                   freshness=replace(body.freshness, mldsa=None))
    return sign_body(body, world.authority[:2]).to_bytes()


def test_an_honest_statement_is_hybrid_and_accepted(world: DemoWorld) -> None:
    assert any(r.suite is Suite.HYBRID for r in world.body.requirements)
    assert world.pola.freshness is not None and world.pola.freshness.has_pq
    statement = freshness_statement(world.pola.signed, world.timestamp, now=T0)
    parsed = decode_statement(statement)
    assert statement.startswith(FRESHNESS_MAGIC) and len(parsed.signature) == 64 + ML
    assert parsed.issued_at == T0 and parsed.expires_at == T0 + 24 * HOUR
    assert parsed.issued_at.tzinfo is not None  # aware datetimes, never epoch integers
    status = accept(world, statement).freshness_status(T0 + HOUR)
    assert not status.stale and status.fresh_until == T0 + 24 * HOUR


def test_a_statement_stripped_of_either_half_is_refused(world: DemoWorld) -> None:
    statement = freshness_statement(world.pola.signed, world.timestamp, now=T0)
    with pytest.raises(PolaSignatureInvalid, match=r"is signed Ed25519 only, but the pola's "
                                                   r"timestamp key is Ed25519 \+ ML-DSA-65"):
        accept(world, statement[:-ML])
    # Without its Ed25519 half (the ML-DSA-65 one alone) it is not even a statement.
    parsed = decode_statement(statement)
    with pytest.raises(MalformedPola, match=r"a signature of 64 \(Ed25519\) or 3373 bytes"):
        accept(world, parsed.signed + parsed.signature[64:])


def test_a_classical_statement_under_a_hybrid_pola_is_refused(world: DemoWorld) -> None:
    # Signed by the genuine timestamp key, its Ed25519 half alone: what a forger who
    # broke Ed25519 could make.
    signed = decode_statement(freshness_statement(world.pola.signed, world.timestamp,
                                                  now=T0)).signed
    classical = signed + world.timestamp.signature(statement_message(signed), hybrid=False,
                                                   context=FRESHNESS_MLDSA_CONTEXT)
    with pytest.raises(PolaSignatureInvalid, match=r"signed Ed25519 only"):
        accept(world, classical)


def test_halves_swapped_between_statements_are_refused(world: DemoWorld) -> None:
    a = decode_statement(freshness_statement(world.pola.signed, world.timestamp, now=T0))
    b = decode_statement(freshness_statement(world.pola.signed, world.timestamp,
                                             now=T0 + HOUR))
    assert len(a.signed) == len(b.signed)
    for ed_from, ml_from in ((a, b), (b, a)):
        for body in (a, b):
            mixed = body.signed + ed_from.signature[:64] + ml_from.signature[64:]
            with pytest.raises(PolaSignatureInvalid, match=r"not signed by the pola's "
                                                           r"timestamp key"):
                accept(world, mixed)
    accept(world, a.to_bytes())  # the honest control: each statement whole
    accept(world, b.to_bytes())


def test_a_classical_pola_takes_classical_statements_only(world: DemoWorld) -> None:
    pola = classical_pola(world)
    loaded = Pola.from_bytes(pola, now=T0)
    assert loaded.freshness is not None and not loaded.freshness.has_pq
    statement = freshness_statement(loaded.signed, world.timestamp, now=T0)
    assert len(decode_statement(statement).signature) == 64
    assert not accept(world, statement, pola).freshness_status(T0 + HOUR).stale
    # An ML-DSA-65 half the pola does not name is not accepted either (no agility).
    hybrid = decode_statement(statement).signed
    hybrid += world.timestamp.signature(statement_message(hybrid), hybrid=True,
                                        context=FRESHNESS_MLDSA_CONTEXT)
    with pytest.raises(PolaSignatureInvalid, match=r"signed Ed25519 \+ ML-DSA-65, but the "
                                                   r"pola's timestamp key is Ed25519 only"):
        accept(world, hybrid, pola)


def test_a_hybrid_pola_cannot_name_a_classical_timestamp_key(world: DemoWorld) -> None:
    body = world.body
    assert body.freshness is not None
    classical_key = replace(body.freshness, mldsa=None)
    with pytest.raises(MalformedPola, match=r"so the timestamp key signs with ML-DSA-65 too; "
                                            r"it has no ML-DSA-65 half"):
        decode_body(encode_body(replace(body, freshness=classical_key)))
    source = parse_source(example_source())
    keys = {a.id: list(a.keys) for a in body.agencies}
    with pytest.raises(MalformedPola, match=r"pola source: .*the timestamp key signs with "
                                            r"ML-DSA-65 too"):
        compile_source(source, keys=keys, authority_keys=body.authority.keys, threshold=2,
                       issued_at=from_epoch(body.issued_at),
                       timestamp_key=replace(world.timestamp.public, mldsa=None))
    # The honest control: the key with both halves compiles.
    assert compile_source(source, keys=keys, authority_keys=body.authority.keys, threshold=2,
                          issued_at=from_epoch(body.issued_at),
                          timestamp_key=world.timestamp.public).freshness is not None


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_is_refused(world: DemoWorld, data: st.DataObject) -> None:
    statement = freshness_statement(world.pola.signed, world.timestamp, now=T0)
    at = data.draw(st.integers(0, len(statement) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = bytearray(statement)
    tampered[at] ^= flip
    with pytest.raises(SandiError):
        accept(world, bytes(tampered))


def test_a_workspace_keeps_both_halves_of_the_timestamp_key(tmp_path: Path) -> None:
    custodians = [AuthorityKeyPair.generate(f"k{i}", f"Kustodian {i}") for i in range(2)]
    stamp = AuthorityKeyPair.generate("stempel", "Server Persandian")
    ws = Workspace.init(tmp_path / "ws", pola_id="kota-uji", name="Pola", authority_name="P",
                        custodians=[c.public for c in custodians], threshold=1,
                        decree_number="1", decree_date="2026-03-02", decree_title="t",
                        timestamp_key=stamp.public)
    ws.add_agency(enrollment(AgencyKey.generate("setda", 1, now=T0 - HOUR),
                             now=T0 - HOUR), name="Setda", abbrev="Setda", groups=[])
    freshness = ws.build(now=T0).body.freshness
    assert freshness is not None and freshness.mldsa == stamp.public.mldsa
    # A registry written before the timestamp key had two halves holds its Ed25519 half
    # alone: under the default hybrid requirements it no longer builds, and says why.
    data = json.loads(ws.keys_path.read_text())
    data["timestamp_key"] = base64.b64encode(stamp.public.ed25519).decode()
    ws.keys_path.write_text(json.dumps(data))
    with pytest.raises(MalformedPola, match=r"the timestamp key signs with ML-DSA-65 too"):
        ws.build(now=T0)
