"""Synthetic sandi worlds for the benchmarks, built through sandi's own public parts.

* :func:`bench_world`: a keystore holding a sender and an opener (real keys,
  with post-quantum halves) plus ``n`` other agencies whose public keys are
  real but whose private keys are thrown away; one rule ``* -> *`` up to
  sangat-rahasia, which requires the hybrid suite (rahasia stays classical).
  Any number of recipients up to sandi's limit of 1,024 can be addressed.
* :func:`pola_at_scale`: a signed 2-of-3 pola of ``n`` agencies with fake
  32-byte keys from ``os.urandom`` and 10 rules per agency, as bytes.
* :func:`rotate`: the next pola version after an agency rotated its key (old
  version retired), for rewrap.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sandi import Classification, Keystore, Pola
from sandi._internal.time import from_epoch
from sandi.authority.authoring import AuthorityKeyPair, sign_body
from sandi.crypto.suite import Suite
from sandi.keys import PublicKeys
from sandi.keys.keystore import AgencyKey
from sandi.pola._wire import PolaBody
from sandi.pola.model import (
    MAX_RECIPIENTS,
    Agency,
    Authority,
    Decree,
    Effect,
    KeyState,
    KeyVersion,
    Requirement,
    Rule,
)

PASSPHRASE = "bench-passphrase"  # throwaway benchmark keystores only
SENDER = "pengirim"
OPENER = "penerima"
_YEAR = 365 * 86_400


def authority() -> tuple[AuthorityKeyPair, ...]:
    """Three fresh custodian keys (threshold 2 is used everywhere)."""
    return tuple(AuthorityKeyPair.generate(f"kustodian-{i}", f"Kustodian {i}")
                 for i in (1, 2, 3))


def _body(agencies: list[Agency], rules: list[Rule], auth: tuple[AuthorityKeyPair, ...],
          *, version: int = 1, requirements: tuple[Requirement, ...] = ()) -> PolaBody:
    now = int(time.time())
    return PolaBody(
        id="bench", version=version, name="Pola benchmark", issued_at=now - 3600,
        expires_at=now + _YEAR,
        decree=Decree("Peraturan Benchmark Nomor 1 Tahun 2026", "2026-01-01", "Benchmark"),
        authority=Authority("Persandian Benchmark", 2, tuple(a.public for a in auth)),
        agencies=tuple(agencies), rules=tuple(rules), requirements=requirements)


def _agency(agency_id: str, keys: tuple[KeyVersion, ...], groups: tuple[str, ...] = ()
            ) -> Agency:
    return Agency(agency_id, f"Dinas {agency_id}", agency_id[:16], None, groups, keys)


def _current(public: PublicKeys) -> KeyVersion:
    return KeyVersion(1, public, KeyState.CURRENT, from_epoch(int(time.time()) - 3600))


@dataclass(frozen=True)
class BenchWorld:
    """A keystore and a verified pola that lets anyone send anything to anyone."""

    home: Path
    keystore: Keystore
    pola: Pola
    body: PolaBody
    authority: tuple[AuthorityKeyPair, ...]
    others: tuple[str, ...]  # agencies whose private keys nobody holds

    def recipients(self, count: int) -> list[str]:
        """The opener plus ``count - 1`` other agencies."""
        return [OPENER, *self.others[:count - 1]]

    def sign(self, body: PolaBody) -> Pola:
        """Sign ``body`` 2-of-3 with this world's authority and load it (verified)."""
        return Pola.from_bytes(sign_body(body, self.authority[:2]).to_bytes())


def bench_world(home: Path, others: int = MAX_RECIPIENTS - 1, *, pq: bool = True) -> BenchWorld:
    """Create the keystore in ``home`` (Argon2id at sandi's default cost, once)."""
    keystore = Keystore.create(home, passphrase=PASSPHRASE)
    held = keystore.generate_batch([SENDER, OPENER], pq=pq)
    ids = tuple(f"opd-{i:04d}" for i in range(others))
    publics = [k.public for k in held] + [AgencyKey.generate(a, 1, pq=pq).public for a in ids]
    agencies = [_agency(a, (_current(p),)) for a, p in zip((SENDER, OPENER, *ids), publics,
                                                           strict=True)]
    rules = [Rule(Effect.ALLOW, "*", "*", Classification.SANGAT_RAHASIA)]
    reqs = (Requirement(Classification.SANGAT_RAHASIA, Suite.HYBRID, MAX_RECIPIENTS),)
    auth = authority()
    body = _body(agencies, rules, auth, requirements=reqs)
    pola = Pola.from_bytes(sign_body(body, auth[:2]).to_bytes())
    return BenchWorld(home, keystore, pola, body, auth, ids)


def rotate(world: BenchWorld, agency: str) -> Pola:
    """Give ``agency`` its next key version in the keystore; return pola v+1 where the
    new version is current and the old one retired."""
    new = world.keystore.generate(agency, pq=world.body.agencies[0].keys[0].keys.has_pq)
    agencies = []
    for a in world.body.agencies:
        if a.id == agency:
            moment = from_epoch(int(time.time()) - 60)
            old = tuple(k.retire(moment) for k in a.keys)
            a = replace(a, keys=(*old, KeyVersion(new.version, new.public, KeyState.CURRENT,
                                                  moment)))
        agencies.append(a)
    body = replace(world.body, version=world.body.version + 1, agencies=tuple(agencies))
    return world.sign(body)


# --- the pola at scale --------------------------------------------------------------------

RULES_PER_AGENCY = 10
GROUPS = 50


@dataclass(frozen=True)
class ScalePola:
    """A signed pola of ``agencies`` agencies, its file bytes and its agency ids."""

    agencies: int
    rules: int
    data: bytes
    ids: tuple[str, ...]


def pola_at_scale(agencies: int, *, seed: int = 2026) -> ScalePola:
    """Agencies ``opd-00000`` ... with fake keys, each in one of 50 groups; 10 rules per
    agency (mostly agency -> agency allows at a random level, one in ten a deny, one
    in ten from the agency to a group); signed 2-of-3."""
    rng = random.Random(seed)
    ids = tuple(f"opd-{i:05d}" for i in range(agencies))
    keys = [KeyVersion(1, PublicKeys(os.urandom(32), os.urandom(32)), KeyState.CURRENT,
                       from_epoch(0))
            for _ in ids]
    out = [_agency(a, (k,), (f"grup-{i % GROUPS:02d}",)) for i, (a, k) in enumerate(
        zip(ids, keys, strict=True))]
    levels = list(Classification)
    rules = []
    for source in ids:
        for j in range(RULES_PER_AGENCY):
            level = rng.choice(levels)
            if j == 0:
                rules.append(Rule(Effect.ALLOW, source, f"group:grup-{rng.randrange(GROUPS):02d}",
                                  level))
            elif j == 1:
                rules.append(Rule(Effect.DENY, source, rng.choice(ids), level))
            else:
                rules.append(Rule(Effect.ALLOW, source, rng.choice(ids), level,
                                  "jaring komunikasi sandi"))
    auth = authority()
    signed = sign_body(_body(out, rules, auth), auth[:2])
    return ScalePola(agencies, len(rules), signed.to_bytes(), ids)
