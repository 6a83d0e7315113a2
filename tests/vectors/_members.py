"""The members' pola of the test vectors: the world's pola, with members.

``world.json``'s ``pola_members``: the same agencies, keys, rules and authority as
the world's pola (``pola``), under its own id ``kota-uji-anggota``, version 1, plus
three members of bkpsdmd and one more requirement, ``member_signed`` for rahasia.
It is a pola of its own so that no vector of the world's pola changes: a
``member_signed`` requirement on any level of that pola would refuse the envelopes
its existing vectors seal there with an agency key. A vector that names it carries
``"world_pola": "pola_members"``.

* andi: personal key v1 (hybrid), active since the keys' ``not_before``;
* budi: v1 (hybrid), active, but suspended from ``BUDI_SUSPENDED[0]`` until
  ``BUDI_SUSPENDED[1]`` (an ended suspension, kept for good);
* citra: v1 (hybrid), removed at ``CITRA_REMOVED``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from _world import (
    AUTHORITY,
    DAY,
    ISSUED,
    MEMBER_KEYS,
    NOT_BEFORE,
    NOW,
    POLA_SOURCE,
    VALID_DAYS,
    published,
    signed_pola,
)

from sandi._internal.time import from_epoch
from sandi.authority.authoring import compile_source, parse_source
from sandi.pola._wire import PolaBody
from sandi.pola.model import KeyState, KeyVersion, Member, MemberStatus
from sandi.pola.policy import Pola

MEMBERS_POLA_ID = "kota-uji-anggota"
MEMBERS_POLA_VERSION = 1
BUDI_SUSPENDED = (ISSUED + 20 * DAY, ISSUED + 40 * DAY)  # suspended, then reinstated
CITRA_REMOVED = ISSUED + 50 * DAY


def _member(member_id: str, name: str, jabatan: str,
            status: MemberStatus = MemberStatus.ACTIVE, status_at: int | None = None,
            suspensions: tuple[tuple[int, int], ...] = ()) -> Member:
    joined = from_epoch(NOT_BEFORE)
    key = KeyVersion(1, MEMBER_KEYS[member_id, 1].public, KeyState.CURRENT, joined)
    return Member(member_id, name, jabatan, None, (key,), joined, status,
                  None if status_at is None else from_epoch(status_at),
                  tuple((from_epoch(a), from_epoch(b)) for a, b in suspensions))


MEMBERS = (
    _member("andi", "Andi Wijaya, S.Kom.", "Analis Kepegawaian"),
    _member("budi", "Budi Hartono", "Pengelola Data Kepegawaian",
            suspensions=(BUDI_SUSPENDED,)),
    _member("citra", "Citra Dewi, S.H.", "Kepala Bidang Mutasi",
            status=MemberStatus.REMOVED, status_at=CITRA_REMOVED),
)


def _body() -> PolaBody:
    source = parse_source(POLA_SOURCE)
    assert source["pola"]["valid_days"] == VALID_DAYS
    source["pola"].update(id=MEMBERS_POLA_ID, version=MEMBERS_POLA_VERSION,
                          name="Pola Hubungan Komunikasi Sandi Kota Uji, dengan anggota "
                               "(vektor uji)")
    source["requirement"]["rahasia"]["member_signed"] = True
    return compile_source(source, keys=published(), authority_keys=[a.public for a in AUTHORITY],
                          threshold=2, issued_at=from_epoch(ISSUED),
                          members={"bkpsdmd": MEMBERS})


MEMBERS_POLA_BYTES = signed_pola(_body()).to_bytes()
MEMBERS_POLA = Pola.from_bytes(MEMBERS_POLA_BYTES, now=datetime.fromtimestamp(NOW, UTC))
