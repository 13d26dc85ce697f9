"""Verifying a whole chain from genesis, trusting no node (`trustledger audit verify-chain`).

Blocks come from a `BlockSource` (one node over gRPC, or a fake in tests); everything else
is recomputed here: each header's link to its parent, its commit certificate against the
validator set in force at its height (the sets followed from genesis through the decisions
this verifier itself re-executed), every transaction's signature, and the block's
transaction, results and state roots from a re-execution of every transaction through the
contracts on an in-memory state started from genesis (node/chain/execution.py, the
validator's own code path; node/chain/statetree.py for the state root).

The first failure stops the walk and is reported as a `ChainFault` naming its height and
kind (`FAULT_KINDS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

from consensus.validators import ValidatorSchedule, ValidatorSet
from contracts.framework.memory import MemoryState
from node.chain.events import get_scheduling_events, scheduled_set_of
from node.chain.execution import BlockInvalid, run_txs
from node.chain.headers import header_bytes, header_hash, results_root, tx_root
from node.chain.statetree import MemoryNodeStore, apply_writes, build_tree
from node.chain.tx import ArgValue, CheckedTx, TxInvalid, body_bytes, check_tx
from node.sdk.finality import FinalityError, check_finality
from proto import ledger_pb2
from suites import Suite

FAULT_KINDS: Final = (
    "missing-block",  # the source has no block at a height at or below its tip
    "header",  # a header for another chain or height, or a time before its parent's
    "hash-link",  # a header's previous hash is not its parent's hash (genesis for height 1)
    "commit-certificate",  # no quorum of the set in force signed exactly this header
    "tx-signature",  # a transaction's signature does not verify
    "tx-invalid",  # a transaction fails another stateless check (chain id, shape, size)
    "tx-root",  # the transactions do not hash to the header's transaction root
    "replay",  # a transaction already committed (or twice in the block)
    "results-root",  # the re-executed results differ from the header's results root
    "state-root",  # the re-executed state differs from the header's state root
    "validator-set",  # a validator decision that cannot be read
    "node-state",  # the node's own state root at its tip is not the re-executed one
    "fork",  # with --from-all: another node has another block (or none) at this height
)


class ChainFault(Exception):
    """The first thing wrong with the chain: at `height`, of `kind` (one of FAULT_KINDS)."""

    def __init__(self, height: int, kind: str, detail: str) -> None:
        super().__init__(f"block {height}: {kind}: {detail}")
        self.height = height
        self.kind = kind
        self.detail = detail


class BlockSource(Protocol):
    """Where the blocks come from; nothing it says is believed."""

    def tip_height(self) -> int:
        """The height of the latest block the source claims to have."""
        ...

    def get_block(self, height: int) -> ledger_pb2.Block | None:
        """The block at `height`, or None if the source has none."""
        ...

    def tip_state_root(self) -> bytes | None:
        """The state root the source says its own state has at `tip_height()` (None if it
        says nothing): a node whose stored state was altered serves proofs from it."""
        ...


def _no_screen(_hash: bytes, _body: ledger_pb2.TxBody, _args: dict[str, ArgValue]) -> None:
    """Admission's screens (personal data, declared arguments) change with versions;
    an auditor checks what the chain guarantees: shape, chain id and signature."""


@dataclass
class ChainVerifier:
    """The chain's state as re-executed so far; `verify(block)` takes the next block."""

    chain_id: str
    genesis_hash: bytes
    validators: ValidatorSet
    genesis_writes: Iterable[tuple[bytes, bytes | None]]
    genesis_time_ms: int = 0
    """Block 1's time may not be before it (nor any block's before its parent's)."""
    suite: Suite = field(kw_only=True)
    """The chain's crypto suite (`Genesis.suite`): certificates are checked with it."""
    height: int = 0
    txs: int = 0
    state: MemoryState = field(init=False)
    schedule: ValidatorSchedule = field(init=False)
    _nodes: MemoryNodeStore = field(init=False)
    _root: bytes = field(init=False)
    _prev_hash: bytes = field(init=False)
    _prev_time_ms: int = field(init=False)
    _committed: set[bytes] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        items = [(k, v) for k, v in self.genesis_writes if v is not None]
        self.state = MemoryState(items)
        tree = build_tree(items, self.suite)
        self._nodes = MemoryNodeStore()
        self._nodes.put_nodes(tree.new_nodes)
        self._root = tree.root
        self._prev_hash = self.genesis_hash
        self._prev_time_ms = self.genesis_time_ms
        self.schedule = ValidatorSchedule.starting_with(self.validators)

    @property
    def state_root(self) -> bytes:
        return self._root

    def verify(self, block: ledger_pb2.Block | None, *, full: bool = True) -> None:
        """Check the block at height `self.height + 1` and apply it, or raise ChainFault.

        `full=False` (resuming below `--from-height`) skips the certificate and signature
        checks but still links, re-executes and compares every root."""
        height = self.height + 1
        if block is None:
            raise ChainFault(height, "missing-block", "the node has no block at this height")
        header = block.header
        if header.chain_id != self.chain_id or header.height != height:
            raise ChainFault(
                height, "header", f"header is for chain {header.chain_id!r} at {header.height}"
            )
        if header.time_ms < self._prev_time_ms:
            raise ChainFault(
                height, "header", f"block time {header.time_ms} is before its parent's"
            )
        if bytes(header.prev_hash) != self._prev_hash:
            raise ChainFault(
                height,
                "hash-link",
                f"previous hash {bytes(header.prev_hash).hex()[:16]}… is not the parent's "
                f"{self._prev_hash.hex()[:16]}…",
            )
        if full:
            try:
                check_finality(self.chain_id, self.schedule, header, block.commit, suite=self.suite)
            except FinalityError as exc:
                raise ChainFault(height, "commit-certificate", str(exc)) from None
        checked = self._check_txs(height, list(block.txs), full)
        hashes = [c.hash for c in checked]
        if tx_root(hashes, self.suite) != bytes(header.tx_root):
            raise ChainFault(height, "tx-root", "transactions do not match the header")
        try:
            run = run_txs(
                self.state,
                self.chain_id,
                height,
                header.time_ms,
                checked,
                is_committed=self._committed.__contains__,
                suite=self.suite,
            )
        except BlockInvalid as exc:
            raise ChainFault(height, "replay", str(exc)) from None
        results = list(run.results.results)
        if results_root(results, self.suite) != bytes(header.results_root):
            raise ChainFault(height, "results-root", "re-executed results differ")
        update = apply_writes(self._nodes, self._root, run.writes, suite=self.suite)
        if update.root != bytes(header.state_root):
            raise ChainFault(
                height,
                "state-root",
                f"re-executed state root {update.root.hex()[:16]}… differs from the "
                f"header's {bytes(header.state_root).hex()[:16]}…",
            )
        self._follow_validators(height, run.results)
        self._nodes.put_nodes(update.new_nodes)
        self._root = update.root
        self.state.apply_writes(run.writes)
        self._committed.update(hashes)
        self._prev_hash = header_hash(header, self.suite)
        self._prev_time_ms = header.time_ms
        self.height = height
        self.txs += len(checked)

    def _check_txs(
        self, height: int, txs: list[ledger_pb2.Transaction], full: bool
    ) -> list[CheckedTx]:
        out = []
        for i, tx in enumerate(txs):
            try:
                out.append(
                    check_tx(
                        tx,
                        self.chain_id,
                        suite=self.suite,
                        verify_signature_=full,
                        screen=_no_screen,
                    )
                )
            except TxInvalid as exc:
                kind = "tx-signature" if exc.code == "bad_signature" else "tx-invalid"
                raise ChainFault(height, kind, f"transaction {i}: {exc.message}") from None
        return out

    def _follow_validators(self, height: int, results: ledger_pb2.BlockResults) -> None:
        """Sets scheduled by this block's (re-executed) decisions, as the SDK follows them."""
        for _, attrs in get_scheduling_events(results):
            try:
                activation, members = scheduled_set_of(attrs, self.suite)
                self.schedule = self.schedule.with_activation(activation, members)
            except (KeyError, TypeError, ValueError) as exc:
                raise ChainFault(height, "validator-set", f"{exc}") from None


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a walk: how far it got and, if it stopped early, why."""

    from_height: int
    tip_height: int
    verified_height: int
    blocks: int
    txs: int
    seconds: float
    fault: ChainFault | None

    @property
    def ok(self) -> bool:
        return self.fault is None


def compare_block(name: str, block: ledger_pb2.Block, other: ledger_pb2.Block | None) -> None:
    """Raise a `fork` fault unless `other` (node `name`'s block at the same height) has the
    verified block's header and transactions (bodies and signatures). Certificates may differ: each node keeps the
    2f+1 commits it gathered."""
    height = block.header.height
    if other is None:
        raise ChainFault(height, "fork", f"{name} has no block at this height")
    if header_bytes(other.header) != header_bytes(block.header):  # the hashed bytes, compared
        raise ChainFault(height, "fork", f"{name} has another header at this height")
    if [(body_bytes(t.body), t.signature) for t in other.txs] != [
        (body_bytes(t.body), t.signature) for t in block.txs
    ]:
        raise ChainFault(height, "fork", f"{name} has other transactions under this header")


def verify_chain(
    verifier: ChainVerifier,
    source: BlockSource,
    *,
    from_height: int = 1,
    clock: Callable[[], float],
    progress: Callable[[int, int], None] | None = None,
    others: Mapping[str, BlockSource] | None = None,
) -> ChainReport:
    """Walk the source's chain from genesis to its tip; blocks below `from_height` are
    re-executed (linked, every root compared) without certificate and signature checks,
    and not counted. `progress(height, tip)` is called after each block. Each of `others`
    (`--from-all`: the other nodes, by name) must hold the same blocks up to its own tip
    (a node behind is not a fault; one that differs is)."""
    tip = source.tip_height()
    other_tips = {name: other.tip_height() for name, other in (others or {}).items()}
    start = clock()
    base_txs = 0
    fault: ChainFault | None = None
    try:
        while verifier.height < tip:
            height = verifier.height + 1
            full = height >= from_height
            if height == from_height:
                start = clock()
                base_txs = verifier.txs
            block = source.get_block(height)
            verifier.verify(block, full=full)
            if block is not None and full:  # (verify raised if it was None)
                for name, other_tip in other_tips.items():
                    if height <= other_tip:
                        compare_block(name, block, (others or {})[name].get_block(height))
            if progress is not None:
                progress(height, tip)
        claimed = source.tip_state_root()
        if claimed is not None and claimed != verifier.state_root:
            raise ChainFault(
                tip,
                "node-state",
                f"the node's state root {claimed.hex()[:16]}… is not the re-executed "
                f"{verifier.state_root.hex()[:16]}…",
            )
    except ChainFault as exc:
        fault = exc
    counted_from = max(from_height, 1)
    return ChainReport(
        from_height=counted_from,
        tip_height=tip,
        verified_height=verifier.height,
        blocks=max(verifier.height - counted_from + 1, 0),
        txs=verifier.txs - base_txs,
        seconds=max(clock() - start, 1e-9),
        fault=fault,
    )
