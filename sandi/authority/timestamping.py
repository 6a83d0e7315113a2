"""The timestamp role: renew the freshness statement of the published pola.

The pola names one timestamp key (:class:`~sandi.pola.model.Freshness`): an
authority key (Ed25519, and ML-DSA-65 where the pola requires the hybrid suite)
kept by the authority where a scheduled job can use it, made with ``sandi pola
keygen`` like a custodian's. It can only say "version N, body H, is current until
T": it cannot change a pola, and a thief of it can at worst keep saying so of the
newest pola it has seen until the pola's expiry (as TUF's timestamp role). Renew
every quarter of ``max_age`` or so (docs/custodians.md).

>>> from sandi.authority.authoring import AuthorityKeyPair
>>> AuthorityKeyPair.generate("stempel-waktu", "Server Persandian").id
'stempel-waktu'
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sandi._internal.time import epoch, from_epoch
from sandi.authority.authoring import AuthorityKeyPair
from sandi.errors import InvalidArgument
from sandi.pola._wire import SignedPola
from sandi.pola.freshness import (
    FRESHNESS_MLDSA_CONTEXT,
    body_hash,
    statement_body,
    statement_message,
)


def freshness_statement(published: SignedPola, key: AuthorityKeyPair, *,
                        hours: int | None = None, now: datetime | None = None) -> bytes:
    """A statement that ``published`` is current from ``now`` for ``hours`` (at most,
    and by default, the pola's ``max_age``), signed with the timestamp ``key``: both
    halves when the pola names the key's ML-DSA-65 half too."""
    body = published.body
    policy = body.freshness
    if policy is None:
        raise InvalidArgument("pola {id} v{version} names no timestamp key; set one with "
                              "`sandi pola authority --timestamp-key`", id=body.id,
                              version=body.version)
    public = key.public
    if public.ed25519 != policy.key or (policy.has_pq and public.mldsa != policy.mldsa):
        raise InvalidArgument("{id} is not the timestamp key of pola {pola}", id=key.id,
                              pola=body.id)
    longest = policy.max_age // 3600
    if hours is not None and not 1 <= hours <= longest:
        raise InvalidArgument("hours must be 1..{longest}, got {hours}", longest=longest,
                              hours=hours)
    issued = from_epoch(epoch(now))
    signed = statement_body(body.id, body.version, body_hash(published.body_bytes), issued,
                            issued + timedelta(hours=hours or longest))
    return signed + key.signature(statement_message(signed), hybrid=policy.has_pq,
                                  context=FRESHNESS_MLDSA_CONTEXT)
