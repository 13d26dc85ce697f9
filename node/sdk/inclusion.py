"""Inclusion proofs (audit paths) for the block's Merkle roots, O(log n) in the block's size.

A block header commits to its transactions and their results through two Merkle roots
(node/chain/merkle.py, RFC 6962's tree: the left subtree holds the largest power of two
below n). An auditor proving one event should not have to carry the whole block, so this
module makes and checks RFC 6962 audit paths over that same tree (RFC 9162, section
2.1.3.2, gives the checking algorithm used here). The hashes are the ones of
node/chain/merkle.py, imported rather than written again, so a change of hash there
(issue 18's suites) changes both sides at once.
"""

from __future__ import annotations

from typing import Final

from node.chain.merkle import leaf_hash, merkle_root, node_hash

PATH_LENGTH_MAX: Final = 64
"""More siblings than any tree of u64 leaves has: a longer path is refused unread."""


def make_path(leaves: list[bytes], index: int) -> list[bytes]:
    """The sibling hashes from leaf `index` up to the root, the lowest first (RFC 6962,
    section 2.1.1, PATH(m, D[n]))."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    # Walk down from the root, collecting the other subtree's root at each split; the
    # list is built root-first and reversed at the end (checking starts at the leaf).
    while hi - lo > 1:
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        if index - lo < k:
            path.append(merkle_root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(merkle_root(leaves[lo : lo + k]))
            lo = lo + k
    path.reverse()
    return path


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """The root that `leaf` at `index` of a tree of `size` leaves has with these siblings,
    or None if the path cannot belong to such a tree (too short, too long, wrong shape)."""
    if not 0 <= index < size or len(path) > PATH_LENGTH_MAX:
        return None
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for sibling in path:
        if sn == 0:
            return None  # more siblings than the tree is deep
        if fn & 1 or fn == sn:
            r = node_hash(sibling, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return None  # fewer siblings than the tree is deep
    return r


def is_included(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """Whether `leaf` is leaf `index` of the `size`-leaf tree whose root is `root`."""
    return root_from_path(leaf, index, size, path) == root
