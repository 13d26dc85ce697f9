"""A validator's state tree: the tree of its tip, held in memory as node shapes.

Why not on disk: a block of 500 certificate issues makes ~1,000 state writes and ~6,700
new tree nodes. Stored, those nodes were two thirds of the block's LevelDB entries, and
the commit (plus the compactions it caused) cost a validator about as much CPU as running
the contracts. The tree is a function of the state, which is stored anyway, so the
validator keeps only what proofs and updates need, the shapes of the tip's nodes
(`node.chain.statetree.Shape`, leaves with their value hashes), and rebuilds them from the
stored state when it starts, checking the result against the stored root.

The cost: memory (2 shapes per state key, ~500 bytes per key with the dict's share:
measured with tracemalloc for 200,000 keys, so ~150 MB for 300,000), a rebuild at start
(~1.5 s of CPU for 200,000 keys; progress logged), and proofs for the tip only. Nodes are content addressed and a
tree never holds one twice, so `commit` dropping an update's stale nodes and adding its
new ones leaves exactly the nodes of the new root.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from node.chain.stateproof import (
    EMPTY_ROOT,
    Proof,
)
from node.chain.statetree import (
    Shape,
    TreeUpdate,
    apply_writes,
    prove_from_shapes,
)
from suites import Suite

log = logging.getLogger("trustledger.statetree")

REBUILD_SLICE_KEYS = 50_000
"""Keys per slice of a rebuild (progress is logged per slice)."""


class TreeMismatch(Exception):
    """The tree rebuilt from the stored state does not have the stored root."""


class LiveTree:
    """The shapes of the nodes of one root (a `node.chain.statetree.ShapeReader`)."""

    def __init__(self, suite: Suite) -> None:
        """`suite` is the chain's: the tree hashes with it."""
        self._shapes: dict[bytes, Shape] = {}
        self.root = EMPTY_ROOT
        self.suite = suite

    def get_shape(self, node_hash: bytes) -> Shape | None:
        return self._shapes.get(node_hash)

    def get_node(self, node_hash: bytes) -> bytes | None:
        """No stored bytes here: a reader that needs them finds nothing (updates and
        proofs use `get_shape`)."""
        return None

    def __len__(self) -> int:
        return len(self._shapes)

    def update(self, writes: Iterable[tuple[bytes, bytes | None]]) -> TreeUpdate:
        """The update of the tip's tree by a block's writes; changes nothing here."""
        return apply_writes(self, self.root, writes, suite=self.suite, encode=False)

    def commit(self, update: TreeUpdate) -> None:
        """Make `update` (of the current root) the tree: its stale nodes go, its new come."""
        if update.prev_root != self.root:
            raise ValueError("the update is not of the current root")
        shapes = self._shapes
        for node in update.stale_nodes:
            shapes.pop(node, None)
        shapes.update(update.shapes)
        self.root = update.root

    def prove(self, key: bytes) -> Proof:
        return prove_from_shapes(self, self.root, key, self.suite)

    def rebuild(self, items: Iterable[tuple[bytes, bytes]], expected_root: bytes) -> int:
        """Build the tree of `items` (the whole stored state) from scratch; raise
        TreeMismatch unless its root is `expected_root`. Returns the number of keys."""
        started = time.monotonic()
        self._shapes = {}
        self.root = EMPTY_ROOT
        count = 0
        batch: list[tuple[bytes, bytes | None]] = []
        for key, value in items:
            batch.append((key, value))
            if len(batch) >= REBUILD_SLICE_KEYS:
                count += len(batch)
                self.commit(self.update(batch))
                batch = []
                log.info("rebuilding the state tree: %d keys so far", count)
        if batch:
            count += len(batch)
            self.commit(self.update(batch))
        if self.root != expected_root:
            raise TreeMismatch(
                f"the state tree rebuilt from {count} stored keys has root "
                f"{self.root.hex()[:16]}…, the store says {expected_root.hex()[:16]}…"
            )
        if count >= REBUILD_SLICE_KEYS:
            log.info(
                "rebuilt the state tree of %d keys in %.1f s", count, time.monotonic() - started
            )
        return count
