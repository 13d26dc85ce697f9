"""The ledger a validator serves: its store, the world state over it and the state tree,
with the one path by which blocks become part of it.

Everything that reads "the tip" (the next block's parent, the chain's time, queries and
proofs) asks here, so they all see the same block; everything that commits goes through
`commit`, so a block, its results, its state and its tree always move together.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.runtime import query as contract_query
from node.chain.headers import header_hash
from node.chain.statetree import TreeUpdate
from node.chain.tx import ArgValue
from node.genesis import Genesis
from node.ledger.execution import Executed
from node.ledger.state import StoreState
from node.ledger.statetree_live import LiveTree
from node.ledger.store import BlockWrite, StorageError, Store
from proto import ledger_pb2


class World:
    """A validator's store with its genesis, state view and state tree."""

    def __init__(self, store: Store, genesis: Genesis) -> None:
        self.store = store
        self.genesis = genesis
        store.init_genesis(genesis.hash, genesis.state_writes(), genesis.state_root)
        self.state = StoreState(store)
        """The committed world state, as contracts read it."""

    @property
    def tree(self) -> LiveTree:
        """The tip's state tree (in memory; see node/ledger/statetree_live.py)."""
        return self.store.tree

    def tip_height(self) -> int:
        return self.store.tip_height()

    def tip_header(self) -> ledger_pb2.BlockHeader | None:
        """The tip's header (shared: do not change it); None at height 0."""
        head = self.store.tip_head()
        if head is None:
            if self.store.tip_height() != 0:
                raise StorageError(f"tip block {self.store.tip_height()} is missing")
            return None
        return head[0]

    def tip_time_ms(self) -> int:
        """The chain's time: the tip block's, or genesis time before the first block.
        Contracts judge expiry by it, never by a validator's own clock."""
        header = self.tip_header()
        return self.genesis.genesis_time_ms if header is None else header.time_ms

    def prev(self) -> tuple[bytes, int, bytes]:
        """(previous hash, previous time, previous state root) for the next block."""
        header = self.tip_header()
        root = self.store.state_root() or self.genesis.state_root
        if header is None:
            return self.genesis.hash, self.genesis.genesis_time_ms, root
        return header_hash(header, self.genesis.suite), header.time_ms, root

    def query(self, contract: str, method: str, args: Mapping[str, ArgValue]) -> object:
        """A contract query over the committed state, at the chain's time."""
        return contract_query(self.state, contract, method, args, now_ms=self.tip_time_ms())

    def lookup_tx(self, tx_hash: bytes) -> tuple[int, ledger_pb2.TxResult] | None:
        """Where a committed transaction is and what it did; None if it is not committed."""
        loc = self.store.tx_location(tx_hash)
        if loc is None:
            return None
        height, index = loc
        results = self.store.get_results(height)
        if results is None:
            raise StorageError(f"results of committed block {height} are missing")
        return height, results.results[index]

    def commit(self, block: ledger_pb2.Block, executed: Executed) -> None:
        """Store one block, with its certificate, results, state writes and tree, in one
        synced batch."""
        if executed.tree is None:
            raise StorageError("a block must be committed with its state tree update")
        self.commit_group([(block, executed)], executed.tree)

    def commit_group(self, done: list[tuple[ledger_pb2.Block, Executed]], tree: TreeUpdate) -> None:
        """Store consecutive blocks in one synced batch; `tree` is the tip's tree updated
        by all their writes, in order (state transfer's groups)."""
        self.store.commit_blocks(
            [BlockWrite(b, ex.results, ex.tx_hashes, ex.writes, ex.index) for b, ex in done],
            tree,
        )
