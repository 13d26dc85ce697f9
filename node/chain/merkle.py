"""Binary Merkle root over a list of leaves, RFC 6962 style, with the chain's suite's hash
(SHA-256 for `ed25519-sha256`, SM3 for `sm2-sm3`).

Leaves and inner nodes are hashed under different prefixes so that a leaf can never
be passed off as an inner node (second-preimage attack on naive Merkle trees).
"""

from __future__ import annotations

from suites import Suite


def empty_root(suite: Suite) -> bytes:
    """The root of no leaves: the hash of nothing."""
    return suite.hash(b"")


def leaf_hash(data: bytes, suite: Suite) -> bytes:
    return suite.hash(b"\x00" + data)


def node_hash(left: bytes, right: bytes, suite: Suite) -> bytes:
    return suite.hash(b"\x01" + left + right)


def merkle_root(leaves: list[bytes], suite: Suite) -> bytes:
    """Root of the tree whose left subtree holds the largest power of two below n.

    Computed bottom-up, level by level: hash neighbours in pairs and carry a level's odd
    last node up unchanged. That is the same tree (the left subtree's 2^k leaves pair among
    themselves on every level, and so do the rest), without the recursion and list slicing
    of the definition; `test_merkle_root_matches_the_recursive_definition` compares them.
    """
    if not leaves:
        return empty_root(suite)
    hash_ = suite.hash
    level = [hash_(b"\x00" + x) for x in leaves]
    while len(level) > 1:
        paired = [hash_(b"\x01" + level[j] + level[j + 1]) for j in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]
