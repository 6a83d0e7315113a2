"""The agencies' key versions and members in the authority's registry (pola-keys.json),
changed only by signed requests; and the end of every retired key version.

A rotation retires the current version at once, but its *end* (``retired_at``) is
the issue time of the build that publishes its successor: until then the agency
still seals with it, as every home still lists it as current. A member removal
records the agency key version it exposed (the one that signed the removal: the
members' vault gave it to the removed official); a build refuses while that
version is still current, so a removal always comes with the rotation that ends
the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sandi._internal.time import epoch_of, from_epoch, show
from sandi.authority import keysfile as wj
from sandi.authority.authoring import source_requirements
from sandi.authority.requests import (
    EnrollRequest,
    KeyRequest,
    MemberRequest,
    MemberStatusRequest,
    RevokeRequest,
    RotateRequest,
    require_hybrid,
)
from sandi.crypto.suite import Suite
from sandi.errors import ClassicalRequest, InvalidArgument, MalformedRequest, UnknownAgency
from sandi.pola._wire import PolaBody
from sandi.pola.classification import Classification
from sandi.pola.model import KeyState, KeyVersion, Member, MemberStatus, RevocationReason
from sandi.pola.policy import MAX_SKEW

Registry = dict[str, Any]  # the parsed pola-keys.json


def set_member_status(data: Registry, agency: str, member: str, status: MemberStatus, *,
                      at: datetime, made_at: datetime | None = None,
                      exposed: int | None = None, seq: int | None = None) -> None:
    """Set a member's status from time ``at`` (:func:`changed_status`); ``exposed``: the
    agency key version a removed member held; ``seq``: the request's sequence number,
    which must be above the last one applied to this member (a replay is refused)."""
    at = from_epoch(epoch_of(at))  # aware (naive is refused), in whole seconds like the file
    made_at = at if made_at is None else from_epoch(epoch_of(made_at))
    members = data.get("members", {}).get(agency, [])
    i = next((i for i, entry in enumerate(members) if entry["id"] == member), None)
    if i is None:
        raise UnknownAgency("{member} is not a member of {agency}", member=member,
                            agency=agency)
    entry = members[i]
    before = wj.member_from_json(entry)
    if seq is not None and seq <= before.seq:
        raise MalformedRequest("this member-status request for {member} (number {seq}) is not "
                               "newer than the last one applied ({last}): a replay, or an "
                               "older request; apply requests in the order they were made",
                               member=member, seq=seq, last=before.seq)
    after = changed_status(before, status, at, made_at)
    if seq is not None:
        after = replace(after, seq=seq)
    members[i] = wj.member_json(after)
    if after.status is MemberStatus.REMOVED:  # the first removal names the key it exposed
        kept = entry.get("exposed") if before.status is MemberStatus.REMOVED else exposed
        if kept is not None:
            members[i]["exposed"] = kept


_SEVERITY = {MemberStatus.ACTIVE: 0, MemberStatus.SUSPENDED: 1, MemberStatus.REMOVED: 2}


def changed_status(m: Member, status: MemberStatus, at: datetime, made_at: datetime
                   ) -> Member:
    """``m`` with ``status`` from ``at``. The times at which the member's signatures are
    refused only grow, except by reinstating, which ends the current suspension, never
    before it began nor before the request was made (``made_at``), and keeps it in
    ``suspensions`` for good. A suspension or removal never moves a cut-off later and
    never turns a removal into a mere suspension: on a member already out, it can only
    bring the cut-off earlier (merging the ended suspensions it reaches)."""
    if status is MemberStatus.ACTIVE:
        if m.status_at is None:
            return m
        until = max(at, made_at, m.status_at)
        ended = ((m.status_at, until),) if until > m.status_at else ()
        return replace(m, status=status, status_at=None, suspensions=m.suspensions + ended)
    start = at if m.status_at is None else min(at, m.status_at)
    kept = tuple(s for s in m.suspensions if s[1] < start)
    reached = [s[0] for s in m.suspensions if s[1] >= start]
    return replace(m, status=max(status, m.status, key=_SEVERITY.__getitem__),
                   status_at=min([start, *reached]), suspensions=kept)


#: The requests :func:`apply` takes (enrollments go through ``agency add`` and ``member add``).
Change = RotateRequest | RevokeRequest | MemberStatusRequest


def hybrid_level(source: Mapping[str, Any], published: PolaBody | None
                 ) -> Classification | None:
    """The lowest classification for which the next build (``source``) or the published
    pola requires the hybrid suite; None if neither does for any level."""
    required = [*source_requirements(source), *(published.requirements if published else ())]
    return min((r.level for r in required if r.suite is Suite.HYBRID), default=None)


def _signer(data: Registry, req: KeyRequest) -> tuple[list[KeyVersion], KeyVersion]:
    """The agency's key versions, and the one that signed ``req`` (its signature checked)."""
    versions = data["agencies"].get(req.agency)
    if versions is None:
        raise UnknownAgency("agency {agency} is not enrolled", agency=req.agency)
    keys = [wj.key_from_json(v) for v in versions]
    signer = next((k for k in keys if k.version == req.signed_by), None)
    if signer is None:
        raise MalformedRequest("request signed by unknown key {agency} v{signed_by}",
                               agency=req.agency, signed_by=req.signed_by)
    req.check_prior(signer.keys)
    return keys, signer


