"""The state tree's nodes in the node's LevelDB (plyvel).

Layout: `NODE_PREFIX + node_hash -> encoded node` (see `node.statetree`). The prefix b"n"
is free in `node.storage`'s key layout.

Nodes are content addressed and never change, so a cache of them can never be stale;
it holds branches only and is bounded (least recently used goes first). New nodes reach the database only
through a write batch the caller owns: at commit, `stage(batch, update.new_nodes)` puts
them beside the block, its results and its state writes, and the one synced batch makes
block and tree durable together.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Protocol

import plyvel

from node.statetree import BRANCH_TAG

NODE_PREFIX = b"n"
NODE_CACHE_NODES_MAX = 200_000  # branches of ~70 bytes: about 35 MB with the dict's overhead
_BRANCH = bytes((BRANCH_TAG,))


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
    ) -> None:
        """`db` is a `plyvel.DB` (or a prefixed view of one)."""
        if cache_nodes_max < 0:
            raise ValueError("cache_nodes_max must be >= 0")
        self._db = db
        self._prefix = prefix
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._cache_max = cache_nodes_max

    def get_node(self, node_hash: bytes) -> bytes | None:
        cached = self._cache.get(node_hash)
        if cached is not None:
            self._cache.move_to_end(node_hash)
            return cached
        raw: bytes | None = self._db.get(self._prefix + node_hash)
        if raw is not None:
            self._remember(node_hash, raw)
        return raw

    def _remember(self, node_hash: bytes, raw: bytes) -> None:
        # Branches only: every update and proof walks them again, while a leaf is read
        # about once per key touched and would push the branches out.
        if self._cache_max and raw[:1] == _BRANCH:
            cache = self._cache
            cache[node_hash] = raw
            cache.move_to_end(node_hash)
            while len(cache) > self._cache_max:
                cache.popitem(last=False)

    def stage(self, batch: BatchWriter, nodes: Mapping[bytes, bytes]) -> None:
        """Put new nodes into the caller's write batch (the block's commit batch).

        The new branches also enter the cache (write-through): the next block's update
        walks exactly them. The caller is expected to write the batch next; should it not,
        the cache still holds only correct nodes, merely ones not yet on disk.
        """
        prefix = self._prefix
        for node_hash, raw in nodes.items():
            batch.put(prefix + node_hash, raw)
            self._remember(node_hash, raw)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        """Write nodes in a batch of their own, synced (for tools and `StateTree`)."""
        with self._db.write_batch(sync=True) as batch:
            self.stage(batch, nodes)

    @property
    def cached_nodes(self) -> int:
        return len(self._cache)

    def clear_cache(self) -> None:
        self._cache.clear()


def open_node_store(path: str, **kwargs: Any) -> tuple[Any, LevelDBNodeStore]:
    """Open (or create) a LevelDB at `path` holding only a state tree: (db, store)."""
    db = plyvel.DB(path, create_if_missing=True)
    return db, LevelDBNodeStore(db, **kwargs)
