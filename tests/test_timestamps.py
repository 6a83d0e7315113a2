"""RFC 3161 trusted time against a real time-stamping authority on loopback (``openssl
ts`` behind an HTTP handler): tokens over the header hash, checked at open and verify;
a wrong certificate, a token for another hash, a TSA that is down, a backdated claim."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import sandi
from sandi.crypto.timestamps import Witnessed
from sandi.demo import DemoWorld
from sandi.envelope.format import parse_header
from sandi.envelope.timestamping import SKEW, agree
from sandi.errors import TimestampInvalid, TimestampUnavailable
from tests.helpers import Layout, pola_with
from tests.tsa import Tsa, running_tsa


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tsa]:
    with running_tsa(tmp_path_factory.mktemp("tsa") / "a") as t:
        yield t


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tsa]:
    """Another TSA, with a certificate of its own that no pola names."""
    with running_tsa(tmp_path_factory.mktemp("tsa") / "b", "TSA Lain") as t:
        yield t


def _pem(der: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode()


def _pola(world: DemoWorld, url: str, cert: bytes, *, required: bool) -> sandi.Pola:
    def edit(src: dict[str, Any]) -> None:
        src["tsa"] = {"url": url, "certificates": [_pem(cert)], "required": required}

    return pola_with(world, {}, version=2, edit=edit)


def _seal(world: DemoWorld, pola: sandi.Pola, **kw: Any) -> bytes:
    return sandi.seal(b"Nota dinas", sender=world.keystore.identity("diskominfo"),
                      to=["bkpsdmd"], classification="rahasia", pola=pola, **kw)


def test_the_envelope_carries_a_token_checked_at_open_and_verify(world: DemoWorld,
                                                                  tsa: Tsa) -> None:
    pola = _pola(world, tsa.url, tsa.certificate, required=True)
    before = tsa.requests
    env = _seal(world, pola)
    assert tsa.requests == before + 1
    assert parse_header(env)[0].attachments.timestamp is not None
    info = sandi.verify(env, pola=pola)
    doc = sandi.open(env, keystore=world.keystore, pola=pola, receipt=True)
    assert info.witnessed_at is not None and doc.witnessed_at == info.witnessed_at
    assert abs(info.witnessed_at - info.created_at) <= timedelta(seconds=5)
    # Receipts get tokens too, over the whole signed receipt.
    assert doc.receipt is not None and doc.receipt.attachments.timestamp is not None
    checked = sandi.envelope.check_receipt(doc.receipt.to_bytes(), pola=pola, envelope=env)
    assert checked.witnessed_at is not None


def test_a_token_from_a_tsa_the_pola_does_not_name_is_refused(world: DemoWorld, tsa: Tsa,
                                                              stranger: Tsa) -> None:
    # The pola names our TSA's certificate, but the URL answers with another TSA's token.
    misnamed = _pola(world, stranger.url, tsa.certificate, required=True)
    with pytest.raises(TimestampInvalid, match="not signed by the TSA"):
        _seal(world, misnamed)
    # A genuine envelope, judged by a pola naming another certificate for its TSA.
    env = _seal(world, _pola(world, tsa.url, tsa.certificate, required=True))
    other = _pola(world, tsa.url, stranger.certificate, required=True)
    with pytest.raises(TimestampInvalid, match="not signed by the TSA"):
        sandi.verify(env, pola=other)


def test_a_token_for_another_hash_is_refused(world: DemoWorld, tsa: Tsa) -> None:
    pola = _pola(world, tsa.url, tsa.certificate, required=True)
    one, two = _seal(world, pola), _seal(world, pola)
    sandi.verify(two, pola=pola)  # the honest control
    moved = Layout.of(two).with_(attachments=parse_header(one)[0].attachments)
    with pytest.raises(TimestampInvalid, match="another document"):
        sandi.verify(moved, pola=pola)
    with pytest.raises(TimestampInvalid, match="another document"):
        sandi.open(moved, keystore=world.keystore, pola=pola)


def test_a_tsa_that_is_down(world: DemoWorld, tmp_path: Path) -> None:
    down = Tsa(tmp_path / "down")
    down.start()
    down.down()
    required = _pola(world, down.url, down.certificate, required=True)
    with pytest.raises(TimestampUnavailable, match="did not answer"):
        _seal(world, required)
    optional = _pola(world, down.url, down.certificate, required=False)
    env = _seal(world, optional)  # proceeds without a token, as the pola says
    assert parse_header(env)[0].attachments.timestamp is None
    assert sandi.verify(env, pola=optional).witnessed_at is None
    # Where a token is required, an envelope without one (or stripped of it) is refused.
    with pytest.raises(TimestampInvalid, match="requires one"):
        sandi.verify(env, pola=required)


def test_a_tsa_that_answers_with_an_error(world: DemoWorld, tmp_path: Path) -> None:
    with running_tsa(tmp_path / "err") as failing:
        failing.fail_with = 503
        with pytest.raises(TimestampUnavailable):
            _seal(world, _pola(world, failing.url, failing.certificate, required=True))


def test_a_stripped_token_under_a_required_tsa_is_refused(world: DemoWorld, tsa: Tsa) -> None:
    pola = _pola(world, tsa.url, tsa.certificate, required=True)
    env = _seal(world, pola)
    stripped = Layout.of(env).with_(attachments=sandi.envelope.attachments.NO_ATTACHMENTS)
    with pytest.raises(TimestampInvalid, match="requires one"):
        sandi.open(stripped, keystore=world.keystore, pola=pola)


def test_a_claimed_time_far_from_the_witnessed_one_is_refused(world: DemoWorld,
                                                               tsa: Tsa) -> None:
    pola = _pola(world, tsa.url, tsa.certificate, required=True)
    with pytest.raises(TimestampInvalid, match="after the time the TSA witnessed"):
        _seal(world, pola, now=datetime.now(UTC) + timedelta(hours=1))
    _seal(world, pola, now=datetime.now(UTC) + timedelta(seconds=30))  # within the skew
    # The bound both ways: accuracy plus SKEW around the witnessed time.
    seen = Witnessed(time=1_800_000_000, accuracy=1)
    agree(seen, seen.time - SKEW - 1)
    with pytest.raises(TimestampInvalid, match="backdated"):
        agree(seen, seen.time - SKEW - 2)
    with pytest.raises(TimestampInvalid, match="after"):
        agree(seen, seen.time + SKEW + 2)
