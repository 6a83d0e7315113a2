"""The audit log's Merkle tree is RFC 6962/9162's: the published roots and consistency
proofs of the Certificate Transparency reference data (the eight leaves of RFC 6962's
test suite, as in google/trillian and transparency-dev/merkle), and every tampered
proof refused."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from sandi.audit.merkle import check_consistency, consistency_proof, tree_root
from sandi.errors import AuditLogBroken

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
PROOFS = {
    (1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}


@pytest.mark.parametrize("size", range(9))
def test_the_roots_are_rfc_6962s(size: int) -> None:
    assert tree_root(LEAVES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("old", "new"), sorted(PROOFS))
def test_the_consistency_proofs_are_rfc_6962s(old: int, new: int) -> None:
    proof = [bytes.fromhex(h) for h in PROOFS[old, new]]
    assert consistency_proof(LEAVES[:new], old) == proof
    check_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize(("old", "new"), sorted(PROOFS))
def test_a_changed_proof_or_root_or_size_is_refused(old: int, new: int) -> None:
    proof = [bytes.fromhex(h) for h in PROOFS[old, new]]
    wrong = [(old, new, ROOTS[old], ROOTS[new], proof[:-1]),
             (old, new, ROOTS[old], ROOTS[new], [*proof, ROOTS[new]]),
             (old, new, ROOTS[old], ROOTS[new], [proof[0], *proof]),
             (old, new, ROOTS[new], ROOTS[old], proof),
             (old, new, ROOTS[old], ROOTS[new - 1], proof),
             (old, new, ROOTS[old - 1], ROOTS[new], proof),
             (old - 1, new, ROOTS[old], ROOTS[new], proof),
             (old + 1, new, ROOTS[old], ROOTS[new], proof),
             (old, new * 2, ROOTS[old], ROOTS[new], proof),
             (old, new // 2, ROOTS[old], ROOTS[new], proof),
             (old, new, ROOTS[old], ROOTS[new], [])]
    wrong += [(old, new, ROOTS[old], ROOTS[new], [*proof[:i], ROOTS[0], *proof[i + 1:]])
              for i in range(len(proof))]
    for case in wrong:
        with pytest.raises(AuditLogBroken, match="audit checkpoint: "):
            check_consistency(*case)


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    check_consistency(5, 5, ROOTS[5], ROOTS[5], [])
    check_consistency(0, 3, ROOTS[0], ROOTS[3], [])  # everything extends the empty log
    with pytest.raises(AuditLogBroken, match="rewritten or forked"):
        check_consistency(5, 5, ROOTS[5], ROOTS[6], [])  # a fork: same size, other root
    with pytest.raises(AuditLogBroken, match="rewritten or forked"):
        check_consistency(5, 5, ROOTS[5], ROOTS[5], [ROOTS[0]])
    with pytest.raises(AuditLogBroken, match="cannot extend"):
        check_consistency(6, 5, ROOTS[6], ROOTS[5], [])  # shrinking: a truncation


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70),
       st.data())
def test_every_prefix_is_proven_and_a_flipped_hash_is_not(leaves: list[bytes],
                                                          data: st.DataObject) -> None:
    new = len(leaves)
    old = data.draw(st.integers(0, new))
    proof = consistency_proof(leaves, old)
    check_consistency(old, new, tree_root(leaves[:old]), tree_root(leaves), proof)
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        flipped = bytearray(proof[i])
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(AuditLogBroken):
            check_consistency(old, new, tree_root(leaves[:old]), tree_root(leaves),
                              [*proof[:i], bytes(flipped), *proof[i + 1:]])
    # A log rewritten below the old size never proves consistent with the old root.
    if old:
        rewritten = [bytes(32), *leaves[1:]] if leaves[0] != bytes(32) else \
            [b"\x01" * 32, *leaves[1:]]
        with pytest.raises(AuditLogBroken):
            check_consistency(old, new, tree_root(leaves[:old]), tree_root(rewritten),
                              consistency_proof(rewritten, old))
