"""Agencies' signed requests are typed (issue 13 §2): one type per kind with only the
fields that kind has, closed values as enums, and every check an explicit error (no
``assert`` that ``python -O`` removes)."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from sandi.authority.requests import (
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
        (revocation(V2, 1, RevocationReason.SUPERSEDED, 1_800_000_000), RevokeRequest,
         {"version", "reason", "effective_at"}),
        (member_enrollment(ANI, V1), MemberRequest, {"member", "version", "keys"}),
        (member_status(V1, "ani", MemberStatus.SUSPENDED, 1_800_000_000), MemberStatusRequest,
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
        "ani", MemberStatus.SUSPENDED, 1_800_000_000)
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
        member_status(V1, "ani", "pensiun", 1)  # type: ignore[arg-type]
    with pytest.raises(MalformedRequest, match="reason must be superseded or compromised"):
        revocation(V1, 1, "lost", 1)  # type: ignore[arg-type]


def test_the_authority_code_has_no_assert_that_python_O_would_remove() -> None:
    found = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for path in sorted((ROOT / "sandi" / "authority").glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Assert)]
    assert not found, found

