"""Decoding a pola leaves process-wide state alone (issue 13 §3).

The decoder used to pause Python's garbage collector for the whole process while it
decoded; two threads decoding at once could restore each other's saved state and
leave the collector off for good in a server. It no longer touches the collector:
at 25,000 agencies and 250,000 rules that costs about 0.08 s of CPU (decode 0.26 s
-> 0.34 s, Pola.from_bytes 0.34 s -> 0.39 s, min of 7, on the 2-core benchmark
machine), inside the 1 s budget of benchmarks/README.md.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator

import pytest

from sandi._internal.time import from_epoch as T
from sandi.crypto.public import PublicKeys
from sandi.pola._wire import PolaBody, decode_body, encode_body
from sandi.pola.model import Agency, Authority, AuthorityKey, Decree, KeyState, KeyVersion

AGENCIES = 3000


def _big_body() -> bytes:
    raw = os.urandom(64 * AGENCIES)
    agencies = tuple(
        Agency(f"opd-{i}", f"Perangkat Daerah {i}", f"OPD{i}", None, (f"g{i % 50}",),
               (KeyVersion(1, PublicKeys(raw[64 * i:64 * i + 32], raw[64 * i + 32:64 * i + 64]),
                           KeyState.CURRENT, T(1_700_000_000)),))
        for i in range(AGENCIES))
    authority = Authority("Persandian", 1, (AuthorityKey("k1", os.urandom(32), "Kustodian"),))
    return encode_body(PolaBody(
        "provinsi-contoh", 1, "Pola", 1_700_000_000, 1_800_000_000,
        Decree("Perwal 1/2026", "2026-01-05", "Pola"), authority, agencies, (), (), None,
        None, ()))


@pytest.fixture(scope="module")
def big() -> bytes:
    return _big_body()


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_decoding_never_calls_the_collectors_switches(big: bytes,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    monkeypatch.setattr(gc, "enable", lambda: calls.append("enable"))
    assert len(decode_body(big).agencies) == AGENCIES
    assert calls == []


@pytest.mark.usefixtures("collector_on")
def test_threads_decoding_at_once_never_see_the_collector_off(big: bytes) -> None:
    seen_off = threading.Event()
    done = threading.Event()
    errors: list[BaseException] = []

    def watch() -> None:
        while not done.is_set():
            if not gc.isenabled():
                seen_off.set()

    def decode() -> None:
        try:
            for _ in range(4):
                decode_body(big)
        except BaseException as exc:  # reported below
            errors.append(exc)

    watcher = threading.Thread(target=watch)
    workers = [threading.Thread(target=decode) for _ in range(3)]
    watcher.start()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    done.set()
    watcher.join()
    assert not errors, errors
    assert not seen_off.is_set(), "the collector was switched off while pola decoded"
    assert gc.isenabled()


def test_a_collector_the_app_switched_off_stays_off(big: bytes, collector_on: None) -> None:
    gc.disable()
    try:
        decode_body(big)
        assert not gc.isenabled()
    finally:
        gc.enable()
