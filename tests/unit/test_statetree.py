"""The authenticated state tree: roots, batch updates, proofs and their byte format.

The tree is checked against `spec_root`, a deliberately naive restatement of the root's
definition (see node/chain/statetree.py's docstring), written with bit strings and no shared
code, so the two must agree on every state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
import struct
from collections.abc import Iterator
from pathlib import Path

import plyvel
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from node.chain.stateproof import (
    EMPTY_ROOT,
    PROOF_BYTES_MAX,
    PROOF_FORMAT_VERSION,
    Proof,
    ProofFormatError,
    ProofKind,
    Sibling,
    compute_leaf_hash,
    compute_node_hash,
    compute_value_hash,
    decode_proof,
    encode_proof,
    verify_proof,
)
from node.chain.statetree import (
    CorruptNodeError,
    MemoryNodeStore,
    MissingNodeError,
    NodeReader,
    OverlayNodeReader,
    StateTree,
    apply_writes,
    build_tree,
    compute_stored_node_hash,
    encode_branch,
    get_value,
    iter_entries,
    iter_nodes,
    lookup,
    prove,
)
from node.ledger.statetree_store import LevelDBNodeStore
from suites import ED25519_SHA256

Write = tuple[bytes, bytes | None]

# ---- the specification, restated -------------------------------------------------------


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def spec_leaf(key: bytes, value: bytes) -> bytes:
    value_hash = _h(b"trustledger/v1/state-value\x00" + struct.pack(">I", len(key)) + key + value)
    return _h(b"trustledger/v1/state-leaf\x00" + _h(key) + value_hash)


def spec_root(state: dict[bytes, bytes]) -> bytes:
    """Root of a state straight from the definition: split at the first differing bit."""

    def bits(key: bytes) -> str:
        return "".join(f"{byte:08b}" for byte in _h(key))

    def tree(entries: list[tuple[str, bytes, bytes]]) -> bytes:
        if len(entries) == 1:
            _, key, value = entries[0]
            return spec_leaf(key, value)
        split = next(i for i in range(256) if len({e[0][i] for e in entries}) > 1)
        left = [e for e in entries if e[0][split] == "0"]
        right = [e for e in entries if e[0][split] == "1"]
        node_domain = b"trustledger/v1/state-node\x00"
        return _h(node_domain + bytes([split]) + tree(left) + tree(right))

    if not state:
        return bytes(32)
    return tree([(bits(k), k, v) for k, v in state.items()])


def apply_to_model(model: dict[bytes, bytes], writes: list[Write]) -> None:
    for key, value in writes:
        if value is None:
            model.pop(key, None)
        else:
            model[key] = value


def reachable(reader: NodeReader, root: bytes) -> set[bytes]:
    return {node for node, _ in iter_nodes(reader, root)}


# ---- strategies ------------------------------------------------------------------------

# A small key pool makes batches overwrite and delete keys that exist.
keys = st.binary(min_size=0, max_size=2)
values = st.binary(min_size=0, max_size=6)
writes_st = st.lists(st.tuples(keys, st.none() | values), max_size=25)
batches_st = st.lists(writes_st, min_size=1, max_size=6)
hashes = st.binary(min_size=32, max_size=32)


@st.composite
def proofs(draw: st.DrawFn) -> Proof:
    """Any well formed proof (not necessarily of any tree) with up to 8 siblings at random
    split bits. The format's limit of 256 is `test_a_proof_with_every_split_bit_round_trips`
    (a failing example that size would print 32 kB)."""
    kind = draw(st.sampled_from(ProofKind))
    if kind is ProofKind.EMPTY:
        return Proof(kind, ())
    bits = sorted(draw(st.sets(st.integers(0, 255), max_size=8)))
    siblings = tuple(Sibling(bit, draw(hashes)) for bit in bits)
    leaf_key_hash = draw(hashes) if kind is ProofKind.OTHER_LEAF else b""
    return Proof(kind, siblings, leaf_key_hash, draw(hashes))


# ---- basics ----------------------------------------------------------------------------


def test_empty_tree_has_a_constant_root_and_proves_absence() -> None:
    assert bytes(32) == EMPTY_ROOT
    tree = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    assert tree.apply([]) == EMPTY_ROOT
    assert tree.apply([(b"absent", None)]) == EMPTY_ROOT
    proof = tree.prove(b"k")
    assert proof == Proof(ProofKind.EMPTY, ())
    assert verify_proof(EMPTY_ROOT, b"k", None, proof, ED25519_SHA256)
    assert not verify_proof(EMPTY_ROOT, b"k", b"v", proof, ED25519_SHA256)
    assert not verify_proof(spec_root({b"k": b"v"}), b"k", None, proof, ED25519_SHA256)
    assert encode_proof(proof) == b"\x01\x00"
    assert decode_proof(b"\x01\x00") == proof


def test_single_leaf_is_the_root_and_deleting_it_empties_the_tree() -> None:
    tree = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    root = tree.apply([(b"certificates/cert/1", b"status=valid")])
    assert root == spec_leaf(b"certificates/cert/1", b"status=valid")
    proof = tree.prove(b"certificates/cert/1")
    assert proof.is_inclusion and proof.siblings == ()
    assert tree.apply([(b"certificates/cert/1", None)]) == EMPTY_ROOT


def test_known_root() -> None:
    """A golden value: the root definition must not drift silently."""
    state = {b"a": b"1", b"b": b"2", b"c": b"3", b"certificates/cert/x": b"valid"}
    root = build_tree(state.items(), ED25519_SHA256).root
    assert root == spec_root(state)
    assert root.hex() == GOLDEN_ROOT


GOLDEN_ROOT = "4665292bfe9839e0ecfb621ca885edd2881c37810e1246cf333e1fe4fabbcedc"


def test_writing_the_same_value_again_changes_nothing() -> None:
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    root = tree.apply([(b"a", b"1"), (b"b", b"2"), (b"c", b"3")])
    update = apply_writes(store, root, [(b"b", b"2"), (b"zz", None)], suite=ED25519_SHA256)
    assert update.root == root
    assert update.new_nodes == {} and update.stale_nodes == frozenset()


def test_last_write_of_a_key_wins() -> None:
    update = apply_writes(
        MemoryNodeStore(),
        EMPTY_ROOT,
        [(b"k", b"1"), (b"k", None), (b"k", b"3")],
        suite=ED25519_SHA256,
    )
    assert update.root == spec_root({b"k": b"3"})


def test_apply_writes_reads_but_never_writes() -> None:
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    root = tree.apply([(bytes([i]), b"v") for i in range(50)])
    before = len(store)
    update = apply_writes(store, root, [(b"new", b"x"), (bytes([3]), None)], suite=ED25519_SHA256)
    assert len(store) == before
    assert update.prev_root == root and update.root != root
    # Chained execution ahead of commit: read the pending update's nodes through an overlay.
    second = apply_writes(
        OverlayNodeReader(store, update.new_nodes),
        update.root,
        [(b"n2", b"y")],
        suite=ED25519_SHA256,
    )
    model = {bytes([i]): b"v" for i in range(50) if i != 3} | {b"new": b"x", b"n2": b"y"}
    assert second.root == spec_root(model)


def test_unknown_root_raises_missing_node() -> None:
    with pytest.raises(MissingNodeError):
        prove(MemoryNodeStore(), b"\x42" * 32, b"k", ED25519_SHA256)
    with pytest.raises(MissingNodeError):
        apply_writes(MemoryNodeStore(), b"\x42" * 32, [(b"k", b"v")], suite=ED25519_SHA256)


# ---- history independence and proofs (hypothesis) --------------------------------------


@settings(max_examples=150, deadline=None)
@given(batches=batches_st, order_seed=st.integers(0, 2**32 - 1))
def test_root_depends_only_on_the_final_state(batches: list[list[Write]], order_seed: int) -> None:
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    model: dict[bytes, bytes] = {}
    for writes in batches:
        previous = tree.root
        update = apply_writes(store, previous, writes, suite=ED25519_SHA256)
        store.put_nodes(update.new_nodes)
        tree = StateTree(store, update.root, suite=ED25519_SHA256)
        apply_to_model(model, writes)
        assert update.root == spec_root(model)
        # stale = reachable before and not after; every new node is reachable after.
        before, after = reachable(store, previous), reachable(store, update.root)
        assert update.stale_nodes == before - after
        assert set(update.new_nodes) <= after
        for node, raw in update.new_nodes.items():
            assert compute_stored_node_hash(raw, ED25519_SHA256) == node
            # The shapes handed to a store's cache describe exactly the stored bytes.
            split_bit, left, right, rep = update.shapes[node]
            if split_bit == 256:
                assert raw[0] == 0 and int.from_bytes(raw[1:33], "big") == rep
            else:
                assert encode_branch(split_bit, left, right, rep) == raw
        assert dict(iter_entries(store, update.root)) == model
    # The same final map built from scratch, one key per batch in a random order.
    items = list(model.items())
    random.Random(order_seed).shuffle(items)
    fresh = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    for key, value in items:
        fresh.apply([(key, value)])
    assert fresh.root == tree.root == build_tree(model.items(), ED25519_SHA256).root


@settings(max_examples=120, deadline=None)
@given(batches=batches_st, probes=st.lists(keys, min_size=1, max_size=10), data=st.data())
def test_proofs_verify_exactly_the_state_under_their_root(
    batches: list[list[Write]], probes: list[bytes], data: st.DataObject
) -> None:
    """At least one probe, so every root is asked about some key (with none, an example
    whose batches leave every version empty checked nothing: 18 % of them did)."""
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    model: dict[bytes, bytes] = {}
    history: list[tuple[bytes, dict[bytes, bytes]]] = [(EMPTY_ROOT, {})]
    for writes in batches:
        tree.apply(writes)
        apply_to_model(model, writes)
        history.append((tree.root, dict(model)))

    # Every retained root still answers for its own version.
    for root, snapshot in history:
        for key in {*snapshot, *probes}:
            value, proof = lookup(store, root, key, ED25519_SHA256)
            assert value == snapshot.get(key)
            assert verify_proof(root, key, value, proof, ED25519_SHA256)
            assert decode_proof(encode_proof(proof)) == proof

    root = tree.root
    absent = len(set(probes) - set(model))
    event(f"final state: {'empty' if not model else 'some keys'}, absent probes: {bool(absent)}")
    for key, value in model.items():
        proof = tree.prove(key)
        assert proof.kind is ProofKind.INCLUSION
        assert verify_proof(root, key, value, proof, ED25519_SHA256)
        other = data.draw(values, label="other value")
        if other == value:
            other += b"!"
        assert not verify_proof(root, key, other, proof, ED25519_SHA256)
        assert not verify_proof(root, key, None, proof, ED25519_SHA256)
        assert not verify_proof(root, key + b"\x00", value, proof, ED25519_SHA256)
    for key in probes:
        if key in model:
            continue
        proof = tree.prove(key)
        assert proof.kind in (ProofKind.EMPTY, ProofKind.OTHER_LEAF)
        assert get_value(store, root, key, ED25519_SHA256) is None
        assert verify_proof(root, key, None, proof, ED25519_SHA256)
        assert not verify_proof(
            root, key, data.draw(values, label="claimed value"), proof, ED25519_SHA256
        )
    # A proof made under one root fails under any other root.
    for other_root, _ in history:
        if other_root == root:
            continue
        for key in list(model)[:5]:
            assert not verify_proof(other_root, key, model[key], tree.prove(key), ED25519_SHA256)


def _changed(proof: Proof, data: st.DataObject) -> tuple[str, Proof]:
    """`proof` changed in one field, still well formed (so it decodes): what changed, and
    the changed proof. Every kind of proof has at least one applicable change."""
    kind, siblings = proof.kind, list(proof.siblings)
    used = {s.split_bit for s in siblings}
    options = ["kind"]
    if kind is not ProofKind.EMPTY:
        options += ["hash byte", "add sibling"]
    if siblings:
        options += ["split bit", "drop sibling"]
    change = data.draw(st.sampled_from(options), label="change")
    if change == "kind":
        new_kind = data.draw(st.sampled_from([k for k in ProofKind if k is not kind]))
        if new_kind is ProofKind.EMPTY:
            return change, Proof(new_kind, ())
        leaf = (
            (proof.leaf_key_hash or data.draw(hashes)) if new_kind is ProofKind.OTHER_LEAF else b""
        )
        return change, Proof(new_kind, proof.siblings, leaf, proof.value_hash or data.draw(hashes))
    if change == "hash byte":
        fields = ["value_hash"] + (["leaf_key_hash"] if proof.leaf_key_hash else [])
        fields += [f"sibling {i}" for i in range(len(siblings))]
        field = data.draw(st.sampled_from(fields))
        at, xor = data.draw(st.integers(0, 31)), data.draw(st.integers(1, 255))
        if field.startswith("sibling"):
            i = int(field.split()[1])
            siblings[i] = Sibling(siblings[i].split_bit, _flip(siblings[i].hash, at, xor))
            return change, dataclasses.replace(proof, siblings=tuple(siblings))
        changed = _flip(getattr(proof, field), at, xor)
        return change, dataclasses.replace(proof, **{field: changed})
    if change == "add sibling":
        bit = data.draw(st.sampled_from([b for b in range(256) if b not in used]))
        siblings = sorted([*siblings, Sibling(bit, data.draw(hashes))])
        return change, dataclasses.replace(proof, siblings=tuple(siblings))
    i = data.draw(st.integers(0, len(siblings) - 1))
    if change == "drop sibling":
        del siblings[i]
        return change, dataclasses.replace(proof, siblings=tuple(siblings))
    low = siblings[i - 1].split_bit + 1 if i else 0
    high = siblings[i + 1].split_bit if i + 1 < len(siblings) else 256
    free = [b for b in range(low, high) if b != siblings[i].split_bit]
    if not free:  # its neighbours leave it no other place: move it elsewhere instead
        free = [b for b in range(256) if b not in used]
    siblings[i] = Sibling(data.draw(st.sampled_from(free)), siblings[i].hash)
    return change, dataclasses.replace(proof, siblings=tuple(sorted(siblings)))


def _flip(value: bytes, at: int, xor: int) -> bytes:
    changed = bytearray(value)
    changed[at % len(changed)] ^= xor
    return bytes(changed)


@settings(max_examples=200, deadline=None)
@given(
    state=st.dictionaries(st.binary(max_size=4), values, min_size=0, max_size=40),
    probe=st.binary(max_size=4),
    data=st.data(),
)
def test_a_proof_changed_in_any_field_never_verifies(
    state: dict[bytes, bytes], probe: bytes, data: st.DataObject
) -> None:
    """Every changed proof here is well formed, so each example reaches the verification;
    changes that break the format are `test_malformed_proof_bytes_raise_the_format_error`."""
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    tree.apply(list(state.items()))
    if state and data.draw(st.booleans(), label="probe a present key"):
        probe = data.draw(st.sampled_from(sorted(state)), label="present probe")
    value = state.get(probe)
    proof = tree.prove(probe)
    change, tampered = _changed(proof, data)
    event(f"{proof.kind.name} proof, changed: {change}")
    assert tampered != proof
    assert decode_proof(encode_proof(tampered)) == tampered  # well formed
    assert not verify_proof(tree.root, probe, value, tampered, ED25519_SHA256)
    assert not verify_proof(
        tree.root, probe, None if value is not None else b"", tampered, ED25519_SHA256
    )


def test_every_single_byte_change_of_real_proofs_is_caught() -> None:
    state = {f"certificates/cert/{i}".encode(): f"status={i}".encode() for i in range(300)}
    tree = StateTree(MemoryNodeStore(), suite=ED25519_SHA256)
    tree.apply(list(state.items()))
    for key in [b"certificates/cert/7", b"certificates/cert/250", b"absent", b"also absent"]:
        value = state.get(key)
        raw = encode_proof(tree.prove(key))
        assert verify_proof(tree.root, key, value, decode_proof(raw), ED25519_SHA256)
        for i in range(len(raw)):
            for xor in (0x01, 0x80, 0xFF):
                changed = bytearray(raw)
                changed[i] ^= xor
                try:
                    proof = decode_proof(bytes(changed))
                except ProofFormatError:
                    continue
                assert not verify_proof(tree.root, key, value, proof, ED25519_SHA256), (key, i, xor)
        for cut in range(len(raw)):
            with pytest.raises(ProofFormatError):
                decode_proof(raw[:cut])
        with pytest.raises(ProofFormatError):
            decode_proof(raw + b"\x00")


@settings(max_examples=300, deadline=None)
@given(proofs())
def test_every_well_formed_proof_round_trips_through_its_bytes(proof: Proof) -> None:
    """Generated well formed (arbitrary bytes almost never parse: 0 of 500 did), so every
    example reaches the round trip; malformed bytes are the next property's."""
    event(f"{proof.kind.name}, {_size_class(len(proof.siblings))} siblings")
    raw = encode_proof(proof)
    hash_fields = {ProofKind.EMPTY: 0, ProofKind.INCLUSION: 1, ProofKind.OTHER_LEAF: 2}
    body = 0 if proof.kind is ProofKind.EMPTY else 32 * hash_fields[proof.kind] + 2
    assert len(raw) == 2 + body + 33 * len(proof.siblings) <= PROOF_BYTES_MAX
    assert decode_proof(raw) == proof
    assert encode_proof(decode_proof(raw)) == raw


