"""The authenticated world state: a compressed sparse Merkle tree with O(log n) proofs.

What is committed
-----------------
The world state maps arbitrary byte keys to byte values. Each entry is a leaf placed by
the 256-bit hash of its key and committing to its key and value:

    key_hash   = H(key)
    value_hash = H(VALUE_DOMAIN || len(key):u32 || key || value)
    leaf_hash  = H(LEAF_DOMAIN || key_hash || value_hash)

H is the chain's suite's hash (SHA-256 or SM3, `suite.hash`): every function here that
hashes takes the suite, with no default.

Shape: a binary Patricia trie over key hashes
---------------------------------------------
Read a key hash as 256 bits, the most significant bit of byte 0 first ("bit 0"). The
tree of a set S of leaves is defined recursively:

- S is empty: the empty tree, whose root is `EMPTY_ROOT` (32 zero bytes). Only a whole
  tree can be empty; no branch has an empty child.
- S holds one leaf: the tree is that leaf, at whatever depth it sits.
- otherwise let b be the first bit at which the key hashes of S differ. The tree is a
  branch splitting at b: the left subtree holds the leaves whose bit b is 0, the right
  those whose bit b is 1, and

      node_hash = H(NODE_DOMAIN || b:u8 || hash(left) || hash(right))

The root is the hash of the tree of the whole state. It depends on the set of
(key, value) pairs alone, not on insertion order, block boundaries or history, so
replicas agree on it however they got to the state. This is the "sparse Merkle tree
with leaves at their shortest unique prefix": branches exist only where paths diverge
(n keys give n leaves and n - 1 branches), and since the split bit is inside the branch
hash, a proof cannot move a sibling to another level. Key hashes are uniform, so a leaf
sits about log2(n) branches deep (mean log2(n) + 0.3, maximum about
log2(n) + sqrt(2 log2(n)) for n random keys); pushing one key k levels deeper than its
neighbours costs an attacker about 2^k hash evaluations.

Proofs
------
`prove(reader, root, key)` follows the key hash from the root: at a branch splitting at
bit b it goes the way bit b of the key hash says and records the other child as a
sibling (b, hash). The walk ends at a leaf (or at once, in the empty tree). The proof
is then one of:

- INCLUSION: the leaf is the key's; the proof carries its value hash.
- OTHER_LEAF (exclusion): the leaf belongs to another key hash; the proof carries that
  leaf's key hash and value hash. Had the key been present, the same walk would have
  found it, so it is absent.
- EMPTY (exclusion): the tree is empty; no siblings.

`verify_proof(root, key, value, proof)` needs no store: it recomputes the leaf hash and
hashes it up with the siblings (the side at each split comes from the key hash, never
from the proof) and compares with the root. See `encode_proof` for the byte format.

Storage
-------
Nodes are content addressed: a node is stored under its own hash, encoded as

    leaf:   0x00 || key_hash(32) || len(key):u32 || key || value
    branch: 0x01 || b:u8 || left(32) || right(32) || prefix

where `prefix` is the first ceil(b/8) bytes of the key hashes below the branch with the
bits from b on set to zero (it lets an update see whether a key falls inside the branch
without reading further down). Leaves keep the value itself, so any retained root can
answer `get_value` and `prove` for its own version, not just the latest.

Versions and pruning: an update never changes a stored node; it only adds the nodes on
the changed paths (`TreeUpdate.new_nodes`). Every earlier root therefore stays readable
as long as its nodes are kept, and today nothing is ever deleted. Pruning can come
later: `TreeUpdate.stale_nodes` lists the nodes the new root no longer reaches. Beware
that a stale node can come back (the same subtree re-created later, for example a key
set back to an earlier value), so a pruner must reference-count or check reachability
from the roots it keeps before deleting.

Wiring into a node
------------------
Executing a block calls `apply_writes(reader, prev_root, writes, encode=False)`; this
reads nodes but writes nothing, so a backup can check a proposal that may never commit.
A validator keeps the tree of its tip in memory as shapes (`node.ledger.statetree_live`), not
as stored nodes: the values are in the state it stores anyway, and writing ~7 tree nodes
per state write cost a validator about as much CPU as executing the block. At commit the
update's shapes replace its stale nodes; at start the tree is rebuilt from the stored
state and checked against the stored root. The tip is the only version a validator can
prove, which is all its services offer. The nodes-in-a-store form (`MemoryNodeStore`,
`node.ledger.statetree_store.LevelDBNodeStore`, `StateTree`) keeps every version readable, for
tools, tests and clients.
"""

