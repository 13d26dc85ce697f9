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
    """Root of the tree whose left subtree holds the largest power of two below n."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(x) for x in leaves]
    return _root_of_hashes(level)


def _root_of_hashes(hashes: list[bytes]) -> bytes:
    n = len(hashes)
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(_root_of_hashes(hashes[:k]), _root_of_hashes(hashes[k:]))
