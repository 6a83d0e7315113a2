"""The compact pola body (agency records, rule columns, a selector table): one byte form,
every field checked, MalformedPola for anything else; decisions as the rules say; a
decision cache that stays bounded.

See docs/format.md ("The signed pola file") for the form these tests pin.
"""

from __future__ import annotations

import copy
import os
import pickle
import string
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sandi.pola.policy
from sandi._internal.codec import is_slug
from sandi._internal.time import from_epoch as T
from sandi.authority.authoring import AuthorityKeyPair, sign_body
from sandi.crypto.public import PublicKeys
from sandi.errors import InvalidArgument, MalformedPola, UnknownAgency
from sandi.pola._wire import PolaBody, decode_body, encode_body
from sandi.pola.classification import Classification
from sandi.pola.model import (
    Agency,
    Authority,
    Decree,
    Effect,
    KeyState,
    KeyVersion,
    Member,
    MemberStatus,
    RevocationReason,
    Rule,
)
from sandi.pola.policy import Pola
from sandi.pola.records import _agencies_ok, check_agency
from sandi.pola.tables import _all_slugs, check_texts, pack_u32s, u32s

AUTH = tuple(AuthorityKeyPair(f"kustodian-{i}", f"Kustodian {i}", bytes([i]) * 32)
             for i in (1, 2))
LEVELS = list(Classification)


def _keys(pq: bool = False) -> PublicKeys:
    return PublicKeys(os.urandom(32), os.urandom(32), os.urandom(1184) if pq else None,
                      os.urandom(1952) if pq else None)


def _agency(agency_id: str, *groups: str, members: tuple[Member, ...] = ()) -> Agency:
    return Agency(agency_id, f"Dinas {agency_id}", agency_id[:8], None, groups,
                  (KeyVersion(1, _keys(), KeyState.CURRENT, T(100)),), members)


def _body(agencies: tuple[Agency, ...], rules: tuple[Rule, ...]) -> PolaBody:
    return PolaBody("kota-uji", 1, "Pola uji", 1_000, 2_000_000_000,
                    Decree("Perwal 1/2026", "2026-01-01", "Pola"),
                    Authority("Persandian", 2, tuple(a.public for a in AUTH)), agencies, rules, ())


def _rich_body() -> PolaBody:
    """Every optional field and every record shape at least once."""
    old = KeyVersion(1, _keys(), KeyState.REVOKED, T(100), T(500), RevocationReason.COMPROMISED)
    member = Member("rina", "Rina Marlina", "Kepala Bidang", "198001012005012001",
                    (KeyVersion(1, _keys(pq=True), KeyState.CURRENT, T(100)),), T(100),
                    MemberStatus.SUSPENDED, T(900))
    setda = Agency("setda", "Sekretariat Daerah", "Setda", "4.01.0.00.0.00.01.0000",
                   ("sekretariat", "inti"),
                   (old, KeyVersion(2, _keys(pq=True), KeyState.RETIRED, T(400), retired_at=T(600)),
                    KeyVersion(3, _keys(), KeyState.CURRENT, T(600))), (member,))
    agencies = (setda, _agency("dinkes", "dinas"), _agency("kec-a", "kecamatan"))
    rules = (Rule(Effect.ALLOW, "*", "*", Classification.TERBATAS),
             Rule(Effect.ALLOW, "setda", "group:dinas", Classification.SANGAT_RAHASIA,
                  "jaringan tertutup", "Surat Edaran 5/2026 — ü€"),
             Rule(Effect.DENY, "*", "group:kecamatan", Classification.RAHASIA, None, "batas"),
             Rule(Effect.ALLOW, "bpbd", "setda", Classification.BIASA))  # not (yet) an agency
    return _body(agencies, rules)


RICH_BODY = _rich_body()
RICH = encode_body(RICH_BODY)
#: Agencies without members (the column-wise check's case), with one or more key versions.
SIMPLE = encode_body(_body((_agency("dinkes", "dinas"), replace(RICH_BODY.agencies[0],
                                                                members=()),
                            _agency("rsud")), RICH_BODY.rules))


def _plain(data: bytes = RICH) -> dict[str, Any]:
    out: dict[str, Any] = msgpack.unpackb(data, raw=False)
    return out


def _pack(obj: object) -> bytes:
    """msgpack as given: maps keep their order (unlike sandi's pack, which sorts them)."""
    out: bytes = msgpack.packb(obj, use_bin_type=True)
    return out


