"""Benchmark: what a validator spends per transaction before its mempool (issue 16).

For `--count` pre-signed certificate issues (the same transactions `make bench` sends),
times the signature and shape check (`node.chain.tx.check_tx`) and the declared-argument
and personal-data check (`contracts.runtime.get_admission_refusal`), each over all of them,
then a validator's whole admission check (`node.admission.check_for_admission`) of a
transaction it sees for the first time (`admission_first_us`) and of one it has screened
before (`admission_again_us`: in a proposal after its forwarded copy, or back after a view
change; node/screening.py remembers what passed), `--rounds` times, and prints the best
round per transaction as one JSON line. No assertion.

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
from node.admission import check_for_admission
from node.chain.crypto import KeyPair
from node.chain.tx import check_tx
from suites import ED25519_SHA256

try:
    from node.screening import AdmissionScreen
except ImportError:  # a build from before the screen's memory: every check is a first one
    AdmissionScreen = None  # type: ignore[assignment,misc]

CHAIN = "bench-admission"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    ns = parser.parse_args()
    txs = make_txs(CHAIN, KeyPair.generate().seed, 1, ns.count)
    checked = [check_tx(tx, CHAIN, suite=ED25519_SHA256) for tx in txs]
    best_check = best_screen = best_first = best_again = float("inf")
    for _ in range(ns.rounds):
        screen = AdmissionScreen() if AdmissionScreen is not None else None
        timed = []
        for _pass in range(2):
            t0 = time.perf_counter()
            for tx in txs:
                if screen is None:
                    check_for_admission(tx, CHAIN, suite=ED25519_SHA256)
                else:
                    check_for_admission(tx, CHAIN, screen, suite=ED25519_SHA256)
            timed.append(time.perf_counter() - t0)
        best_first, best_again = min(best_first, timed[0]), min(best_again, timed[1])
        t0 = time.perf_counter()
        for tx in txs:
            check_tx(tx, CHAIN, suite=ED25519_SHA256)
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
                "admission_first_us": round(best_first / ns.count * 1e6, 1),
                "admission_again_us": round(best_again / ns.count * 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
