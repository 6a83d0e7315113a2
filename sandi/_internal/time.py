"""Time as a parameter: UTC-aware datetimes in, integer seconds on the wire."""

from __future__ import annotations

import time as _clock
from datetime import UTC, datetime

from sandi.errors import InvalidArgument

#: The last second a datetime holds (9999-12-31 23:59:59 UTC): the latest time a record
#: that the public API shows as a datetime may carry.
LAST_SECOND = 253_402_300_799
#: The largest time on any wire (seconds since the epoch). It is LAST_SECOND, not more:
#: every time a decoder accepts is shown somewhere as a datetime (a peeked header, a
#: pola's expiry, a receipt), and one past year 9999 would be a ValueError there instead
#: of a refusal of the bytes.
MAX_TIME = LAST_SECOND


def epoch(now: datetime | None) -> int:
    """Seconds since the epoch of ``now`` (the current time if None); naive is refused."""
    if now is None:
        return int(_clock.time())  # what datetime.now(UTC).timestamp() gives, 10x faster
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidArgument("a datetime without a time zone is ambiguous; pass one in UTC")
    return int(now.timestamp())


def from_epoch(seconds: int) -> datetime:
    """The UTC datetime of ``seconds``."""
    return datetime.fromtimestamp(seconds, UTC)


def show(seconds: int) -> str:
    """A timestamp for people: ``2026-11-23 21:34 UTC``."""
    return from_epoch(seconds).strftime("%Y-%m-%d %H:%M UTC")


def epoch_of(at: datetime) -> int:
    """Seconds since the epoch of the given time: an aware datetime (naive is refused,
    as is anything else: seconds are for the wire, never the API)."""
    if not isinstance(at, datetime):
        raise InvalidArgument("a time is a datetime in UTC, not {kind}",
                              kind=type(at).__name__)
    return epoch(at)


def optional_epoch(at: datetime | None) -> int | None:
    """:func:`epoch_of`, with None for none."""
    return None if at is None else epoch_of(at)


def optional_datetime(seconds: int | None) -> datetime | None:
    """:func:`from_epoch`, with None for none."""
    return None if seconds is None else from_epoch(seconds)