from __future__ import annotations

import struct
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from node.chain.stateproof import (
    EMPTY_ROOT,
    HASH_BYTES,
    KEY_BITS,
    LEAF_DOMAIN,
    NODE_DOMAIN,
    VALUE_DOMAIN,
    Proof,
    ProofKind,
    Sibling,
    StateTreeError,
    compute_leaf_hash,
    compute_node_hash,
    compute_value_hash,
    get_bit,
)
from suites import Suite

LEAF_TAG = 0x00
BRANCH_TAG = 0x01
_LEAF_HEADER_BYTES = 1 + HASH_BYTES + 4
_BRANCH_FIXED_BYTES = 2 + 2 * HASH_BYTES

_U32 = struct.Struct(">I")
_U16 = struct.Struct(">H")


class MissingNodeError(StateTreeError):
    """A node the walk needs is not in the store (unknown or pruned root, partial store)."""


class CorruptNodeError(StateTreeError):
    """A stored node does not decode: the store is damaged."""


def _prefix_bytes(rep: int, split_bit: int) -> bytes:
    """Bits [0, split_bit) of `rep` in ceil(split_bit / 8) bytes, later bits zeroed."""
    size = (split_bit + 7) >> 3
    return ((rep >> (KEY_BITS - split_bit)) << (8 * size - split_bit)).to_bytes(size, "big")


_SPLIT_TAGS = tuple(bytes((i,)) for i in range(KEY_BITS))
_BRANCH_HEADS = tuple(bytes((BRANCH_TAG, i)) for i in range(KEY_BITS))
_NODE_PREFIXES = tuple(NODE_DOMAIN + tag for tag in _SPLIT_TAGS)
_LEAF_TAG_BYTES = bytes((LEAF_TAG,))


# ---- node storage ---------------------------------------------------------------------


class NodeReader(Protocol):
    """Read access to stored nodes, by node hash."""

    def get_node(self, node_hash: bytes) -> bytes | None: ...


class NodeStore(NodeReader, Protocol):
    """A node store that can also take new nodes (used by `StateTree`)."""

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None: ...


class ShapeReader(NodeReader, Protocol):
    """A reader that can also answer a node's shape, typically from a cache of decoded
    nodes (`node.ledger.statetree_store.LevelDBNodeStore`): batch updates then skip reading and
    decoding the nodes they walk. None if the node is not in the store."""

    def get_shape(self, node_hash: bytes) -> Shape | None: ...


class MemoryNodeStore:
    """Nodes in a dict: the reference store, for tests, genesis and clients."""

    def __init__(self) -> None:
        self._nodes: dict[bytes, bytes] = {}

    def get_node(self, node_hash: bytes) -> bytes | None:
        return self._nodes.get(node_hash)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self._nodes.update(nodes)

    def __len__(self) -> int:
        return len(self._nodes)


class OverlayNodeReader:
    """Nodes of not yet committed updates over a base reader (executing ahead of commit)."""

    def __init__(self, base: NodeReader, pending: Mapping[bytes, bytes]) -> None:
        self._base = base
        self._pending = pending

    def get_node(self, node_hash: bytes) -> bytes | None:
        raw = self._pending.get(node_hash)
        return raw if raw is not None else self._base.get_node(node_hash)


class _Branch(NamedTuple):
    split_bit: int
    left: bytes
    right: bytes
    rep: int
    """A key hash agreeing with every key hash below on bits [0, split_bit)."""


class _Leaf(NamedTuple):
    key_hash: bytes
    key: bytes
    value: bytes


