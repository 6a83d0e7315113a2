"""A witnessed audit log (issue 16 §3): two agencies' homes, each with its own log, and a
witness (the Inspektorat) that cosigns their checkpoints only when each extends the last
one it cosigned for that log.

Against a cosigned checkpoint, a truncated log, a fork (two different checkpoints of the
same size) and a rewritten record are all caught, by the witness when asked to cosign and
by ``AuditLog.verify`` against the kept checkpoint; the honest control (a log that only
grew) is cosigned and verifies. Two requests at once never both advance the witness.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandi.audit import AuditLog, Checkpoint, CosignRequest, Event, Witness, witnessed
from sandi.audit.merkle import tree_root
from sandi.demo import DemoWorld
from sandi.errors import (
    AuditLogBroken,
    InvalidArgument,
    KeyNotValid,
    MalformedInput,
    SandiError,
)
from tests.test_audit import rehash

WITNESS = "inspektorat"


@dataclass
class Agency:
    """One agency's home: its log and its current key."""

    id: str
    log: AuditLog

    def grow(self, n: int) -> None:
        for i in range(n):
            self.log.append(Event("open", agency=self.id, doc_id=f"{i:032x}"))

    def request(self, world: DemoWorld, old_size: int | None = None) -> CosignRequest:
        signed = self.log.checkpoint(world.keystore.get(self.id, 1), pola=world.pola)
        return self.log.witness_request(signed, old_size=old_size)


@pytest.fixture
def homes(tmp_path: Path) -> tuple[Agency, Agency]:
    """Two homes: BKPSDMD's and Bappeda's, ten records each."""
    pair = []
    for name in ("bkpsdmd", "bappeda"):
        (tmp_path / name).mkdir()
        pair.append(Agency(name, AuditLog(tmp_path / name / "audit.db")))
        pair[-1].grow(10)
    return pair[0], pair[1]


@pytest.fixture
def witness(tmp_path: Path, world: DemoWorld) -> Witness:
    return Witness(tmp_path / "witness.db", pola=world.pola, key=world.keystore.get(WITNESS, 1))


def cosigned_at_ten(agency: Agency, world: DemoWorld, witness: Witness) -> Checkpoint:
    """The witness's first cosignature of the log (at 10 records), kept by the agency."""
    cosigned = witness.cosign(agency.request(world))
    agency.log.keep(cosigned, pola=world.pola, witness=WITNESS)
    return cosigned


def test_the_control_a_growing_log_is_cosigned_and_verifies(
        homes: tuple[Agency, Agency], world: DemoWorld, witness: Witness,
        tmp_path: Path) -> None:
    for agency in homes:
        first = cosigned_at_ten(agency, world, witness)
        assert (first.size, first.cosignature(WITNESS) is not None) == (10, True)
        agency.grow(5)
        request = agency.request(world)  # from the kept checkpoint's size, 10
        assert request.old_size == 10 and 0 < len(request.proof) <= 8
        second = witness.cosign(CosignRequest.from_text(request.to_text()))
        status = agency.log.keep(second, pola=world.pola, witness=WITNESS)
        assert (status.size, status.checkpoint) == (15, second)  # keep appends no record
        assert agency.log.verify(pola=world.pola, witness=WITNESS).checkpoint == second
        assert witnessed(tmp_path / "witness.db", agency.id) == second
        # What the auditor holds is what the witness hands out: the log extends it.
        held = witnessed(tmp_path / "witness.db", agency.id)
        assert held is not None and agency.log.verify(held, pola=world.pola,
                                                      witness=WITNESS).size == 15
    # The witness saw only sizes and hashes: no document id, no agency's record.
    state = (tmp_path / "witness.db").read_bytes()
    assert f"{3:032x}".encode() not in state


