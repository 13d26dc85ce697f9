"""The state-proof vectors of docs/proofs.md, made by our Python from fixed entries, one per
suite (the same entries: SHA-256 for ```state-proof-vector```, SM3 for
```state-proof-vector-sm2-sm3```, whose first line names the suite): the page must equal what
this makes (tests/unit/test_vectors_proofs.py). `python -m tests.unit.state_proof_vector
[SUITE]` prints a block."""

from __future__ import annotations

import sys

from node.chain.batchproof import NodeTable, encode_batch_proof
from node.chain.stateproof import encode_proof
from node.chain.statetree import MemoryNodeStore, apply_writes, lookup
from suites import DEFAULT_SUITE_NAME, ED25519_SHA256, Suite, get_suite

ENTRIES = [
    (
        f"certificates/cert/cert-vector-{n:04d}".encode(),
        (
            f'{{"cert_id":"cert-vector-{n:04d}","cert_type":"diploma","holder":"hd{n:040d}",'
            '"issuer":"edu","status":"valid","valid_until_ms":0}'
        ).encode(),
    )
    for n in range(1, 9)
]
ABSENT_KEY = b"certificates/cert/cert-vector-0099"


def vector_text(suite: Suite = ED25519_SHA256) -> str:
    """The block for a chain of ``suite`` (a ``suite`` line first unless it is the default)."""
    store = MemoryNodeStore()
    update = apply_writes(store, bytes(32), sorted(ENTRIES), suite=suite)
    store.put_nodes(update.new_nodes)
    key, value = ENTRIES[2]
    found, inclusion = lookup(store, update.root, key, suite)
    absent, exclusion = lookup(store, update.root, ABSENT_KEY, suite)
    if found != value or absent is not None:
        raise AssertionError("the tree does not hold the vector's entries")
    table = NodeTable()
    batch = [encode_batch_proof(p, table).hex() for p in (inclusion, exclusion)]
    named = "" if suite.name == DEFAULT_SUITE_NAME else f"suite: {suite.name}\n"
    return (
        named + f"state_root: {update.root.hex()}\n"
        f"key: {key.decode()}\n"
        f"value: {value.decode()}\n"
        f"inclusion_proof: {encode_proof(inclusion).hex()}\n"
        f"absent_key: {ABSENT_KEY.decode()}\n"
        f"exclusion_proof: {encode_proof(exclusion).hex()}\n"
        f"batch_inclusion: {batch[0]}\n"
        f"batch_exclusion: {batch[1]}\n" + "".join(f"batch_node: {h.hex()}\n" for h in table.hashes)
    )


if __name__ == "__main__":
    print(vector_text(get_suite(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SUITE_NAME)), end="")
