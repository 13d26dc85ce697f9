"""Benchmark: what mTLS and the access policy cost per connection and per call (issue 11).

One gRPC aio server on 127.0.0.1 serving every method with a fixed answer
(tests/unit/transport_support.py), three times: in plaintext; behind mTLS alone; behind
mTLS with the policy interceptor and the per-call certificate check (the shipped set-up). For each, in one
process (client and server share the event loop, so figures include both sides' CPU):

    connect_ms_p50 / _p99   a new channel's first GetStatus (TCP, TLS handshake, HTTP/2)
    call_us_p50 / _p99      GetStatus over one reused channel, one call at a time
    calls_per_s             GetStatus over one reused channel, `--concurrency` in flight

Prints one JSON line per mode and one with the ratios. No assertion: the figures depend on
the machine; compare them within one run.

Usage: python bench/tls_calls.py [--connects 50] [--calls 2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.chain import pki
from node.chain.pki import Role
from node.limits import GRPC_OPTIONS
from proto import node_pb2, node_pb2_grpc
from tests.unit.transport_support import TrustBox, make_org, secure_channel, serving


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(secure: bool, policy: bool, args: argparse.Namespace) -> dict[str, object]:
    org = make_org("org-a")
    box = TrustBox(pki.Trust(cas={"org-a": org.ca}, revoked={}))
    cert = org.issue(Role.ADMIN, "bench")

    def channel(port: int) -> grpc.aio.Channel:
        if secure:
            return secure_channel(port, {"org-a": org.ca}, cert)
        return grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=GRPC_OPTIONS)

    request = node_pb2.StatusRequest()
    async with serving(org, box, secure=secure, policy=policy) as port:
        connect_ms = []
        for _ in range(args.connects):
            start = time.perf_counter()
            async with channel(port) as ch:
                await node_pb2_grpc.LedgerStub(ch).GetStatus(request, timeout=5)
            connect_ms.append((time.perf_counter() - start) * 1000)
        async with channel(port) as ch:
            stub = node_pb2_grpc.LedgerStub(ch)
            await stub.GetStatus(request, timeout=5)
            call_us = []
            for _ in range(args.calls):
                start = time.perf_counter()
                await stub.GetStatus(request, timeout=5)
                call_us.append((time.perf_counter() - start) * 1e6)
            remaining = [args.calls]

            async def worker() -> None:
                while remaining[0] > 0:
                    remaining[0] -= 1
                    await stub.GetStatus(request, timeout=5)

            start = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            elapsed = time.perf_counter() - start
    return {
        "mode": ("mtls+policy" if policy else "mtls") if secure else "plaintext",
        "connect_ms_p50": round(statistics.median(connect_ms), 2),
        "connect_ms_p99": round(_p(connect_ms, 0.99), 2),
        "call_us_p50": round(statistics.median(call_us), 1),
        "call_us_p99": round(_p(call_us, 0.99), 1),
        "calls_per_s": round(args.calls / elapsed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connects", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    plain = asyncio.run(_measure(False, False, args))
    print(json.dumps(plain))
    print(json.dumps(asyncio.run(_measure(True, False, args))))
    secure = asyncio.run(_measure(True, True, args))
    print(json.dumps(secure))
    ratios = {
        f"{key}_ratio": round(float(secure[key]) / float(plain[key]), 2)  # type: ignore[arg-type]
        for key in ("connect_ms_p50", "call_us_p50", "calls_per_s")
    }
    print(json.dumps({"mode": "mtls+policy / plaintext", **ratios}))


if __name__ == "__main__":
    main()
