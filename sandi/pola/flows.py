"""The flows of one pola version, indexed once when a home installs it.

An envelope naming an older pola version is judged by that version's flows if it
was in force at the envelope's creation time (docs/pola.md §3). Loading and
verifying the whole older pola for that would take 0.2 s at 25,000 agencies; the
home keeps instead, per installed version, this index of exactly what a flow
decision needs, built at install from the verified pola::

    "SANDX" 0x01 || canonical msgpack map
      agencies   bin, n x 32 bytes: every agency id, ascending, NUL-padded
      allow      bin, m bytes: highest allowed level + 1 per pair (0: none)
      deny       bin, m bytes: lowest denied level per pair (4: none)
      pairs      bin, m x u64be, ascending: from selector x width + to selector
      selectors  bin, u32be: the selector positions of every agency, in id order
      starts     bin, (n + 1) x u32be: agency i's are selectors[starts[i]:starts[i+1]]
      version    int, the pola version
      width      int, the number of selectors the rules use

Loading is a few copies of whole columns; a decision is two binary searches for
the agencies and one per selector pair, a few microseconds at any size. The home
pins each index's SHA-256 (:mod:`sandi.pola.history`), so the file cannot be
swapped; it is still decoded with every bound checked.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Sequence

from sandi._internal.codec import Fields, pack, unpack
from sandi._internal.i18n import Phrase
from sandi.errors import MalformedPola
from sandi.pola.classification import Classification
from sandi.pola.tables import Decisions, fixed_map, pack_u32s, u32s

FLOWS_MAGIC = b"SANDX\x01"
_ID = 32  # a slug is at most 32 bytes
_KEYS = ("agencies", "allow", "deny", "pairs", "selectors", "starts", "version", "width")
_F = Fields(MalformedPola, Phrase("pola flows index"))
_U64 = next(code for code in "LQ" if array(code).itemsize == 8)


def _u64s(blob: bytes) -> array[int]:
    values = array(_U64, blob)
    if sys.byteorder == "little":
        values.byteswap()
    return values


def build(version: int, decisions: Decisions, agencies: Sequence[tuple[str, Sequence[str]]]
          ) -> bytes:
    """The index of a verified pola: its decision table and each agency's selectors."""
    ordered = sorted(agencies)
    starts: list[int] = [0]
    selectors: list[int] = []
    for agency_id, groups in ordered:
        selectors.extend(decisions.selectors_of(agency_id, groups))
        starts.append(len(selectors))
    pairs = sorted(decisions.allow.keys() | decisions.deny.keys())
    out = array(_U64, pairs)
    if sys.byteorder == "little":
        out.byteswap()
    return FLOWS_MAGIC + pack({
        "agencies": b"".join(a.encode().ljust(_ID, b"\0") for a, _ in ordered),
        "allow": bytes(decisions.allow.get(p, -1) + 1 for p in pairs),
        "deny": bytes(decisions.deny.get(p, Decisions.ALL) for p in pairs),
        "pairs": out.tobytes(), "selectors": pack_u32s(selectors),
        "starts": pack_u32s(starts), "version": version, "width": decisions.width})


class Flows:
    """The flow decisions of one pola version, from its index."""

    __slots__ = (
        "_allow",
        "_deny",
        "_ids",
        "_n",
        "_pairs",
        "_selectors",
        "_starts",
        "_width",
        "version",
    )

    def __init__(self, data: bytes) -> None:
        if not data.startswith(FLOWS_MAGIC):
            _F.fail("bad magic")
        d = fixed_map(unpack(data[len(FLOWS_MAGIC):], MalformedPola, Phrase("pola flows index"),
                             len(data), caller_checks_key_order=True), "flows index", _KEYS)
        ids = _F.blob(d["agencies"], "agencies", 0, 32 * 1_000_000)
        if len(ids) % _ID:
            _F.fail("agencies is not a whole number of ids")
        self._n = len(ids) // _ID
        self._ids = ids
        self._width = _F.integer(d["width"], "width", 0, 2**31)
        self.version = _F.integer(d["version"], "version", 1, 2**63 - 1)
        starts = u32s(_F.blob(d["starts"], "starts", 4 * (self._n + 1)))
        self._selectors = u32s(_F.blob(d["selectors"], "selectors", 4 * starts[-1]))
        self._pairs = _u64s(_F.blob(d["pairs"], "pairs", 0, 8 * 4_000_000))
        m = len(self._pairs)
        self._allow = _F.blob(d["allow"], "allow", m)
        self._deny = _F.blob(d["deny"], "deny", m)
        if (list(starts) != sorted(starts) or starts[0] != 0
                or (self._selectors and max(self._selectors) >= self._width)
                or self._allow.translate(None, b"\x00\x01\x02\x03\x04")
                or self._deny.translate(None, b"\x00\x01\x02\x03\x04")):
            _F.fail("an index is out of range")
        self._starts = starts

    def _position(self, agency_id: str) -> int | None:
        key = agency_id.encode().ljust(_ID, b"\0")
        ids, lo, hi = self._ids, 0, self._n
        while lo < hi:  # a binary search over the fixed-width ids, without decoding them
            mid = (lo + hi) // 2
            if ids[mid * _ID:(mid + 1) * _ID] < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < self._n and ids[lo * _ID:(lo + 1) * _ID] == key else None

    def _selectors_of(self, agency_id: str) -> Sequence[int] | None:
        i = self._position(agency_id)
        if i is None:
            return None
        return self._selectors[self._starts[i]:self._starts[i + 1]]

    def may_send(self, sender: str, recipient: str, level: Classification) -> bool:
        """Whether this version allowed ``sender`` to send ``level`` to ``recipient``
        (an agency this version did not list sends and receives nothing)."""
        senders, recipients = self._selectors_of(sender), self._selectors_of(recipient)
        if senders is None or recipients is None:
            return False
        allow, deny = Decisions.NONE, Decisions.ALL
        pairs, m = self._pairs, len(self._pairs)
        for s in senders:
            base = s * self._width
            for r in recipients:
                j = bisect_left(pairs, base + r)
                if j < m and pairs[j] == base + r:
                    allow = max(allow, self._allow[j] - 1)
                    deny = min(deny, self._deny[j])
        return int(level) <= allow and int(level) < deny
