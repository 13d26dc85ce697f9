"""The state tree's edges, found by mutation testing (issue 19, docs/mutation.md): reads and
proofs at an explicit older root, the type check of a write set, and the walks' refusals of a
damaged store. Each test fails if the check or the branch it names is removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from node.chain.stateproof import EMPTY_ROOT, KEY_BITS, ProofKind, verify_proof
from node.chain.statetree import (
    CorruptNodeError,
    MemoryNodeStore,
    Shape,
    StateTree,
    apply_writes,
    build_tree,
    decode_shape,
    encode_branch,
    iter_nodes,
    prove,
    prove_from_shapes,
)
from suites import ED25519_SHA256


def test_reads_and_proofs_at_an_explicit_older_root_answer_for_that_version() -> None:
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    old = tree.apply([(b"k", b"old"), (b"gone", b"here")])
    new = tree.apply([(b"k", b"new"), (b"gone", None), (b"added", b"x")])
    assert tree.root == new != old
    assert tree.get(b"k", old) == b"old" and tree.get(b"k") == b"new"
    assert tree.get(b"gone", old) == b"here" and tree.get(b"gone") is None
    assert tree.get(b"added", old) is None and tree.get(b"added", new) == b"x"
    at_old = tree.prove(b"k", old)
    assert verify_proof(old, b"k", b"old", at_old, ED25519_SHA256)
    assert not verify_proof(new, b"k", b"old", at_old, ED25519_SHA256)
    assert tree.prove(b"k", new) == tree.prove(b"k") != at_old
    assert verify_proof(old, b"gone", b"here", tree.prove(b"gone", old), ED25519_SHA256)
    absent = tree.prove(b"gone")
    assert absent.kind is ProofKind.OTHER_LEAF and verify_proof(
        new, b"gone", None, absent, ED25519_SHA256
    )
    # The empty tree is a version too.
    assert tree.get(b"k", EMPTY_ROOT) is None
    assert tree.prove(b"k", EMPTY_ROOT).kind is ProofKind.EMPTY


@pytest.mark.parametrize(
    "write",
    [
        (bytearray(b"k"), b"v"),  # hashes like bytes: only the type check refuses it
        (memoryview(b"k"), b"v"),
        ("k", b"v"),
        (b"k", bytearray(b"v")),
        (b"k", "v"),
    ],
)
def test_a_write_that_is_not_bytes_to_bytes_or_none_is_a_type_error(write: object) -> None:
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    root = tree.apply([(b"a", b"1")])
    before = len(store)
    with pytest.raises(TypeError):
        apply_writes(store, root, [(b"b", b"2"), write], suite=ED25519_SHA256)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        tree.apply([write])  # type: ignore[list-item]
    assert tree.root == root and len(store) == before


def test_a_whole_state_built_at_once_starts_from_the_empty_root() -> None:
    update = build_tree([(b"a", b"1"), (b"b", b"2")], ED25519_SHA256)
    assert update.prev_root == EMPTY_ROOT
    assert update.root == StateTree(MemoryNodeStore(), suite=ED25519_SHA256).apply(
        [(b"b", b"2"), (b"a", b"1")]
    )
    assert update.stale_nodes == frozenset()


# ---- a damaged store: a child that splits at or above its parent ------------------------

LEFT_LEAF = b"\x0a" * 32
CHILD = b"\x0c" * 32
ROOT = b"\x0d" * 32


def damaged_on_the_right() -> dict[bytes, Shape]:
    """A root splitting at bit 5 whose LEFT child is a leaf and whose RIGHT child splits at
    bit 5 again (over two leaves): only the right-hand walk meets the damage."""
    leaf = (KEY_BITS, b"\x01" * 32, b"", 0)
    return {
        ROOT: (5, LEFT_LEAF, CHILD, 0),
        CHILD: (5, b"\x0e" * 32, b"\x0f" * 32, 1 << (KEY_BITS - 6)),
        LEFT_LEAF: leaf,
        b"\x0e" * 32: leaf,
        b"\x0f" * 32: leaf,
    }


def damaged_on_the_left() -> dict[bytes, Shape]:
    """The mirror of `damaged_on_the_right`: the root's LEFT child splits at bit 5 again."""
    leaf = (KEY_BITS, b"\x01" * 32, b"", 0)
    return {
        ROOT: (5, CHILD, LEFT_LEAF, 0),
        CHILD: (5, b"\x0e" * 32, b"\x0f" * 32, 0),
        LEFT_LEAF: leaf,
        b"\x0e" * 32: leaf,
        b"\x0f" * 32: leaf,
    }


def keys_starting(bits: int, count: int) -> list[bytes]:
    """`count` keys whose hashes start with the six bits `bits` (bit 0 first): below the
    damaged root's path (bits 0..4 zero) and on the side bit 5 says."""
    found = (b"k%d" % i for i in range(20_000))
    return [k for k in found if hashlib.sha256(k).digest()[0] >> 2 == bits][:count]


class Shapes:
    def __init__(self, shapes: dict[bytes, Shape]) -> None:
        self._shapes = shapes

    def get_shape(self, node_hash: bytes) -> Shape | None:
        return self._shapes.get(node_hash)

    def get_node(self, node_hash: bytes) -> bytes | None:
        shape = self._shapes.get(node_hash)
        if shape is None:
            return None
        split_bit, left, right, rep = shape
        if split_bit == KEY_BITS:
            return b"\x00" + rep.to_bytes(32, "big") + bytes(4) + node_hash
        return encode_branch(split_bit, left, right, rep)


