"""The state tree's hashing and proof format: what a client needs to check a state proof.

Every validator and every client computes these the same way; the byte layouts below
and in `encode_proof` are the contract (see node/chain/statetree.py for the tree
itself: its shape, storage and updates).

    key_hash   = H(key)
    value_hash = H(VALUE_DOMAIN || len(key):u32 || key || value)
    leaf_hash  = H(LEAF_DOMAIN || key_hash || value_hash)
    node_hash  = H(NODE_DOMAIN || b:u8 || hash(left) || hash(right))

where H is the chain's suite's hash (`suite.hash`: SHA-256 on an `ed25519-sha256` chain, SM3
on an `sm2-sm3` one; 32 bytes either way). Every function that hashes takes the suite: there
is no default, so a proof of an SM chain is never checked with SHA-256.

A proof follows the key hash from the root; at a branch splitting at bit b it records
the other child as a sibling (b, hash). INCLUSION carries the key's value hash;
OTHER_LEAF (exclusion) the key hash and value hash of the leaf the path ends at;
EMPTY (exclusion) nothing. `verify_proof` needs no store: it recomputes the leaf hash
and hashes it up with the siblings (the side at each split comes from the key hash,
never from the proof) and compares with the root.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from suites import Suite

HASH_BYTES = 32
KEY_BITS = 256
EMPTY_ROOT = bytes(HASH_BYTES)
"""Root of the empty tree (no leaf or branch hash can be all zeros but by a break of the
suite's hash), the same in every suite."""

VALUE_DOMAIN = b"trustledger/v1/state-value\x00"
LEAF_DOMAIN = b"trustledger/v1/state-leaf\x00"
NODE_DOMAIN = b"trustledger/v1/state-node\x00"

PROOF_FORMAT_VERSION = 1
PROOF_SIBLINGS_MAX = KEY_BITS  # split bits strictly increase within 0..255
_SIBLING_BYTES = 1 + HASH_BYTES
PROOF_BYTES_MAX = 2 + 2 * HASH_BYTES + 2 + PROOF_SIBLINGS_MAX * _SIBLING_BYTES

_U32 = struct.Struct(">I")
_U16 = struct.Struct(">H")


class StateTreeError(Exception):
    """Base class of the state tree's errors."""


class ProofFormatError(StateTreeError):
    """Proof bytes (or a Proof object being encoded) are malformed."""


# ---- hashing --------------------------------------------------------------------------


def compute_key_hash(key: bytes, suite: Suite) -> bytes:
    """Where a key lives in the tree: the suite's hash of the key."""
    return suite.hash(key)


def compute_value_hash(key: bytes, value: bytes, suite: Suite) -> bytes:
    """The commitment to one entry's key and value."""
    return suite.hash(VALUE_DOMAIN + _U32.pack(len(key)) + key + value)


def compute_leaf_hash(key_hash: bytes, value_hash: bytes, suite: Suite) -> bytes:
    return suite.hash(LEAF_DOMAIN + key_hash + value_hash)


def compute_node_hash(split_bit: int, left: bytes, right: bytes, suite: Suite) -> bytes:
    return suite.hash(NODE_DOMAIN + bytes((split_bit,)) + left + right)


def get_bit(x: int, i: int) -> int:
    """Bit i of a 256-bit key hash, bit 0 the most significant."""
    return (x >> (KEY_BITS - 1 - i)) & 1


# ---- proofs -----------------------------------------------------------------------------


class ProofKind(IntEnum):
    EMPTY = 0
    """Exclusion: the tree is empty."""
    INCLUSION = 1
    """The key is present; `value_hash` commits to its value."""
    OTHER_LEAF = 2
    """Exclusion: the key's path ends at the leaf of another key hash."""


class Sibling(NamedTuple):
    split_bit: int
    """The bit at which the branch splits (0..255)."""
    hash: bytes
    """The hash of the branch's other child."""


@dataclass(frozen=True, slots=True)
class Proof:
    """A key's inclusion or exclusion under one root. Build with `prove`, check with
    `verify_proof`, ship with `encode_proof` / `decode_proof`."""

    kind: ProofKind
    siblings: tuple[Sibling, ...]
    """The other child of every branch on the key's path, from the root down."""
    leaf_key_hash: bytes = b""
    """OTHER_LEAF only: the key hash of the leaf the path ends at."""
    value_hash: bytes = b""
    """INCLUSION: the key's value hash; OTHER_LEAF: the other leaf's value hash."""

    @property
    def is_inclusion(self) -> bool:
        return self.kind is ProofKind.INCLUSION


def _check_shape(proof: Proof) -> None:
    """Raise ProofFormatError unless the proof is well formed (independent of any key)."""
    if not isinstance(proof, Proof) or not isinstance(proof.kind, ProofKind):
        raise ProofFormatError("not a Proof")
    if not isinstance(proof.siblings, tuple) or len(proof.siblings) > PROOF_SIBLINGS_MAX:
        raise ProofFormatError("siblings must be a tuple of at most 256 entries")
    previous = -1
    for sibling in proof.siblings:
        if not isinstance(sibling, tuple) or len(sibling) != 2:
            raise ProofFormatError("a sibling must be a (split_bit, hash) pair")
        split_bit, sibling_hash = sibling
        if type(split_bit) is not int or not previous < split_bit < KEY_BITS:
            raise ProofFormatError("split bits must strictly increase within 0..255")
        if not isinstance(sibling_hash, bytes) or len(sibling_hash) != HASH_BYTES:
            raise ProofFormatError("a sibling hash must be 32 bytes")
        previous = split_bit
    expected = {
        ProofKind.EMPTY: (0, 0),
        ProofKind.INCLUSION: (0, HASH_BYTES),
        ProofKind.OTHER_LEAF: (HASH_BYTES, HASH_BYTES),
    }[proof.kind]
    lengths = (
        len(proof.leaf_key_hash) if isinstance(proof.leaf_key_hash, bytes) else -1,
        len(proof.value_hash) if isinstance(proof.value_hash, bytes) else -1,
    )
    if lengths != expected:
        raise ProofFormatError(f"a {proof.kind.name} proof needs leaf hashes of {expected} bytes")
    if proof.kind is ProofKind.EMPTY and proof.siblings:
        raise ProofFormatError("an EMPTY proof has no siblings")


def _all_bytes(*items: object) -> bool:
    return all(isinstance(item, bytes) for item in items)


def verify_proof(root: bytes, key: bytes, value: bytes | None, proof: Proof, suite: Suite) -> bool:
    """True iff `proof` shows that under `root`, `key` maps to `value` (None = absent), with
    the hash of `suite`, the chain's.

    Pure: no store, no I/O. A malformed proof, a proof of the other kind, or any
    mismatch gives False; it never raises on bad input.
    """
    try:
        _check_shape(proof)
    except ProofFormatError:
        return False
    if not _all_bytes(root, key):  # untyped callers (the client SDK) get False, not a crash
        return False
    if proof.kind is ProofKind.EMPTY:
        return value is None and root == EMPTY_ROOT
    key_hash = compute_key_hash(key, suite)
    x = int.from_bytes(key_hash, "big")
    if proof.kind is ProofKind.INCLUSION:
        if not isinstance(value, bytes) or proof.value_hash != compute_value_hash(
            key, value, suite
        ):
            return False
        leaf_key_hash = key_hash
    else:
        if value is not None or proof.leaf_key_hash == key_hash:
            return False
        leaf_key_hash = proof.leaf_key_hash
        other = int.from_bytes(leaf_key_hash, "big")
        # The other leaf lies on the key's path, so it agrees at every split on the way.
        if any(get_bit(other, s.split_bit) != get_bit(x, s.split_bit) for s in proof.siblings):
            return False
    node = compute_leaf_hash(leaf_key_hash, proof.value_hash, suite)
    for split_bit, sibling_hash in reversed(proof.siblings):
        if get_bit(x, split_bit):
            node = compute_node_hash(split_bit, sibling_hash, node, suite)
        else:
            node = compute_node_hash(split_bit, node, sibling_hash, suite)
    return node == root


def encode_proof(proof: Proof) -> bytes:
    """Serialise a proof. All integers are big-endian:

        version:u8 (= 1) || kind:u8
        kind EMPTY (0):      nothing more (2 bytes in all)
        kind INCLUSION (1):  value_hash(32) || count:u16 || count x (split_bit:u8 || hash(32))
        kind OTHER_LEAF (2): leaf_key_hash(32) || value_hash(32) || count:u16 || siblings

    Siblings run from the root down with strictly increasing split bits; count <= 256,
    so a proof is at most `PROOF_BYTES_MAX` bytes, and 36 + 33 * depth for an inclusion.
    """
    _check_shape(proof)
    head = bytes((PROOF_FORMAT_VERSION, proof.kind))
    if proof.kind is ProofKind.EMPTY:
        return head
    parts = [head, proof.leaf_key_hash, proof.value_hash, _U16.pack(len(proof.siblings))]
    for split_bit, sibling_hash in proof.siblings:
        parts.append(bytes((split_bit,)))
        parts.append(sibling_hash)
    return b"".join(parts)


def decode_proof_kind(data: bytes) -> ProofKind:
    """The kind in an encoded proof's second byte, after its version (a single proof and a
    batch entry alike); ProofFormatError for an unknown kind, or for an EMPTY proof with
    anything after the kind (it has no body)."""
    try:
        kind = ProofKind(data[1])
    except ValueError:
        raise ProofFormatError(f"unknown proof kind {data[1]}") from None
    if kind is ProofKind.EMPTY and len(data) != 2:
        raise ProofFormatError("an EMPTY proof has no body")
    return kind


def decode_proof(data: bytes) -> Proof:
    """Parse `encode_proof` output strictly; anything else raises ProofFormatError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ProofFormatError("proof must be bytes")
    data = bytes(data)
    if len(data) > PROOF_BYTES_MAX:
        raise ProofFormatError(f"proof is {len(data)} bytes, more than {PROOF_BYTES_MAX}")
    if len(data) < 2:
        raise ProofFormatError("proof is truncated")
    if data[0] != PROOF_FORMAT_VERSION:
        raise ProofFormatError(f"unknown proof format version {data[0]}")
    kind = decode_proof_kind(data)
    if kind is ProofKind.EMPTY:
        return Proof(kind, ())
    at = 2
    leaf_key_hash = b""
    if kind is ProofKind.OTHER_LEAF:
        leaf_key_hash = data[at : at + HASH_BYTES]
        at += HASH_BYTES
    value_hash = data[at : at + HASH_BYTES]
    at += HASH_BYTES
    if len(data) < at + 2:
        raise ProofFormatError("proof is truncated")
    (count,) = _U16.unpack_from(data, at)
    at += 2
    if count > PROOF_SIBLINGS_MAX:
        raise ProofFormatError(f"proof claims {count} siblings, more than {PROOF_SIBLINGS_MAX}")
    if len(data) != at + count * _SIBLING_BYTES:
        raise ProofFormatError(
            f"proof is {len(data)} bytes, expected {at + count * _SIBLING_BYTES} for {count} siblings"
        )
    siblings = tuple(
        Sibling(data[i], data[i + 1 : i + _SIBLING_BYTES])
        for i in range(at, len(data), _SIBLING_BYTES)
    )
    proof = Proof(kind, siblings, leaf_key_hash, value_hash)
    _check_shape(proof)  # split bits strictly increasing
    return proof
