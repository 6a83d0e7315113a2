"""Signed requests from an agency's key custodian to the persandian authority.

One type per kind, each with only the fields its kind has:

* :class:`EnrollRequest` (``enroll``): a new agency's first key version; signed by
  that key (proof that the custodian holds the private signing key, Ed25519 and
  ML-DSA-65 if present).
* :class:`RotateRequest` (``rotate``): a new key version; signed by the new key *and*
  by the version the pola lists as current, so only the holder of the current key
  can replace it.
* :class:`RevokeRequest` (``revoke``): a key version to revoke, with reason and
  effective time; signed by any key version of the agency the pola lists (a thief
  who holds the key can only ask for its revocation).
* :class:`MemberRequest` (``member``): a person's personal key, signed by it and
  authorised by the agency's current key.
* :class:`MemberStatusRequest` (``member-status``): suspend, remove or reinstate a
  member, signed by an agency key.

File: ``"SANDR" 0x01 || msgpack [body, ed25519 sig, ml-dsa sig | nil, prior ed25519 sig |
nil, prior ml-dsa sig | nil]``, where every signature is over
``"sandi/v1/key-request\\x00" || body``. Each signature is hybrid (both halves, neither
may be stripped) exactly when the signing key has post-quantum halves; where the pola
requires the hybrid suite for any level, the authority takes no request with a
classical signature (:func:`require_hybrid`).

>>> from sandi.keys.keystore import AgencyKey
>>> key = AgencyKey.generate("bkpsdmd", 1)
>>> read_request(enrollment(key)).agency
'bkpsdmd'
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi._internal.time import LAST_SECOND, epoch, epoch_of, from_epoch
from sandi.crypto.primitives import verify_signature
from sandi.crypto.public import PublicKeys
from sandi.errors import ClassicalRequest, MalformedRequest, SignatureInvalid
from sandi.keys.keystore import AgencyKey
from sandi.pola.classification import Classification
from sandi.pola.model import MAX_SEQ, MemberStatus, RevocationReason

REQUEST_MAGIC = b"SANDR\x01"
REQUEST_LABEL = b"sandi/v1/key-request\x00"
_MAX = 64 * 1024
_F = Fields(MalformedRequest, Phrase("key request"))
_R = TypeVar("_R", bound="_Request")
_STATUSES = {s.value: s for s in MemberStatus}
_REASONS = {r.value: r for r in RevocationReason}


class RequestKind(enum.Enum):
    """What the custodian asks for."""

    ENROLL = "enroll"
    ROTATE = "rotate"
    REVOKE = "revoke"
    MEMBER = "member"  # a person's personal key, authorised by the agency's current key
    MEMBER_STATUS = "member-status"  # suspend, remove or reinstate a member


#: the kind in messages ("rotate request ..."), in the reader's language
_KIND_WORDS = {RequestKind.ENROLL: Phrase("enroll"), RequestKind.ROTATE: Phrase("rotate"),
               RequestKind.REVOKE: Phrase("revoke"), RequestKind.MEMBER: Phrase("member"),
               RequestKind.MEMBER_STATUS: Phrase("member-status")}


@dataclass(frozen=True)
class _Request:
    """What every request has: a parsed body whose own signatures verified."""

    kind: ClassVar[RequestKind]
    agency: str
    created_at: datetime  # the signer's clock; whole seconds (the body's ``created``)
    signed_by: int  # the agency key version that signed (rotate: the prior, current one)
    body: bytes
    prior_signature: bytes | None  # Ed25519, then ML-DSA-65 when the signer has it

    def check_prior(self, published: PublicKeys) -> None:
        """Verify the signature by the key version the pola publishes as ``signed_by``:
        both halves when that version has post-quantum halves (stripping the ML-DSA-65
        half, or adding one to a classical key's, is refused)."""
        if self.prior_signature is None:
            raise MalformedRequest("{kind} request carries no signature by {agency} v{signed_by}",
                                   kind=_KIND_WORDS[self.kind], agency=self.agency,
                                   signed_by=self.signed_by)
        try:
            verify_signature(published.ed25519, published.mldsa, REQUEST_LABEL + self.body,
                             self.prior_signature, hybrid=published.has_pq)
        except SignatureInvalid:
            raise MalformedRequest("{kind} request for {agency} is not signed by its published"
                                   " key v{signed_by}", kind=_KIND_WORDS[self.kind],
                                   agency=self.agency, signed_by=self.signed_by) from None


@dataclass(frozen=True)
class EnrollRequest(_Request):
    """An agency's first key version (``keys``), proven by its own signature."""

    kind: ClassVar[RequestKind] = RequestKind.ENROLL
    version: int
    keys: PublicKeys


@dataclass(frozen=True)
class RotateRequest(_Request):
    """The agency's next key version, signed by it and by the current one (``signed_by``)."""

    kind: ClassVar[RequestKind] = RequestKind.ROTATE
    version: int
    keys: PublicKeys


@dataclass(frozen=True)
class RevokeRequest(_Request):
    """Revoke key ``version`` of the agency from ``effective_at``, for ``reason``."""

    kind: ClassVar[RequestKind] = RequestKind.REVOKE
    version: int
    reason: RevocationReason
    effective_at: datetime


@dataclass(frozen=True)
class MemberRequest(_Request):
    """Enroll ``member``'s personal key version, authorised by the agency's current key."""

    kind: ClassVar[RequestKind] = RequestKind.MEMBER
    member: str
    version: int
    keys: PublicKeys


@dataclass(frozen=True)
class MemberStatusRequest(_Request):
    """Set ``member``'s status from ``effective_at``, signed by an agency key."""

    kind: ClassVar[RequestKind] = RequestKind.MEMBER_STATUS
    member: str
    status: MemberStatus
    effective_at: datetime
    seq: int  # above the last one the authority applied to this member (no replays)


#: A parsed request of any kind (:func:`read_request`).
KeyRequest = EnrollRequest | RotateRequest | RevokeRequest | MemberRequest | MemberStatusRequest


# --- making requests -----------------------------------------------------------------


def _body(kind: RequestKind, agency: str, version: int, signed_by: int, *,
          now: datetime | None = None, **extra: object) -> bytes:
    fields: dict[str, object] = {"kind": kind.value, "agency": agency, "version": version,
                                 "created": epoch(now), "signed_by": signed_by}
    fields.update({k: v for k, v in extra.items() if v is not None})
    return pack(fields)


def _key_fields(key: AgencyKey) -> dict[str, object]:
    pub = key.public
    return {"x25519": pub.x25519, "ed25519": pub.ed25519, "mlkem": pub.mlkem,
            "mldsa": pub.mldsa}


def _file(body: bytes, own: AgencyKey | None, prior: AgencyKey | None) -> bytes:
    message = REQUEST_LABEL + body
    ed = ml = None
    if own is not None:
        sig = own.signing_key().sign(message, hybrid=own.public.has_pq)
        ed, ml = sig[:64], (sig[64:] or None)
    prior_ed = prior_ml = None
    if prior is not None:
        sig = prior.signing_key().sign(message, hybrid=prior.public.has_pq)
        prior_ed, prior_ml = sig[:64], (sig[64:] or None)
    return REQUEST_MAGIC + pack([body, ed, ml, prior_ed, prior_ml])


_seq_lock = threading.Lock()
_seq_count = 0


def _next_seq(created: int) -> int:
    """The creation time in microseconds plus a count kept by this process: increasing
    for requests made one after another, and never beyond the request's own date."""
    global _seq_count
    with _seq_lock:
        _seq_count = (_seq_count + 1) % 1_000_000
        return created * 1_000_000 + _seq_count


def enrollment(key: AgencyKey, *, now: datetime | None = None) -> bytes:
    """The request that enrolls an agency's first key version."""
    body = _body(RequestKind.ENROLL, key.agency, key.version, key.version, now=now,
                 **_key_fields(key))
    return _file(body, key, None)


def key_change(new: AgencyKey, current: AgencyKey, *, now: datetime | None = None) -> bytes:
    """The request that makes ``new`` the agency's current key, signed by ``current`` too."""
    if new.agency != current.agency or new.version <= current.version:
        raise MalformedRequest("a key change must move one agency to a higher version")
    body = _body(RequestKind.ROTATE, new.agency, new.version, current.version, now=now,
                 **_key_fields(new))
    return _file(body, new, current)


def member_enrollment(personal: AgencyKey, agency_key: AgencyKey, *,
                      now: datetime | None = None) -> bytes:
    """Enroll a member's personal key (its ``agency`` field is the member id), signed by
    that key and authorised by the agency's current key."""
    body = _body(RequestKind.MEMBER, agency_key.agency, personal.version, agency_key.version,
                 now=now, member=personal.agency, **_key_fields(personal))
    return _file(body, personal, agency_key)


def member_status(agency_key: AgencyKey, member: str, status: MemberStatus,
                  effective_at: datetime, *, seq: int | None = None,
                  now: datetime | None = None) -> bytes:
    """Ask the authority to set a member's status (suspended, removed, or active again)
    from ``effective_at``; signed by ``agency_key``.

    ``seq`` must be above the sequence number of every status request applied to this
    member before (the pola shows the last, ``Member.seq``), so that none can be
    replayed; by default it is the request's date in microseconds plus a count kept by
    this process, so requests made one after another are applied in that order."""
    try:
        status = MemberStatus(status)  # its text ("suspended") is accepted too
    except ValueError:
        raise MalformedRequest("status must be active, suspended or removed") from None
    body = _body(RequestKind.MEMBER_STATUS, agency_key.agency, agency_key.version,
                 agency_key.version, now=now, member=member, status=status.value,
                 effective=epoch_of(effective_at),
                 seq=_next_seq(epoch(now)) if seq is None else seq)
    return _file(body, None, agency_key)


def revocation(signer: AgencyKey, version: int, reason: RevocationReason,
               effective_at: datetime, *, now: datetime | None = None) -> bytes:
    """The request to revoke ``version`` of the signer's agency from ``effective_at``."""
    try:
        reason = RevocationReason(reason)  # its text ("superseded") is accepted too
    except ValueError:
        raise MalformedRequest("reason must be superseded or compromised") from None
    body = _body(RequestKind.REVOKE, signer.agency, version, signer.version, now=now,
                 reason=reason.value, effective=epoch_of(effective_at))
    return _file(body, None, signer)


# --- reading requests ----------------------------------------------------------------


def _status(d: dict[str, Any]) -> tuple[str, MemberStatus, datetime, int]:
    status = d.get("status")
    if {"member", "effective", "seq"} - d.keys() or status not in _STATUSES:
        _F.fail("a member-status request names a member, a status, an effective time and a "
                "sequence number")
    return (_F.slug(d["member"], "member"), _STATUSES[status],
            _time(d["effective"], "effective"), _F.integer(d["seq"], "seq", 1, MAX_SEQ))


def _revocation(d: dict[str, Any]) -> tuple[RevocationReason, datetime]:
    reason = d.get("reason")
    if "effective" not in d or reason not in _REASONS:
        _F.fail("a revocation names a reason (superseded|compromised) and an effective time")
    return _REASONS[reason], _time(d["effective"], "effective")


def _time(value: object, name: str) -> datetime:
    """A request's time: seconds in its body (0 .. 9999-12-31), a datetime once read."""
    return from_epoch(_F.integer(value, name, 0, LAST_SECOND))


def _public_keys(d: dict[str, Any], outer: list[Any], body: bytes) -> PublicKeys:
    """The keys a request carries, once its proof of possession verified."""
    f = _F
    keys = PublicKeys(f.blob(d.get("x25519"), "x25519", 32),
                      f.blob(d.get("ed25519"), "ed25519", 32),
                      None if "mlkem" not in d else f.blob(d["mlkem"], "mlkem", 1184),
                      None if "mldsa" not in d else f.blob(d["mldsa"], "mldsa", 1952))
    if ("mlkem" in d) != ("mldsa" in d):
        f.fail("a key has both post-quantum halves or neither")
    own = f.blob(outer[1], "signature", 64) + (
        b"" if outer[2] is None else f.blob(outer[2], "ml-dsa signature", 3309))
    try:
        verify_signature(keys.ed25519, keys.mldsa, REQUEST_LABEL + body, own,
                         hybrid=keys.has_pq, what=Phrase("proof of possession"))
    except SignatureInvalid:
        f.fail("the proof of possession does not verify")
    return keys


def read_request(data: bytes) -> KeyRequest:
    """Parse a request and check its own proof of possession (not the prior signature,
    which needs the pola: see :meth:`check_prior`)."""
    f = _F
    if not data.startswith(REQUEST_MAGIC):
        f.fail("not a sandi key request (bad magic)")
    outer = f.record(unpack(data[len(REQUEST_MAGIC):], MalformedRequest, Phrase("key request"),
                            _MAX), "file", 5)
    body = f.blob(outer[0], "body", 1, _MAX)
    d = f.map(unpack(body, MalformedRequest, Phrase("key request body"), _MAX), "body",
              {"kind", "agency", "version", "created", "signed_by"},
              frozenset({"x25519", "ed25519", "mlkem", "mldsa", "reason", "effective",
                         "member", "status", "seq"}))
    kind_text = f.text(d["kind"], "kind", 16)
    if kind_text not in {k.value for k in RequestKind}:
        f.fail("unknown request kind {kind_text!r}", kind_text=kind_text)
    kind = RequestKind(kind_text)
    prior = None if outer[3] is None else f.blob(outer[3], "prior signature", 64) + (
        b"" if outer[4] is None else f.blob(outer[4], "prior ml-dsa signature", 3309))
    if outer[3] is None and outer[4] is not None:
        f.fail("a prior ML-DSA-65 signature without its Ed25519 half")
    common = (f.slug(d["agency"], "agency"), _time(d["created"], "created"),
              f.integer(d["signed_by"], "signed_by", 1, 2**31), body, prior)
    version = f.integer(d["version"], "version", 1, 2**31)
    if kind is RequestKind.MEMBER_STATUS:
        return MemberStatusRequest(*common, *_status(d))
    if kind is RequestKind.REVOKE:
        return RevokeRequest(*common, version, *_revocation(d))
    keys = _public_keys(d, outer, body)
    if kind is RequestKind.ENROLL:
        return EnrollRequest(*common, version, keys)
    if kind is RequestKind.ROTATE:
        return RotateRequest(*common, version, keys)
    if "member" not in d:
        f.fail("a member request names the member")
    return MemberRequest(*common, f.slug(d["member"], "member"), version, keys)


def require_hybrid(req: KeyRequest, signer: PublicKeys, hybrid_from: Classification | None
                   ) -> None:
    """Where the pola requires the hybrid suite from ``hybrid_from`` (None: for no level)
    every signature on an agency's request is Ed25519 + ML-DSA-65 (issue 14 §7): the
    signing key version ``signer`` and the key the request carries both have that half.

    A classical signature is all that would stand between a forger of Ed25519 (a
    future quantum adversary) and the agency's key: a forged key change would install
    the forger's hybrid key, and with it the power to send at the levels that need
    the hybrid suite. Such an agency gets its first hybrid key from the authority
    itself, k-of-n (:meth:`~sandi.authority.workspace.Workspace.rekey_agency`).
    """
    if hybrid_from is None:
        return
    if not signer.has_pq:
        raise ClassicalRequest("this {kind} request for {agency} is signed by key v{signed_by},"
                               " which has no ML-DSA-65 half, and the pola requires the hybrid "
                               "suite for {level}", kind=_KIND_WORDS[req.kind], agency=req.agency,
                               signed_by=req.signed_by, level=hybrid_from.label)
    carried = getattr(req, "keys", None)
    if isinstance(carried, PublicKeys) and not carried.has_pq:
        raise ClassicalRequest("this {kind} request for {agency} carries a key without an "
                               "ML-DSA-65 half, and the pola requires the hybrid suite for "
                               "{level}", kind=_KIND_WORDS[req.kind], agency=req.agency,
                               level=hybrid_from.label)


def read_request_of(kind: type[_R], data: bytes) -> _R:
    """:func:`read_request`, refusing a request of any other kind than ``kind``."""
    req = read_request(data)
    if not isinstance(req, kind):
        raise MalformedRequest("this is a {kind} request, where a {expected} request was "
                               "expected", kind=_KIND_WORDS[req.kind],
                               expected=_KIND_WORDS[kind.kind])
    return req
