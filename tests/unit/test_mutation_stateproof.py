"""The state proof format's edges, found by mutation testing (issue 19, docs/mutation.md): the
size limits at their exact edge, a forged sibling at split bit 256, and the verifier's checks
of a proof's kind against the claimed value. Refusals are ProofFormatError (decoding,
encoding) or False (verify_proof never raises); each test fails if its check is removed.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable

import pytest

from node.chain.stateproof import (
    EMPTY_ROOT,
    KEY_BITS,
    PROOF_BYTES_MAX,
    PROOF_SIBLINGS_MAX,
    Proof,
    ProofFormatError,
    ProofKind,
    Sibling,
    compute_key_hash,
    compute_leaf_hash,
    compute_node_hash,
    compute_value_hash,
    decode_proof,
    encode_proof,
    verify_proof,
)
from node.chain.statetree import MemoryNodeStore, StateTree
from suites import ED25519_SHA256

HASH = b"\x5a" * 32


def every_bit(kind: ProofKind) -> Proof:
    """The largest well formed proof of `kind`: a sibling at each of the 256 split bits."""
    siblings = tuple(Sibling(bit, bytes([bit]) * 32) for bit in range(KEY_BITS))
    return Proof(kind, siblings, HASH if kind is ProofKind.OTHER_LEAF else b"", HASH)


def test_the_largest_proof_is_exactly_the_byte_limit_and_one_more_byte_is_refused() -> None:
    raw = encode_proof(every_bit(ProofKind.OTHER_LEAF))
    assert len(raw) == PROOF_BYTES_MAX
    assert decode_proof(raw) == every_bit(ProofKind.OTHER_LEAF)
    with pytest.raises(ProofFormatError):
        decode_proof(raw + b"\x00")


def test_a_sibling_count_over_the_limit_is_refused_and_the_limit_itself_accepted() -> None:
    """The limits are layered (byte size, count, exact length, strictly increasing split
    bits): each refuses what the others would, so only their edges are observable here."""
    head = b"\x01\x01" + HASH
    assert decode_proof(head + struct.pack(">H", 0)).siblings == ()
    for count in (PROOF_SIBLINGS_MAX + 1, 0xFFFF):
        with pytest.raises(ProofFormatError):
            decode_proof(head + struct.pack(">H", count))
    raw = encode_proof(every_bit(ProofKind.INCLUSION))
    assert struct.unpack_from(">H", raw, 34) == (PROOF_SIBLINGS_MAX,)
    assert len(decode_proof(raw).siblings) == PROOF_SIBLINGS_MAX


def test_more_siblings_than_split_bits_never_encode() -> None:
    too_many = (*every_bit(ProofKind.INCLUSION).siblings, Sibling(255, HASH))
    with pytest.raises(ProofFormatError):
        encode_proof(Proof(ProofKind.INCLUSION, too_many, b"", HASH))


def forged_at_bit_256(key: bytes, value: bytes) -> tuple[bytes, Proof]:
    """An inclusion proof of (key, value) whose one sibling sits at split bit 256, and the
    root a forger would pair it with (hashed as if bit 256 were a split: it is not)."""
    value_hash = compute_value_hash(key, value, ED25519_SHA256)
    leaf = compute_leaf_hash(compute_key_hash(key, ED25519_SHA256), value_hash, ED25519_SHA256)
    root = compute_node_hash(0, leaf, HASH, ED25519_SHA256)
    return root, Proof(ProofKind.INCLUSION, (Sibling(KEY_BITS, HASH),), b"", value_hash)


def test_a_forged_sibling_at_split_bit_256_is_refused_without_raising() -> None:
    root, forged = forged_at_bit_256(b"k", b"v")
    assert verify_proof(root, b"k", b"v", forged, ED25519_SHA256) is False
    for kind in (ProofKind.INCLUSION, ProofKind.OTHER_LEAF):
        with pytest.raises(ProofFormatError):
            encode_proof(
                Proof(kind, (Sibling(3, HASH), Sibling(KEY_BITS, HASH)), b"", HASH)
                if kind is ProofKind.INCLUSION
                else Proof(kind, (Sibling(KEY_BITS, HASH),), HASH, HASH)
            )


def test_a_split_bit_of_255_is_the_last_one_allowed() -> None:
    proof = Proof(ProofKind.INCLUSION, (Sibling(KEY_BITS - 1, HASH),), b"", HASH)
    assert decode_proof(encode_proof(proof)) == proof


@pytest.mark.parametrize("bit", [-1, True, 2.0])
def test_a_split_bit_that_is_no_bit_index_is_refused(bit: object) -> None:
    proof = Proof(ProofKind.INCLUSION, (Sibling(bit, HASH),), b"", HASH)  # type: ignore[arg-type]
    with pytest.raises(ProofFormatError):
        encode_proof(proof)
    assert verify_proof(EMPTY_ROOT, b"k", b"v", proof, ED25519_SHA256) is False


def test_an_empty_proof_proves_absence_under_the_empty_root_only() -> None:
    empty = Proof(ProofKind.EMPTY, ())
    assert verify_proof(EMPTY_ROOT, b"k", None, empty, ED25519_SHA256) is True
    assert verify_proof(EMPTY_ROOT, b"k", b"", empty, ED25519_SHA256) is False
    assert verify_proof(HASH, b"k", None, empty, ED25519_SHA256) is False


# ---- a real proof in the wrong types, or claiming the key's own leaf ----------------------


def real_proof() -> tuple[bytes, Proof]:
    """A root of a few entries and the inclusion proof of b"k" (which has siblings)."""
    tree = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    root = tree.apply([(b"k", b"v"), *((b"o%d" % i, b"x") for i in range(8))])
    proof = tree.prove(b"k")
    assert proof.siblings and verify_proof(root, b"k", b"v", proof, ED25519_SHA256)
    return root, proof


@pytest.mark.parametrize(
    "retyped",
    [
        lambda p: dataclasses.replace(p, siblings=list(p.siblings)),
        lambda p: dataclasses.replace(p, siblings=tuple(list(s) for s in p.siblings)),
        lambda p: dataclasses.replace(
            p,
            siblings=tuple(Sibling(s.split_bit, bytearray(s.hash)) for s in p.siblings),  # type: ignore[arg-type]
        ),
        lambda p: dataclasses.replace(p, value_hash=bytearray(p.value_hash)),
    ],
    ids=["siblings a list", "a sibling a list", "a sibling hash a bytearray", "value hash"],
)
def test_a_true_proof_in_the_wrong_types_is_refused(retyped: Callable[[Proof], Proof]) -> None:
    """Same values, other containers: the format is exact, so these are malformed (they
    would otherwise verify: every hash in them is right)."""
    root, proof = real_proof()
    changed = retyped(proof)
    assert verify_proof(root, b"k", b"v", changed, ED25519_SHA256) is False
    with pytest.raises(ProofFormatError):
        encode_proof(changed)


def test_an_empty_proof_with_hash_fields_that_are_not_bytes_is_malformed() -> None:
    odd = Proof(ProofKind.EMPTY, (), None, None)  # type: ignore[arg-type]
    assert verify_proof(EMPTY_ROOT, b"k", None, odd, ED25519_SHA256) is False
    with pytest.raises(ProofFormatError):
        encode_proof(odd)


def test_an_exclusion_naming_the_keys_own_leaf_is_refused() -> None:
    """The 'other' leaf of an exclusion proof must be another key's: naming the key's own
    leaf (with its real value hash) would hash up to the true root and prove a present key
    absent."""
    root, proof = real_proof()
    forged = Proof(
        ProofKind.OTHER_LEAF,
        proof.siblings,
        compute_key_hash(b"k", ED25519_SHA256),
        proof.value_hash,
    )
    assert decode_proof(encode_proof(forged)) == forged  # well formed
    assert verify_proof(root, b"k", None, forged, ED25519_SHA256) is False


@pytest.mark.parametrize("as_type", [bytearray, memoryview])
def test_a_root_or_key_that_is_not_bytes_is_refused_even_when_equal(
    as_type: Callable[[bytes], object],
) -> None:
    """A bytearray equal to the true root (or key) would hash and compare equal: the type
    check is what refuses it."""
    root, proof = real_proof()
    assert verify_proof(as_type(root), b"k", b"v", proof, ED25519_SHA256) is False  # type: ignore[arg-type]
    assert verify_proof(root, as_type(b"k"), b"v", proof, ED25519_SHA256) is False  # type: ignore[arg-type]
    empty = Proof(ProofKind.EMPTY, ())
    assert verify_proof(EMPTY_ROOT, b"k", None, empty, ED25519_SHA256) is True
    assert verify_proof(EMPTY_ROOT, as_type(b"k"), None, empty, ED25519_SHA256) is False  # type: ignore[arg-type]
    assert verify_proof(EMPTY_ROOT, "k", None, empty, ED25519_SHA256) is False  # type: ignore[arg-type]