def _decode(node_hash: bytes, raw: bytes) -> _Branch | _Leaf:
    if raw and raw[0] == BRANCH_TAG and len(raw) >= _BRANCH_FIXED_BYTES:
        split_bit = raw[1]
        prefix = raw[_BRANCH_FIXED_BYTES:]
        if len(prefix) == (split_bit + 7) // 8:
            rep = int.from_bytes(prefix, "big") << (8 * (HASH_BYTES - len(prefix)))
            return _Branch(split_bit, raw[2:34], raw[34:66], rep)
    elif raw and raw[0] == LEAF_TAG and len(raw) >= _LEAF_HEADER_BYTES:
        (key_len,) = _U32.unpack_from(raw, 1 + HASH_BYTES)
        if key_len <= len(raw) - _LEAF_HEADER_BYTES:
            end = _LEAF_HEADER_BYTES + key_len
            return _Leaf(raw[1:33], raw[_LEAF_HEADER_BYTES:end], raw[end:])
    raise CorruptNodeError(f"stored node {node_hash.hex()} does not decode")


Shape = tuple[int, bytes, bytes, int]
"""What a batch update or a proof needs of a node: (split_bit, left, right, rep). A leaf
is (KEY_BITS, value_hash, b"", its key hash as an integer); a branch's `rep` agrees with
every key hash below it on bits [0, split_bit) (later bits are not significant). Shapes
alone answer `prove_from_shapes`, so a store that keeps only shapes (a node's live tree,
`node.ledger.statetree_live`) proves without the leaves' keys and values."""


def decode_shape(node_hash: bytes, raw: bytes, suite: Suite) -> Shape:
    """The shape of a stored node (see `Shape`); raises CorruptNodeError if it does not
    decode. Stores that cache shapes (`ShapeReader`) build them with this."""
    decoded = _decode(node_hash, raw)
    if isinstance(decoded, _Leaf):
        value_hash = compute_value_hash(decoded.key, decoded.value, suite)
        return (KEY_BITS, value_hash, b"", int.from_bytes(decoded.key_hash, "big"))
    return (decoded.split_bit, decoded.left, decoded.right, decoded.rep)


def encode_branch(split_bit: int, left: bytes, right: bytes, rep: int) -> bytes:
    """The stored bytes of a branch (see the module's docstring)."""
    return _BRANCH_HEADS[split_bit] + left + right + _prefix_bytes(rep, split_bit)


def _load_below(node_hash: bytes, raw: bytes, floor: int) -> _Branch | _Leaf:
    decoded = _decode(node_hash, raw)
    if isinstance(decoded, _Branch) and decoded.split_bit < floor:
        # Split bits strictly increase down a path; anything else (a cycle in a damaged
        # store, say) must stop the walk rather than loop.
        raise CorruptNodeError(f"stored node {node_hash.hex()} splits above its parent")
    return decoded


def _load(reader: NodeReader, node_hash: bytes, floor: int) -> _Branch | _Leaf:
    """Read and decode a node whose parent split at bit `floor - 1`."""
    raw = reader.get_node(node_hash)
    if raw is None:
        raise MissingNodeError(
            f"node {node_hash.hex()} is not in the store (unknown or pruned root?)"
        )
    return _load_below(node_hash, raw, floor)


def compute_stored_node_hash(raw: bytes, suite: Suite) -> bytes:
    """The hash a stored node is filed under, recomputed from its bytes.

    Lets a replica take nodes from an untrusted peer (state transfer) and check each
    against the hash it asked for. Raises CorruptNodeError if `raw` is no node.
    """
    decoded = _decode(b"?" * HASH_BYTES, raw)
    if isinstance(decoded, _Leaf):
        if suite.hash(decoded.key) != decoded.key_hash:
            raise CorruptNodeError("leaf key hash does not match its key")
        value_hash = compute_value_hash(decoded.key, decoded.value, suite)
        return compute_leaf_hash(decoded.key_hash, value_hash, suite)
    if raw[_BRANCH_FIXED_BYTES:] != _prefix_bytes(decoded.rep, decoded.split_bit):
        raise CorruptNodeError("branch prefix is not canonical")
    return compute_node_hash(decoded.split_bit, decoded.left, decoded.right, suite)


