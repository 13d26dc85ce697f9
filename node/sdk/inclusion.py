"""Inclusion proofs (audit paths) for the block's Merkle roots, O(log n) in the block's size.

A block header commits to its transactions and their results through two Merkle roots
(node/chain/merkle.py, RFC 6962's tree: the left subtree holds the largest power of two
below n). An auditor proving one event should not have to carry the whole block, so this
module makes and checks RFC 6962 audit paths over that same tree (RFC 9162, section
2.1.3.2, gives the checking algorithm used here). The hashes are the ones of
node/chain/merkle.py with the chain's suite (SHA-256 or SM3), imported rather than
written again, so both sides always hash alike.
"""

from __future__ import annotations

from typing import Final

from node.chain.merkle import leaf_hash, node_hash
from suites import Suite

PATH_LENGTH_MAX: Final = 64
"""More siblings than any tree of u64 leaves has: a longer path is refused unread."""


class MerkleTree:
    """A block's tree built once, bottom-up as node/chain/merkle.py builds its root (pairs
    hashed, a level's odd last node carried up unchanged), so that each leaf's path is
    read off in O(log n) rather than rebuilt per event (a trace of thousands of events in
    blocks of hundreds of transactions spent most of its time there)."""

    def __init__(self, leaves: list[bytes], suite: Suite) -> None:
        if not leaves:
            raise ValueError("a tree needs at least one leaf")
        level = [leaf_hash(x, suite) for x in leaves]
        self.levels = [level]
        while len(level) > 1:
            paired = [node_hash(level[j], level[j + 1], suite) for j in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            level = paired
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def path(self, index: int) -> list[bytes]:
        """The sibling hashes from leaf `index` up to the root, the lowest first (RFC 6962,
        section 2.1.1, PATH(m, D[n])); a node carried up has no sibling on its level."""
        if not 0 <= index < self.size:
            raise ValueError(f"leaf {index} is not in a tree of {self.size}")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def make_path(leaves: list[bytes], index: int, suite: Suite) -> list[bytes]:
    """The path of leaf `index` among `leaves` (one leaf's; `MerkleTree` for many)."""
    return MerkleTree(leaves, suite).path(index)


def root_from_path(
    leaf: bytes, index: int, size: int, path: list[bytes], suite: Suite
) -> bytes | None:
    """The root that `leaf` at `index` of a tree of `size` leaves has with these siblings,
    or None if the path cannot belong to such a tree (too short, too long, wrong shape)."""
    if not 0 <= index < size or len(path) > PATH_LENGTH_MAX:
        return None
    fn, sn = index, size - 1
    r = leaf_hash(leaf, suite)
    for sibling in path:
        if sn == 0:
            return None  # more siblings than the tree is deep
        if fn & 1 or fn == sn:
            r = node_hash(sibling, r, suite)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, sibling, suite)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return None  # fewer siblings than the tree is deep
    return r


def is_included(
    leaf: bytes, index: int, size: int, path: list[bytes], root: bytes, suite: Suite
) -> bool:
    """Whether `leaf` is leaf `index` of the `size`-leaf tree whose root is `root`."""
    return root_from_path(leaf, index, size, path, suite) == root
