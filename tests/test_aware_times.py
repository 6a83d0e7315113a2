"""Every time a caller of the public API passes or reads is a timezone-aware datetime
(issue 13 §2). A naive one (or epoch seconds) is refused with a clear InvalidArgument,
never compared, truncated or taken for local time; an aware one, in any zone, comes
back as the same instant. The wire keeps integer seconds (docs/format.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_workspace import C, make_workspace, publish

from sandi.authority import (
    RevokeRequest,
    Workspace,
    compile_source,
    enrollment,
    key_change,
    member_enrollment,
    member_status,
    read_request,
    revocation,
)
from sandi.authority.authoring import parse_source
from sandi.demo import example_source
from sandi.errors import InvalidArgument, KeyRevoked, MalformedPola
from sandi.keys import AgencyKey
from sandi.pola import (
    Agency,
    Classification,
    KeyState,
    KeyVersion,
    Member,
    MemberStatus,
    RevocationReason,
)
from sandi.pola._wire import decode_pola, encode_body
from sandi.pola.records import AgencyTable, agency_record, check_agency
from sandi.pola.trust import verify_pola

WIB = timezone(timedelta(hours=7), "WIB")
#: 2026-03-02 08:00 in Jakarta: 01:00 UTC
AWARE = datetime(2026, 3, 2, 8, 0, tzinfo=WIB)
NAIVE = datetime(2026, 3, 2, 8, 0)
NAIVE_ERROR = "without a time zone"
KEY = AgencyKey.generate("setda", 1, now=AWARE, pq=True)


def _key(**changes: object) -> KeyVersion:
    key = KeyVersion(1, KEY.public, KeyState.CURRENT, AWARE)
    return replace(key, **changes) if changes else key


def _member(**changes: object) -> Member:
    member = Member("rina", "Rina", "Kepala Bidang", None, (_key(),), AWARE)
    return replace(member, **changes) if changes else member


# --- the model: key versions and members -----------------------------------------------------


NAIVE_MODEL: dict[str, Callable[[], object]] = {
    "KeyVersion.not_before": lambda: _key(not_before=NAIVE),
    "KeyVersion.revoked_at": lambda: _key(state=KeyState.REVOKED, revoked_at=NAIVE,
                                          reason=RevocationReason.SUPERSEDED),
    "KeyVersion.retired_at": lambda: _key(state=KeyState.RETIRED, retired_at=NAIVE),
    "KeyVersion.retire": lambda: _key().retire(NAIVE),
    "KeyVersion.check_signed_at": lambda: _key().check_signed_at("setda", NAIVE),
    "Member.joined_at": lambda: _member(joined_at=NAIVE),
    "Member.status_at": lambda: _member(status=MemberStatus.SUSPENDED, status_at=NAIVE),
    "Member.suspensions": lambda: _member(suspensions=((NAIVE, NAIVE + timedelta(1)),)),
    "Member.check_active_at": lambda: _member().check_active_at("setda", NAIVE),
    "AgencyKey.generate": lambda: AgencyKey.generate("setda", 1, now=NAIVE),
    "AgencyKey.created_at": lambda: replace(KEY, created_at=NAIVE),
}


@pytest.mark.parametrize("make", NAIVE_MODEL.values(), ids=NAIVE_MODEL.keys())
def test_a_naive_time_in_the_model_is_refused(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidArgument, match=NAIVE_ERROR):
        make()


@pytest.mark.parametrize("seconds", [0, 1_772_413_200])
def test_epoch_seconds_are_refused_with_a_clear_error(seconds: int) -> None:
    for make in (lambda: _key(not_before=seconds), lambda: _member(joined_at=seconds),
                 lambda: _key().check_signed_at("setda", seconds)):  # type: ignore[arg-type]
        with pytest.raises(InvalidArgument, match="a time is a datetime in UTC, not int"):
            make()


def test_model_times_round_trip_through_the_wire_as_the_same_instant() -> None:
    later = AWARE + timedelta(days=30)
    key = _key(state=KeyState.REVOKED, revoked_at=later, reason=RevocationReason.SUPERSEDED)
    member = _member(keys=(key,), status=MemberStatus.SUSPENDED, status_at=later,
                     suspensions=((AWARE + timedelta(hours=1), AWARE + timedelta(hours=2)),))
    agency = Agency("setda", "Sekretariat Daerah", "Setda", None, (), (_key(),), (member,))
    decoded = AgencyTable([agency_record(agency)])[0]
    assert decoded == agency  # the same instants (aware datetimes compare as instants)
    back = decoded.members[0]
    assert back.keys[0].revoked_at == later and back.keys[0].revoked_at.tzinfo is UTC
    assert (back.joined_at, back.status_at) == (AWARE, later)
    assert back.suspensions[0][0].astimezone(WIB).hour == 9
    # The checks judge by instants, whatever zone the caller's clock is in.
    key.check_signed_at("setda", later - timedelta(seconds=1))
    with pytest.raises(KeyRevoked, match="revoked before"):
        key.check_signed_at("setda", later.astimezone(UTC))


def test_a_wire_time_past_9999_is_malformed_not_a_crash() -> None:
    record = agency_record(_agency_with_key())
    record[5][0][6] = 2**40  # not_before in year 36812: within the old bound, no datetime
    with pytest.raises(MalformedPola, match="not_before"):
        check_agency(record)


def _agency_with_key() -> Agency:
    return Agency("setda", "Sekretariat Daerah", "Setda", None, (), (_key(),))


# --- requests ----------------------------------------------------------------------------------


def test_request_times_are_aware_and_round_trip() -> None:
    v2 = AgencyKey.generate("setda", 2, now=AWARE)
    req = read_request(revocation(v2, 1, RevocationReason.SUPERSEDED, AWARE, now=AWARE))
    assert isinstance(req, RevokeRequest)
    assert (req.effective_at, req.created_at) == (AWARE, AWARE)
    assert req.effective_at.tzinfo is UTC
    status = read_request(member_status(v2, "rina", MemberStatus.SUSPENDED, AWARE, now=AWARE))
    assert status.effective_at == AWARE and status.created_at == AWARE  # type: ignore[union-attr]
    assert read_request(enrollment(KEY, now=AWARE)).created_at == AWARE
    assert read_request(key_change(v2, KEY, now=AWARE)).created_at == AWARE
    personal = AgencyKey.generate("rina", 1, now=AWARE)
    assert read_request(member_enrollment(personal, v2, now=AWARE)).created_at == AWARE


@pytest.mark.parametrize("make", [
    lambda: revocation(KEY, 1, RevocationReason.SUPERSEDED, NAIVE),
    lambda: revocation(KEY, 1, RevocationReason.SUPERSEDED, AWARE, now=NAIVE),
    lambda: member_status(KEY, "rina", MemberStatus.SUSPENDED, NAIVE),
    lambda: enrollment(KEY, now=NAIVE),
    lambda: key_change(AgencyKey.generate("setda", 2, now=AWARE), KEY, now=NAIVE),
    lambda: member_enrollment(AgencyKey.generate("rina", 1, now=AWARE), KEY, now=NAIVE),
], ids=["revocation effective_at", "revocation now", "member_status effective_at",
        "enrollment now", "key_change now", "member_enrollment now"])
def test_a_naive_request_time_is_refused(make: Callable[[], bytes]) -> None:
    with pytest.raises(InvalidArgument, match=NAIVE_ERROR):
        make()


# --- authoring and the workspace ---------------------------------------------------------------


def test_compile_source_takes_aware_times_only() -> None:
    keys = {a["id"]: [KeyVersion(1, KEY.public, KeyState.CURRENT, AWARE)]
            for a in parse_source(example_source())["agency"]}

    def compile_at(issued: datetime, history: tuple[tuple[int, datetime], ...] = ()) -> object:
        source = parse_source(example_source())
        source["pola"]["version"] = 2
        source.pop("freshness")
        return compile_source(source, keys=keys, authority_keys=[c.public for c in C[:3]],
                              threshold=2, issued_at=issued, history=history)

    body = compile_at(AWARE, ((1, AWARE - timedelta(days=1)),))
    assert body.issued_at == int(AWARE.timestamp())  # type: ignore[attr-defined]
    assert body.history == ((1, int(AWARE.timestamp()) - 86_400),)  # type: ignore[attr-defined]
    for bad in (lambda: compile_at(NAIVE), lambda: compile_at(AWARE, ((1, NAIVE),))):
        with pytest.raises(InvalidArgument, match=NAIVE_ERROR):
            bad()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = make_workspace(tmp_path / "ws")
    ws.add_agency(enrollment(KEY, now=AWARE), name="Setda", abbrev="SETDA", groups=["inti"])
    rina = AgencyKey.generate("rina", 1, now=AWARE, pq=True)
    ws.add_member(member_enrollment(rina, KEY, now=AWARE), name="Rina", jabatan="Kepala Bidang")
    ws.add_rule("allow", "*", "setda", Classification.RAHASIA)
    return ws


def test_the_workspace_refuses_naive_times_and_changes_nothing(ws: Workspace) -> None:
    before = (ws.keys_path.read_bytes(), ws.source_path.read_bytes())
    v2 = AgencyKey.generate("setda", 2, now=AWARE, pq=True)
    for bad in (lambda: ws.apply_request(key_change(v2, KEY, now=AWARE), now=NAIVE),
                lambda: ws.set_member_status("setda", "rina", MemberStatus.SUSPENDED, at=NAIVE),
                lambda: ws.build(now=NAIVE)):
        with pytest.raises(InvalidArgument, match=NAIVE_ERROR):
            bad()
    assert (ws.keys_path.read_bytes(), ws.source_path.read_bytes()) == before


def test_the_workspace_round_trips_aware_times(ws: Workspace) -> None:
    suspended = AWARE + timedelta(days=2)
    ws.set_member_status("setda", "rina", MemberStatus.SUSPENDED, at=suspended)
    assert ws.members()["setda"][0].status_at == suspended
    v2 = AgencyKey.generate("setda", 2, now=AWARE + timedelta(days=1), pq=True)
    ws.apply_request(key_change(v2, KEY, now=AWARE + timedelta(days=1)))
    assert ws.agency_keys()["setda"][1].not_before == AWARE + timedelta(days=1)
    pola = publish(ws, C[:2])
    assert pola.agency("setda").member("rina").status_at == suspended
    assert pola.clock_floor == pola.issued_at and pola.clock_floor.tzinfo is UTC
    with pytest.raises(InvalidArgument, match=NAIVE_ERROR):
        ws.publish(now=NAIVE)


def test_verify_pola_takes_an_aware_now(ws: Workspace) -> None:
    signed = decode_pola(publish(ws, C[:2]).to_bytes())
    verify_pola(signed, None, datetime.now(UTC))  # the control
    verify_pola(signed, None)  # None: the current time
    with pytest.raises(InvalidArgument, match=NAIVE_ERROR):
        verify_pola(signed, None, NAIVE)
    assert encode_body(signed.body) == signed.body_bytes
