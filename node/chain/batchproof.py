"""State proofs of many keys under one root, sharing their sibling hashes (`VerifyCertificates`).

Proofs of keys under one root repeat the same sibling hashes near the root, so a batch sends
each distinct sibling hash once, in a table, and each proof names its siblings by their
index in it. An inclusion proof also leaves out its value hash: the verifier recomputes it
from the key and the value it was given. Each proof is then checked as a single one
(`node/chain/stateproof.py`'s `verify_proof`), so a batch proves exactly what single proofs
prove. All integers are big-endian:

    version:u8 (= 1) || kind:u8
    kind EMPTY (0):      nothing more
    kind INCLUSION (1):  count:u16 || count x (split_bit:u8 || index:u32)
    kind OTHER_LEAF (2): leaf_key_hash(32) || value_hash(32) || count:u16 || siblings

`index` is a position in the batch's table of 32-byte hashes (docs/proofs.md).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Final

from node.chain.stateproof import (
    HASH_BYTES,
    PROOF_SIBLINGS_MAX,
    Proof,
    ProofFormatError,
    ProofKind,
    Sibling,
    compute_value_hash,
    decode_proof_kind,
    verify_proof,
)
from suites import Suite

BATCH_PROOF_VERSION: Final = 1
NODES_MAX: Final = 1_000 * PROOF_SIBLINGS_MAX
"""Most distinct hashes one batch table may hold (a batch of 1,000 keys, full depth)."""
_ENTRY = struct.Struct(">BI")
_U16 = struct.Struct(">H")


class NodeTable:
    """The shared hashes of a batch being built: each distinct hash once, in first-use order."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self._index: dict[bytes, int] = {}

    def index_of(self, node_hash: bytes) -> int:
        found = self._index.get(node_hash)
        if found is None:
            found = self._index[node_hash] = len(self.hashes)
            self.hashes.append(node_hash)
        return found


def encode_batch_proof(proof: Proof, table: NodeTable) -> bytes:
    head = bytes((BATCH_PROOF_VERSION, proof.kind))
    if proof.kind is ProofKind.EMPTY:
        return head
    parts = [head]
    if proof.kind is ProofKind.OTHER_LEAF:
        parts += [proof.leaf_key_hash, proof.value_hash]
    parts.append(_U16.pack(len(proof.siblings)))
    parts += [_ENTRY.pack(bit, table.index_of(h)) for bit, h in proof.siblings]
    return b"".join(parts)


def decode_batch_proof(
    data: bytes, nodes: Sequence[bytes], key: bytes, value: bytes | None, suite: Suite
) -> Proof:
    """The single proof a batch entry stands for; ProofFormatError if malformed. `value` is
    the entry's value as given (an inclusion proof's value hash is recomputed from it)."""
    if len(nodes) > NODES_MAX or any(len(n) != HASH_BYTES for n in nodes):
        raise ProofFormatError("a batch's node table holds 32-byte hashes only")
    if len(data) < 2 or data[0] != BATCH_PROOF_VERSION:
        raise ProofFormatError("not a batch proof of version 1")
    kind = decode_proof_kind(data)
    if kind is ProofKind.EMPTY:
        return Proof(kind, ())
    at, leaf_key_hash, value_hash = 2, b"", b""
    if kind is ProofKind.OTHER_LEAF:
        leaf_key_hash, value_hash = data[2:34], data[34:66]
        at = 66
    elif value is not None:
        value_hash = compute_value_hash(key, value, suite)
    if len(data) < at + 2:
        raise ProofFormatError("batch proof is truncated")
    (count,) = _U16.unpack_from(data, at)
    at += 2
    if count > PROOF_SIBLINGS_MAX or len(data) != at + count * _ENTRY.size:
        raise ProofFormatError("batch proof's length does not match its sibling count")
    siblings = []
    for offset in range(at, len(data), _ENTRY.size):
        bit, index = _ENTRY.unpack_from(data, offset)
        if index >= len(nodes):
            raise ProofFormatError(f"sibling {index} is not in the batch's table")
        siblings.append(Sibling(bit, nodes[index]))
    return Proof(kind, tuple(siblings), leaf_key_hash, value_hash)


def verify_batch_entry(
    root: bytes,
    key: bytes,
    value: bytes | None,
    data: bytes,
    nodes: Sequence[bytes],
    suite: Suite,
) -> bool:
    """True iff the entry proves that under `root`, `key` maps to `value` (None: absent),
    hashing with `suite` (the chain's)."""
    try:
        proof = decode_batch_proof(data, nodes, key, value, suite)
    except ProofFormatError:
        return False
    if proof.kind is ProofKind.INCLUSION and value is None:
        return False
    return verify_proof(root, key, value, proof, suite)