def apply(data: Registry, req: Change, *, now: datetime,
          hybrid_from: Classification | None = None) -> None:
    """Apply a key change (rotate), revocation or member-status request to ``data`` at
    the authority's time ``now``; from ``hybrid_from`` up the pola
    requires the hybrid suite, so the request must be hybrid (:func:`require_hybrid`)."""
    keys, signer = _signer(data, req)
    require_hybrid(req, signer.keys, hybrid_from)
    versions = data["agencies"][req.agency]
    if isinstance(req, MemberStatusRequest):
        _member_status(data, req, signer, now)
        return
    pending = {v["v"] for v in versions if wj.pending_retirement(v)}
    if isinstance(req, RotateRequest):
        keys = _rotated(keys, req, signer)
        pending.add(signer.version)  # ends when the build publishing its successor is issued
    else:
        keys = _revoked_in(keys, req, signer)
    data["agencies"][req.agency] = [_json(k, k.version in pending) for k in keys]


def add_member(data: Registry, req: MemberRequest, name: str, jabatan: str, nip: str | None,
               hybrid_from: Classification | None = None) -> None:
    """Enroll a member from a request signed by their key and by the agency's current key
    (hybrid, from ``hybrid_from`` up)."""
    _, signer = _signer(data, req)
    if signer.state is not KeyState.CURRENT:
        raise MalformedRequest("a member request must be signed by {agency}'s current key",
                               agency=req.agency)
    require_hybrid(req, signer.keys, hybrid_from)
    members = data.setdefault("members", {}).setdefault(req.agency, [])
    if any(m["id"] == req.member for m in members):
        raise InvalidArgument("{member} is already a member of {agency}", member=req.member,
                              agency=req.agency)
    members.append(wj.member_json(Member(
        req.member, name, jabatan, nip,
        (KeyVersion(req.version, req.keys, KeyState.CURRENT, req.created_at),),
        req.created_at)))


def rekey(data: Registry, req: EnrollRequest | RotateRequest,
          hybrid_from: Classification | None) -> None:
    """The authority's own key change for an enrolled agency: ``req``'s new key becomes
    current and the current one is retired, as by a rotation, without the current key's
    authorisation. Its proof of possession is checked; what authorises it is that the
    authority compared the key's fingerprint with the agency's custodian in person and
    that k custodians sign the build (docs/custodians.md). This is how an agency whose
    key is classical gets its first hybrid key under a pola that requires the hybrid
    suite, where its own requests are refused (:func:`require_hybrid`)."""
    versions = data["agencies"].get(req.agency)
    if versions is None:
        raise UnknownAgency("agency {agency} is not enrolled", agency=req.agency)
    if hybrid_from is not None and not req.keys.has_pq:
        raise ClassicalRequest("the new key of {agency} has no ML-DSA-65 half, and the pola "
                               "requires the hybrid suite for {level}", agency=req.agency,
                               level=hybrid_from.label)
    keys = [wj.key_from_json(v) for v in versions]
    # The retired version ends when the build publishing its successor is issued.
    pending = {v["v"] for v in versions if wj.pending_retirement(v)} | {
        k.version for k in keys if k.state is KeyState.CURRENT}
    data["agencies"][req.agency] = [_json(k, k.version in pending)
                                    for k in _succeeded(keys, req)]


def _member_status(data: Registry, req: MemberStatusRequest, signer: KeyVersion,
                   now: datetime) -> None:
    # Only the agency's current key may loosen (reinstate): a retired version, which a
    # removed official may have copied from the vault, can only tighten (suspend,
    # remove, bring a cut-off earlier), so that it can travel with the key change a
    # removal makes. A revoked version asks nothing about members.
    allowed = signer.state is KeyState.CURRENT or (
        req.status is not MemberStatus.ACTIVE and signer.state is KeyState.RETIRED)
    if not allowed:
        raise MalformedRequest("this member-status request must be signed by {agency}'s "
                               "current key", agency=req.agency)
    # A sequence number is at most the request's creation time in microseconds, and that
    # time is not in the future: a retired key cannot burn the numbers to come (one near
    # 2^63 would leave the member's status stuck for good).
    created = epoch_of(req.created_at)
    if created > epoch_of(now) + MAX_SKEW or req.seq > (created + 1) * 1_000_000:
        raise MalformedRequest("this member-status request is dated {created} or numbered "
                               "beyond its date: its signer's clock is wrong, or it was forged",
                               created=show(created))
    set_member_status(data, req.agency, req.member, req.status, at=req.effective_at,
                      made_at=req.created_at, exposed=signer.version, seq=req.seq)


