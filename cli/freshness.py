"""The warnings every command that judges gives about the installed pola: stale, or
expiring soon.

A home that has seen no fresh statement from the authority within the pola's limit
(docs/pola.md, "Freshness") still seals and opens up to the classification the pola
names, and says so on stderr; above it, the library refuses (PolaStale). From
:data:`EXPIRY_WARNING_DAYS` days before the pola expires, every command that uses it
warns, so that nobody learns of the expiry only when sealing stops.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sandi

from .context import Session, when


def _now() -> datetime:
    return datetime.now(UTC)


#: Warn from this many days before the installed pola expires (docs/cli.md).
EXPIRY_WARNING_DAYS = 14


def warn_if_stale(session: Session, pola: sandi.Pola) -> sandi.Pola:
    """Warn on stderr when ``pola`` is not confirmed current, or expires within
    :data:`EXPIRY_WARNING_DAYS` days; return it."""
    left = (pola.expires_at - _now()).total_seconds()
    if 0 < left <= EXPIRY_WARNING_DAYS * 86400:
        session.warn(session.t("pola.expiring", id=pola.id, version=pola.version,
                               when=when(pola.expires_at), days=max(1, int(left // 86400))))
    status = pola.freshness_status()
    if status.stale:
        assert status.fresh_until is not None and status.refuse_above is not None
        session.warn(session.t("pola.stale_warn", since=when(status.fresh_until),
                               level=status.refuse_above.label))
    return pola
