"""Building the block a primary proposes, and checking a block before this validator
votes for it or accepts it with a certificate.

A block is checked in two halves: what needs no execution (its header against the block
it follows, its transactions' stateless checks), then execution through the contracts,
whose transaction, results and state roots must equal the header's. A block this node
built or validated is kept, executed, until it commits, so committing it costs no second
execution.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from consensus.ready import Proposal
from consensus.validators import ValidatorSchedule
from node import limits
from node.chain.headers import header_hash
from node.chain.tx import CheckedTx
from node.ledger.execution import BlockInvalid, Executed, check_block_txs, execute_block
from node.ledger.state import Overlay, StoreState
from node.ledger.statetree_live import LiveTree
from node.ledger.world import World
from node.mempool import Mempool
from node.metrics import NodeMetrics
from node.screening import AdmissionScreen
from node.verifying import TxChecker
from proto import ledger_pb2

log = logging.getLogger("trustledger.node")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class Pending:
    """A block this node proposed or validated, kept until it commits."""

    block: ledger_pb2.Block
    executed: Executed


@dataclass(frozen=True, slots=True)
class Parent:
    """What a block must follow: the previous block's hash, time and state root."""

    hash: bytes
    time_ms: int
    state_root: bytes


class Blocks:
    """Proposes and checks blocks on top of the world's tip."""

    def __init__(
        self,
        world: World,
        mempool: Mempool,
        metrics: NodeMetrics,
        validator_id: str,
        schedule: Callable[[], ValidatorSchedule],
        screen: AdmissionScreen | None = None,
        checker: TxChecker | None = None,
    ) -> None:
        """`schedule` gives the validator sets consensus is using (for the primary of a
        view), which state transfer may have run ahead of; `screen` is the node's admission
        screen, which a proposal's transactions pass too (a new one if not given);
        `checker` the node's stateless checks, shared with admission (node/verifying.py;
        a new one with `screen` if not given)."""
        self.screen = screen if screen is not None else AdmissionScreen()
        self.world = world
        self.chain_id = world.genesis.chain_id
        self.suite = world.genesis.suite
        """The chain's crypto suite: block hashes, roots and transaction checks use it."""
        self.checker = (
            checker if checker is not None else TxChecker(self.chain_id, self.suite, self.screen)
        )
        self.mempool = mempool
        self.metrics = metrics
        self.validator_id = validator_id
        self.schedule = schedule
        self.pending: dict[bytes, Pending] = {}

    def block_digest(self, payload: bytes) -> bytes | None:
        """The digest consensus votes on for a proposed block's bytes: its header's hash in
        the chain's suite (None for bytes that are no block)."""
        block = ledger_pb2.Block()
        try:
            block.ParseFromString(payload)
        except Exception:  # a peer's bytes: undecodable means no digest, never a crash
            return None
        return header_hash(block.header, self.suite)

    def is_committed(self, tx_hash: bytes) -> bool:
        # The mempool never holds a committed transaction (admission refuses them, every
        # commit removes its own), so a pending one needs no database read: the replay
        # check of a block built from the mempool then costs a dict lookup per transaction.
        return tx_hash not in self.mempool and self.world.store.tx_location(tx_hash) is not None

    def parent(self) -> Parent:
        return Parent(*self.world.prev())

    # ---- proposing ----------------------------------------------------------------------

    def build(self, view: int) -> tuple[bytes, bytes] | None:
        """A block of waiting transactions on top of the tip, executed and kept, as
        (payload, digest) for the replica to propose; None if nothing waits."""
        height = self.world.tip_height() + 1
        parent = self.parent()
        # The mempool never holds a committed transaction: admission refuses them and a
        # commit removes its transactions, so no replay check is needed here.
        candidates = self.mempool.take(limits.PROPOSE_TXS_MAX, limits.BLOCK_BYTES_MAX // 2)
        if not candidates:
            return None
        time_ms = max(now_ms(), parent.time_ms)
        started = time.perf_counter()
        executed = execute_block(
            self.world.state,
            self.chain_id,
            height,
            time_ms,
            parent.state_root,
            candidates,
            is_committed=self.is_committed,
            tree_nodes=self.world.tree,
            suite=self.suite,
        )
        self.metrics.execute_seconds.observe(time.perf_counter() - started)
        header = ledger_pb2.BlockHeader(
            chain_id=self.chain_id,
            height=height,
            prev_hash=parent.hash,
            tx_root=executed.tx_root,
            state_root=executed.state_root,
            proposer=self.validator_id,
            view=view,
            time_ms=time_ms,
            results_root=executed.results_root,
        )
        block = ledger_pb2.Block(header=header, txs=[c.tx for c in candidates])
        digest = header_hash(header, self.suite)
        self.pending[digest] = Pending(block, executed)
        log.info("proposed height %d with %d txs", height, len(candidates))
        return block.SerializeToString(deterministic=True), digest

    # ---- checking -----------------------------------------------------------------------

    def validate(self, proposal: Proposal) -> bool:
        """Whether this validator votes for a proposed block (kept, executed, if so)."""
        if len(proposal.payload) > limits.BLOCK_BYTES_MAX:
            log.warning("proposal %d is oversized", proposal.height)
            return False
        block = ledger_pb2.Block()
        try:
            block.ParseFromString(proposal.payload)
            if block.HasField("commit"):
                raise BlockInvalid("a proposal must not carry a commit certificate")
            executed = self.check(
                block, view=proposal.view, digest=proposal.digest, reproposal=proposal.reproposal
            )
        except BlockInvalid as exc:
            log.warning("refusing proposal at height %d: %s", proposal.height, exc)
            self.metrics.proposals_refused.inc()
            return False
        except Exception as exc:  # a Byzantine primary's bytes: refuse, never crash
            log.warning("refusing undecodable proposal at height %d: %s", proposal.height, exc)
            return False
        self.pending[proposal.digest] = Pending(block, executed)
        return True

    def check(
        self,
        block: ledger_pb2.Block,
        *,
        view: int | None,
        digest: bytes,
        certified: bool = False,
        reproposal: bool = False,
    ) -> Executed:
        """Everything a replica checks before voting for (or accepting) a block."""
        parent = self.parent()
        checked = self.check_header_and_txs(
            block,
            view=view,
            digest=digest,
            height=self.world.tip_height() + 1,
            parent=parent,
            certified=certified,
            reproposal=reproposal,
        )
        executed = self.execute_checked(
            block, checked, self.world.state, parent.state_root, self.is_committed, self.world.tree
        )
        if executed.state_root != block.header.state_root:
            raise BlockInvalid("state root does not match local execution")
        return executed

    def execute_checked(
        self,
        block: ledger_pb2.Block,
        checked: list[CheckedTx],
        base: StoreState | Overlay,
        prev_root: bytes,
        is_committed: Callable[[bytes], bool],
        tree: LiveTree | None,
    ) -> Executed:
        """Execute a checked block on `base` (timed) and compare its transaction and
        results roots with the header's; the state root is the caller's to compare."""
        header = block.header
        started = time.perf_counter()
        executed = execute_block(
            base,
            self.chain_id,
            header.height,
            header.time_ms,
            prev_root,
            checked,
            is_committed=is_committed,
            tree_nodes=tree,
            suite=self.suite,
        )
        self.metrics.execute_seconds.observe(time.perf_counter() - started)
        if executed.tx_root != header.tx_root:
            raise BlockInvalid("transaction root does not match")
        if executed.results_root != header.results_root:
            raise BlockInvalid("results root does not match local execution")
        return executed

    def check_header_and_txs(
        self,
        block: ledger_pb2.Block,
        *,
        view: int | None,
        digest: bytes,
        height: int,
        parent: Parent,
        certified: bool,
        reproposal: bool,
    ) -> list[CheckedTx]:
        """The checks of a block that need no execution: its header against the block it
        follows (`view` None: a certified block, whose certificate vouches for its view
        and proposer), and its transactions' stateless checks."""
        header = block.header
        if header.chain_id != self.chain_id:
            raise BlockInvalid("block is for another chain")
        if header.height != height:
            raise BlockInvalid(f"block height {header.height}, expected {height}")
        if header_hash(header, self.suite) != digest:
            raise BlockInvalid("digest does not match the header")
        if header.prev_hash != parent.hash:
            raise BlockInvalid("previous hash does not match the local tip")
        if view is not None:
            # A block carried over by a view change keeps its original view and proposer.
            if header.view > view if reproposal else header.view != view:
                raise BlockInvalid("block view does not match the consensus view")
            primary = self.schedule().at(header.height).primary(header.view)
            if header.proposer != primary:
                raise BlockInvalid("proposer is not the primary of the block's view")
            if header.time_ms > now_ms() + limits.BLOCK_TIME_DRIFT_MS_MAX:
                raise BlockInvalid("block time is too far in the future")
        if header.time_ms < parent.time_ms:
            raise BlockInvalid("block time goes backwards")
        if len(block.txs) == 0 or len(block.txs) > limits.BLOCK_TXS_MAX:
            raise BlockInvalid(f"block must hold 1..{limits.BLOCK_TXS_MAX} transactions")
        return check_block_txs(
            list(block.txs),
            self.chain_id,
            self.mempool.by_signature,
            certified=certified,
            screen=self.screen,
            suite=self.suite,
            checker=self.checker,
        )