def _rotated(keys: list[KeyVersion], req: RotateRequest, signer: KeyVersion
             ) -> list[KeyVersion]:
    # Only the current key names its successor: a retired or revoked version
    # (an old laptop, a thief) must not be able to take over the agency.
    current = next(k for k in keys if k.state is KeyState.CURRENT)
    if signer.version != current.version:
        raise MalformedRequest("a key change must be signed by the current key {agency} "
                               "v{version}, not v{signer_version}", agency=req.agency,
                               version=current.version, signer_version=signer.version)
    return _succeeded(keys, req)


def _succeeded(keys: list[KeyVersion], req: EnrollRequest | RotateRequest) -> list[KeyVersion]:
    """``keys`` with the current version retired and ``req``'s key the current one."""
    if req.version <= max(k.version for k in keys):
        raise MalformedRequest("{agency} v{version} is not a new version",
                               agency=req.agency, version=req.version)
    return [*(k.retire(from_epoch(wj.NOT_YET)) if k.state is KeyState.CURRENT else k
              for k in keys),
            KeyVersion(req.version, req.keys, KeyState.CURRENT, req.created_at)]


def _revoked_in(keys: list[KeyVersion], req: RevokeRequest, signer: KeyVersion
                ) -> list[KeyVersion]:
    if req.version not in {k.version for k in keys}:
        raise MalformedRequest("{agency} has no key v{version} to revoke",
                               agency=req.agency, version=req.version)
    # A revoked key's holder may be a thief: it may ask for its own revocation
    # only, never discredit the agency's other versions.
    if signer.state is KeyState.REVOKED and signer.version != req.version:
        raise MalformedRequest("revocation signed by {agency} v{version}, which is "
                               "revoked: sign it with a valid key version",
                               agency=req.agency, version=signer.version)
    keys = [_revoked(k, req) if k.version == req.version else k for k in keys]
    if not any(k.state is KeyState.CURRENT for k in keys):
        raise MalformedRequest("revoking {agency} v{version} leaves no current key: "
                               "rotate first, then revoke the old version",
                               agency=req.agency, version=req.version)
    return keys


def _json(key: KeyVersion, pending: bool) -> dict[str, Any]:
    out = wj.key_json(key)
    if pending and out.get("retired_at") == wj.NOT_YET:
        del out["retired_at"]  # still pending: the end comes with the publishing build
    return out


def _revoked(key: KeyVersion, req: RevokeRequest) -> KeyVersion:
    reason, revoked_at = req.reason, req.effective_at
    if key.state is KeyState.REVOKED and key.revoked_at is not None:
        # A revocation only ever tightens: re-revoking a compromised key as
        # "superseded", or with a later effective time, would revive its forgeries.
        revoked_at = min(revoked_at, key.revoked_at)
        if key.reason is RevocationReason.COMPROMISED:
            reason = RevocationReason.COMPROMISED
    return replace(key, state=KeyState.REVOKED, revoked_at=revoked_at, reason=reason)


def check_removals(data: Registry) -> None:
    """Refuse to build while a removed member's exposed agency key is still current."""
    for agency, members in data.get("members", {}).items():
        for m in members:
            exposed = m.get("exposed")
            current = [v["v"] for v in data["agencies"].get(agency, [])
                       if v.get("state") == KeyState.CURRENT.value]
            if exposed is not None and exposed in current:
                raise InvalidArgument(
                    "{member} was removed from {agency} on {when}, but key v{version}, which "
                    "they held, is still current: apply the key-change request that `sandi "
                    "members remove` wrote", member=m["id"], agency=agency,
                    when=show(m["status_at"]), version=exposed)


def end_retirements(data: Registry, body: PolaBody) -> None:
    """Record, at publish, the end each pending retirement got in the published body."""
    published = {a.id: {k.version: k._window[1] for k in a.keys} for a in body.agencies
                 if a.id in data["agencies"]}
    for agency, versions in data["agencies"].items():
        for v in versions:
            end = published.get(agency, {}).get(v["v"])
            if wj.pending_retirement(v) and end is not None:
                v["retired_at"] = end