def test_a_right_child_splitting_where_its_parent_did_stops_every_walk() -> None:
    store = Shapes(damaged_on_the_right())
    with pytest.raises(CorruptNodeError):
        list(iter_nodes(store, ROOT))
    key_going_right = next(
        k for k in (b"k%d" % i for i in range(200)) if (hashlib.sha256(k).digest()[0] >> 2) & 1
    )
    with pytest.raises(CorruptNodeError):
        prove_from_shapes(store, ROOT, key_going_right, ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        prove(store, ROOT, key_going_right, ED25519_SHA256)


def test_a_left_child_splitting_where_its_parent_did_stops_every_walk() -> None:
    """The mirror of the test above (a check one bit weaker on the left side only would
    let the listing of `at_bit_0`'s looping store in the older test run without end)."""
    store = Shapes(damaged_on_the_left())
    with pytest.raises(CorruptNodeError):
        list(iter_nodes(store, ROOT))
    (key_going_left,) = keys_starting(0b000000, 1)
    with pytest.raises(CorruptNodeError):
        prove_from_shapes(store, ROOT, key_going_left, ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        prove(store, ROOT, key_going_left, ED25519_SHA256)


@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize(
    ("damaged", "bits"), [(damaged_on_the_right, 0b000001), (damaged_on_the_left, 0b000000)]
)
def test_writes_walking_into_a_child_that_splits_where_its_parent_did_are_refused(
    damaged: Callable[[], dict[bytes, Shape]], bits: int, count: int
) -> None:
    """One write (the single-write walk) and two (the batch walk) going down the damaged
    side: the child's split bit is checked against its parent's on either side, rather
    than the walk going on (a check one bit weaker lets the walk pass; on a looping store
    one that never ends)."""
    writes = [(key, b"v") for key in keys_starting(bits, count)]
    assert len(writes) == count
    store = Shapes(damaged())
    with pytest.raises(CorruptNodeError):
        apply_writes(store, ROOT, writes, suite=ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        apply_writes(store, ROOT, writes, encode=False, suite=ED25519_SHA256)


def test_a_node_that_does_not_decode_is_a_corrupt_node_on_every_path() -> None:
    """Batch updates read shapes (`decode_shape`), proofs read nodes (`_load`): both name
    the damage as CorruptNodeError, not as some other failure."""
    store = MemoryNodeStore()
    garbage = b"\xdd" * 32
    store.put_nodes({garbage: b"\x07garbage"})
    with pytest.raises(CorruptNodeError):
        decode_shape(garbage, b"\x07garbage", ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        apply_writes(store, garbage, [(b"k", b"v"), (b"other", b"w")], suite=ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        apply_writes(store, garbage, [(b"k", b"v")], suite=ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        prove(store, garbage, b"k", ED25519_SHA256)


def test_a_leaf_whose_key_length_overruns_its_bytes_is_a_corrupt_node() -> None:
    store = MemoryNodeStore()
    bad = b"\xbb" * 32
    key_hash = hashlib.sha256(b"k").digest()
    store.put_nodes({bad: b"\x00" + key_hash + (50).to_bytes(4, "big") + b"k" + b"v"})
    with pytest.raises(CorruptNodeError):
        prove(store, bad, b"k", ED25519_SHA256)
    with pytest.raises(CorruptNodeError):
        decode_shape(bad, store.get_node(bad) or b"", ED25519_SHA256)


class DecodedShapes(MemoryNodeStore):
    """A store that also answers shapes, decoded from its nodes (as LevelDBNodeStore does)."""

    def get_shape(self, node_hash: bytes) -> Shape | None:
        raw = self.get_node(node_hash)
        return None if raw is None else decode_shape(node_hash, raw, ED25519_SHA256)


def test_proofs_from_decoded_shapes_equal_proofs_from_nodes() -> None:
    store = DecodedShapes()
    tree = StateTree(store, suite=ED25519_SHA256)
    root = tree.apply([(b"k%d" % i, b"v%d" % i) for i in range(40)])
    for key in [b"k0", b"k17", b"k39", b"absent", b"also absent"]:
        assert prove_from_shapes(store, root, key, ED25519_SHA256) == prove(
            store, root, key, ED25519_SHA256
        )
    single = build_tree([(b"only", b"one")], ED25519_SHA256)
    alone = DecodedShapes()
    alone.put_nodes(single.new_nodes)
    assert prove_from_shapes(alone, single.root, b"only", ED25519_SHA256) == prove(
        alone, single.root, b"only", ED25519_SHA256
    )


class FieldNamedGetShape(MemoryNodeStore):
    """A node store with a data attribute that happens to be called `get_shape`: not a
    shape cache (`ShapeReader`), so updates read its nodes."""

    def __init__(self) -> None:
        super().__init__()
        self.get_shape = "not a method"


def test_a_reader_whose_get_shape_is_not_a_method_is_read_by_its_nodes() -> None:
    items = [(b"k%d" % i, b"v%d" % i) for i in range(20)]
    store = FieldNamedGetShape()
    root = StateTree(store, suite=ED25519_SHA256).apply(items)
    writes: list[tuple[bytes, bytes | None]] = [(b"k3", b"w"), (b"k4", None), (b"new", b"x")]
    update = apply_writes(store, root, writes, suite=ED25519_SHA256)
    reference = MemoryNodeStore()
    reference_root = StateTree(reference, suite=ED25519_SHA256).apply(items)
    assert update == apply_writes(reference, reference_root, writes, suite=ED25519_SHA256)
    assert update.root != root
