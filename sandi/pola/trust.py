"""Whether a pola may be trusted: threshold, rollback, expiry. No I/O.

Each check is a numbered step of docs/pola.md ("Trusting a pola"), in the
manner of TUF's client workflow; the home's installed pola is the trusted state.

1. Parse the file (``MalformedPola``).
2. The pola carries at least ``threshold`` valid signatures by distinct keys of
   its own authority (``PolaSignatureInvalid``).
3. With a trusted pola: the same pola id (``PolaMismatch``), and at least the
   *trusted* authority's threshold of valid signatures too, so a new authority
   set is accepted only when k of the old keys and k of the new keys sign it.
4. With a trusted pola: the version does not go down, and an equal version has
   identical bytes (``PolaRollback``).
5. Not past ``expires`` at ``now`` (``PolaExpired``).
6. With a trusted pola: a newer version is not issued before the trusted one, and
   its history agrees on when the trusted one was issued (``PolaRollback``): the
   versions in force follow one another in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sandi._internal.time import epoch, show
from sandi.crypto.primitives import verify_signature
from sandi.errors import (
    PolaExpired,
    PolaMismatch,
    PolaRollback,
    PolaSignatureInvalid,
    SignatureInvalid,
)
from sandi.pola._wire import POLA_MLDSA_CONTEXT, SignedPola
from sandi.pola.model import Authority


@dataclass(frozen=True)
class SignatureStatus:
    """Which authority keys validly signed a pola, against a threshold."""

    threshold: int
    valid: tuple[str, ...]
    invalid: tuple[str, ...]
    keys: int = 0  # how many authority keys there are

    @property
    def ok(self) -> bool:
        """Whether the threshold is met."""
        return len(self.valid) >= self.threshold

    def __str__(self) -> str:
        return f"signed {len(self.valid)}/{self.threshold}"


def signature_status(signed: SignedPola, authority: Authority) -> SignatureStatus:
    """Count valid signatures by distinct keys of ``authority`` (step 2 and 3)."""
    keys = {k.id: k for k in authority.keys}
    message = signed.signed_message()
    valid: list[str] = []
    invalid: list[str] = []
    for key_id, sig in signed.signatures:
        key = keys.get(key_id)
        if key is None:
            invalid.append(key_id)  # a key outside this authority counts for nothing
            continue
        if key_id in valid:
            continue  # the same key's signature never counts twice
        try:
            verify_signature(key.ed25519, key.mldsa, message, sig, hybrid=key.has_pq,
                             context=POLA_MLDSA_CONTEXT)
        except SignatureInvalid:
            invalid.append(key_id)
            continue
        valid.append(key_id)
    return SignatureStatus(authority.threshold, tuple(valid), tuple(invalid),
                           len(authority.keys))


def verify_pola(signed: SignedPola, trusted: SignedPola | None, now: datetime | None = None,
                *, expiry: bool = True) -> SignatureStatus:
    """Run steps 2 to 5 at ``now`` (the current time if None); return the signature
    status against the pola's own authority.

    ``expiry=False`` skips step 5: only for re-reading the home's own trusted pola as
    the anchor of an update (an expired pola must still vouch for its successor).
    """
    at = epoch(now) if expiry else None  # a naive ``now`` is refused either way
    body = signed.body
    status = signature_status(signed, body.authority)
    if not status.ok:  # step 2
        raise PolaSignatureInvalid("pola {id} v{version} is signed {valid}/{threshold}: too few"
                                   " valid authority signatures", id=body.id,
                                   version=body.version, valid=len(status.valid),
                                   threshold=status.threshold)
    if trusted is not None:
        old = trusted.body
        if old.id != body.id:  # step 3
            raise PolaMismatch("pola id {id!r} is not the trusted pola {trusted!r}", id=body.id,
                               trusted=old.id)
        if old.authority != body.authority:
            prior = signature_status(signed, old.authority)
            if not prior.ok:
                raise PolaSignatureInvalid(
                    "pola {id} v{version} changes the authority but is only signed"
                    " {valid}/{threshold} by the trusted authority's keys", id=body.id,
                    version=body.version, valid=len(prior.valid), threshold=prior.threshold)
        if body.version < old.version:  # step 4
            raise PolaRollback("pola {id} v{version} is older than the trusted v{trusted}",
                               id=body.id, version=body.version, trusted=old.version)
        if body.version == old.version and signed.body_bytes != trusted.body_bytes:
            raise PolaRollback("pola {id} v{version} differs from the trusted pola of the same "
                               "version", id=body.id, version=body.version)
    if at is not None and at >= body.expires_at:  # step 5
        raise PolaExpired("pola {id} v{version} expired on {expires}", id=body.id,
                          version=body.version, expires=show(body.expires_at))
    # Step 6: versions in force follow one another in time (docs/pola.md §3).
    if trusted is not None and body.version > trusted.body.version and (
            body.issued_at < trusted.body.issued_at
            or dict(body.history).get(trusted.body.version, trusted.body.issued_at)
            != trusted.body.issued_at):
        raise PolaRollback("pola {id} v{version} is dated before, or disagrees on the issue "
                           "time of, the trusted v{trusted}", id=body.id, version=body.version,
                           trusted=trusted.body.version)
    return status
