"""The state tree's nodes in the node's LevelDB (plyvel).

Layout: `NODE_PREFIX + node_hash -> encoded node` (see `node.chain.statetree`). The prefix b"n"
is free in `node.ledger.store`'s key layout.

Nodes are content addressed and never change, so a cache of them can never be stale. The
cache holds decoded node shapes (`node.chain.statetree.Shape`: a branch's split bit, children and
key prefix; a leaf's key hash), which is all a batch update needs: a warm update reads and
decodes nothing. It is bounded in two generations: entries live in the young one, which
becomes the old one when it is full (the previous old one is dropped); a hit in the old
generation moves back into the young one, so what every block walks (the top of the tree)
stays, at the cost of a dict lookup rather than an LRU's reordering on every hit.

New nodes reach the database only through a write batch the caller owns: at commit,
`stage(batch, update.new_nodes, update.shapes)` puts them beside the block, its results and
its state writes, and the one synced batch makes block and tree durable together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import plyvel

from node import limits
from node.chain.stateproof import KEY_BITS
from node.chain.statetree import Shape, decode_shape, encode_branch
from suites import Suite

NODE_PREFIX = b"n"
NODE_CACHE_NODES_MAX = limits.STATE_NODE_CACHE_NODES_MAX


class BatchWriter(Protocol):
    """What `stage` needs of a write batch (plyvel's WriteBatch has it)."""

    def put(self, key: bytes, value: bytes) -> None: ...


class LevelDBNodeStore:
    """Reads nodes from a plyvel database; writes go through a caller's batch."""

    def __init__(
        self,
        db: Any,
        *,
        prefix: bytes = NODE_PREFIX,
        cache_nodes_max: int = NODE_CACHE_NODES_MAX,
        suite: Suite,
    ) -> None:
        """`db` is a `plyvel.DB` (or a prefixed view of one); `suite` is the chain's, whose
        hash the tree's nodes are hashed with (decoding a leaf's shape hashes its value)."""
        if cache_nodes_max < 0:
            raise ValueError("cache_nodes_max must be >= 0")
        self._db = db
        self._suite = suite
        self._prefix = prefix
        self._young: dict[bytes, Shape] = {}
        self._old: dict[bytes, Shape] = {}
        self._generation_max = cache_nodes_max // 2

    def _cached(self, node_hash: bytes) -> Shape | None:
        shape = self._young.get(node_hash)
        if shape is None:
            shape = self._old.pop(node_hash, None)
            if shape is not None:
                self._remember(node_hash, shape)
        return shape

    def _remember(self, node_hash: bytes, shape: Shape) -> None:
        young = self._young
        if len(young) >= self._generation_max:
            if not self._generation_max:
                return  # no cache
            self._old = young
            self._young = young = {}
        young[node_hash] = shape

    def get_shape(self, node_hash: bytes) -> Shape | None:
        """The node's shape (`node.chain.statetree.ShapeReader`), from the cache if there."""
        shape = self._young.get(node_hash)
        if shape is None:
            shape = self._cached(node_hash)
        if shape is not None:
            return shape
        raw: bytes | None = self._db.get(self._prefix + node_hash)
        if raw is None:
            return None
        shape = decode_shape(node_hash, raw, self._suite)
        self._remember(node_hash, shape)
        return shape

    def get_node(self, node_hash: bytes) -> bytes | None:
        shape = self._cached(node_hash)
        if shape is not None and shape[0] != KEY_BITS:
            return encode_branch(*shape)  # a leaf's bytes (its value) are not cached
        raw: bytes | None = self._db.get(self._prefix + node_hash)
        if raw is not None and shape is None:
            self._remember(node_hash, decode_shape(node_hash, raw, self._suite))
        return raw

    def stage(
        self,
        batch: BatchWriter,
        nodes: Mapping[bytes, bytes],
        shapes: Mapping[bytes, Shape] | None = None,
    ) -> None:
        """Put new nodes into the caller's write batch (the block's commit batch).

        The new nodes' shapes also enter the cache (write-through): the next block's
        update walks exactly the new branches. Pass the update's `shapes` to save decoding
        them again. The caller is expected to write the batch next; should it not, the
        cache still holds only correct shapes, merely of nodes not yet on disk.
        """
        prefix = self._prefix
        put = batch.put
        remember = self._remember
        suite = self._suite
        for node_hash, raw in nodes.items():
            put(prefix + node_hash, raw)
            shape = None if shapes is None else shapes.get(node_hash)
            remember(node_hash, decode_shape(node_hash, raw, suite) if shape is None else shape)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        """Write nodes in a batch of their own, synced (for tools and `StateTree`)."""
        with self._db.write_batch(sync=True) as batch:
            self.stage(batch, nodes)

    @property
    def cached_nodes(self) -> int:
        return len(self._young) + len(self._old)

    def clear_cache(self) -> None:
        self._young.clear()
        self._old.clear()


def open_node_store(path: str, **kwargs: Any) -> tuple[Any, LevelDBNodeStore]:
    """Open (or create) a LevelDB at `path` holding only a state tree: (db, store)."""
    db = plyvel.DB(path, create_if_missing=True)
    return db, LevelDBNodeStore(db, **kwargs)
