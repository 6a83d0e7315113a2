"""Envelopes signed by members, under the members' pola (``_members.py``).

A member signs for the agency with a personal key (signer kind ``member``, the
member id, its key version). The signature counts only while the member was in
good standing at ``created_at``: not inside a suspension (even an ended one), not
after a removal. Where the pola requires a member's signature for the level
(``member_signed``), the agency's own key is refused.
"""

from __future__ import annotations

from _members import BUDI_SUSPENDED, CITRA_REMOVED, MEMBERS_POLA_ID, MEMBERS_POLA_VERSION
from _world import CREATED, DAY, ISSUED, Draft, plaintext
from _writer import Writer

from sandi.crypto.suite import Suite
from sandi.envelope.format import Metadata, Signer, SignerKind

MEMBERS = "pola_members"
SUSPENDED_FROM, SUSPENDED_UNTIL = BUDI_SUSPENDED


def _by(member: str | None, level: str, n: int, created_at: int = CREATED,
        suite: Suite = Suite.CLASSICAL) -> tuple[bytes, bytes]:
    """bkpsdmd -> sekda under the members' pola, signed by ``member`` (None: the agency
    key, v2); the plaintext and the envelope."""
    data = plaintext(180, n)
    signer = None if member is None else Signer(SignerKind.MEMBER, member, 1)
    return data, Draft(data, "bkpsdmd", ("sekda",), level, n, suite=suite,
                       created_at=created_at, pola_id=MEMBERS_POLA_ID,
                       pola_version=MEMBERS_POLA_VERSION, signer=signer).build()


def member_cases(w: Writer) -> None:
    """Member signatures that count, and the member refusals."""
    meta = Metadata()
    data, env = _by("andi", "rahasia", 400)
    w.ok("member-signed", "rahasia signed by andi, an active member of bkpsdmd, with his"
         " personal key (the pola requires a member's signature for rahasia)", "sekda", env,
         data, meta, world_pola=MEMBERS)
    data, env = _by("andi", "sangat-rahasia", 401, suite=Suite.HYBRID)
    w.ok("member-signed-hybrid", "sangat-rahasia, hybrid suite, signed by andi's personal"
         " key: Ed25519 and ML-DSA-65", "sekda", env, data, meta, world_pola=MEMBERS)
    data, env = _by("budi", "rahasia", 402, created_at=SUSPENDED_FROM - 1)
    w.ok("member-before-suspension", "signed by budi one second before his suspension"
         " began: he was in good standing", "sekda", env, data, meta, world_pola=MEMBERS)
    _, env = _by("budi", "rahasia", 403, created_at=SUSPENDED_FROM + 10 * DAY)
    w.fail("member-inside-suspension", "signed by budi inside his suspension, which has"
           " ended since (reinstating ends a suspension, never erases it)", "sekda", env,
           "KeyRevoked", world_pola=MEMBERS)
    _, env = _by("budi", "rahasia", 404, created_at=SUSPENDED_FROM)
    w.fail("member-at-suspension-start", "signed by budi at the first second of his"
           " suspension", "sekda", env, "KeyRevoked", world_pola=MEMBERS)
    data, env = _by("budi", "rahasia", 405, created_at=SUSPENDED_UNTIL)
    w.ok("member-after-reinstatement", "signed by budi at the second his suspension ended"
         " (the interval is [from, until))", "sekda", env, data, meta, world_pola=MEMBERS)
    data, env = _by("citra", "rahasia", 406, created_at=CITRA_REMOVED - 1)
    w.ok("member-before-removal", "signed by citra one second before her removal", "sekda",
         env, data, meta, world_pola=MEMBERS)
    _, env = _by("citra", "rahasia", 407, created_at=CITRA_REMOVED + DAY)
    w.fail("member-after-removal", "signed by citra a day after her removal, with the"
           " personal key she kept", "sekda", env, "KeyRevoked", world_pola=MEMBERS)
    _, env = _by(None, "rahasia", 408)
    w.fail("agency-key-where-member-required", "rahasia signed by bkpsdmd's own agency key"
           " (v2): the pola requires a member's personal signature for rahasia", "sekda",
           env, "MemberSignatureRequired", world_pola=MEMBERS)
    data, env = _by(None, "terbatas", 409)
    w.ok("agency-key-where-member-not-required", "terbatas signed by bkpsdmd's agency key:"
         " the members' pola requires a member's signature for rahasia only", "sekda", env,
         data, meta, world_pola=MEMBERS)
    _, env = _by("andi", "rahasia", 410, created_at=ISSUED - 31 * DAY)
    w.fail("member-before-joining", "signed by andi before he joined bkpsdmd (and before"
           " his key's not_before)", "sekda", env, "KeyNotValid", world_pola=MEMBERS)
