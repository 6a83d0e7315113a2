"""The pola: who may send which classification to whom, signed k-of-n by the authority.

A :class:`Pola` exists only verified (:meth:`Pola.load`, :meth:`Pola.from_bytes`, or
a home's installed one); a :class:`Draft` is a pola file read to be looked at, never
trusted (a draft being signed). Their parts are frozen dataclasses; :func:`diff`
(every field that differs, as :class:`Change` items), :func:`matrix` and
:func:`to_dot` show them to people.

>>> from sandi import pola
>>> from sandi.demo import demo_world
>>> p = demo_world().pola
>>> p.may_send("dispendukcapil", "dinkes", pola.Classification.RAHASIA)
True
>>> pola.diff(p, p)
()
"""

from typing import TYPE_CHECKING

from sandi._internal.lazy import surface

if TYPE_CHECKING:
    from sandi.pola.changes import Change, ChangeKind, diff
    from sandi.pola.classification import Classification, Urgency
    from sandi.pola.content import PolaContent
    from sandi.pola.draft import Draft
    from sandi.pola.fetching import beside, fetch, fetch_freshness
    from sandi.pola.freshness import FreshnessStatus
    from sandi.pola.model import (
        Agency,
        Authority,
        AuthorityKey,
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
    )
    from sandi.pola.policy import Pola
    from sandi.pola.trust import SignatureStatus
    from sandi.pola.view import highest, matrix, to_dot

_MODEL = "sandi.pola.model"
__getattr__, __dir__ = surface(__name__, {
    "Classification": "sandi.pola.classification", "Urgency": "sandi.pola.classification",
    "beside": "sandi.pola.fetching", "fetch": "sandi.pola.fetching",
    "fetch_freshness": "sandi.pola.fetching", "FreshnessStatus": "sandi.pola.freshness",
    "Pola": "sandi.pola.policy",
    "SignatureStatus": "sandi.pola.trust",
    **dict.fromkeys(["Change", "ChangeKind", "diff"], "sandi.pola.changes"),
    "Draft": "sandi.pola.draft", "PolaContent": "sandi.pola.content",
    **dict.fromkeys(["highest", "matrix", "to_dot"], "sandi.pola.view"),
    **dict.fromkeys(["Agency", "Authority", "AuthorityKey", "Decree", "Effect", "Freshness",
                     "KeyState", "KeyVersion", "Member", "MemberStatus", "Requirement",
                     "RevocationReason", "Rule"], _MODEL),
})

__all__ = [
    "Agency",
    "Authority",
    "AuthorityKey",
    "Change",
    "ChangeKind",
    "Classification",
    "Decree",
    "Draft",
    "Effect",
    "Freshness",
    "FreshnessStatus",
    "KeyState",
    "KeyVersion",
    "Member",
    "MemberStatus",
    "Pola",
    "PolaContent",
    "Requirement",
    "RevocationReason",
    "Rule",
    "SignatureStatus",
    "Urgency",
    "beside",
    "diff",
    "fetch",
    "fetch_freshness",
    "highest",
    "matrix",
    "to_dot",
]