def test_the_rich_body_round_trips() -> None:
    body = decode_body(RICH)
    assert body == RICH_BODY and encode_body(body) == RICH
    rules = _plain()["rules"]
    assert rules["selectors"] == ["*", "bpbd", "group:dinas", "group:kecamatan", "setda"]
    assert rules["texts"] == ["Surat Edaran 5/2026 — ü€", "batas", "jaringan tertutup"]
    assert (rules["effect"], rules["level"]) == (b"\x00\x00\x01\x00", b"\x01\x03\x02\x00")
    assert (list(u32s(rules["from"])), list(u32s(rules["to"]))) == ([0, 4, 0, 1], [0, 2, 3, 4])
    assert (list(u32s(rules["sarana"])), list(u32s(rules["note"]))) == ([0, 3, 0, 0],
                                                                      [0, 1, 2, 0])


def _swap_first_selectors(m: dict[str, Any]) -> None:
    r = m["rules"]
    r["selectors"][0], r["selectors"][1] = r["selectors"][1], r["selectors"][0]
    for col in ("from", "to"):
        r[col] = pack_u32s([{0: 1, 1: 0}.get(i, i) for i in u32s(r[col])])


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(m: dict[str, Any]) -> None:
        for step in path[:-1]:
            m = m[step]
        m[path[-1]] = value
    return change


def _first(column: str, value: bytes) -> Callable[[dict[str, Any]], None]:
    """Replace the start of a rule column (bin) with ``value``."""
    def change(m: dict[str, Any]) -> None:
        m["rules"][column] = value + m["rules"][column][len(value):]
    return change


