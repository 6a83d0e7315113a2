"""Trusted time for envelopes and receipts: an RFC 3161 token where the pola names a
time-stamping authority (TSA).

At seal, the token is asked for right after the header is made, over its hash H
(so the envelope still streams: the token goes in the attachments, before the
payload); at open and verify it is checked against the TSA the pola names, and
the time it witnesses must agree with the time the envelope claims
(``created_at``) within the token's accuracy and :data:`SKEW`. A receipt gets a
token over the whole signed receipt, checked the same way against its time.

What a token over H proves, and what backdating it still leaves possible, is in
docs/threat-model.md ("Trusted time").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandi.envelope.format import Header
from sandi.errors import TimestampInvalid, TimestampUnavailable
from sandi.pola.policy import Pola

if TYPE_CHECKING:  # loaded only where a pola names a TSA (issue 18 §1, start-up)
    from sandi.crypto.timestamps import Witnessed

#: How far the time a document or receipt claims may be from the time the TSA
#: witnessed, beyond the token's own accuracy: the sender's clock error plus the
#: round trip to the TSA (seconds).
SKEW = 300


def stamp(pola: Pola, message: bytes, claimed: int, *, timeout: float = 10.0,
          optional: bool = False) -> bytes | None:
    """A verified token over ``message`` from the pola's TSA; None if it names none, or
    if the TSA does not answer and the pola does not require a token (or ``optional``:
    a receipt is never held back for want of one)."""
    tsa = pola.tsa
    if tsa is None:
        return None
    from sandi.crypto.timestamps import check_timestamp, request_timestamp

    try:
        token = request_timestamp(tsa.url, tsa.certificates, message, timeout=timeout)
    except TimestampUnavailable:
        if tsa.required and not optional:
            raise
        return None
    agree(check_timestamp(token, tsa.certificates, message), claimed)
    return token


def witnessed(pola: Pola, token: bytes | None, message: bytes, claimed: int, *,
              version: int | None = None, optional: bool = False) -> int | None:
    """The time a token witnessed (None without one), after checking it against the
    TSA of the pola version named (``version``: an older version's, if this home
    installed it; else this pola's) and ``claimed``; TimestampInvalid if it fails, or
    if this pola requires a token (unless ``optional``) and there is none (a
    requirement is always the installed pola's: docs/pola.md §3)."""
    if token is None:
        if pola.tsa is not None and pola.tsa.required and not optional:
            raise TimestampInvalid("time-stamp token: the pola requires one and there is none")
        return None
    tsa = pola.tsa if version is None else pola.tsa_for(version)
    if tsa is None:
        raise TimestampInvalid("time-stamp token: the pola names no time-stamping authority "
                               "to check it with")
    from sandi.crypto.timestamps import check_timestamp

    seen = check_timestamp(token, tsa.certificates, message)
    agree(seen, claimed)
    return seen.time


def agree(seen: Witnessed, claimed: int) -> None:
    """Refuse a claimed time outside the witnessed one's bound (accuracy + SKEW)."""
    slack = seen.accuracy + SKEW
    if claimed > seen.time + slack:
        raise TimestampInvalid("time-stamp token: the claimed time is {gap} seconds after "
                               "the time the TSA witnessed", gap=claimed - seen.time)
    if claimed < seen.time - slack:
        raise TimestampInvalid("time-stamp token: the claimed time is {gap} seconds before "
                               "the time the TSA witnessed (backdated)", gap=seen.time - claimed)


def envelope_witnessed(header: Header, pola: Pola) -> int | None:
    """The time an envelope's token witnessed its header hash H, checked against the TSA
    of the pola version the envelope names (None without a token)."""
    h = header.signed
    return witnessed(pola, header.attachments.timestamp, header.header_hash, h.created_at,
                     version=h.pola_version)
