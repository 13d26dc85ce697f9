"""The state tree's edges, found by mutation testing (issue 19, docs/mutation.md): reads and
proofs at an explicit older root, the type check of a write set, and the walks' refusals of a
damaged store. Each test fails if the check or the branch it names is removed.
"""

from __future__ import annotations

import pytest

from node.chain.stateproof import EMPTY_ROOT, ProofKind, verify_proof
from node.ledger.statetree import MemoryNodeStore, StateTree, apply_writes


def test_reads_and_proofs_at_an_explicit_older_root_answer_for_that_version() -> None:
    store = MemoryNodeStore()
    tree = StateTree(store)
    old = tree.apply([(b"k", b"old"), (b"gone", b"here")])
    new = tree.apply([(b"k", b"new"), (b"gone", None), (b"added", b"x")])
    assert tree.root == new != old
    assert tree.get(b"k", old) == b"old" and tree.get(b"k") == b"new"
    assert tree.get(b"gone", old) == b"here" and tree.get(b"gone") is None
    assert tree.get(b"added", old) is None and tree.get(b"added", new) == b"x"
    at_old = tree.prove(b"k", old)
    assert verify_proof(old, b"k", b"old", at_old)
    assert not verify_proof(new, b"k", b"old", at_old)
    assert tree.prove(b"k", new) == tree.prove(b"k") != at_old
    assert verify_proof(old, b"gone", b"here", tree.prove(b"gone", old))
    absent = tree.prove(b"gone")
    assert absent.kind is ProofKind.OTHER_LEAF and verify_proof(new, b"gone", None, absent)
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
    tree = StateTree(store)
    root = tree.apply([(b"a", b"1")])
    before = len(store)
    with pytest.raises(TypeError):
        apply_writes(store, root, [(b"b", b"2"), write])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        tree.apply([write])  # type: ignore[list-item]
    assert tree.root == root and len(store) == before