REFUSED: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "selectors unsorted": (_swap_first_selectors, r"selectors must be strictly ascending"),
    "selector twice": (lambda m: m["rules"]["selectors"].insert(1, "bpbd"),
                       r"strictly ascending|must be in"),
    "selector unused": (lambda m: m["rules"]["selectors"].append("zz"),
                        r"every one of the selectors must be used"),
    "selector not one": (_set(("rules", "selectors", 1), "Bpbd"), r"not an agency, group"),
    "selector empty group": (_set(("rules", "selectors", 1), "group:"), r"not an agency"),
    "selector bytes": (_set(("rules", "selectors", 1), b"bpbd"), r"selector must be a string"),
    "index past the table": (_first("to", pack_u32s([5])), r"rule to must be in 0\.\.4"),
    "index far past": (_first("from", b"\xff\xff\xff\xff"), r"rule from must be in 0\.\.4"),
    "text index past the table": (_first("note", pack_u32s([4])),
                                  r"rule note must be in 0\.\.3"),
    "effect 2": (_first("effect", b"\x02"), r"rule effect must be 0 \(allow\) or 1"),
    "level 4": (_first("level", b"\x04"), r"rule level must be 0\.\.3"),
    "effect an array": (_set(("rules", "effect"), [0, 0, 1, 0]), r"rule effect must be bytes"),
    "level a text": (_set(("rules", "level"), "\x01\x03\x02\x00"), r"rule level must be bytes"),
    "from a map": (_set(("rules", "from"), {}), r"rule from must be bytes"),
    "text empty": (_set(("rules", "texts", 0), ""), r"text must be 1\.\.1024 bytes"),
    "text 1,026 bytes": (_set(("rules", "texts", 2), "é" * 513), r"text must be 1\.\.1024"),
    "text bytes": (_set(("rules", "texts", 0), b"x"), r"text must be a string"),
    "texts unsorted": (lambda m: m["rules"]["texts"].reverse(), r"texts must be strictly"),
    "text unused": (lambda m: m["rules"]["texts"].append("zz"),
                    r"every one of the texts must be used"),
    "note column short": (lambda m: m["rules"].__setitem__("note", m["rules"]["note"][:-4]),
                          r"rule note must be 16 bytes, is 12"),
    "level column long": (lambda m: m["rules"].__setitem__("level", m["rules"]["level"] + b"\0"),
                          r"rule level must be 4 bytes, is 5"),
    "rules keys unsorted": (lambda m: m.__setitem__("rules", dict(reversed(
        m["rules"].items()))), r"rules keys are not in canonical"),
    "rules key missing": (lambda m: m["rules"].pop("sarana"), r"rules lacks sarana"),
    "body keys unsorted": (lambda m: {"authority": m.pop("authority"), **m},
                           r"body keys are not in canonical"),
    "body key as bytes": (lambda m: {b"agencies" if k == "agencies" else k: v
                                     for k, v in m.items()}, r"body lacks agencies"),
    "decree keys unsorted": (lambda m: m.__setitem__("decree", dict(reversed(
        m["decree"].items()))), r"decree keys are not in canonical"),
    "agency record short": (lambda m: m["agencies"][1].pop(), r"agency must have 7\.\.7"),
    "agency record long": (lambda m: m["agencies"][1].append(None), r"agency must have 7"),
    "agency a map": (_set(("agencies", 1), {"id": "dinkes"}), r"agency must be an array"),
    "agency id twice": (_set(("agencies", 2, 0), "dinkes"), r"agency ids must be unique"),
    "agency id not a slug": (_set(("agencies", 1, 0), "Dinkes"), r"agency id 'Dinkes'"),
    "sipd empty": (_set(("agencies", 1, 3), ""), r"SIPD code must be 1\.\.64"),
    "group not a slug": (_set(("agencies", 1, 4), ["-dinas"]), r"group '-dinas' is not"),
    "no key": (_set(("agencies", 1, 5), []), r"keys must have 1\.\.4096"),
    "two current keys": (lambda m: m["agencies"][0][5][1].__setitem__(
        slice(5, 8), ["current", 400, None]), r"exactly one current key"),
    "retired without an end": (_set(("agencies", 0, 5, 1, 7), None),
                               r"a retired key has an end"),
    "current with an end": (_set(("agencies", 1, 5, 0, 7), 500), r"a retired key has an end"),
    "retired before its start": (_set(("agencies", 0, 5, 1, 7), 399),
                                 r"retired_at is before not_before"),
    "retired_at a boolean": (_set(("agencies", 0, 5, 1, 7), True),
                             r"retired_at must be an int"),
    "key versions down": (lambda m: m["agencies"][0][5].reverse(),
                          r"unique and ascending"),
    "key record short": (lambda m: m["agencies"][1][5][0].pop(), r"key must have 10\.\.10"),
    "one pq half": (_set(("agencies", 1, 5, 0, 3), bytes(1184)), r"both post-quantum halves"),
    "x25519 short": (_set(("agencies", 1, 5, 0, 1), bytes(31)), r"x25519 must be 32 bytes"),
    "key state unknown": (_set(("agencies", 1, 5, 0, 5), "lost"), r"unknown key state"),
    "revoked without reason": (_set(("agencies", 0, 5, 0, 9), None), r"revoked_at and reason"),
    "current with reason": (_set(("agencies", 1, 5, 0, 9), "superseded"),
                            r"revoked_at and reason"),
    "not_before a boolean": (_set(("agencies", 1, 5, 0, 6), True), r"not_before must be an int"),
    "member record short": (lambda m: m["agencies"][0][6][0].pop(), r"member must have 10"),
    "member active with status_at": (_set(("agencies", 0, 6, 0, 6), "active"),
                                     r"status_at goes with"),
    "member twice": (lambda m: m["agencies"][0][6].append(m["agencies"][0][6][0]),
                     r"member ids must be unique"),
    "member without keys": (_set(("agencies", 0, 6, 0, 4), []), r"member keys must have 1"),
}


@pytest.mark.parametrize(("change", "match"), REFUSED.values(), ids=REFUSED.keys())
def test_malformed_or_non_canonical_compact_forms_are_refused(
        change: Callable[[dict[str, Any]], Any], match: str) -> None:
    m = _plain()
    new = change(m)  # a new body, or None/anything else when it changed m in place
    data = _pack(new if isinstance(new, dict) and "id" in new else m)
    assert data != RICH
    with pytest.raises(MalformedPola, match=match):
        decode_body(data)


def test_long_texts_are_measured_in_bytes() -> None:
    euro = "€" * 341  # 1,023 bytes of UTF-8 in 341 characters: allowed
    m = _plain()
    m["rules"]["texts"][2] = euro  # sorts last, as the text it replaces
    assert decode_body(_pack(m)).rules[1].sarana == euro
    m["rules"]["texts"][2] = euro + "€"  # 1,026 bytes
    with pytest.raises(MalformedPola, match=r"text must be 1\.\.1024 bytes of text, is 1026"):
        decode_body(_pack(m))


