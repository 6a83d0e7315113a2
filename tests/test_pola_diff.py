"""A custodian never signs blind: :func:`sandi.pola.diff` names every field of the model
that differs, between drafts at any number of signatures (issue 17 §1).

The table of edits below is checked against the model's own field list: a field added
to the model without an edit here (and so without a test that the diff reports it)
fails ``test_every_model_field_has_an_edit``.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime

import pytest

from sandi._internal.time import from_epoch as T
from sandi.authority.authoring import AuthorityKeyPair, sign_body
from sandi.crypto.public import PublicKeys
from sandi.crypto.suite import Suite
from sandi.errors import InvalidArgument
from sandi.pola import Change, ChangeKind, Draft, diff
from sandi.pola._wire import PolaBody
from sandi.pola.classification import Classification as C
from sandi.pola.model import (
    Agency,
    Authority,
    Decree,
    Effect,
    Freshness,
    KeyState,
    KeyVersion,
    Member,
    MemberStatus,
    Requirement,
    RevocationReason,
    Rule,
    TimeStamping,
)

AUTH = tuple(AuthorityKeyPair(f"k{i}", f"Kustodian {i}", bytes([i]) * 32) for i in (1, 2, 3))


def _pk(n: int, pq: bool = False) -> PublicKeys:
    return PublicKeys(bytes([n]) * 32, bytes([n + 1]) * 32, bytes([n]) * 1184 if pq else None,
                      bytes([n]) * 1952 if pq else None)


RINA = Member("rina", "Rina Marlina", "Kepala Bidang", "198001012005012001",
              (KeyVersion(1, _pk(20), KeyState.CURRENT, T(100)),), T(100))
BUDI = Member("budi", "Budi Santoso", "Sekretaris", None,
              (KeyVersion(1, _pk(30), KeyState.CURRENT, T(100)),), T(100),
              MemberStatus.SUSPENDED, T(900))
SETDA = Agency("setda", "Sekretariat Daerah", "Setda", "4.01.0.00", ("inti",),
               (KeyVersion(1, _pk(40), KeyState.RETIRED, T(100), retired_at=T(600)),
                KeyVersion(2, _pk(50, pq=True), KeyState.CURRENT, T(600))), (RINA, BUDI))
DINKES = Agency("dinkes", "Dinas Kesehatan", "Dinkes", None, ("dinas",),
                (KeyVersion(1, _pk(60), KeyState.CURRENT, T(100)),))
KEC = Agency("kec-a", "Kecamatan A", "Kec. A", None, ("kecamatan",),
             (KeyVersion(1, _pk(70), KeyState.REVOKED, T(100), T(300),
                          RevocationReason.COMPROMISED),
              KeyVersion(2, _pk(80), KeyState.CURRENT, T(300))))
BASE = PolaBody(
    "kota-uji", 5, "Pola Hubungan Komunikasi Sandi Kota Uji", 10_000, 2_000_000_000,
    Decree("Perwal 7/2026", "2026-03-01", "Pola Hubungan Komunikasi Sandi"),
    Authority("Dinas Kominfo, bidang persandian", 2, tuple(k.public for k in AUTH)),
    (SETDA, DINKES, KEC),
    (Rule(Effect.ALLOW, "*", "*", C.TERBATAS),
     Rule(Effect.ALLOW, "setda", "group:dinas", C.RAHASIA, "jaringan tertutup", "SE 5/2026"),
     Rule(Effect.DENY, "*", "dinkes", C.SANGAT_RAHASIA)),
    (Requirement(C.RAHASIA, Suite.HYBRID, 10, True),),
    TimeStamping("https://tsa.example.go.id", (b"tsa-certificate", b"root-certificate")),
    Freshness(b"\x05" * 32, 86_400, C.TERBATAS, b"\x05" * 1952),
    ((3, 5_000), (4, 8_000)))

Edit = Callable[[PolaBody], PolaBody]


def _agency(agency_id: str, /, **changes: object) -> Edit:
    def edit(body: PolaBody) -> PolaBody:
        return replace(body, agencies=tuple(replace(a, **changes) if a.id == agency_id else a
                                            for a in body.agencies))
    return edit


def _key(agency_id: str, number: int, /, **changes: object) -> Edit:
    def edit(body: PolaBody) -> PolaBody:
        a = next(a for a in body.agencies if a.id == agency_id)
        keys = tuple(replace(k, **changes) if k.version == number else k for k in a.keys)
        return _agency(agency_id, keys=keys)(body)
    return edit


def _pubkey(**changes: object) -> Edit:
    return _key("setda", 2, keys=replace(_pk(50, pq=True), **changes))


def _member(member_id: str, /, **changes: object) -> Edit:
    return _agency("setda", members=tuple(replace(m, **changes) if m.id == member_id else m
                                          for m in SETDA.members))


def _rule(i: int, /, **changes: object) -> Edit:
    return lambda b: replace(b, rules=tuple(replace(r, **changes) if n == i else r
                                           for n, r in enumerate(b.rules)))


def _body(**changes: object) -> Edit:
    return lambda b: replace(b, **changes)


def _nested(part: str, /, **changes: object) -> Edit:
    return lambda b: replace(b, **{part: replace(getattr(b, part), **changes)})


def _requirement(**changes: object) -> Edit:
    return _body(requirements=(replace(BASE.requirements[0], **changes),))


#: One edit per field of the model, and what the diff must name: the field itself, or
#: (for an identity, which makes an item another one) the collection and its new key.
EDITS: dict[str, tuple[Edit, str | tuple[str, str | int]]] = {
    "PolaBody.id": (_body(id="kota-lain"), "id"),
    "PolaBody.version": (_body(version=6), "version"),
    "PolaBody.name": (_body(name="Pola baru"), "name"),
    "PolaBody.issued_at": (_body(issued_at=9_000), "issued_at"),
    "PolaBody.expires_at": (_body(expires_at=2_000_086_400), "expires_at"),
    "PolaBody.decree": (_body(decree=Decree("Perwal 8/2026", "2026-04-01", "Pola")), "number"),
    "PolaBody.authority": (_body(authority=replace(BASE.authority, threshold=3)), "threshold"),
    "PolaBody.agencies": (_body(agencies=(*BASE.agencies, replace(DINKES, id="bappeda"))),
                          ("agencies", "bappeda")),
    "PolaBody.rules": (_body(rules=(*BASE.rules, Rule(Effect.ALLOW, "kec-a", "setda",
                                                      C.RAHASIA))), "rules"),
    "PolaBody.requirements": (_body(requirements=(
        *BASE.requirements, Requirement(C.SANGAT_RAHASIA, Suite.HYBRID))), "suite"),
    "PolaBody.tsa": (_body(tsa=None), "tsa"),
    "PolaBody.freshness": (_body(freshness=None), "freshness"),
    "PolaBody.history": (_body(history=((4, 8_000),)), "history"),
    "Decree.number": (_nested("decree", number="Perwal 9/2026"), "number"),
    "Decree.date": (_nested("decree", date="2026-03-02"), "date"),
    "Decree.title": (_nested("decree", title="Pola baru"), "title"),
    "Authority.name": (_nested("authority", name="Diskominfo"), "name"),
    "Authority.threshold": (_nested("authority", threshold=1), "threshold"),
    "Authority.keys": (_nested("authority", keys=BASE.authority.keys[:2]), ("keys", "k3")),
    "AuthorityKey.id": (_nested("authority", keys=(
        *BASE.authority.keys[:2], replace(BASE.authority.keys[2], id="k9"))), ("keys", "k9")),
    "AuthorityKey.ed25519": (_nested("authority", keys=(
        *BASE.authority.keys[:2], replace(BASE.authority.keys[2], ed25519=b"\x09" * 32))),
        "ed25519"),
    "AuthorityKey.custodian": (_nested("authority", keys=(
        *BASE.authority.keys[:2], replace(BASE.authority.keys[2], custodian="Andi"))),
        "custodian"),
    "AuthorityKey.mldsa": (_nested("authority", keys=(
        *BASE.authority.keys[:2], replace(BASE.authority.keys[2], mldsa=b"\x0e" * 1952))),
        "mldsa"),
    "Agency.id": (_agency("kec-a", id="kec-b"), ("agencies", "kec-b")),
    "Agency.name": (_agency("dinkes", name="Dinas Kesehatan Kota"), "name"),
    "Agency.abbrev": (_agency("dinkes", abbrev="DKK"), "abbrev"),
    "Agency.sipd": (_agency("dinkes", sipd="1.02.0.00"), "sipd"),
    "Agency.groups": (_agency("dinkes", groups=("dinas", "kesehatan")), "groups"),
    "Agency.keys": (_agency("dinkes", keys=(
        KeyVersion(1, _pk(60), KeyState.RETIRED, T(100), retired_at=T(9_000)),
        KeyVersion(2, _pk(90), KeyState.CURRENT, T(9_000)))), ("keys", 2)),
    "Agency.members": (_agency("dinkes", members=(RINA,)), ("members", "rina")),
    "KeyVersion.version": (_key("setda", 2, version=3), ("keys", 3)),
    "KeyVersion.keys": (_key("dinkes", 1, keys=_pk(99)), "keys"),
    "KeyVersion.state": (_key("setda", 1, state=KeyState.REVOKED, revoked_at=T(500),
                              reason=RevocationReason.SUPERSEDED), "state"),
    "KeyVersion.not_before": (_key("setda", 1, not_before=T(50)), "not_before"),
    "KeyVersion.revoked_at": (_key("kec-a", 1, revoked_at=T(250)), "revoked_at"),
    "KeyVersion.reason": (_key("kec-a", 1, reason=RevocationReason.SUPERSEDED), "reason"),
    "KeyVersion.retired_at": (_key("setda", 1, retired_at=T(550)), "retired_at"),
    "PublicKeys.x25519": (_pubkey(x25519=b"\x0a" * 32), "keys"),
    "PublicKeys.ed25519": (_pubkey(ed25519=b"\x0b" * 32), "keys"),
    "PublicKeys.mlkem": (_pubkey(mlkem=b"\x0c" * 1184), "keys"),
    "PublicKeys.mldsa": (_pubkey(mldsa=b"\x0d" * 1952), "keys"),
    "Member.id": (_member("rina", id="rina-m"), ("members", "rina-m")),
    "Member.name": (_member("rina", name="Rina M."), "name"),
    "Member.jabatan": (_member("rina", jabatan="Sekretaris Daerah"), "jabatan"),
    "Member.nip": (_member("rina", nip=None), "nip"),
    "Member.keys": (_member("rina", keys=(
        KeyVersion(1, _pk(20), KeyState.RETIRED, T(100), retired_at=T(900)),
        KeyVersion(2, _pk(21), KeyState.CURRENT, T(900)))), ("keys", 2)),
    "Member.joined_at": (_member("rina", joined_at=T(50)), "joined_at"),
    "Member.status": (_member("rina", status=MemberStatus.REMOVED, status_at=T(950)), "status"),
    "Member.status_at": (_member("budi", status_at=T(950)), "status_at"),
    "Member.suspensions": (_member("rina", suspensions=((T(150), T(160)),)), "suspensions"),
    "Member.seq": (_member("rina", seq=7), "seq"),
    "Rule.effect": (_rule(2, effect=Effect.ALLOW), "effect"),
    "Rule.source": (_rule(1, source="kec-a"), "source"),
    "Rule.target": (_rule(1, target="kec-a"), "target"),
    "Rule.level": (_rule(1, level=C.SANGAT_RAHASIA), "level"),
    "Rule.sarana": (_rule(1, sarana="kurir"), "sarana"),
    "Rule.note": (_rule(1, note=None), "note"),
    "Requirement.level": (_requirement(level=C.TERBATAS), ("requirements", "terbatas")),
    "Requirement.suite": (_requirement(suite=Suite.CLASSICAL), "suite"),
    "Requirement.max_recipients": (_requirement(max_recipients=2), "max_recipients"),
    "Requirement.receipts": (_requirement(receipts=False), "receipts"),
    "Requirement.member_signed": (_requirement(member_signed=True), "member_signed"),
    "TimeStamping.url": (_nested("tsa", url="https://tsa2.example.go.id"), "url"),
    "TimeStamping.certificates": (_nested("tsa", certificates=(b"other", b"root")),
                                  "certificates"),
    "TimeStamping.required": (_nested("tsa", required=True), "required"),
    "Freshness.key": (_nested("freshness", key=b"\x06" * 32), "key"),
    "Freshness.max_age": (_nested("freshness", max_age=7_200), "max_age"),
    "Freshness.refuse_above": (_nested("freshness", refuse_above=C.BIASA), "refuse_above"),
    "Freshness.mldsa": (_nested("freshness", mldsa=b"\x07" * 1952), "mldsa"),
}


def model_fields(root: type = PolaBody) -> list[str]:
    """``Type.field`` for every field of every dataclass reachable from ``root``."""
    seen: list[type] = []
    todo = [root]
    while todo:
        cls = todo.pop(0)
        if cls in seen:
            continue
        seen.append(cls)
        for hint in typing.get_type_hints(cls).values():
            stack = [hint]
            while stack:
                t = stack.pop()
                stack.extend(typing.get_args(t))
                if isinstance(t, type) and is_dataclass(t):
                    todo.append(t)
    return [f"{cls.__name__}.{f.name}" for cls in seen for f in fields(cls)]


def draft(body: PolaBody, signers: int = 0) -> Draft:
    """The body as a file signed by the first ``signers`` custodians, read back."""
    return Draft.from_bytes(sign_body(body, AUTH[:signers]).to_bytes())


def names(changes: tuple[Change, ...], expect: str | tuple[str, str | int]) -> bool:
    """Whether the diff names ``expect``: a changed field, an item added or removed
    at it, the same item removed and added with that field changed, or (for a pair) a
    change inside the item with that key."""
    if isinstance(expect, tuple):
        return any(expect in c.path for c in changes)
    if any(c.field == expect for c in changes):
        return True
    gone = [c for c in changes if c.kind is ChangeKind.REMOVED]
    return any(c.kind is ChangeKind.ADDED and g.path == c.path and expect in dict(g.fields)
               and dict(g.fields)[expect] != dict(c.fields).get(expect)
               for c in changes for g in gone)


def test_every_model_field_has_an_edit() -> None:
    assert sorted(EDITS) == sorted(model_fields())


@pytest.mark.parametrize("field", sorted(EDITS))
def test_diff_names_every_field(field: str) -> None:
    edit, expect = EDITS[field]
    old, new = draft(BASE), draft(edit(BASE))
    assert old.signed.body_bytes != new.signed.body_bytes, "the edit changed nothing"
    changes = diff(old, new)
    assert names(changes, expect), (field, changes)
    back = diff(new, old)
    assert names(back, expect), (field, back)


def test_no_change_no_difference_at_any_signature_count() -> None:
    assert diff(draft(BASE), draft(BASE, 3)) == ()
    assert diff(draft(BASE, 1), draft(BASE, 2)) == ()


def test_the_issue_example_is_reported_in_full() -> None:
    """Rahasia needs the hybrid suite with at most 2 recipients, the sangat-rahasia cap
    is cut and the decree number changes: once all that printed only the version."""
    old = replace(BASE, requirements=(Requirement(C.SANGAT_RAHASIA, Suite.HYBRID, 8),))
    new = replace(BASE, version=6, decree=replace(BASE.decree, number="Perwal 9/2026"),
                  requirements=(Requirement(C.RAHASIA, Suite.HYBRID, 2),
                                Requirement(C.SANGAT_RAHASIA, Suite.HYBRID, 3)))
    found = {(c.path, c.old, c.new) for c in diff(draft(old, 2), draft(new))}
    assert found == {
        ((("version", None),), 5, 6),
        ((("decree", None), ("number", None)), "Perwal 7/2026", "Perwal 9/2026"),
        ((("requirements", "rahasia"), ("suite", None)), "classical", "hybrid"),
        ((("requirements", "rahasia"), ("max_recipients", None)), 1024, 2),
        ((("requirements", "sangat-rahasia"), ("max_recipients", None)), 8, 3),
    }


def test_values_are_shown_for_people() -> None:
    new = _key("setda", 1, state=KeyState.REVOKED, revoked_at=T(500),
               reason=RevocationReason.COMPROMISED)(BASE)
    by_field = {c.field: c for c in diff(draft(BASE), draft(new))}
    assert by_field["state"].old == "retired" and by_field["state"].new == "revoked"
    assert by_field["revoked_at"].new == datetime.fromtimestamp(500, UTC)
    assert by_field["reason"].new == "compromised"
    keys = {c.field: c for c in diff(draft(BASE), draft(_key("dinkes", 1, keys=_pk(99))(BASE)))}
    assert keys["keys"].old == _pk(60).fingerprint()  # what `keys list` shows the custodian


def test_added_agency_lists_its_fields_keys_and_members() -> None:
    new = replace(BASE, agencies=BASE.agencies[1:])  # setda removed
    changes = diff(draft(new), draft(BASE))
    added = [c for c in changes if c.kind is ChangeKind.ADDED]
    assert [c.path for c in added] == [
        (("agencies", "setda"),), (("agencies", "setda"), ("keys", 1)),
        (("agencies", "setda"), ("keys", 2)), (("agencies", "setda"), ("members", "rina")),
        (("agencies", "setda"), ("members", "rina"), ("keys", 1)),
        (("agencies", "setda"), ("members", "budi")),
        (("agencies", "setda"), ("members", "budi"), ("keys", 1))]
    assert dict(added[0].fields)["name"] == "Sekretariat Daerah"
    assert dict(added[2].fields)["keys"] == _pk(50, pq=True).fingerprint()


def test_flows_show_the_effect_of_a_rule() -> None:
    new = _rule(1, level=C.BIASA)(BASE)  # setda -> dinas: now only what everyone may
    flows = [c for c in diff(draft(BASE), draft(new)) if c.field == "flows"]
    assert [(c.path, c.old, c.new) for c in flows] == [
        ((("flows", "setda -> dinkes"),), "rahasia", "terbatas")]


def test_only_the_order_changed_is_still_a_difference() -> None:
    """Other bytes are never signed as "no differences"."""
    new = replace(BASE, rules=BASE.rules[::-1])
    changes = diff(draft(BASE), draft(new))
    assert [c.field for c in changes] == ["body"]
    assert changes[0].old != changes[0].new


def test_a_draft_is_never_a_pola() -> None:
    with pytest.raises(InvalidArgument):
        Draft()
    unsigned = draft(BASE)
    assert not unsigned.signature_status().ok and len(unsigned.signature_status().valid) == 0
    assert unsigned.may_send("setda", "dinkes", C.RAHASIA)
    assert not isinstance(unsigned, __import__("sandi").Pola)
