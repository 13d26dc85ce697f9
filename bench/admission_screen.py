"""Benchmark: what a validator spends per transaction before its mempool (issue 16).

For `--count` pre-signed certificate issues (the same transactions `make bench` sends),
times the signature and shape check (`node.chain.tx.check_tx`) and the declared-argument
and personal-data check (`contracts.runtime.get_admission_refusal`), each over all of them,
`--rounds` times, and prints the best round per transaction as one JSON line. No assertion.

Usage: python bench/admission_screen.py [--count 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import make_txs
from contracts.runtime import get_admission_refusal
from node.chain.crypto import KeyPair
from node.chain.tx import check_tx

CHAIN = "bench-admission"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    ns = parser.parse_args()
    txs = make_txs(CHAIN, KeyPair.generate().seed, 1, ns.count)
    checked = [check_tx(tx, CHAIN) for tx in txs]
    best_check = best_screen = float("inf")
    for _ in range(ns.rounds):
        t0 = time.perf_counter()
        for tx in txs:
            check_tx(tx, CHAIN)
        t1 = time.perf_counter()
        for tx, c in zip(txs, checked, strict=True):
            if get_admission_refusal(tx.body.contract, tx.body.method, c.args) is not None:
                raise SystemExit("a benchmark transaction was refused")
        t2 = time.perf_counter()
        best_check, best_screen = min(best_check, t1 - t0), min(best_screen, t2 - t1)
    print(
        json.dumps(
            {
                "txs": ns.count,
                "check_tx_us": round(best_check / ns.count * 1e6, 1),
                "admission_refusal_us": round(best_screen / ns.count * 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