@given(st.text(alphabet="az09-\nZé_ ", max_size=34))
def test_is_slug_is_the_rule_in_words(text: str) -> None:
    # 1..32 characters of a-z, 0-9 and "-", not starting or ending with "-".
    rule = (0 < len(text) <= 32 and set(text) <= set(string.ascii_lowercase + string.digits + "-")
            and not text.startswith("-") and not text.endswith("-"))
    assert is_slug(text) is rule


@given(st.lists(st.text(alphabet="ab9-\nZé", max_size=6), min_size=1, max_size=5))
def test_the_column_slug_check_agrees_with_is_slug(column: list[str]) -> None:
    assert _all_slugs(column) is all(is_slug(t) for t in column)


@given(st.lists(st.one_of(st.none(), st.text(alphabet="aé€𝄞", max_size=12)), max_size=5),
       st.integers(1, 40), st.booleans())
def test_the_column_text_check_agrees_with_one_by_one(column: list[str | None], hi: int,
                                                      optional: bool) -> None:
    want = all((v is None and optional) or (v is not None and 1 <= len(v.encode()) <= hi)
               for v in column)
    try:
        check_texts(column, "text", hi, optional=optional)
    except MalformedPola:
        assert not want
    else:
        assert want


# --- any edit: refused, or canonical (and never another exception) -----------------------

_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), st.floats(allow_nan=False),
    st.text(max_size=40), st.binary(max_size=40), st.sampled_from(
        ["current", "retired", "revoked", "compromised", "superseded", "active", "removed",
         "*", "group:dinas", "setda", "zz", 0, 1, 2, 3, 4, 2**31, bytes(32)]),
    st.lists(st.integers(0, 6), max_size=4), st.dictionaries(st.text(max_size=3),
                                                             st.integers(0, 3), max_size=2))


def _containers(obj: Any) -> list[Any]:
    """Every list and dict inside ``obj`` (itself included), in a fixed order."""
    out = [obj]
    children = obj.values() if isinstance(obj, dict) else obj
    for child in children:
        if isinstance(child, (list, dict)):
            out += _containers(child)
    return out


def _edit_column(draw: st.DrawFn, rules: dict[str, Any]) -> None:
    name = draw(st.sampled_from(["effect", "level", "from", "to", "note", "sarana"]))
    blob = rules[name]
    if not isinstance(blob, bytes):
        return
    at = draw(st.integers(0, len(blob)))
    action = draw(st.sampled_from(["byte", "cut", "grow"]))
    if action == "byte" and at < len(blob):
        blob = blob[:at] + bytes([draw(st.integers(0, 255))]) + blob[at + 1:]
    elif action == "cut":
        blob = blob[:at]
    else:
        blob = blob[:at] + draw(st.binary(min_size=1, max_size=4)) + blob[at:]
    rules[name] = blob


def _edit(draw: st.DrawFn, m: dict[str, Any]) -> None:
    if isinstance(m.get("rules"), dict) and draw(st.booleans()):
        _edit_column(draw, m["rules"])
        return
    target = draw(st.sampled_from(_containers(m["agencies"]) + _containers(m["rules"])))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    action = draw(st.sampled_from(["set", "drop", "add", "swap"]))
    if isinstance(target, dict) or not keys:
        if keys and action != "add":
            target[draw(st.sampled_from(keys))] = draw(_values)
        elif isinstance(target, list):
            target.append(draw(_values))
        return
    i, j = draw(st.sampled_from(keys)), draw(st.sampled_from(keys))
    if action == "set":
        target[i] = draw(_values)
    elif action == "drop":
        del target[i]
    elif action == "add":
        target.insert(i, draw(_values))
    else:
        target[i], target[j] = target[j], target[i]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_edited_bodies_are_refused_or_canonical(data: st.DataObject) -> None:
    m = _plain(data.draw(st.sampled_from([RICH, SIMPLE])))
    for _ in range(data.draw(st.integers(1, 3))):
        _edit(data.draw, m)
    edited = _pack(m)
    try:
        body = decode_body(edited)
    except MalformedPola:
        return
    assert encode_body(body) == edited  # accepted: then it is the one byte form
    records = m["agencies"]
    if isinstance(records, list) and all(isinstance(r, list) and len(r) == 7 and r[6] == []
                                         for r in records) and _agencies_ok(records):
        for r in records:  # the column check never accepts what one by one refuses
            check_agency(r)


# --- decisions against the written semantics, at some size ------------------------------------