def iter_nodes(reader: NodeReader, root: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Every (node hash, stored bytes) under `root`, parents before children."""
    stack = [] if root == EMPTY_ROOT else [(root, 0)]
    while stack:
        node, floor = stack.pop()
        raw = reader.get_node(node)
        if raw is None:
            raise MissingNodeError(f"node {node.hex()} is not in the store")
        decoded = _load_below(node, raw, floor)
        yield node, raw
        if isinstance(decoded, _Branch):
            stack.append((decoded.right, decoded.split_bit + 1))
            stack.append((decoded.left, decoded.split_bit + 1))


def iter_entries(reader: NodeReader, root: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Every (key, value) under `root`, in key-hash order (export, audit, migration)."""
    for node, raw in iter_nodes(reader, root):
        decoded = _decode(node, raw)
        if isinstance(decoded, _Leaf):
            yield decoded.key, decoded.value


# ---- updates ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeUpdate:
    """The result of applying a write set: a new root and the nodes it needs."""

    prev_root: bytes
    """The root the writes were applied to."""
    root: bytes
    """The root after the writes."""
    new_nodes: Mapping[bytes, bytes]
    """node hash -> encoded node: to be put into the store (with the block's batch)."""
    stale_nodes: frozenset[bytes]
    """Nodes reachable from `prev_root` but not from `root` (for a future pruner)."""
    shapes: Mapping[bytes, Shape] = field(default_factory=dict, compare=False, repr=False)
    """The shapes of the new nodes (and of leaves written again unchanged): for a store's
    cache of decoded nodes (`LevelDBNodeStore.stage`), or the whole of what a store of
    shapes keeps (`node.ledger.statetree_live.LiveTree.commit`)."""


class _Updater:
    """One batch update: writes sorted by key hash, walked down the old tree once.

    Every node on a changed path is read once and every new node hashed once per batch,
    however many writes share it. The walk works on node shapes (`Shape`), from the
    reader's cache when it has one (`ShapeReader`), so a warm update reads nothing.
    """

    def __init__(
        self,
        reader: NodeReader,
        writes: Iterable[tuple[bytes, bytes | None]],
        *,
        suite: Suite,
        encode: bool = True,
    ) -> None:
        self._suite = suite
        self._hash = hash_ = suite.hash
        latest: dict[bytes, tuple[bytes, bytes | None]] = {}
        for key, value in writes:
            if not isinstance(key, bytes) or not (value is None or isinstance(value, bytes)):
                raise TypeError("writes must be (bytes, bytes | None) pairs")
            latest[hash_(key)] = (key, value)
        ordered = sorted((int.from_bytes(kh, "big"), kh) for kh in latest)
        self._reader = reader
        get_shape = getattr(reader, "get_shape", None)
        self._get_shape = get_shape if callable(get_shape) else None
        self._khs = [x for x, _ in ordered]
        self._kh_bytes = [kh for _, kh in ordered]
        self._keys = [latest[kh][0] for _, kh in ordered]
        self._values = [latest[kh][1] for _, kh in ordered]
        self._encode = encode
        self.new: dict[bytes, bytes] = {}
        self.shapes: dict[bytes, Shape] = {}
        self.stale: set[bytes] = set()

    def run(self, root: bytes) -> bytes:
        node = None if root == EMPTY_ROOT else root
        new_root = self._update(node, 0, len(self._khs), 0)
        return EMPTY_ROOT if new_root is None else new_root

    def _read_shape(self, node_hash: bytes) -> Shape:
        raw = self._reader.get_node(node_hash)
        if raw is None:
            raise MissingNodeError(
                f"node {node_hash.hex()} is not in the store (unknown or pruned root?)"
            )
        return decode_shape(node_hash, raw, self._suite)

    def _leaf(self, i: int) -> bytes | None:
        """The new leaf for write i, or None for a delete."""
        value = self._values[i]
        if value is None:
            return None
        key = self._keys[i]
        key_hash = self._kh_bytes[i]
        key_len = _U32.pack(len(key))
        hash_ = self._hash
        value_hash = hash_(VALUE_DOMAIN + key_len + key + value)
        node_hash = hash_(LEAF_DOMAIN + key_hash + value_hash)
        if self._encode:
            self.new[node_hash] = _LEAF_TAG_BYTES + key_hash + key_len + key + value
        self.shapes[node_hash] = (KEY_BITS, value_hash, b"", self._khs[i])
        return node_hash

    def _branch(
        self, split_bit: int, left: bytes | None, right: bytes | None, rep: int
    ) -> bytes | None:
        """A branch over two subtrees; an empty side collapses it into the other."""
        if left is None:
            return right
        if right is None:
            return left
        children = left + right
        node_hash = self._hash(_NODE_PREFIXES[split_bit] + children)
        if self._encode:
            size = (split_bit + 7) >> 3
            self.new[node_hash] = (
                _BRANCH_HEADS[split_bit]
                + children
                + ((rep >> (KEY_BITS - split_bit)) << (8 * size - split_bit)).to_bytes(size, "big")
            )
        self.shapes[node_hash] = (split_bit, left, right, rep)
        return node_hash

    def _build(self, lo: int, hi: int) -> bytes | None:
        """A fresh subtree of the puts among writes [lo, hi) (deletes there are no-ops)."""
        if hi - lo == 1:
            return self._leaf(lo)  # the common case: one new key where a path diverges
        values = self._values
        puts = [i for i in range(lo, hi) if values[i] is not None]
        return self._build_sorted(puts, 0, len(puts))

    def _build_sorted(self, puts: list[int], a: int, b: int) -> bytes | None:
        if a == b:
            return None
        if b - a == 1:
            return self._leaf(puts[a])
        khs = self._khs
        first = khs[puts[a]]
        split_bit = KEY_BITS - (first ^ khs[puts[b - 1]]).bit_length()
        shift = KEY_BITS - 1 - split_bit
        threshold = ((first >> shift) | 1) << shift
        mid = bisect_left(puts, threshold, a, b, key=khs.__getitem__)
        left = self._build_sorted(puts, a, mid)
        right = self._build_sorted(puts, mid, b)
        return self._branch(split_bit, left, right, first)

    def _update(self, node: bytes | None, lo: int, hi: int, floor: int) -> bytes | None:
        """Apply writes [lo, hi) to the subtree `node` (None = empty); return its new hash.

        Every write in the range and every key hash under `node` agree on the bits above
        the subtree, and the call chain's split bits strictly increase, so the recursion
        is at most a few hundred frames deep.
        """
        if lo == hi:
            return node
        if node is None:
            return self._build(lo, hi)
        if hi - lo == 1:
            return self._update_one(node, lo, floor)
        get_shape = self._get_shape
        shape = None if get_shape is None else get_shape(node)
        split_bit, left, right, rep = self._read_shape(node) if shape is None else shape
        if split_bit < floor:
            # Split bits strictly increase down a path; anything else (a cycle in a damaged
            # store, say) must stop the walk rather than loop.
            raise CorruptNodeError(f"stored node {node.hex()} splits above its parent")
        khs = self._khs
        # Key hashes sharing k bits with `rep` form a contiguous run of the sorted
        # writes, so the smallest common prefix is at one of the ends.
        common = min(
            KEY_BITS - (khs[lo] ^ rep).bit_length(),
            KEY_BITS - (khs[hi - 1] ^ rep).bit_length(),
            split_bit,
        )
        if common < split_bit:
            # Some writes leave the subtree's path at bit `common`: a new branch there,
            # with the old subtree (plus the writes that follow it) on one side.
            shift = KEY_BITS - 1 - common
            mid = bisect_left(khs, ((rep >> shift) | 1) << shift, lo, hi)
            if (rep >> shift) & 1 == 0:
                return self._branch(
                    common, self._update(node, lo, mid, common + 1), self._build(mid, hi), rep
                )
            return self._branch(
                common, self._build(lo, mid), self._update(node, mid, hi, common + 1), rep
            )
        if split_bit == KEY_BITS:
            # A leaf: the only write in range is for this very key (key hashes are unique).
            new_leaf = self._leaf(lo)
            if new_leaf == node:
                self.new.pop(node, None)  # the same value written again: nothing changes
                return node
            self.stale.add(node)
            return new_leaf
        shift = KEY_BITS - 1 - split_bit
        mid = bisect_left(khs, ((rep >> shift) | 1) << shift, lo, hi)
        new_left = self._update(left, lo, mid, split_bit + 1) if lo < mid else left
        new_right = self._update(right, mid, hi, split_bit + 1) if mid < hi else right
        if new_left == left and new_right == right:
            return node
        self.stale.add(node)
        return self._branch(split_bit, new_left, new_right, rep)

    def _update_one(self, node: bytes, i: int, floor: int) -> bytes | None:
        """`_update` for the single write i: a loop down its path, then the new hashes
        back up. Below the top ~log2(writes) levels every write has its subtree to
        itself, so this is where most of a batch's nodes are made."""
        x = self._khs[i]
        get_shape = self._get_shape
        path: list[tuple[int, bytes, bool, int, bytes]] = []
        top = node
        while True:
            shape = None if get_shape is None else get_shape(node)
            split_bit, left, right, rep = self._read_shape(node) if shape is None else shape
            if split_bit < floor:
                raise CorruptNodeError(f"stored node {node.hex()} splits above its parent")
            common = KEY_BITS - (x ^ rep).bit_length()
            if common < split_bit:
                # The key leaves this subtree's path at bit `common`: a new branch there.
                leaf = self._leaf(i)
                if leaf is None:
                    return top  # deleting an absent key
                if (x >> (KEY_BITS - 1 - common)) & 1:
                    result = self._branch(common, node, leaf, rep)
                else:
                    result = self._branch(common, leaf, node, rep)
                break
            if split_bit == KEY_BITS:
                # This very key's leaf.
                result = self._leaf(i)
                if result == node:
                    self.new.pop(node, None)  # the same value written again
                    return top
                self.stale.add(node)
                break
            floor = split_bit + 1
            if (x >> (KEY_BITS - 1 - split_bit)) & 1:
                path.append((split_bit, left, True, rep, node))
                node = right
            else:
                path.append((split_bit, right, False, rep, node))
                node = left
        stale = self.stale
        branch = self._branch
        encode = self._encode
        shapes = self.shapes
        hash_ = self._hash
        for split_bit, sibling, went_right, rep, old in reversed(path):
            stale.add(old)
            if result is None or encode:
                if went_right:
                    result = branch(split_bit, sibling, result, rep)
                else:
                    result = branch(split_bit, result, sibling, rep)
                continue
            # `_branch` inlined (shapes only): this loop makes most of a batch's nodes.
            left, right = (sibling, result) if went_right else (result, sibling)
            result = hash_(_NODE_PREFIXES[split_bit] + left + right)
            shapes[result] = (split_bit, left, right, rep)
        return result


def apply_writes(
    reader: NodeReader,
    root: bytes,
    writes: Iterable[tuple[bytes, bytes | None]],
    *,
    suite: Suite,
    encode: bool = True,
) -> TreeUpdate:
    """Apply a write set (None = delete) to the tree `root`, without writing anything,
    hashing with `suite` (the chain's).

    Only the nodes on changed paths are read and rebuilt. If a key appears more than
    once, the last write wins; deleting an absent key changes nothing. Raises
    `MissingNodeError` if the store lacks a node of `root`. With `encode=False` the
    update carries the new nodes' shapes only (`new_nodes` is empty): all a store that
    keeps shapes needs, and the stored encodings are a good part of an update's cost.
    """
    updater = _Updater(reader, writes, suite=suite, encode=encode)
    new_root = updater.run(root)
    return TreeUpdate(
        prev_root=root,
        root=new_root,
        new_nodes=updater.new,
        stale_nodes=frozenset(updater.stale.difference(updater.shapes)),
        shapes=updater.shapes,
    )


def build_tree(items: Iterable[tuple[bytes, bytes]], suite: Suite) -> TreeUpdate:
    """The tree of a whole state from scratch (genesis, migration): one bulk build."""
    return apply_writes(MemoryNodeStore(), EMPTY_ROOT, items, suite=suite)


def _get_path(key: bytes, suite: Suite) -> tuple[bytes, int]:
    """The key's hash, and the same as the integer whose bits, most significant first, are
    the key's path from the root (bit set: right)."""
    key_hash = suite.hash(key)
    return key_hash, int.from_bytes(key_hash, "big")


def lookup(reader: NodeReader, root: bytes, key: bytes, suite: Suite) -> tuple[bytes | None, Proof]:
    """The key's value under `root` (None if absent) and the proof of it, in one walk."""
    if root == EMPTY_ROOT:
        return None, Proof(ProofKind.EMPTY, ())
    key_hash, x = _get_path(key, suite)
    siblings: list[Sibling] = []
    node = root
    floor = 0
    while True:
        decoded = _load(reader, node, floor)
        if isinstance(decoded, _Leaf):
            break
        floor = decoded.split_bit + 1
        if get_bit(x, decoded.split_bit):
            siblings.append(Sibling(decoded.split_bit, decoded.left))
            node = decoded.right
        else:
            siblings.append(Sibling(decoded.split_bit, decoded.right))
            node = decoded.left
    value_hash = compute_value_hash(decoded.key, decoded.value, suite)
    if decoded.key_hash == key_hash:
        return decoded.value, Proof(ProofKind.INCLUSION, tuple(siblings), b"", value_hash)
    return None, Proof(ProofKind.OTHER_LEAF, tuple(siblings), decoded.key_hash, value_hash)


def prove_from_shapes(reader: ShapeReader, root: bytes, key: bytes, suite: Suite) -> Proof:
    """`prove` over node shapes alone (see `Shape`): the same proof, from a store that
    keeps no leaf values. Whether the key is present is the proof's `kind`; its value
    (which an inclusion proof commits to by hash) comes from wherever the caller keeps
    values, and `verify_proof` tells whether the two agree."""
    if root == EMPTY_ROOT:
        return Proof(ProofKind.EMPTY, ())
    _, x = _get_path(key, suite)
    siblings: list[Sibling] = []
    node = root
    floor = 0
    while True:
        shape = reader.get_shape(node)
        if shape is None:
            raise MissingNodeError(f"node {node.hex()} is not in the store")
        split_bit, left, right, rep = shape
        if split_bit < floor:
            raise CorruptNodeError(f"stored node {node.hex()} splits above its parent")
        if split_bit == KEY_BITS:
            break
        floor = split_bit + 1
        if get_bit(x, split_bit):
            siblings.append(Sibling(split_bit, left))
            node = right
        else:
            siblings.append(Sibling(split_bit, right))
            node = left
    if rep == x:
        return Proof(ProofKind.INCLUSION, tuple(siblings), b"", left)
    return Proof(ProofKind.OTHER_LEAF, tuple(siblings), rep.to_bytes(HASH_BYTES, "big"), left)


def prove(reader: NodeReader, root: bytes, key: bytes, suite: Suite) -> Proof:
    """An inclusion or exclusion proof for `key` under `root`."""
    return lookup(reader, root, key, suite)[1]


def get_value(reader: NodeReader, root: bytes, key: bytes, suite: Suite) -> bytes | None:
    """The key's value under `root`, None if absent."""
    return lookup(reader, root, key, suite)[0]


# ---- a convenience handle ---------------------------------------------------------------


class StateTree:
    """A node store plus a current root: `apply` a block's writes, then read or prove.

    Writes its new nodes straight into the store, so it suits tests, tools and the
    client. The node's commit path uses `apply_writes` and stages `TreeUpdate.new_nodes`
    into the block's own write batch instead.
    """

    def __init__(self, store: NodeStore, root: bytes = EMPTY_ROOT, *, suite: Suite) -> None:
        self._store = store
        self._root = root
        self._suite = suite

    @property
    def root(self) -> bytes:
        return self._root

    def apply(self, writes: Sequence[tuple[bytes, bytes | None]]) -> bytes:
        """Apply one batch of writes (None = delete) and return the new root."""
        update = apply_writes(self._store, self._root, writes, suite=self._suite)
        self._store.put_nodes(update.new_nodes)
        self._root = update.root
        return update.root

    def get(self, key: bytes, root: bytes | None = None) -> bytes | None:
        return get_value(self._store, self._root if root is None else root, key, self._suite)

    def prove(self, key: bytes, root: bytes | None = None) -> Proof:
        return prove(self._store, self._root if root is None else root, key, self._suite)
