"""Section (i) of ``benchmarks/run.py``: judging an envelope that names an older pola
version, at scale (issue 14 §3).

A home installs pola v1, then v2, of 100 to 25,000 agencies (``_worlds.pola_at_scale``:
v2 is the same pola with other random rules, issued an hour later). One agency holds a
real key, so envelopes can be sealed; each one is then forged by flipping a byte of
its signature, and ``sandi.verify`` with the home's pola refuses it:

* naming v2 (the installed version): the baseline;
* naming v1 and dated while v1 was in force: v1's flows are read from the home's
  flows index (built at install), then the signature refuses it;
* naming v1 and dated after v2 was issued: v1 was no longer in force, v2's flows
  judge it.

Also timed: installing v2 over v1 (verify, write the index, pin), and the first read
of v1's index in a process (once per process and version).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sandi
from sandi._internal.time import from_epoch
from sandi.authority.authoring import sign_body
from sandi.keys.keystore import AgencyKey, Identity
from sandi.pola._wire import decode_pola
from sandi.pola.history import History
from sandi.pola.model import KeyState, KeyVersion

from . import _worlds
from ._measure import Item, per_op, repeat
from ._sections import Plan, Recorder

HOUR = 3600


def history(plan: Plan, rec: Recorder) -> None:
    """Every size of the plan's pola sizes."""
    for count in plan.pola_sizes:
        _history_size(plan, rec, count)


def _versions(count: int, now: int) -> tuple[bytes, bytes, AgencyKey, tuple[str, ...]]:
    """v1 (issued two hours ago) and v2 (an hour ago) of one pola, both signed, where the
    first agency's key is real."""
    scale = _worlds.pola_at_scale(count)
    signed = decode_pola(scale.data)
    key = AgencyKey.generate(scale.ids[0], 1, now=from_epoch(now - 3 * HOUR))
    agencies = list(signed.body.agencies)
    agencies[0] = replace(agencies[0], keys=(KeyVersion(1, key.public, KeyState.CURRENT,
                                                        key.created_at),))
    auth = _worlds.authority()
    body = replace(signed.body, agencies=tuple(agencies), issued_at=now - 2 * HOUR,
                   authority=replace(signed.body.authority,
                                     keys=tuple(a.public for a in auth)))
    v1 = sign_body(body, auth[:2]).to_bytes()
    other = decode_pola(_worlds.pola_at_scale(count, seed=2027).data).body
    v2 = sign_body(replace(body, version=2, issued_at=now - HOUR, rules=other.rules,
                           history=((1, now - 2 * HOUR),)), auth[:2]).to_bytes()
    return v1, v2, key, scale.ids


def _allowed(pola: sandi.Pola, sender: str, ids: tuple[str, ...]) -> str:
    return next(b for b in ids[1:] if pola.may_send(sender, b, sandi.Classification.BIASA))


def _forged(envelope: bytes) -> bytes:
    return envelope[:-1] + bytes([envelope[-1] ^ 1])  # a signature byte flipped


def _history_size(plan: Plan, rec: Recorder, count: int) -> None:
    now = int(time.time())
    v1, v2, key, ids = _versions(count, now)
    at = lambda seconds: datetime.fromtimestamp(seconds, UTC)  # noqa: E731
    tmp: Path = plan.tmp
    n, budget = plan.repeats, plan.min_op_seconds
    fingerprint = sandi.Pola.from_bytes(v1).authority.fingerprint()

    def install(i: list[int] = [0]) -> float:  # noqa: B006  (a counter across runs)
        i[0] += 1
        home = sandi.Home(tmp / f"history-{count}-{i[0]}")
        home.install_pola(v1, fingerprint=fingerprint, now=at(now - 2 * HOUR))
        start = time.perf_counter()
        home.install_pola(v2, now=at(now))
        return time.perf_counter() - start

    seconds = repeat(install, n, sync=False)[0]
    rec.add(f"i/install/{count}", Item(
        "i", f"install v2 over v1 (verify, index, pin), {count:,} agencies", seconds))
    home = sandi.Home(tmp / f"history-{count}-1")
    pola = home.pola()
    sender = Identity(ids[0], (key,))
    old = sandi.Pola.from_bytes(v1, now=at(now - 2 * HOUR))
    to = _allowed(old, ids[0], ids)
    in_force = _forged(sandi.seal(b"x", sender=sender, to=[to], classification="biasa",
                                  pola=old, now=at(now - 90 * 60)))
    superseded = _forged(sandi.seal(b"x", sender=sender, to=[to], classification="biasa",
                                    pola=old, now=at(now - 30 * 60)))
    current = _forged(sandi.seal(b"x", sender=sender, to=[_allowed(pola, ids[0], ids)],
                                 classification="biasa", pola=pola, now=at(now - 30 * 60)))

    def refuse(envelope: bytes) -> None:
        try:
            sandi.verify(envelope, pola=pola)
        except sandi.errors.Refusal:
            return
        raise AssertionError("a forged envelope was accepted")

    state = home._state()
    assert state is not None

    def first_read() -> float:
        fresh = History(state, home.path / "polas")
        start = time.perf_counter()
        fresh.flows_in_force(1, now - 90 * 60)
        return time.perf_counter() - start

    rec.add(f"i/first-read/{count}", Item(
        "i", f"  first read of v1's flows index in a process, {count:,}",
        repeat(first_read, n, sync=False)[0]))
    for key_, label, envelope in (("current", "naming the installed v2", current),
                                  ("old", "naming v1, dated while in force", in_force),
                                  ("superseded", "naming v1, dated after v2", superseded)):
        rec.add(f"i/refuse-{key_}/{count}", Item(
            "i", f"refuse a forged envelope {label}, {count:,} agencies",
            per_op(lambda e=envelope: refuse(e), n, min_seconds=budget), per_op=True))
