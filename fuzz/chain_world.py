"""Two validators' stores on the fixed chain of `fuzz.fixtures`, in a temporary folder: the
primary (val-0) has proposed and committed block 1 (the seed transactions it admits), the
backup (val-1) is at height 0 and checks proposals for height 1. From them come the seeds
of the block and certificate-proof targets and the state those targets check against."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from consensus.messages import CommitCertificate, Vote
from consensus.signing import commit_sign_bytes
from consensus.validators import ValidatorSchedule
from contracts.certificates.records import get_cert_key
from fuzz import fixtures
from node.admission import check_for_admission
from node.blocks import Blocks
from node.chain.headers import header_hash
from node.chain.stateproof import encode_proof
from node.chain.tx import TxInvalid
from node.chain.wire import certificate_to_proto
from node.ledger.store import Store
from node.ledger.world import World
from node.mempool import Mempool
from node.metrics import NodeMetrics
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256


def _blocks(world: World, validator_id: str) -> Blocks:
    schedule = ValidatorSchedule.starting_with(fixtures.VALIDATORS)
    return Blocks(world, Mempool(), NodeMetrics(), validator_id, lambda: schedule)


def sign_commit(height: int, view: int, digest: bytes) -> CommitCertificate:
    """A commit certificate from val-0, val-1 and val-2 (a quorum of four)."""
    msg = commit_sign_bytes(fixtures.CHAIN, view, height, digest)
    votes = tuple(Vote(v, fixtures.SIGNERS[v].sign(msg)) for v in ("val-0", "val-1", "val-2"))
    return CommitCertificate(height=height, digest=digest, votes=votes, view=view)


@dataclass
class ChainWorld:
    folder: tempfile.TemporaryDirectory[str]
    primary: Blocks
    backup: Blocks
    proposal: bytes
    """Block 1 as val-0 proposed it (no certificate)."""
    proven: node_pb2.ProvenState
    """The diploma's state entry proven against block 1 at the primary."""

    def close(self) -> None:
        self.primary.world.store.close()
        self.backup.world.store.close()
        self.folder.cleanup()


def open_chain_world() -> ChainWorld:
    folder = tempfile.TemporaryDirectory(prefix="trustledger-fuzz-")
    root = Path(folder.name)
    primary = _blocks(World(Store(root / "a", fixtures.GENESIS.suite), fixtures.GENESIS), "val-0")
    backup = _blocks(World(Store(root / "b", fixtures.GENESIS.suite), fixtures.GENESIS), "val-1")
    for tx in fixtures.seed_txs():
        try:
            primary.mempool.add(check_for_admission(tx, fixtures.CHAIN, suite=ED25519_SHA256))
        except TxInvalid:
            continue
    built = primary.build(0)
    if built is None:
        raise RuntimeError("the primary proposed nothing")
    payload, digest = built
    pending = primary.pending.pop(digest)
    block = ledger_pb2.Block()
    block.CopyFrom(pending.block)
    block.commit.CopyFrom(certificate_to_proto(sign_commit(1, 0, digest)))
    executed = pending.executed
    if executed.tree is None or header_hash(block.header, ED25519_SHA256) != digest:
        raise RuntimeError("the primary's block is not whole")
    store = primary.world.store
    store.commit_block(
        block, executed.results, executed.tx_hashes, executed.writes, executed.index, executed.tree
    )
    key = get_cert_key(fixtures.CERT_ID)
    value = store.state_get(key)
    proven = node_pb2.ProvenState(
        key=key,
        present=value is not None,
        value=value or b"",
        proof=encode_proof(store.tree.prove(key)),
        height=1,
    )
    head = store.tip_head()
    if head is None:
        raise RuntimeError("block 1 was not stored")
    proven.header.CopyFrom(head[0])
    proven.commit.CopyFrom(head[1])
    return ChainWorld(folder, primary, backup, payload, proven)
