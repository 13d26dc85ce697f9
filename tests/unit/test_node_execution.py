"""Executing blocks against a real LevelDB store: determinism, atomic commit, replays."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.chain.crypto import KeyPair
from node.chain.stateproof import verify_proof
from node.chain.tx import build_tx
from node.genesis import Genesis
from node.ledger.execution import BlockInvalid, Executed
from node.ledger.store import StorageError, Store
from node.ledger.world import World
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit.node_support import diploma_genesis, execute_txs, issue_diploma

EDU = KeyPair(b"\x01" * 32)
HOLDER = KeyPair(b"\x02" * 32)


def genesis() -> Genesis:
    return diploma_genesis("unit-chain", [KeyPair(b"\x09" * 32).public_key], EDU)


def open_store(path: Path, g: Genesis) -> Store:
    store = Store(path, ED25519_SHA256)
    store.init_genesis(g.hash, g.state_writes(), g.state_root)
    return store


def issue_txs(g: Genesis, n: int) -> list[ledger_pb2.Transaction]:
    return [
        issue_diploma(
            g.chain_id, EDU, HOLDER, f"cert-unit-{i:04d}", f"{i:02x}" * 32, bytes([i]) * 16
        )
        for i in range(n)
    ]


def commit(store: Store, g: Genesis, txs: list[ledger_pb2.Transaction], executed: Executed) -> None:
    block = ledger_pb2.Block(header=ledger_pb2.BlockHeader(height=store.tip_height() + 1), txs=txs)
    World(store, g).commit(block, executed)


def test_two_replicas_get_identical_results(tmp_path: Path) -> None:
    g = genesis()
    a, b = open_store(tmp_path / "a", g), open_store(tmp_path / "b", g)
    txs = issue_txs(g, 6)
    txs.append(
        build_tx(
            g.chain_id,
            HOLDER,
            "certificates",
            "issue",
            {"cert_id": "cert-unit-bad1"},
            nonce=b"\x07" * 16,
        )
    )
    ea, eb = execute_txs(a, g, txs, 1), execute_txs(b, g, txs, 1)
    assert (ea.state_root, ea.results_root, ea.tx_root) == (
        eb.state_root,
        eb.results_root,
        eb.tx_root,
    )
    assert ea.results.SerializeToString(deterministic=True) == eb.results.SerializeToString(
        deterministic=True
    )
    assert [r.ok for r in ea.results.results] == [True] * 6 + [False]
    assert ea.results.results[-1].error_code in ("invalid_argument", "permission_denied")


def test_commit_is_atomic_and_survives_reopen(tmp_path: Path) -> None:
    g = genesis()
    store = open_store(tmp_path / "db", g)
    txs = issue_txs(g, 3)
    executed = execute_txs(store, g, txs, 1)
    commit(store, g, txs, executed)
    store.close()
    store = open_store(tmp_path / "db", g)
    assert store.tip_height() == 1
    assert store.state_root() == executed.state_root
    assert store.tx_location(executed.tx_hashes[2]) == (1, 2)
    assert store.state_get(b"certificates/cert/cert-unit-0001") is not None
    # The header's state root authenticates every state entry, present or absent.
    key = b"certificates/cert/cert-unit-0001"
    # The reopened store rebuilt its tree from the stored state, to the committed root.
    assert store.tree.root == executed.state_root
    value, proof = store.state_get(key), store.tree.prove(key)
    assert value == store.state_get(key)
    assert verify_proof(executed.state_root, key, value, proof, ED25519_SHA256)
    assert not verify_proof(executed.state_root, key, (value or b"") + b" ", proof, ED25519_SHA256)
    absent = store.state_get(b"certificates/cert/nope")
    exclusion = store.tree.prove(b"certificates/cert/nope")
    assert absent is None and verify_proof(
        executed.state_root, b"certificates/cert/nope", None, exclusion, ED25519_SHA256
    )
    # A block that does not follow the tip is refused and writes nothing.
    assert executed.tree is not None
    with pytest.raises(StorageError):
        block = ledger_pb2.Block(header=ledger_pb2.BlockHeader(height=5))
        store.commit_block(block, executed.results, [], [(b"x", b"y")], [], executed.tree)
    assert store.state_get(b"x") is None and store.tip_height() == 1
    store.close()


def test_replays_make_a_block_invalid(tmp_path: Path) -> None:
    g = genesis()
    store = open_store(tmp_path / "db", g)
    txs = issue_txs(g, 2)
    with pytest.raises(BlockInvalid, match="replay"):
        execute_txs(store, g, [txs[0], txs[1], txs[0]], 1)
    commit(store, g, txs, execute_txs(store, g, txs, 1))
    with pytest.raises(BlockInvalid, match="replay"):
        execute_txs(store, g, [txs[1]], 2)


def test_rejected_call_changes_no_state_but_is_indexed(tmp_path: Path) -> None:
    g = genesis()
    store = open_store(tmp_path / "db", g)
    ok = issue_txs(g, 1)
    commit(store, g, ok, execute_txs(store, g, ok, 1))
    root = store.state_root()
    # Admissible (declared arguments, nothing personal: a proposal with an inadmissible call
    # is refused before execution), refused by the contract: only the issuer may revoke.
    bad = [
        build_tx(
            g.chain_id,
            HOLDER,
            "certificates",
            "revoke",
            {"cert_id": "cert-unit-0000", "reason": "superseded"},
            nonce=b"\x05" * 16,
        )
    ]
    executed = execute_txs(store, g, bad, 2)
    assert executed.writes == [] and executed.state_root == root
    assert not executed.results.results[0].ok
    assert "cert-unit-0000" in {e.subject for e in executed.index}


def test_another_chains_database_is_refused(tmp_path: Path) -> None:
    g = genesis()
    open_store(tmp_path / "db", g).close()
    other = Genesis(g.chain_id + "-2", g.genesis_time_ms, g.validators, g.organisations)
    store = Store(tmp_path / "db", ED25519_SHA256)
    with pytest.raises(StorageError, match="another genesis"):
        store.init_genesis(other.hash, other.state_writes(), other.state_root)
    store.close()