def _size_class(count: int) -> str:
    return "no" if count == 0 else "some"


@pytest.mark.parametrize("kind", [ProofKind.INCLUSION, ProofKind.OTHER_LEAF])
def test_a_proof_with_every_split_bit_round_trips(kind: ProofKind) -> None:
    siblings = tuple(Sibling(bit, bytes([bit]) * 32) for bit in range(256))
    proof = Proof(kind, siblings, bytes(32) if kind is ProofKind.OTHER_LEAF else b"", bytes(32))
    raw = encode_proof(proof)
    assert len(raw) == PROOF_BYTES_MAX - (32 if kind is ProofKind.INCLUSION else 0)
    assert decode_proof(raw) == proof
    with pytest.raises(ProofFormatError):
        decode_proof(raw + raw[-33:])  # a 257th sibling


@st.composite
def _malformed(draw: st.DrawFn, proof: Proof) -> tuple[str, object]:
    """The bytes of `proof` broken in one way that the format forbids: (how, the input)."""
    raw = encode_proof(proof)
    ways = ["truncated", "trailing bytes", "version", "kind", "too long", "not bytes"]
    if proof.kind is not ProofKind.EMPTY:
        ways.append("sibling count")
    if len(proof.siblings) >= 2:
        ways.append("split bit order")
    how = draw(st.sampled_from(ways))
    if how == "truncated":
        return how, raw[: draw(st.integers(0, len(raw) - 1))]
    if how == "trailing bytes":
        return how, raw + draw(st.binary(min_size=1, max_size=40))
    if how == "version":
        version = draw(st.integers(0, 255).filter(lambda v: v != PROOF_FORMAT_VERSION))
        return how, bytes([version]) + raw[1:]
    if how == "kind":
        return how, raw[:1] + bytes([draw(st.integers(len(ProofKind), 255))]) + raw[2:]
    if how == "too long":  # padded in the test: 8 kB of zeros would print as 32 kB
        return how, raw
    if how == "not bytes":
        return how, draw(st.sampled_from([raw.hex(), None, len(raw), list(raw)]))
    at = 2 + (64 if proof.kind is ProofKind.OTHER_LEAF else 32)  # the u16 sibling count
    if how == "sibling count":
        count = draw(st.integers(0, 0xFFFF).filter(lambda c: c != len(proof.siblings)))
        return how, raw[:at] + struct.pack(">H", count) + raw[at + 2 :]
    i = draw(st.integers(1, len(proof.siblings) - 1))  # split bit order
    bit = draw(st.integers(0, proof.siblings[i - 1].split_bit))
    where = at + 2 + 33 * i
    return how, raw[:where] + bytes([bit]) + raw[where + 1 :]


