"""The anchoring vectors of docs/anchoring.md (one per suite), made by our Python from fixed facts and salts:
the page must equal what this makes (tests/unit/test_vectors_anchoring.py).
`python -m tests.unit.anchor_vector` prints the block."""

from __future__ import annotations

from collections.abc import Callable

from node.sdk.anchoring import Anchored, make_batch, make_receipt
from suites import ED25519_SHA256, SM2_SM3, Suite

FACTS = [
    f'{{"case":"(2026)甘0102执{n}号","decision":"fine","amount":{100 * n}}}'.encode()
    for n in range(1, 6)
]
"""Five facts (JSON lines, UTF-8), anchored as one batch."""

INDEX = 2
"""The fact the receipt is for."""


def _salts() -> Callable[[int], bytes]:
    n = iter(range(1, len(FACTS) + 1))

    def draw(size: int) -> bytes:
        return bytes([next(n)]) * size

    return draw


def vector_text(suite: Suite = ED25519_SHA256) -> str:
    draw = _salts()
    batch = make_batch(FACTS, suite, draw)
    anchored = Anchored("decision", "(2026)甘0102执3号", "hrss", 7, bytes(32))
    receipt = make_receipt(batch, INDEX, anchored, suite, "facts.jsonl:3")
    lines = [
        f"suite: {suite.name}",
        f"fact: {FACTS[INDEX].hex()}",
        f"salt: {receipt['salt']}",
        f"fact_hash: {receipt['fact_hash']}",
        f"index: {receipt['index']}",
        f"count: {receipt['count']}",
        *(f"path: {h}" for h in receipt["path"]),
        *(f"leaf: {h.hex()}" for h in batch.fact_hashes),
        f"root: {receipt['root']}",
        f"anchor_id: {receipt['anchor_id']}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(vector_text(), end="")
    print(vector_text(SM2_SM3), end="")
