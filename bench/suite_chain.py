"""What the chain's suite costs where the chain uses it (issue 18): CPU time, on one core,
of building a state tree of 10,000 entries, of checking one state proof, and of a
transaction's stateless check (its signature), in each suite.

Rates are per second of this process's CPU time (`time.process_time`), which other
processes on a shared machine do not lower.

Usage: .venv/bin/python bench/suite_chain.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # not bench/suites.py

from node.chain.crypto import KeyPair
from node.chain.stateproof import verify_proof
from node.chain.statetree import MemoryNodeStore, StateTree, build_tree
from node.chain.tx import build_tx, check_tx
from suites import SUITES, Suite

ENTRIES = 10_000


def cpu_seconds(fn: Callable[[], object], repeat: int) -> float:
    """CPU seconds of one call of `fn`, averaged over `repeat` calls."""
    started = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - started) / repeat


def measure(suite: Suite) -> dict[str, float]:
    items = [(f"certificates/cert/c-{i:06d}".encode(), b"x" * 200) for i in range(ENTRIES)]
    tree = StateTree(MemoryNodeStore(), suite=suite)
    tree.apply(items)
    key, value = items[77]
    proof = tree.prove(key)
    tx = build_tx(
        "bench", KeyPair.generate(suite), "consent", "grant", {"request_id": "req-00000001"}
    )
    return {
        "build_tree_ms": 1000 * cpu_seconds(lambda: build_tree(items, suite), 3),
        "verify_proof_per_s": 1
        / cpu_seconds(lambda: verify_proof(tree.root, key, value, proof, suite), 2000),
        "check_tx_per_s": 1 / cpu_seconds(lambda: check_tx(tx, "bench", suite=suite), 1000),
    }


def main() -> None:
    for suite in SUITES.values():
        got = measure(suite)
        print(
            f"{suite.name}: build_tree {ENTRIES:,} entries {got['build_tree_ms']:.0f} ms CPU;"
            f" verify_proof {got['verify_proof_per_s']:,.0f}/s;"
            f" check_tx {got['check_tx_per_s']:,.0f}/s"
        )


if __name__ == "__main__":
    main()