def test_a_truncated_log_is_caught(homes: tuple[Agency, Agency], world: DemoWorld,
                                   witness: Witness) -> None:
    bkpsdmd, _ = homes
    cosigned_at_ten(bkpsdmd, world, witness)
    _sql(bkpsdmd.log, "DELETE FROM records WHERE seq > 7")
    assert bkpsdmd.log.verify().size == 7  # the chain alone is whole
    with pytest.raises(AuditLogBroken, match=r"has 7 records, fewer than the checkpoint's 10"):
        bkpsdmd.log.verify(pola=world.pola, witness=WITNESS)
    with pytest.raises(AuditLogBroken, match=r"fewer than the 10 already witnessed"):
        witness.cosign(bkpsdmd.request(world, old_size=0))
    # Cut and grown again past the old size: the witness refuses, the kept one catches it.
    bkpsdmd.grow(6)
    with pytest.raises(AuditLogBroken, match=r"size 13 does not extend the one at size 10: "
                                             r"it was rewritten or forked"):
        witness.cosign(_forged_proof(bkpsdmd, world, 10))
    with pytest.raises(AuditLogBroken, match=r"does not extend the checkpoint at record 10"):
        bkpsdmd.log.verify(pola=world.pola, witness=WITNESS)


def test_a_fork_of_the_same_size_is_refused(homes: tuple[Agency, Agency], world: DemoWorld,
                                            witness: Witness, tmp_path: Path) -> None:
    bkpsdmd, bappeda = homes
    first = cosigned_at_ten(bkpsdmd, world, witness)
    # The same ten records shown with one changed: another checkpoint of size 10, signed
    # by the agency's own key, as a custodian who controls the database could make.
    _sql(bkpsdmd.log, "UPDATE records SET doc_id = 'dihapus' WHERE seq = 4")
    rehash(bkpsdmd.log, 4)
    fork = bkpsdmd.request(world, old_size=10)
    assert fork.checkpoint.size == first.size and fork.checkpoint.root != first.root
    fork.checkpoint.check(world.pola)  # validly signed: only the witness can tell
    with pytest.raises(AuditLogBroken, match=r"size 10 does not extend the one at size 10"):
        witness.cosign(fork)
    assert witnessed(tmp_path / "witness.db", "bkpsdmd") == first  # the state did not move
    # The other log witnessed by the same witness is untouched by it.
    assert witness.cosign(bappeda.request(world)).size == 10


def test_a_rewritten_record_is_caught(homes: tuple[Agency, Agency], world: DemoWorld,
                                      witness: Witness) -> None:
    bkpsdmd, _ = homes
    cosigned_at_ten(bkpsdmd, world, witness)
    bkpsdmd.grow(2)
    _sql(bkpsdmd.log, "UPDATE records SET member = 'orang lain' WHERE seq = 2")
    rehash(bkpsdmd.log, 2)
    assert bkpsdmd.log.verify().size == 12  # consistent in itself ...
    with pytest.raises(AuditLogBroken, match=r"does not extend the checkpoint at record 10: "
                                             r"the log was rewritten"):
        bkpsdmd.log.verify(pola=world.pola, witness=WITNESS)  # ... not with the witness
    with pytest.raises(AuditLogBroken, match=r"rewritten or forked"):
        witness.cosign(bkpsdmd.request(world, old_size=10))
    with pytest.raises(AuditLogBroken, match=r"does not extend the checkpoint at record 10"):
        bkpsdmd.request(world)  # the log itself will not prove from the kept checkpoint


def test_a_removed_kept_checkpoint_is_caught(homes: tuple[Agency, Agency], world: DemoWorld,
                                             witness: Witness, tmp_path: Path) -> None:
    bkpsdmd, _ = homes
    cosigned_at_ten(bkpsdmd, world, witness)
    _sql(bkpsdmd.log, "DELETE FROM checkpoints")
    with pytest.raises(AuditLogBroken, match=r"no checkpoint cosigned by inspektorat is kept"):
        bkpsdmd.log.verify(pola=world.pola, witness=WITNESS)
    # The auditor asks the witness instead, and the truncation still shows.
    _sql(bkpsdmd.log, "DELETE FROM records WHERE seq > 5")
    held = witnessed(tmp_path / "witness.db", "bkpsdmd")
    with pytest.raises(AuditLogBroken, match=r"fewer than the checkpoint's 10"):
        bkpsdmd.log.verify(held, pola=world.pola, witness=WITNESS)


