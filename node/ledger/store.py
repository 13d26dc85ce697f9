"""The node's LevelDB: blocks, results, world state and indexes.

Key layout (prefix byte, then big-endian fixed-width integers so keys sort the way
they are scanned):

    b"b" height:u64              -> Block (with its commit certificate)
    b"r" height:u64              -> BlockResults
    b"t" tx_hash                 -> height:u64 index:u32
    b"s" state_key               -> value (world state)
    b"x" subject 0x00 height:u64 index:u32 event:u16 -> b""   (audit index)
    b"w" height:u64 kind:u8 view:u64 -> own signed consensus message (the WAL of
                                  nodes before node.ledger.wal: moved to its file at start)
    b"m" name                    -> metadata (tip height, state root, genesis hash)

A block, its results, its state writes and its index entries go in ONE write batch,
written with sync=True: after a crash the ledger on disk is always a consistent prefix.
The state tree is not stored: it is kept in memory and rebuilt from the state when the
store opens (`node.ledger.statetree_live`). Databases written before that also hold tree nodes
under b"n"; nothing reads them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import plyvel
from google.protobuf.message import Message as ProtoMessage

from node.chain.statetree import TreeUpdate
from node.ledger.statetree_live import LiveTree, TreeMismatch
from proto import ledger_pb2
from suites import Suite

P_BLOCK = b"b"
P_RESULTS = b"r"
P_TX = b"t"
P_STATE = b"s"
P_INDEX = b"x"
P_WAL = b"w"
P_META = b"m"

META_TIP = P_META + b"tip"
META_STATE_ROOT = P_META + b"state_root"
META_GENESIS = P_META + b"genesis"
META_FORMAT = P_META + b"format"

BLOCK_FORMAT = b"2"
"""What block hashes are taken over: 2 is the layout of docs/proofs.md (header v2). A database
holding blocks without this marker was written when the hash was protobuf's serialisation
(format 1); its hashes would not match, so it is refused at open with one clear line."""

_Proto = TypeVar("_Proto", bound=ProtoMessage)

REJECTED_EVENT = 0xFFFF  # index entry for a rejected transaction rather than an event


def u64(n: int) -> bytes:
    return struct.pack(">Q", n)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    subject: str
    height: int
    tx_index: int
    event_index: int

    def key(self) -> bytes:
        return (
            P_INDEX
            + self.subject.encode("utf-8")
            + b"\x00"
            + struct.pack(">QIH", self.height, self.tx_index, self.event_index)
        )


@dataclass(frozen=True, slots=True)
class BlockWrite:
    """One block and what executing it produced, as `Store.commit_blocks` writes it."""

    block: ledger_pb2.Block
    results: ledger_pb2.BlockResults
    tx_hashes: list[bytes]
    writes: list[tuple[bytes, bytes | None]]
    index: list[IndexEntry]


class StorageError(Exception):
    """The database is unusable (locked by another process, corrupt, wrong chain)."""


class Store:
    """One node's LevelDB. Not thread-safe by design: the node owns it from one loop."""

    def __init__(self, path: Path, suite: Suite) -> None:
        """`suite` is the chain's (its genesis's): the state tree hashes with it."""
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # private: see node/files.py
        try:
            # A bloom filter makes the replay check (a lookup that almost always misses)
            # cheap; the caches are sized for a validator, not for a desktop default.
            # Most keys are hashes (tree nodes, transactions), so every flushed memtable
            # overlaps every file below it: a big memtable and big files mean fewer, larger
            # compactions. With 16 MB / 2 MB, LevelDB's compaction thread took about a fifth
            # of a validator's CPU under `make bench`, and this cut the CPU time of
            # `bench/profile_block.py --prefill 60000` by ~30 %. The memtable (up to twice
            # this while one is flushed) grows only as data comes.
            self._db = plyvel.DB(
                str(path),
                create_if_missing=True,
                bloom_filter_bits=10,
                lru_cache_size=64 * 1024 * 1024,
                write_buffer_size=128 * 1024 * 1024,
                max_file_size=32 * 1024 * 1024,
            )
        except plyvel.Error as exc:
            raise StorageError(f"cannot open LevelDB at {path}: {exc}") from exc
        self._check_format(path)
        self.tree = LiveTree(suite)
        """The state tree of the tip (in memory; rebuilt from the state on open)."""
        # The tip as last written by this (the only) writer: status calls, proposals and
        # proofs ask for it all the time, and parsing the tip block for its header costs
        # as much as the block is big.
        self._tip: int | None = None
        self._tip_head: tuple[ledger_pb2.BlockHeader, ledger_pb2.CommitCertificate] | None = None
        stored_root = self.state_root()
        if stored_root is not None:
            self._rebuild_tree(stored_root)

    def _check_format(self, path: Path) -> None:
        stored = self._db.get(META_FORMAT)
        if stored == BLOCK_FORMAT:
            return
        if stored is None and self._db.get(META_TIP) is None:
            self._db.put(META_FORMAT, BLOCK_FORMAT, sync=True)  # a new ledger
            return
        self._db.close()
        found = (stored or b"1").decode("ascii", "replace")
        raise StorageError(
            f"the ledger at {path} was written in block format {found} by another release; "
            f"this release reads format {BLOCK_FORMAT.decode()}: start a new chain "
            "(docs/operators.md, upgrading)"
        )

    def _rebuild_tree(self, stored_root: bytes) -> None:
        state = ((key[1:], value) for key, value in self._db.iterator(prefix=P_STATE))
        try:
            self.tree.rebuild(state, stored_root)
        except TreeMismatch as exc:
            self._db.close()
            raise StorageError(f"the database is damaged: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    # ---- metadata ------------------------------------------------------------------

    def tip_height(self) -> int:
        if self._tip is None:
            raw = self._db.get(META_TIP)
            self._tip = 0 if raw is None else struct.unpack(">Q", raw)[0]
        return self._tip

    def tip_head(self) -> tuple[ledger_pb2.BlockHeader, ledger_pb2.CommitCertificate] | None:
        """The tip block's header and commit certificate (None at height 0), without
        reading the block. Shared objects: copy them, never change them."""
        if self._tip_head is None:
            tip = self.tip_height()
            block = self.get_block(tip) if tip else None
            if block is None:
                return None
            self._tip_head = (block.header, block.commit)
        return self._tip_head

    def state_root(self) -> bytes | None:
        root: bytes | None = self._db.get(META_STATE_ROOT)
        return root

    def genesis_hash(self) -> bytes | None:
        genesis: bytes | None = self._db.get(META_GENESIS)
        return genesis

    def init_genesis(
        self,
        genesis_hash: bytes,
        writes: list[tuple[bytes, bytes | None]],
        root: bytes,
    ) -> None:
        """Write the genesis state once; refuse to open another chain's database."""
        existing = self.genesis_hash()
        if existing is not None:
            if existing != genesis_hash:
                raise StorageError("this database belongs to a chain with another genesis")
            return
        with self._db.write_batch(sync=True) as batch:
            for key, value in writes:
                if value is not None:
                    batch.put(P_STATE + key, value)
            batch.put(META_GENESIS, genesis_hash)
            batch.put(META_STATE_ROOT, root)
            batch.put(META_TIP, u64(0))
        self._tip = 0
        self._tip_head = None
        self._rebuild_tree(root)

    # ---- blocks ----------------------------------------------------------------------

    def commit_block(
        self,
        block: ledger_pb2.Block,
        results: ledger_pb2.BlockResults,
        tx_hashes: list[bytes],
        writes: list[tuple[bytes, bytes | None]],
        index: list[IndexEntry],
        tree: TreeUpdate,
    ) -> None:
        """Write a block with everything it produced in one synced batch, then make `tree`
        (the update of the tip's tree by the block's writes) the state tree."""
        self.commit_blocks([BlockWrite(block, results, tx_hashes, writes, index)], tree)

    def commit_blocks(self, blocks: list[BlockWrite], tree: TreeUpdate) -> None:
        """Write consecutive blocks following the tip in one synced batch (state transfer
        applies a run of certified blocks this way), then make `tree` (the update of the
        tip's tree by all their writes, in order) the state tree."""
        if not blocks:
            raise StorageError("no block to commit")
        first = blocks[0].block.header.height
        if first != self.tip_height() + 1:
            raise StorageError(f"block {first} does not follow tip {self.tip_height()}")
        for offset, item in enumerate(blocks):
            if item.block.header.height != first + offset:
                raise StorageError("blocks committed together must be consecutive")
        height = blocks[-1].block.header.height
        if tree.prev_root != self.tree.root:
            raise StorageError(f"block {height} updates another state tree than the tip's")
        with self._db.write_batch(sync=True) as batch:
            for item in blocks:
                h = item.block.header.height
                batch.put(P_BLOCK + u64(h), item.block.SerializeToString(deterministic=True))
                batch.put(P_RESULTS + u64(h), item.results.SerializeToString(deterministic=True))
                for i, tx_hash in enumerate(item.tx_hashes):
                    batch.put(P_TX + tx_hash, struct.pack(">QI", h, i))
                for key, value in item.writes:
                    if value is None:
                        batch.delete(P_STATE + key)
                    else:
                        batch.put(P_STATE + key, value)
                for entry in item.index:
                    batch.put(entry.key(), b"")
            batch.put(META_STATE_ROOT, tree.root)
            batch.put(META_TIP, u64(height))
        self._tip = height
        self.tree.commit(tree)
        last = blocks[-1].block
        header = ledger_pb2.BlockHeader()
        header.CopyFrom(last.header)
        commit = ledger_pb2.CommitCertificate()
        commit.CopyFrom(last.commit)
        self._tip_head = (header, commit)

    def get_block(self, height: int) -> ledger_pb2.Block | None:
        return self._get_proto(P_BLOCK + u64(height), ledger_pb2.Block)

    def get_results(self, height: int) -> ledger_pb2.BlockResults | None:
        return self._get_proto(P_RESULTS + u64(height), ledger_pb2.BlockResults)

    def _get_proto(self, key: bytes, kind: type[_Proto]) -> _Proto | None:
        raw = self._db.get(key)
        if raw is None:
            return None
        out = kind()
        out.ParseFromString(raw)
        return out

    def tx_location(self, tx_hash: bytes) -> tuple[int, int] | None:
        raw = self._db.get(P_TX + tx_hash)
        if raw is None:
            return None
        height, index = struct.unpack(">QI", raw)
        return height, index

    # ---- state -----------------------------------------------------------------------

    def state_get(self, key: bytes) -> bytes | None:
        value: bytes | None = self._db.get(P_STATE + key)
        return value

    def state_scan(self, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        for key, value in self._db.iterator(prefix=P_STATE + prefix):
            out.append((key[1:], value))
            if len(out) >= limit:
                break
        return out

    # ---- audit index ------------------------------------------------------------------

    def index_scan(self, subject: str, limit: int) -> list[IndexEntry]:
        prefix = P_INDEX + subject.encode("utf-8") + b"\x00"
        out: list[IndexEntry] = []
        for key in self._db.iterator(prefix=prefix, include_value=False):
            height, tx_index, event_index = struct.unpack(">QIH", key[len(prefix) :])
            out.append(IndexEntry(subject, height, tx_index, event_index))
            if len(out) >= limit:
                break
        return out

    # ---- the consensus WAL of older nodes ------------------------------------------------

    def legacy_wal_records(self) -> list[tuple[int, int, int, bytes]]:
        """(height, kind, view, record) of each consensus WAL record kept here by a node
        from before the WAL file (node.ledger.wal), in key order: moved there once at start."""
        out: list[tuple[int, int, int, bytes]] = []
        for key, value in self._db.iterator(prefix=P_WAL):
            height, kind, view = struct.unpack(">QBQ", key[len(P_WAL) :])
            out.append((height, kind, view, value))
        return out

    def drop_legacy_wal(self) -> None:
        """Delete those records (once they are synced in the WAL file)."""
        with self._db.write_batch(sync=True) as batch:
            for key in self._db.iterator(prefix=P_WAL, include_value=False):
                batch.delete(key)
