"""The Merkle tree over the audit log's records (RFC 9162 §2.1, the hashing of RFC 6962).

A checkpoint carries the tree's root over the hashes of the log's first *n* records;
a witness that saw the root at size *m* accepts the one at size *n* only with a
consistency proof, a list of at most 2·log2(n) hashes, so it learns nothing of the
records themselves (no document ids, no names), only that the log grew by appending.

Leaf *i* is the 32-byte hash of record *i* + 1 (which already chains every earlier
record); its leaf hash is ``SHA-256(0x00 || record hash)`` and an inner node
``SHA-256(0x01 || left || right)``, with the split at the largest power of two below
the size, exactly as RFC 9162; the root of the empty tree is ``SHA-256("")``.

>>> leaves = [bytes([i]) * 32 for i in range(7)]
>>> proof = consistency_proof(leaves, 3)
>>> check_consistency(3, 7, tree_root(leaves[:3]), tree_root(leaves), proof)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sandi.crypto.primitives import same
from sandi.errors import AuditLogBroken

#: The most hashes a consistency proof between two sizes below 2^63 may hold.
MAX_PROOF = 2 * 63


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """MTH(D[n]) built one leaf at a time with O(log n) memory: a stack of the complete
    subtrees seen so far (so a log is checked in one pass, however long)."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (size of the subtree, its hash)

    def append(self, data: bytes) -> None:
        """Add a leaf (its data, not yet leaf-hashed)."""
        size, node = 1, leaf_hash(data)
        while self._stack and self._stack[-1][0] == size:
            left = self._stack.pop()[1]
            size, node = size * 2, node_hash(left, node)
        self._stack.append((size, node))

    def root(self) -> bytes:
        """The root of the leaves so far."""
        if not self._stack:
            return hashlib.sha256(b"").digest()
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):  # fold the right subtrees into the left
            node = node_hash(left, node)
        return node


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """MTH(D[n]) over ``leaves`` (the leaves' data, not yet leaf-hashed)."""
    tree = MerkleTree()
    for data in leaves:
        tree.append(data)
    return tree.root()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the hashes that show the tree of
    ``leaves[:old_size]`` is a prefix of the tree of ``leaves``."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"old size {old_size} outside 0..{len(leaves)}")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, complete=True)


def _subproof(m: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [tree_root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete=complete), tree_root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], complete=False), tree_root(leaves[:k])]


def check_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                      proof: Sequence[bytes]) -> None:
    """Verify a consistency proof (RFC 9162 §2.1.4.2); raise AuditLogBroken unless the
    tree of ``new_size`` leaves with ``new_root`` extends the one of ``old_size`` with
    ``old_root``. Sizes equal: the roots must be equal and the proof empty."""
    if not 0 <= old_size <= new_size or len(proof) > MAX_PROOF:
        raise AuditLogBroken("audit checkpoint: size {new} cannot extend size {old}",
                             new=new_size, old=old_size)
    if old_size == new_size or old_size == 0:
        # Equal sizes: one tree; from the empty tree every tree extends it (RFC 9162).
        if proof or (old_size == new_size and not same(old_root, new_root)):
            raise _inconsistent(old_size, new_size)
        return
    if not proof:
        raise _inconsistent(old_size, new_size)
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise _inconsistent(old_size, new_size)
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or not same(fr, old_root) or not same(sr, new_root):
        raise _inconsistent(old_size, new_size)


def _inconsistent(old: int, new: int) -> AuditLogBroken:
    return AuditLogBroken("audit checkpoint: the log at size {new} does not extend the one "
                          "at size {old}: it was rewritten or forked", new=new, old=old)
