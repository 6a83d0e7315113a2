"""Agencies' signed requests are typed (issue 13 §2): one type per kind with only the
fields that kind has, closed values as enums, and every check an explicit error (no
``assert`` that ``python -O`` removes)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import msgpack
import pytest

from sandi._internal.codec import pack
from sandi._internal.time import from_epoch as T
from sandi.authority.requests import (
    REQUEST_MAGIC,
    EnrollRequest,
    MemberRequest,
    MemberStatusRequest,
    RequestKind,
    RevokeRequest,
    RotateRequest,
    _body,
    _file,
    enrollment,
    key_change,
    member_enrollment,
    member_status,
    read_request,
    read_request_of,
    revocation,
)
from sandi.errors import MalformedRequest
from sandi.keys.keystore import AgencyKey
from sandi.pola.model import MemberStatus, RevocationReason

ROOT = Path(__file__).resolve().parent.parent
V1 = AgencyKey.generate("bkpsdmd", 1)
V2 = AgencyKey.generate("bkpsdmd", 2)
ANI = AgencyKey.generate("ani", 1)
COMMON = {"agency", "created_at", "signed_by", "body", "prior_signature"}


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_each_kind_reads_as_its_own_type_with_only_its_fields() -> None:
    cases = [
        (enrollment(V1), EnrollRequest, {"version", "keys"}),
        (key_change(V2, V1), RotateRequest, {"version", "keys"}),
        (revocation(V2, 1, RevocationReason.SUPERSEDED, T(1_800_000_000)), RevokeRequest,
         {"version", "reason", "effective_at"}),
        (member_enrollment(ANI, V1), MemberRequest, {"member", "version", "keys"}),
        (member_status(V1, "ani", MemberStatus.SUSPENDED, T(1_800_000_000)), MemberStatusRequest,
         {"member", "status", "effective_at", "seq"}),
    ]
    for data, cls, own in cases:
        req = read_request(data)
        assert type(req) is cls
        assert _fields(cls) == COMMON | own, cls  # no "only for kind X" field
        assert req.kind is cls.kind and isinstance(req.kind, RequestKind)
    status = read_request(cases[4][0])
    assert isinstance(status, MemberStatusRequest)
    assert (status.member, status.status, status.effective_at) == (
        "ani", MemberStatus.SUSPENDED, T(1_800_000_000))
    revoke = read_request(cases[2][0])
    assert isinstance(revoke, RevokeRequest) and revoke.reason is RevocationReason.SUPERSEDED


def test_a_request_of_another_kind_is_refused_by_name() -> None:
    assert read_request_of(RotateRequest, key_change(V2, V1)).version == 2
    with pytest.raises(MalformedRequest, match="this is a member request, where a rotate "
                                               "request was expected"):
        read_request_of(RotateRequest, member_enrollment(ANI, V1))


@pytest.mark.parametrize("fields", [
    {"status": "pensiun", "member": "ani", "effective": 1, "seq": 1},
    {"status": "suspended", "effective": 1, "seq": 1},
    {"status": "suspended", "member": "ani", "seq": 1},
    {"status": "suspended", "member": "ani", "effective": 1},
])
def test_a_member_status_request_without_its_fields_is_refused(fields: dict[str, object]
                                                                ) -> None:
    data = _file(_body(RequestKind.MEMBER_STATUS, "bkpsdmd", 1, 1, **fields), None, V1)
    with pytest.raises(MalformedRequest, match="names a member, a status, an effective time "
                                               "and a sequence number"):
        read_request(data)
    fields["seq"] = 0  # sequence numbers start at 1
    data = _file(_body(RequestKind.MEMBER_STATUS, "bkpsdmd", 1, 1, **fields), None, V1)
    with pytest.raises(MalformedRequest):
        read_request(data)


def test_a_member_request_without_the_member_is_refused() -> None:
    pub = ANI.public
    data = _file(_body(RequestKind.MEMBER, "bkpsdmd", 1, 1, x25519=pub.x25519,
                       ed25519=pub.ed25519), ANI, V1)
    with pytest.raises(MalformedRequest, match="a member request names the member"):
        read_request(data)


def test_closed_values_are_checked_when_a_request_is_made() -> None:
    with pytest.raises(MalformedRequest, match="status must be active, suspended or removed"):
        member_status(V1, "ani", "pensiun", T(1))  # type: ignore[arg-type]
    with pytest.raises(MalformedRequest, match="reason must be superseded or compromised"):
        revocation(V1, 1, "lost", T(1))  # type: ignore[arg-type]


def test_the_authority_code_has_no_assert_that_python_O_would_remove() -> None:
    found = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for path in sorted((ROOT / "sandi" / "authority").glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Assert)]
    assert not found, found



# --- issue 14 §7: hybrid request signatures, no stripping ------------------------------------

H1 = AgencyKey.generate("sekda", 1, pq=True)
H2 = AgencyKey.generate("sekda", 2, pq=True)


def _outer(data: bytes) -> list[object]:
    outer = msgpack.unpackb(data[len(REQUEST_MAGIC):])
    assert isinstance(outer, list) and len(outer) == 5
    return outer


def _repack(outer: list[object]) -> bytes:
    return REQUEST_MAGIC + pack(outer)


def test_a_hybrid_agency_key_signs_its_requests_with_both_halves() -> None:
    for data in (key_change(H2, H1), revocation(H1, 1, RevocationReason.SUPERSEDED, T(1)),
                 member_status(H1, "ani", MemberStatus.SUSPENDED, T(1)),
                 member_enrollment(AgencyKey.generate("ani", 1, pq=True), H1)):
        outer = _outer(data)
        assert len(outer[3]) == 64 and len(outer[4]) == 3309  # type: ignore[arg-type]
        read_request(data).check_prior(H1.public)  # the control: both halves verify
    classical = _outer(key_change(V2, V1))
    assert len(classical[3]) == 64 and classical[4] is None  # type: ignore[arg-type]
    read_request(key_change(V2, V1)).check_prior(V1.public)


@pytest.mark.parametrize("strip", ["prior ml-dsa", "prior ed25519", "own ml-dsa",
                                   "prior ed25519 swapped", "prior ml-dsa swapped"])
def test_stripping_or_swapping_either_half_is_refused(strip: str) -> None:
    outer = _outer(key_change(H2, H1))
    other = _outer(key_change(AgencyKey.generate("sekda", 2, pq=True), H1))  # same signer
    if strip == "prior ml-dsa":
        outer[4] = None
    elif strip == "prior ed25519":
        outer[3] = None
    elif strip == "own ml-dsa":
        outer[2] = None
    elif strip == "prior ed25519 swapped":  # a valid half, but over another body
        outer[3] = other[3]
    else:
        outer[4] = other[4]
    with pytest.raises(MalformedRequest):
        read_request(_repack(outer)).check_prior(H1.public)


def test_a_classical_key_cannot_be_given_an_ml_dsa_half() -> None:
    outer = _outer(key_change(V2, V1))
    outer[4] = _outer(key_change(H2, H1))[4]
    with pytest.raises(MalformedRequest, match="is not signed by its published key v1"):
        read_request(_repack(outer)).check_prior(V1.public)