def test_the_witness_checks_who_signed(homes: tuple[Agency, Agency], world: DemoWorld,
                                       witness: Witness) -> None:
    bkpsdmd, _ = homes
    request = bkpsdmd.request(world)
    as_bappeda = replace(request, checkpoint=replace(request.checkpoint, agency="bappeda"))
    with pytest.raises(AuditLogBroken, match=r"bappeda/v1 is not the pola's key|bappeda/v1 "
                                             r"does not verify"):
        witness.cosign(as_bappeda)
    own = Agency(WITNESS, bkpsdmd.log).request(world)
    with pytest.raises(InvalidArgument, match=r"cannot witness its own audit log"):
        witness.cosign(own)
    # Not from the size it last cosigned: told which size to prove from.
    cosigned_at_ten(bkpsdmd, world, witness)
    bkpsdmd.grow(1)
    with pytest.raises(InvalidArgument, match=r"last cosigned sandi/audit/bkpsdmd at 10 "
                                              r"records; make the request again from 10"):
        witness.cosign(bkpsdmd.request(world, old_size=4))
    # The same checkpoint again (a rerun after a crash) is cosigned again.
    again = bkpsdmd.request(world, old_size=10)
    assert witness.cosign(again).size == witness.cosign(again).size == 11


def test_a_checkpoint_needs_the_named_witness(homes: tuple[Agency, Agency], world: DemoWorld,
                                              witness: Witness) -> None:
    bkpsdmd, _ = homes
    cosigned = cosigned_at_ten(bkpsdmd, world, witness)
    with pytest.raises(AuditLogBroken, match=r"not cosigned by the witness setda"):
        bkpsdmd.log.verify(cosigned, pola=world.pola, witness="setda")
    bare = replace(cosigned, cosignatures=())
    with pytest.raises(AuditLogBroken, match=r"not cosigned by the witness inspektorat"):
        bkpsdmd.log.verify(bare, pola=world.pola, witness=WITNESS)
    mine = cosigned.cosignatures[0]
    for changed, said in ((replace(mine, time=mine.time + timedelta(hours=1)),
                           r"signature of inspektorat/v1 does not verify"),
                          (replace(mine, witness="setda"),
                           r"key ID of setda/v1 is not the pola's key")):
        with pytest.raises(AuditLogBroken, match=said):
            bkpsdmd.log.verify(replace(cosigned, cosignatures=(changed,)), pola=world.pola,
                               witness=changed.witness)
    with pytest.raises(KeyNotValid, match=r"the pola lists no key v2 for inspektorat"):
        bkpsdmd.log.verify(replace(cosigned, cosignatures=(replace(mine, key_version=2),)),
                           pola=world.pola, witness=WITNESS)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_changed_byte_of_a_cosigned_checkpoint_never_verifies(
        world: DemoWorld, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("flip")
    agency = Agency("bkpsdmd", AuditLog(folder / "audit.db"))
    agency.grow(3)
    keeper = Witness(folder / "w.db", pola=world.pola, key=world.keystore.get(WITNESS, 1))
    text = keeper.cosign(agency.request(world)).to_text().encode()
    i = data.draw(st.integers(0, len(text) - 1))
    flipped = bytearray(text)
    flipped[i] ^= 1 << data.draw(st.integers(0, 7))
    try:
        checkpoint = Checkpoint.from_text(bytes(flipped).decode())
    except (MalformedInput, UnicodeDecodeError):
        return
    with pytest.raises(SandiError):
        agency.log.verify(checkpoint, pola=world.pola, witness=WITNESS)


def test_two_requests_at_once_never_both_advance(homes: tuple[Agency, Agency],
                                                 world: DemoWorld, tmp_path: Path) -> None:
    bkpsdmd, _ = homes
    keeper = Witness(tmp_path / "witness.db", pola=world.pola,
                     key=world.keystore.get(WITNESS, 1))
    first = cosigned_at_ten(bkpsdmd, world, keeper)
    bkpsdmd.grow(2)
    honest = bkpsdmd.request(world)  # 12 records, from 10
    _sql(bkpsdmd.log, "UPDATE records SET doc_id = 'lain' WHERE seq = 12")
    rehash(bkpsdmd.log, 12)
    forked = bkpsdmd.request(world, old_size=10)  # another 12, also a valid proof from 10
    assert forked.checkpoint.root != honest.checkpoint.root
    for _ in range(5):  # each time from the same state, 10 records: exactly one advances
        _race(tmp_path, world, first, honest, forked)


def _race(tmp_path: Path, world: DemoWorld, first: Checkpoint, *requests: CosignRequest
          ) -> None:
    state = tmp_path / "race.db"
    for leftover in tmp_path.glob("race.db*"):
        leftover.unlink()
    Witness(state, pola=world.pola, key=world.keystore.get(WITNESS, 1)).cosign(
        CosignRequest(0, (), first))
    barrier = threading.Barrier(len(requests))
    outcomes: list[object] = []

    def attempt(request: CosignRequest) -> None:
        keeper = Witness(state, pola=world.pola, key=world.keystore.get(WITNESS, 1))
        barrier.wait()
        try:
            outcomes.append(keeper.cosign(request))
        except AuditLogBroken as exc:
            outcomes.append(exc)
        finally:
            keeper.close()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [o for o in outcomes if isinstance(o, Checkpoint)]
    assert len(won) == 1 and len(outcomes) == 2, outcomes
    assert witnessed(state, "bkpsdmd") == won[0]


def _forged_proof(agency: Agency, world: DemoWorld, old_size: int) -> CosignRequest:
    """A request for the log as it is now, with a 'proof' from ``old_size`` made over the
    current records (the only proof a rewritten log can offer)."""
    return agency.request(world, old_size=old_size)


def _sql(log: AuditLog, statement: str) -> None:
    db = sqlite3.connect(log.path, isolation_level=None)
    try:
        db.execute(statement)
    finally:
        db.close()


def test_the_root_is_over_the_record_hashes(homes: tuple[Agency, Agency],
                                            world: DemoWorld) -> None:
    bkpsdmd, _ = homes
    signed = bkpsdmd.log.checkpoint(world.keystore.get("bkpsdmd", 1), pola=world.pola)
    assert signed.root == tree_root(r.hash for r in bkpsdmd.log.records())


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_changed_byte_of_a_request_is_never_cosigned(
        world: DemoWorld, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("request")
    agency = Agency("bkpsdmd", AuditLog(folder / "audit.db"))
    agency.grow(4)
    keeper = Witness(folder / "w.db", pola=world.pola, key=world.keystore.get(WITNESS, 1))
    agency.log.keep(keeper.cosign(agency.request(world)), pola=world.pola, witness=WITNESS)
    agency.grow(3)
    text = agency.request(world).to_text().encode()
    assert CosignRequest.from_text(text.decode()).old_size == 4  # the control parses
    i = data.draw(st.integers(0, len(text) - 1))
    flipped = bytearray(text)
    flipped[i] ^= 1 << data.draw(st.integers(0, 7))
    try:
        request = CosignRequest.from_text(bytes(flipped).decode())
    except (MalformedInput, UnicodeDecodeError):
        return
    with pytest.raises(SandiError):
        keeper.cosign(request)
    assert witnessed(folder / "w.db", "bkpsdmd").size == 4  # the state did not move