@settings(max_examples=300, deadline=None)
@given(proofs().flatmap(_malformed))
def test_malformed_proof_bytes_raise_the_format_error(malformed: tuple[str, object]) -> None:
    how, data = malformed
    event(f"broken: {how}")
    if how == "too long":
        assert isinstance(data, bytes)
        data += bytes(PROOF_BYTES_MAX + 1 - len(data))
    with pytest.raises(ProofFormatError):
        decode_proof(data)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(proofs())
def test_well_formed_but_forged_proofs_are_refused(forged: Proof) -> None:
    """Bytes that parse but were never produced by the tree do not verify for its root.
    Generated well formed (a third of the raw bytes built before did not parse)."""
    event(f"{forged.kind.name}, {_size_class(len(forged.siblings))} siblings")
    state = {bytes([i]): bytes([i]) * 3 for i in range(20)}
    root = build_tree(state.items(), ED25519_SHA256).root
    proof = decode_proof(encode_proof(forged))
    for key in [bytes([3]), b"absent"]:
        assert not verify_proof(root, key, state.get(key), proof, ED25519_SHA256)


def test_format_limits_and_strict_parsing() -> None:
    with pytest.raises(ProofFormatError, match="more than"):
        decode_proof(b"\x01\x01" + bytes(PROOF_BYTES_MAX))
    with pytest.raises(ProofFormatError, match="version"):
        decode_proof(b"\x02\x00")
    with pytest.raises(ProofFormatError, match="kind"):
        decode_proof(b"\x01\x07")
    with pytest.raises(ProofFormatError, match="no body"):
        decode_proof(b"\x01\x00\x00")
    with pytest.raises(ProofFormatError, match="truncated"):
        decode_proof(b"\x01")
    with pytest.raises(ProofFormatError, match="siblings"):
        decode_proof(b"\x01\x01" + bytes(32) + struct.pack(">H", 257))
    unordered = bytes([5]) + bytes(32) + bytes([5]) + bytes(32)
    with pytest.raises(ProofFormatError, match="increase"):
        decode_proof(b"\x01\x01" + bytes(32) + struct.pack(">H", 2) + unordered)
    with pytest.raises(ProofFormatError):
        decode_proof("not bytes")  # type: ignore[arg-type]
    with pytest.raises(ProofFormatError):
        encode_proof(Proof(ProofKind.INCLUSION, (), b"", b"short"))


