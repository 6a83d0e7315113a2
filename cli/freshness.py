"""The warning every command that judges gives when the installed pola is stale.

A home that has seen no fresh statement from the authority within the pola's limit
(docs/pola.md, "Freshness") still seals and opens up to the classification the pola
names, and says so on stderr; above it, the library refuses (PolaStale).
"""

from __future__ import annotations

import sandi

from .context import Session, when


def warn_if_stale(session: Session, pola: sandi.Pola) -> sandi.Pola:
    """Warn on stderr when ``pola`` is not confirmed current; return it."""
    status = pola.freshness_status()
    if status.stale:
        assert status.fresh_until is not None and status.refuse_above is not None
        session.warn(session.t("pola.stale_warn", since=when(status.fresh_until),
                               level=status.refuse_above.label))
    return pola
