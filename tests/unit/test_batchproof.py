"""Batch proofs (node/chain/batchproof.py): many keys' proofs under one root, sharing their
sibling hashes. Each entry proves exactly what its single proof proves, the table is smaller
than the proofs it replaces, and any change to an entry, the table, the value or the root is
refused."""

from __future__ import annotations

import pytest

from node.chain.batchproof import (
    NodeTable,
    decode_batch_proof,
    encode_batch_proof,
    verify_batch_entry,
)
from node.chain.stateproof import ProofFormatError, ProofKind, encode_proof
from node.chain.statetree import MemoryNodeStore, apply_writes, lookup
from suites import ED25519_SHA256

ENTRIES = {b"certificates/cert/cert-%05d" % n: b'{"n":%d}' % n for n in range(400)}
ASKED = [b"certificates/cert/cert-%05d" % n for n in range(0, 400, 7)] + [
    b"certificates/cert/absent-%d" % n for n in range(5)
]


def _tree() -> tuple[MemoryNodeStore, bytes]:
    store = MemoryNodeStore()
    update = apply_writes(store, bytes(32), sorted(ENTRIES.items()), suite=ED25519_SHA256)
    store.put_nodes(update.new_nodes)
    return store, update.root


def _batch() -> tuple[bytes, list[bytes], list[bytes], int]:
    store, root = _tree()
    table = NodeTable()
    entries, single_bytes = [], 0
    for key in ASKED:
        _, proof = lookup(store, root, key, ED25519_SHA256)
        entries.append(encode_batch_proof(proof, table))
        single_bytes += len(encode_proof(proof))
    return root, table.hashes, entries, single_bytes


def test_every_entry_proves_its_key_and_the_batch_is_smaller() -> None:
    root, nodes, entries, single_bytes = _batch()
    kinds = set()
    for key, entry in zip(ASKED, entries, strict=True):
        assert verify_batch_entry(root, key, ENTRIES.get(key), entry, nodes, ED25519_SHA256)
        kinds.add(entry[1])
    assert kinds == {ProofKind.INCLUSION, ProofKind.OTHER_LEAF}
    batch_bytes = sum(map(len, entries)) + 32 * len(nodes)
    assert batch_bytes < single_bytes
    assert len(nodes) == len(set(nodes))


def test_a_wrong_value_key_or_root_is_refused() -> None:
    root, nodes, entries, _ = _batch()
    key, entry = ASKED[0], entries[0]
    assert not verify_batch_entry(root, key, b'{"n":1}', entry, nodes, ED25519_SHA256)
    assert not verify_batch_entry(root, key, None, entry, nodes, ED25519_SHA256)
    assert not verify_batch_entry(root, ASKED[1], ENTRIES[key], entry, nodes, ED25519_SHA256)
    assert not verify_batch_entry(bytes(32), key, ENTRIES[key], entry, nodes, ED25519_SHA256)
    absent, absent_entry = ASKED[-1], entries[-1]
    assert verify_batch_entry(root, absent, None, absent_entry, nodes, ED25519_SHA256)
    assert not verify_batch_entry(root, absent, b"x", absent_entry, nodes, ED25519_SHA256)


def test_a_changed_table_or_entry_is_refused() -> None:
    root, nodes, entries, _ = _batch()
    key, entry = ASKED[3], entries[3]
    used = int.from_bytes(entry[5:9], "big")  # the first sibling's index
    swapped = list(nodes)
    swapped[used] = bytes(32)
    assert not verify_batch_entry(root, key, ENTRIES[key], entry, swapped, ED25519_SHA256)
    for broken in (
        entry[:-1],
        entry + b"\0",
        b"\x02" + entry[1:],
        entry[:1] + b"\x07" + entry[2:],
        entry[:5] + len(nodes).to_bytes(4, "big") + entry[9:],
    ):
        assert not verify_batch_entry(root, key, ENTRIES[key], broken, nodes, ED25519_SHA256)
    with pytest.raises(ProofFormatError):
        decode_batch_proof(entry, [*nodes[:-1], b"short"], key, ENTRIES[key], ED25519_SHA256)


def test_an_empty_tree_proves_absence_with_two_bytes() -> None:
    table = NodeTable()
    _, proof = lookup(MemoryNodeStore(), bytes(32), b"k", ED25519_SHA256)
    entry = encode_batch_proof(proof, table)
    assert entry == b"\x01\x00" and table.hashes == []
    assert verify_batch_entry(bytes(32), b"k", None, entry, [], ED25519_SHA256)
    assert not verify_batch_entry(bytes(32), b"k", b"v", entry, [], ED25519_SHA256)
    assert not verify_batch_entry(bytes(32), b"k", None, entry + b"\0", [], ED25519_SHA256)