@pytest.mark.parametrize(
    "proof",
    [
        Proof(ProofKind.INCLUSION, (Sibling(3, bytes(32)), Sibling(3, bytes(32))), b"", bytes(32)),
        Proof(ProofKind.INCLUSION, (Sibling(256, bytes(32)),), b"", bytes(32)),
        Proof(ProofKind.INCLUSION, ((1, 2, 3),), b"", bytes(32)),  # type: ignore[arg-type]
        Proof(ProofKind.OTHER_LEAF, (), b"", bytes(32)),
        Proof(ProofKind.EMPTY, (Sibling(0, bytes(32)),)),
        Proof(7, ()),  # type: ignore[arg-type]
        "garbage",
        None,
    ],
)
def test_verify_refuses_malformed_objects_without_raising(proof: Proof) -> None:
    assert verify_proof(EMPTY_ROOT, b"k", None, proof, ED25519_SHA256) is False
    assert verify_proof(EMPTY_ROOT, b"k", b"v", proof, ED25519_SHA256) is False


def test_verify_refuses_wrong_argument_types_without_raising() -> None:
    root = build_tree([(b"k", b"v")], ED25519_SHA256).root
    proof = prove(MemoryNodeStore(), EMPTY_ROOT, b"k", ED25519_SHA256)
    assert verify_proof("root", b"k", None, proof, ED25519_SHA256) is False  # type: ignore[arg-type]
    assert verify_proof(root, "k", b"v", proof, ED25519_SHA256) is False  # type: ignore[arg-type]


