"""Benchmark: making and checking a signed presentation (亮证, docs/presentations.md).

Issue 12 asks for a QR presentation made in at most 50 ms and a window's verification of a
scanned one in at most 200 ms. This measures the parts that are ours, in one process, with
no network: the wallet's work (sign the presentation, draw its QR code as SVG) and a
verifier's (read and check it against a certificate record of an in-memory chain, the nonce
book included; the state proof and the round trip to a node are measured by
bench/state_proofs.py and bench/tls_calls.py). Prints one JSON line:

    fields (disclosed), characters (QR text), qr_version, make_ms_p50 / _p99 (sign),
    qr_svg_ms_p50 / _p99 (draw), check_ms_p50 / _p99 (read + every check)

Usage: python bench/presentations.py [--samples 300] [--fields 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import segno

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.sdk import presentation as fmt
from node.sdk.presentation_check import NonceBook, check_presentation
from tests.unit import presentation_vector as vector
from tests.unit.consensus_support import VALIDATORS
from tests.unit.test_presentation import HOLDER, chain
from wallet.qr import render_qr_svg


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (
        round(statistics.median(ordered) * 1000, 3),
        round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--fields", type=int, default=2)
    args = parser.parse_args()
    names = list(vector.DOCUMENT["fields"])[2 : 2 + args.fields]  # type: ignore[arg-type]
    client = chain()
    nonces = NonceBook()
    made, drawn, checked = [], [], []
    text = ""
    for _ in range(args.samples):
        now_ms = time.time_ns() // 1_000_000
        started = time.perf_counter()
        text = fmt.make_presentation(
            HOLDER, vector.DOCUMENT, names, nonce=os.urandom(16), now_ms=now_ms, verifier="bank"
        )
        made.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_qr_svg(text)
        drawn.append(time.perf_counter() - started)
        started = time.perf_counter()
        check_presentation(
            client,
            text,
            VALIDATORS,
            verifier="bank",
            now_ms=now_ms,
            nonces=nonces,  # type: ignore[arg-type]
        )
        checked.append(time.perf_counter() - started)
    code = segno.make(text, error=fmt.QR_ERROR_CORRECTION, mode="byte", boost_error=False)
    result = {
        "fields": len(names),
        "characters": len(text),
        "qr_version": code.version,
        "make_ms_p50": _ms(made)[0],
        "make_ms_p99": _ms(made)[1],
        "qr_svg_ms_p50": _ms(drawn)[0],
        "qr_svg_ms_p99": _ms(drawn)[1],
        "check_ms_p50": _ms(checked)[0],
        "check_ms_p99": _ms(checked)[1],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
