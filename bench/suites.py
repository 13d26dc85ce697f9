"""Benchmark: the two crypto suites side by side on this machine (issue 18, suites/).

For each suite (``ed25519-sha256``, ``sm2-sm3``, and ``sm2-sm3`` made with another signer id,
which signs and verifies through GmSSL instead of Tongsuo), per second of this thread's CPU
time (``time.thread_time``: other processes on the machine do not lower it) unless it says
otherwise:

    sign_per_s            signatures of a 200-byte message with a parsed signing key
    verify_per_s          verifications of a valid signature (parsed keys cached, as a
                          validator's are)
    verify_per_s_threads  the same from ``--threads`` threads at once (default: every core),
                          per second of wall-clock time: more than verify_per_s only where
                          the library releases the GIL, and only on an idle machine
    hash_mb_per_s         the suite's hash over 1 MiB buffers, MB (10^6 bytes) per second
    seal_per_s, open_per_s  a 1 KiB document sealed to / opened with a key, 16 bytes of aad

Prints one JSON line per suite, then the figures as a table, and the load average. Not a test: it asserts nothing
about speed; the rates depend on the machine and its load, compare them within one run.
Usage: python bench/suites.py [--seconds 1.0] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from suites import SUITES, Sm2Sm3Suite, Suite

MESSAGE = bytes(range(200))
HASHED = bytes(1 << 20)
DOCUMENT = bytes(1024)
AAD = b"cert-0000/holder"


def rate(
    call: Callable[[], object], seconds: float, clock: Callable[[], float] = time.thread_time
) -> float:
    """Calls per second of ``clock`` (this thread's CPU time by default), over about
    ``seconds`` of it."""
    count, start = 0, clock()
    while (elapsed := clock() - start) < seconds:
        for _ in range(10):
            call()
        count += 10
    return count / elapsed


def threaded_rate(call: Callable[[], object], seconds: float, threads: int) -> float:
    """Calls per second of ``call`` from ``threads`` threads together."""
    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(lambda _: rate(call, seconds, time.perf_counter), range(threads)))


def measure(label: str, suite: Suite, seconds: float, threads: int) -> dict[str, Any]:
    keys = suite.generate_keypair()
    signer = suite.signing_key(keys.private_key)
    signature = signer.sign(MESSAGE)
    sealed = suite.seal(keys.public_key, DOCUMENT, AAD)

    def verify() -> bool:
        return suite.verify(keys.public_key, MESSAGE, signature)

    hashes_per_s = rate(lambda: suite.hash(HASHED), seconds)
    return {
        "suite": label,
        "sign_per_s": round(rate(lambda: signer.sign(MESSAGE), seconds)),
        "verify_per_s": round(rate(verify, seconds)),
        "verify_per_s_threads": round(threaded_rate(verify, seconds, threads)),
        "threads": threads,
        "hash_mb_per_s": round(hashes_per_s * len(HASHED) / 1e6, 1),
        "seal_per_s": round(rate(lambda: suite.seal(keys.public_key, DOCUMENT, AAD), seconds)),
        "open_per_s": round(rate(lambda: suite.open(keys.private_key, sealed, AAD), seconds)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per rate")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    chosen: list[tuple[str, Suite]] = [(suite.name, suite) for suite in SUITES.values()]
    chosen.append(("sm2-sm3 other id", Sm2Sm3Suite(signer_id=b"ALICE123@YAHOO.COM")))
    rows = [measure(label, suite, args.seconds, args.threads) for label, suite in chosen]
    for row in rows:
        print(json.dumps(row))
    columns = [k for k in rows[0] if k not in ("suite", "threads")]
    print(f"{'':22}" + "".join(f"{row['suite']:>18}" for row in rows))
    for column in columns:
        print(f"{column:22}" + "".join(f"{row[column]:>18,}" for row in rows))
    print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