# ---- LevelDB against memory ------------------------------------------------------------


@pytest.fixture(scope="module")
def leveldb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[plyvel.DB]:
    path: Path = tmp_path_factory.mktemp("statetree") / "db"
    db = plyvel.DB(str(path), create_if_missing=True)
    yield db
    db.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=batches_st, probes=st.lists(keys, max_size=8))
def test_leveldb_and_memory_stores_agree(
    leveldb: plyvel.DB, batches: list[list[Write]], probes: list[bytes]
) -> None:
    # Content addressing lets every example share the one database.
    disk = LevelDBNodeStore(leveldb, cache_nodes_max=16, suite=ED25519_SHA256)
    memory = MemoryNodeStore()
    disk_root = memory_root = EMPTY_ROOT
    seen: set[bytes] = set()
    for writes in batches:
        on_disk = apply_writes(disk, disk_root, writes, suite=ED25519_SHA256)
        in_memory = apply_writes(memory, memory_root, writes, suite=ED25519_SHA256)
        assert on_disk == in_memory
        with leveldb.write_batch(sync=False) as batch:  # the commit path's batch
            batch.put(b"m" + b"tip", b"")
            disk.stage(batch, on_disk.new_nodes, on_disk.shapes)
        memory.put_nodes(in_memory.new_nodes)
        disk_root, memory_root = on_disk.root, in_memory.root
        seen.update(k for k, _ in writes)
    for key in seen | set(probes):
        assert encode_proof(prove(disk, disk_root, key, ED25519_SHA256)) == encode_proof(
            prove(memory, memory_root, key, ED25519_SHA256)
        )
        assert get_value(disk, disk_root, key, ED25519_SHA256) == get_value(
            memory, memory_root, key, ED25519_SHA256
        )