def reference(rules: tuple[Rule, ...], sender: Agency, recipient: Agency,
              level: Classification) -> bool:
    """docs/pola.md section 3, read literally: scan every rule."""
    def sel(a: Agency) -> set[str]:
        return {a.id, "*", *(f"group:{g}" for g in a.groups)}

    hits = [r for r in rules if r.source in sel(sender) and r.target in sel(recipient)]
    allowed = [r.level for r in hits if r.effect is Effect.ALLOW]
    denied = [r.level for r in hits if r.effect is Effect.DENY]
    return bool(allowed) and level <= max(allowed) and (not denied or level < min(denied))


@st.composite
def _worlds(draw: st.DrawFn) -> tuple[tuple[Agency, ...], tuple[Rule, ...]]:
    n = draw(st.integers(2, 120))
    pool = [f"grup-{i}" for i in range(draw(st.integers(1, 8)))]
    agencies = tuple(_agency(f"opd-{i}", *draw(st.lists(st.sampled_from(pool), max_size=3,
                                                        unique=True))) for i in range(n))
    selectors = st.one_of(st.sampled_from([a.id for a in agencies]),
                          st.sampled_from([f"group:{g}" for g in pool] + ["*", "opd-luar"]))
    rules = draw(st.lists(st.builds(Rule, st.sampled_from(Effect), selectors, selectors,
                                    st.sampled_from(LEVELS)), max_size=400))
    return agencies, tuple(rules)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(world=_worlds(), data=st.data())
def test_decisions_match_a_naive_reading_of_the_rules(
        world: tuple[tuple[Agency, ...], tuple[Rule, ...]], data: st.DataObject) -> None:
    agencies, rules = world
    pola = Pola.from_bytes(sign_body(_body(agencies, rules), AUTH).to_bytes())
    assert pola.rules == rules and pola.agencies == agencies
    pick = st.sampled_from(agencies)
    pairs = data.draw(st.lists(st.tuples(pick, pick), min_size=1, max_size=40))
    pairs += [(agencies[0], agencies[-1])]
    for s, r in pairs:
        for level in LEVELS:
            assert pola.may_send(s.id, r.id, level) is reference(rules, s, r, level), (
                s.id, r.id, level)


# --- the decision cache ------------------------------------------------------------------


def test_the_decision_cache_stays_bounded() -> None:
    assert 1_000 <= sandi.pola.content.DECISION_CACHE <= 100_000
    agencies = tuple(_agency(f"opd-{i}", f"g{i % 3}") for i in range(40))
    rules = (Rule(Effect.ALLOW, "group:g0", "*", Classification.RAHASIA),
             Rule(Effect.DENY, "*", "group:g1", Classification.TERBATAS))
    data = sign_body(_body(agencies, rules), AUTH).to_bytes()
    default = Pola.from_bytes(data)
    assert default._limits.cache_info().maxsize == sandi.pola.content.DECISION_CACHE
    pola = Pola.from_bytes(data, decision_cache=50)
    for _ in range(2):  # 1,600 distinct pairs, twice: each answer right after evictions too
        for s in agencies:
            for r in agencies:
                assert pola.may_send(s.id, r.id, "rahasia") is reference(
                    rules, s, r, Classification.RAHASIA)
                assert pola._limits.cache_info().currsize <= 50
    assert pola._limits.cache_info().maxsize == 50
    with pytest.raises(UnknownAgency):
        pola.may_send("opd-0", "bukan-opd", "biasa")
    assert len(pola._selectors) == len(agencies)  # one entry per known agency, no more
    assert pickle.loads(pickle.dumps(pola))._limits.cache_info().maxsize == 50  # kept
    with pytest.raises(InvalidArgument, match="decision_cache must be >= 0"):
        Pola.from_bytes(data, decision_cache=-1)


def test_a_loaded_pola_pickles_and_copies() -> None:
    pola = Pola.from_bytes(sign_body(RICH_BODY, AUTH).to_bytes())
    for other in (pickle.loads(pickle.dumps(pola)), copy.deepcopy(pola)):
        assert other.to_bytes() == pola.to_bytes()
        assert other.rules == pola.rules and other.agencies == pola.agencies
        for s in ("setda", "dinkes", "kec-a"):
            for r in ("setda", "dinkes", "kec-a"):
                assert [other.may_send(s, r, lv) for lv in LEVELS] == [
                    pola.may_send(s, r, lv) for lv in LEVELS]
