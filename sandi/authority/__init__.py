"""The persandian authority's tools, and the signed requests agencies send it.

An agency's custodian makes a request (:func:`enrollment`, :func:`key_change`,
:func:`revocation`, :func:`member_enrollment`, :func:`member_status`); the authority
applies it in its :class:`Workspace`, builds a draft, has k custodians sign it with
their :class:`AuthorityKeyPair`, and publishes.

>>> from sandi import authority, keys
>>> key = keys.AgencyKey.generate("bkpsdmd", 1)
>>> authority.read_request(authority.enrollment(key)).agency
'bkpsdmd'
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.authority.authoring import (
        AuthorityKeyPair,
        compile_source,
        load_custodian_key,
        parse_public_key_text,
        public_key_text,
        save_custodian_key,
    )
    from sandi.authority.requests import (
        EnrollRequest,
        KeyRequest,
        MemberRequest,
        MemberStatusRequest,
        RequestKind,
        RevokeRequest,
        RotateRequest,
        enrollment,
        key_change,
        member_enrollment,
        member_status,
        read_request,
        read_request_of,
        revocation,
    )
    from sandi.authority.workspace import Workspace

__getattr__, __dir__ = surface(__name__, {
    **dict.fromkeys(["AuthorityKeyPair", "compile_source", "load_custodian_key",
                     "parse_public_key_text", "public_key_text", "save_custodian_key"],
                    "sandi.authority.authoring"),
    **dict.fromkeys(["EnrollRequest", "KeyRequest", "MemberRequest", "MemberStatusRequest",
                     "RequestKind", "RevokeRequest", "RotateRequest", "enrollment", "key_change",
                     "member_enrollment", "member_status", "read_request", "read_request_of",
                     "revocation"],
                    "sandi.authority.requests"),
    "Workspace": "sandi.authority.workspace",
})

__all__ = [
    "AuthorityKeyPair",
    "EnrollRequest",
    "KeyRequest",
    "MemberRequest",
    "MemberStatusRequest",
    "RequestKind",
    "RevokeRequest",
    "RotateRequest",
    "Workspace",
    "compile_source",
    "enrollment",
    "key_change",
    "load_custodian_key",
    "member_enrollment",
    "member_status",
    "parse_public_key_text",
    "public_key_text",
    "read_request",
    "read_request_of",
    "revocation",
    "save_custodian_key",
]