def test_leveldb_store_survives_reopening(tmp_path: Path) -> None:
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True)
    store = LevelDBNodeStore(db, suite=ED25519_SHA256)
    tree = StateTree(store, suite=ED25519_SHA256)
    first = tree.apply([(b"k%d" % i, b"v%d" % i) for i in range(500)])
    second = tree.apply([(b"k%d" % i, None) for i in range(0, 500, 2)])
    db.close()
    db = plyvel.DB(str(tmp_path / "db"))
    store = LevelDBNodeStore(db, cache_nodes_max=0, suite=ED25519_SHA256)
    assert (
        get_value(store, first, b"k2", ED25519_SHA256) == b"v2"
    )  # the old version is still readable
    assert get_value(store, second, b"k2", ED25519_SHA256) is None
    assert verify_proof(
        second, b"k3", b"v3", prove(store, second, b"k3", ED25519_SHA256), ED25519_SHA256
    )
    assert all(key.startswith(b"n") for key in db.iterator(include_value=False))
    db.close()


def test_leveldb_node_cache_is_bounded(tmp_path: Path) -> None:
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True)
    store = LevelDBNodeStore(db, cache_nodes_max=64, suite=ED25519_SHA256)
    tree = StateTree(store, suite=ED25519_SHA256)
    for block in range(5):
        tree.apply([(b"k%d/%d" % (block, i), b"v") for i in range(200)])
    for i in range(200):
        tree.prove(b"k3/%d" % i)
    assert 0 < store.cached_nodes <= 64
    store.clear_cache()
    assert store.cached_nodes == 0
    assert tree.get(b"k4/7") == b"v"
    with pytest.raises(ValueError):
        LevelDBNodeStore(db, cache_nodes_max=-1, suite=ED25519_SHA256)
    db.close()


