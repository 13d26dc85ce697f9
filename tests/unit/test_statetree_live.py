"""A validator's in-memory state tree (node/ledger/statetree_live.py) and the store around it:
the same roots and proofs as the reference tree of stored nodes, exactly the nodes of the
tip kept, rebuilt from the stored state on reopening, and damage refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.chain.stateproof import (
    EMPTY_ROOT,
    KEY_BITS,
    encode_proof,
    verify_proof,
)
from node.chain.statetree import (
    MemoryNodeStore,
    StateTree,
    iter_nodes,
    prove,
)
from node.ledger.statetree_live import LiveTree, TreeMismatch
from node.ledger.store import P_STATE, StorageError, Store
from proto import ledger_pb2
from suites import ED25519_SHA256

keys = st.binary(min_size=0, max_size=2)
values = st.binary(min_size=0, max_size=6)
batches_st = st.lists(
    st.lists(st.tuples(keys, st.none() | values), max_size=25), min_size=1, max_size=6
)


@settings(max_examples=150, deadline=None)
@given(batches=batches_st, probes=st.lists(keys, max_size=8))
def test_live_tree_matches_the_reference_tree_and_keeps_only_the_tip(
    batches: list[list[tuple[bytes, bytes | None]]], probes: list[bytes]
) -> None:
    reference = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    live = LiveTree(ED25519_SHA256)
    seen: set[bytes] = set()
    for writes in batches:
        update = live.update(writes)
        assert update.new_nodes == {}  # shapes only: nothing to store
        live.commit(update)
        assert live.root == reference.apply(writes)
        # Stale nodes went, new ones came: exactly the nodes of the current root.
        reachable = {node for node, _ in iter_nodes(reference._store, live.root)}
        assert set(live._shapes) == reachable
        seen.update(k for k, _ in writes)
    for key in seen | set(probes):
        proof = live.prove(key)
        assert encode_proof(proof) == encode_proof(
            prove(reference._store, live.root, key, ED25519_SHA256)
        )
        assert verify_proof(live.root, key, reference.get(key), proof, ED25519_SHA256)


def test_leaf_shapes_carry_the_value_hash() -> None:
    live = LiveTree(ED25519_SHA256)
    live.commit(live.update([(b"a", b"1")]))
    (shape,) = live._shapes.values()
    assert shape[0] == KEY_BITS
    proof = live.prove(b"a")
    assert proof.is_inclusion and proof.value_hash == shape[1]
    assert not verify_proof(live.root, b"a", b"2", proof, ED25519_SHA256)


def test_an_update_of_another_root_is_refused() -> None:
    live = LiveTree(ED25519_SHA256)
    first = live.update([(b"a", b"1")])
    live.commit(first)
    with pytest.raises(ValueError, match="current root"):
        live.commit(first)  # its prev_root is the empty tree, no longer the tip
    assert live.root == first.root


def test_rebuild_checks_the_root() -> None:
    items = [(b"k%d" % i, b"v%d" % i) for i in range(300)]
    reference = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    root = reference.apply(list(items))
    live = LiveTree(ED25519_SHA256)
    assert live.rebuild(iter(items), root) == 300
    assert live.root == root and len(live) == 2 * 300 - 1
    with pytest.raises(TreeMismatch):
        LiveTree(ED25519_SHA256).rebuild(iter(items[:-1]), root)
    assert LiveTree(ED25519_SHA256).rebuild(iter([]), EMPTY_ROOT) == 0


def _commit(store: Store, writes: list[tuple[bytes, bytes | None]]) -> bytes:
    tree = store.tree.update(writes)
    height = store.tip_height() + 1
    block = ledger_pb2.Block(header=ledger_pb2.BlockHeader(height=height))
    store.commit_block(block, ledger_pb2.BlockResults(height=height), [], writes, [], tree)
    return tree.root


def _genesis(store: Store) -> bytes:
    writes: list[tuple[bytes, bytes | None]] = [(b"g/%d" % i, b"x") for i in range(10)]
    root = StateTree(MemoryNodeStore(), suite=ED25519_SHA256).apply(writes)
    store.init_genesis(b"G" * 32, writes, root)
    return root


def test_store_rebuilds_its_tree_on_reopening(tmp_path: Path) -> None:
    store = Store(tmp_path / "db", ED25519_SHA256)
    genesis_root = _genesis(store)
    assert store.tree.root == genesis_root
    _commit(store, [(b"a", b"1"), (b"b", b"2"), (b"g/3", None)])
    root = _commit(store, [(b"a", b"3")])
    store.close()
    store = Store(tmp_path / "db", ED25519_SHA256)
    assert store.tree.root == root and store.state_root() == root
    assert verify_proof(root, b"a", b"3", store.tree.prove(b"a"), ED25519_SHA256)
    assert verify_proof(root, b"g/3", None, store.tree.prove(b"g/3"), ED25519_SHA256)
    store.close()


def test_a_block_for_another_tree_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "db", ED25519_SHA256)
    _genesis(store)
    stale = store.tree.update([(b"a", b"1")])
    _commit(store, [(b"b", b"2")])
    block = ledger_pb2.Block(header=ledger_pb2.BlockHeader(height=2))
    with pytest.raises(StorageError, match="another state tree"):
        store.commit_block(block, ledger_pb2.BlockResults(), [], [(b"a", b"1")], [], stale)
    assert store.tip_height() == 1 and store.state_get(b"a") is None
    store.close()


def test_a_damaged_state_is_refused_on_opening(tmp_path: Path) -> None:
    store = Store(tmp_path / "db", ED25519_SHA256)
    _genesis(store)
    _commit(store, [(b"a", b"1")])
    store._db.put(P_STATE + b"a", b"tampered")
    store.close()
    with pytest.raises(StorageError, match="damaged"):
        Store(tmp_path / "db", ED25519_SHA256)
