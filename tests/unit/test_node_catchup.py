"""State transfer applies certified blocks in groups (node/catchup.py
`CatchUp.apply_run`): one state-tree update and one write batch per group, with every
block still checked. Real Node objects on real LevelDB stores, no network: a one-validator
chain commits blocks by itself and a fresh node applies them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from consensus.crypto import Ed25519Signer
from consensus.messages import PrePrepare
from consensus.signing import preprepare_sign_bytes
from node import limits
from node.admission import SubmitRejected
from node.catchup import CatchUp
from node.chain.crypto import KeyPair
from node.chain.tx import tx_hash
from node.chain.wire import encode_record, wal_key_of
from node.genesis import Genesis
from node.ledger.wal import Wal, WalEntry
from node.runtime import Node
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.unit.node_support import diploma_genesis, issue_diploma, open_node

VALIDATOR = KeyPair(b"\x21" * 32)
EDU = KeyPair(b"\x22" * 32)
HOLDER = KeyPair(b"\x23" * 32)
CHAIN = "unit-catchup"


def genesis() -> Genesis:
    return diploma_genesis("unit-catchup", [VALIDATOR.public_key], EDU)


def new_node(path: Path) -> Node:
    return open_node(path, genesis(), VALIDATOR)


def issue(i: int) -> ledger_pb2.Transaction:
    cert_id, doc_hash = f"cert-catchup-{i:05d}", f"{i % 256:02x}" * 32
    return issue_diploma(genesis().chain_id, EDU, HOLDER, cert_id, doc_hash, i.to_bytes(16, "big"))


def build_chain(path: Path, blocks: int, per_block: int) -> list[ledger_pb2.Block]:
    """A one-validator chain of `blocks` certified blocks, each of `per_block` issues."""

    async def run() -> list[ledger_pb2.Block]:
        node = new_node(path)
        for b in range(blocks):
            for i in range(per_block):
                node.admission.admit(issue(b * per_block + i), forward=False)
            node.drive()
            assert node.store.tip_height() == b + 1, "a lone validator commits at once"
        out = [node.store.get_block(h) for h in range(1, blocks + 1)]
        node.store.close()
        return [b for b in out if b is not None]

    return asyncio.run(run())


def test_groups_apply_a_chain_exactly_as_it_was_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = build_chain(tmp_path / "source", blocks=7, per_block=3)
    monkeypatch.setattr(limits, "CATCHUP_GROUP_TXS_MAX", 6)  # groups of two blocks
    node = new_node(tmp_path / "fresh")
    batches: list[list[int]] = []
    real = node.store.commit_blocks

    def spy(items, tree):  # type: ignore[no-untyped-def]
        batches.append([item.block.header.height for item in items])
        real(items, tree)

    monkeypatch.setattr(node.store, "commit_blocks", spy)
    applied, error = asyncio.run(node.catchup.apply_run(chain))
    assert (applied, error) == (7, None)
    assert batches == [[1, 2], [3, 4], [5, 6], [7]]
    assert node.store.tree.root == chain[-1].header.state_root == node.store.state_root()
    for block in chain:
        stored = node.store.get_block(block.header.height)
        assert stored is not None
        assert stored.SerializeToString(deterministic=True) == block.SerializeToString(
            deterministic=True
        )
    # Applied blocks are skipped when offered again.
    assert asyncio.run(node.catchup.apply_run(chain)) == (0, None)
    node.store.close()


def test_a_bad_block_stops_the_run_after_the_good_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = build_chain(tmp_path / "source", blocks=5, per_block=2)
    monkeypatch.setattr(limits, "CATCHUP_GROUP_TXS_MAX", 100)  # one group for all
    bad = ledger_pb2.Block()
    bad.CopyFrom(chain[3])
    bad.txs[0].body.nonce = b"\x00" * 16  # a body its signature (and the header) do not fit
    node = new_node(tmp_path / "fresh")
    applied, error = asyncio.run(node.catchup.apply_run([*chain[:3], bad, chain[4]]))
    assert applied == 3 and error is not None and error.startswith("block 4:")
    assert node.store.tip_height() == 3
    assert node.store.tree.root == chain[2].header.state_root
    node.store.close()


def test_a_group_whose_state_root_disagrees_is_applied_block_by_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = build_chain(tmp_path / "source", blocks=4, per_block=2)
    node = new_node(tmp_path / "fresh")
    real_update = node.store.tree.update

    def wrong_once(writes):  # type: ignore[no-untyped-def]
        update = real_update(writes)
        monkeypatch.setattr(node.store.tree, "update", real_update)
        return type(update)(update.prev_root, b"\x01" * 32, {}, frozenset(), {})

    monkeypatch.setattr(node.store.tree, "update", wrong_once)
    singles: list[int] = []
    real_apply = CatchUp.apply_one

    def spy(self: CatchUp, block: ledger_pb2.Block) -> None:
        singles.append(block.header.height)
        real_apply(self, block)

    monkeypatch.setattr(CatchUp, "apply_one", spy)
    assert asyncio.run(node.catchup.apply_run(chain)) == (4, None)
    assert singles == [1, 2, 3, 4]  # the fallback checked each block's own state root
    assert node.store.tree.root == chain[-1].header.state_root
    node.store.close()


def test_a_transaction_committed_by_state_transfer_leaves_the_mempool_and_is_a_replay(
    tmp_path: Path,
) -> None:
    # The replay check trusts the mempool never to hold a committed transaction.
    chain = build_chain(tmp_path / "source", blocks=2, per_block=2)
    node = new_node(tmp_path / "fresh")
    pending = chain[1].txs[0]
    node.admission.admit(pending, forward=False)
    assert len(node.mempool) == 1
    assert asyncio.run(node.catchup.apply_run(chain)) == (2, None)
    assert len(node.mempool) == 0
    assert node.blocks.is_committed(tx_hash(pending, ED25519_SHA256))
    with pytest.raises(SubmitRejected, match="replay"):
        node.admission.admit(pending, forward=False)
    node.store.close()


def test_a_primary_proposes_at_most_its_own_limit_and_accepts_up_to_the_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = build_chain(tmp_path / "source", blocks=1, per_block=5)
    monkeypatch.setattr(limits, "PROPOSE_TXS_MAX", 2)

    async def propose() -> list[int]:
        node = new_node(tmp_path / "proposer")
        for i in range(100, 105):
            node.admission.admit(issue(i), forward=False)
        node.drive()  # proposes and commits until the mempool is empty
        blocks = [node.store.get_block(h) for h in range(1, node.store.tip_height() + 1)]
        node.store.close()
        return [len(b.txs) for b in blocks if b is not None]

    assert asyncio.run(propose()) == [2, 2, 1]
    # A block larger than this node would propose (up to BLOCK_TXS_MAX) is still accepted.
    follower = new_node(tmp_path / "follower")
    assert asyncio.run(follower.catchup.apply_run(chain)) == (1, None)
    follower.store.close()


def test_a_node_whose_wal_is_ahead_of_its_ledger_catches_up_before_taking_part(
    tmp_path: Path,
) -> None:
    """The database lost, the WAL kept: the node holds a vote it signed at height 40 while
    its ledger is empty (beyond the replica's window of 32 heights). It must neither refuse to start nor forget that vote: it waits for
    blocks from its peers, and takes its WAL back once the ledger has reached it."""
    chain = build_chain(tmp_path / "source", blocks=45, per_block=1)
    home = tmp_path / "wiped"
    home.mkdir()
    digest = b"\x5a" * 32
    signer = Ed25519Signer("val-0", VALIDATOR.seed)
    vote = PrePrepare(
        0, 40, digest, b"payload", "val-0", signer.sign(preprepare_sign_bytes(CHAIN, 0, 40, digest))
    )
    wal = Wal(home / "consensus.wal")
    wal.append([WalEntry(*wal_key_of(vote), encode_record(vote))])
    wal.close()

    async def run() -> None:
        node = new_node(home)  # before: ConsensusError, "beyond the window"
        assert node.wal_ahead() == 40
        with pytest.raises(TimeoutError):  # no peer to catch up from: it keeps waiting
            await asyncio.wait_for(node.start(), 0.3)
        assert await node.catchup.apply_run(chain[:5]) == (5, None)
        assert node.wal_ahead() == 40  # 5 + one checkpoint interval is still below it
        assert await node.catchup.apply_run(chain) == (40, None)
        assert node.wal_ahead() is None
        await asyncio.wait_for(node.start(), 5)
        assert node.replica.committed_height == 45
        await node.close()
        node.store.close()

    asyncio.run(run())