# ---- proof size ------------------------------------------------------------------------


def test_proof_size_grows_like_log2_n() -> None:
    rng = random.Random(20240601)
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    inserted: list[bytes] = []
    for target in (16, 256, 2_048, 20_000):
        fresh = [
            f"certificates/cert/{rng.getrandbits(64):016x}".encode()
            for _ in range(target - len(inserted))
        ]
        for start in range(0, len(fresh), 2_000):
            tree.apply([(k, b"v") for k in fresh[start : start + 2_000]])
        inserted += fresh
        sample = rng.sample(inserted, min(len(inserted), 3_000))
        absent = [b"absent/%d" % i for i in range(500)]
        counts = [len(tree.prove(key).siblings) for key in sample + absent]
        n = len(inserted)
        bound = 2 * math.log2(n) + 4
        assert max(counts) <= bound, (n, max(counts))
        assert sum(counts) / len(counts) <= math.log2(n) + 2, (n, sum(counts) / len(counts))
        assert len(encode_proof(tree.prove(sample[0]))) <= 36 + 33 * bound


def test_updating_a_large_tree_touches_only_the_changed_paths() -> None:
    store = MemoryNodeStore()
    tree = StateTree(store, suite=ED25519_SHA256)
    tree.apply([(b"key/%d" % i, b"v") for i in range(10_000)])
    update = apply_writes(store, tree.root, [(b"key/17", b"changed")], suite=ED25519_SHA256)
    depth = len(tree.prove(b"key/17").siblings)
    assert len(update.new_nodes) == depth + 1  # the new leaf and one branch per level
    assert len(update.stale_nodes) == depth + 1


