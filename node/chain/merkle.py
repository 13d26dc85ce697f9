"""Binary Merkle root over a list of leaves, RFC 6962 style.

Leaves and inner nodes are hashed under different prefixes so that a leaf can never
be passed off as an inner node (second-preimage attack on naive Merkle trees).
"""

from __future__ import annotations

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """Root of the tree whose left subtree holds the largest power of two below n.

    Computed bottom-up, level by level: hash neighbours in pairs and carry a level's odd
    last node up unchanged. That is the same tree (the left subtree's 2^k leaves pair among
    themselves on every level, and so do the rest), without the recursion and list slicing
    of the definition; `test_merkle_root_matches_the_recursive_definition` compares them.
    """
    if not leaves:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    level = [sha256(b"\x00" + x).digest() for x in leaves]
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + level[j] + level[j + 1]).digest() for j in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]