def test_stored_node_hashes_are_checkable() -> None:
    update = build_tree([(b"k%d" % i, b"v") for i in range(100)], ED25519_SHA256)
    for node, raw in update.new_nodes.items():
        assert compute_stored_node_hash(raw, ED25519_SHA256) == node
    for bad in [b"", b"\x02", b"\x00" + bytes(10), b"\x01\x08" + bytes(64)]:
        with pytest.raises(CorruptNodeError):
            compute_stored_node_hash(bad, ED25519_SHA256)
    leaf = next(raw for raw in update.new_nodes.values() if raw[0] == 0)
    with pytest.raises(CorruptNodeError, match="key hash"):
        compute_stored_node_hash(leaf[:1] + bytes(32) + leaf[33:], ED25519_SHA256)


def test_a_damaged_store_stops_the_walk_instead_of_looping() -> None:
    store = MemoryNodeStore()
    # Every node splits at bit 0: a child can never split where its parent did.
    at_bit_0 = b"\x01\x00" + b"\xaa" * 32 + b"\xbb" * 32
    store.put_nodes({b"\xaa" * 32: at_bit_0, b"\xbb" * 32: at_bit_0, b"\xcc" * 32: at_bit_0})
    with pytest.raises(CorruptNodeError, match="splits above"):
        prove(store, b"\xcc" * 32, b"k", ED25519_SHA256)
    with pytest.raises(CorruptNodeError, match="splits above"):
        apply_writes(store, b"\xcc" * 32, [(b"k", b"v")], suite=ED25519_SHA256)
    with pytest.raises(CorruptNodeError, match="splits above"):
        list(iter_nodes(store, b"\xcc" * 32))
    store.put_nodes({b"\xdd" * 32: b"\x07garbage"})
    with pytest.raises(CorruptNodeError, match="does not decode"):
        prove(store, b"\xdd" * 32, b"k", ED25519_SHA256)


def test_exclusion_needs_the_other_leaf_on_the_keys_path() -> None:
    """A root hand-made from a malformed tree (a leaf on the wrong side of a split) does
    not yield an exclusion proof: the verifier only accepts shapes a real tree has."""
    key = next(b"k%d" % i for i in range(100) if hashlib.sha256(b"k%d" % i).digest()[0] < 0x80)
    other = next(b"o%d" % i for i in range(100) if hashlib.sha256(b"o%d" % i).digest()[0] >= 0x80)
    other_hash = hashlib.sha256(other).digest()
    value_hash = compute_value_hash(other, b"v", ED25519_SHA256)
    misplaced = compute_leaf_hash(other_hash, value_hash, ED25519_SHA256)
    sibling = b"\x11" * 32
    root = compute_node_hash(
        0, misplaced, sibling, ED25519_SHA256
    )  # `other` has bit 0 = 1 but sits left
    proof = Proof(ProofKind.OTHER_LEAF, (Sibling(0, sibling),), other_hash, value_hash)
    assert not verify_proof(root, key, None, proof, ED25519_SHA256)
