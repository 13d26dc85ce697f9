"""Benchmark: state proofs stay cheap as the ledger grows.

For each size n, insert n certificates (keys like b"certificates/cert/cert-<uuid>", values
of about 300 bytes) into a LevelDB-backed state tree in a temporary directory, in
blocks of 2,000 writes, each block committed the way a node commits one: the state
writes and the tree's new nodes in one synced write batch. Then prove random keys and
verify the proofs. Prints one JSON line per size:

    n, blocks, build_s (all blocks, writes included), block_apply_ms_p50 / _p99 / _last10
    (computing one block's tree update, without the write), db_mb (state + tree nodes,
    none pruned), lookup_us_p50 / _p99 (value + proof of a random present key, right
    after reopening: empty node cache), lookup_warm_us_p50 / _p99 (more random keys once
    the cache has warmed up), absent_lookup_us_p50 (exclusion proof), proof_bytes_mean /
    _max and siblings_mean / _max (inclusion proofs), verify_us_p50 / _p99 (decode the
    proof bytes + verify, as a client does)

Usage: python bench/state_proofs.py [--sizes 10000,1000000] [--samples 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import plyvel

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.chain.stateproof import (
    EMPTY_ROOT,
    decode_proof,
    encode_proof,
    verify_proof,
)
from node.chain.statetree import (
    apply_writes,
    lookup,
)
from node.ledger.statetree_store import LevelDBNodeStore
from suites import ED25519_SHA256

BLOCK_WRITES = 2_000
STATE_PREFIX = b"s"  # node.ledger.store's world-state prefix: written beside the nodes

CERT_TYPES = ("resident_id", "business_licence", "diploma", "driving_licence", "food_permit")


def certificate(rng: random.Random) -> tuple[bytes, bytes]:
    """A realistic certificate record: pseudonymous ids, hashes and status, ~300 bytes."""
    cert_id = f"cert-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    value = json.dumps(
        {
            "id": cert_id,
            "type": rng.choice(CERT_TYPES),
            "issuer": f"org-{rng.randrange(200):03d}",
            "holder": f"h-{rng.getrandbits(96):024x}",
            "doc_hash": f"{rng.getrandbits(256):064x}",
            "fields_root": f"{rng.getrandbits(256):064x}",
            "status": "valid",
            "valid_from_ms": 1_700_000_000_000 + rng.randrange(10**10),
            "version": 1,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    return f"certificates/cert/{cert_id}".encode(), value


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 1e6


def run(n: int, samples: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="state-proofs-") as tmp:
        path = Path(tmp) / "db"
        db = plyvel.DB(str(path), create_if_missing=True)
        store = LevelDBNodeStore(db, suite=ED25519_SHA256)
        root = EMPTY_ROOT
        values: dict[bytes, bytes] = {}
        apply_ms: list[float] = []
        started = time.perf_counter()
        for start in range(0, n, BLOCK_WRITES):
            writes = sorted(certificate(rng) for _ in range(min(BLOCK_WRITES, n - start)))
            t0 = time.perf_counter()
            update = apply_writes(store, root, writes, suite=ED25519_SHA256)
            apply_ms.append((time.perf_counter() - t0) * 1e3)
            with db.write_batch(sync=True) as batch:
                for key, value in writes:
                    batch.put(STATE_PREFIX + key, value)
                store.stage(batch, update.new_nodes)
            root = update.root
            for key, value in writes:
                if len(values) < 4 * samples or rng.random() < 4 * samples / n:
                    values[key] = value
        build_s = time.perf_counter() - started

        probes = rng.sample(sorted(values), min(samples, len(values)))
        absent = [certificate(rng)[0] for _ in range(min(samples, 1000))]
        store = LevelDBNodeStore(db, suite=ED25519_SHA256)  # a restarted node: nothing cached yet
        lookup_us: list[float] = []
        proofs: list[tuple[bytes, bytes | None, bytes]] = []
        for key in probes:
            t0 = time.perf_counter()
            found, proof = lookup(store, root, key, ED25519_SHA256)
            lookup_us.append((time.perf_counter() - t0) * 1e6)
            if found != values[key]:
                raise SystemExit(f"wrong value for {key!r}")
            proofs.append((key, found, encode_proof(proof)))
        warm_us: list[float] = []  # a node that has been serving a while: top levels cached
        for key in rng.sample(sorted(values), min(samples, len(values))):
            t0 = time.perf_counter()
            lookup(store, root, key, ED25519_SHA256)
            warm_us.append((time.perf_counter() - t0) * 1e6)
        absent_us: list[float] = []
        for key in absent:
            t0 = time.perf_counter()
            found, proof = lookup(store, root, key, ED25519_SHA256)
            absent_us.append((time.perf_counter() - t0) * 1e6)
            if found is not None:
                raise SystemExit(f"absent key {key!r} has a value")
            proofs.append((key, None, encode_proof(proof)))

        verify_us: list[float] = []
        for key, claimed, raw in proofs:
            t0 = time.perf_counter()
            ok = verify_proof(root, key, claimed, decode_proof(raw), ED25519_SHA256)
            verify_us.append((time.perf_counter() - t0) * 1e6)
            if not ok:
                raise SystemExit(f"proof for {key!r} does not verify")
        present = [decode_proof(raw) for _, claimed, raw in proofs if claimed is not None]
        sizes = [len(raw) for _, claimed, raw in proofs if claimed is not None]
        siblings = [len(p.siblings) for p in present]
        db.close()
        db_mb = dir_mb(path)
    return {
        "n": n,
        "blocks": len(apply_ms),
        "build_s": round(build_s, 1),
        "block_apply_ms_p50": round(percentile(apply_ms, 0.5), 1),
        "block_apply_ms_p99": round(percentile(apply_ms, 0.99), 1),
        "block_apply_ms_last10": round(statistics.mean(apply_ms[-10:]), 1),
        "db_mb": round(db_mb, 1),
        "lookup_us_p50": round(percentile(lookup_us, 0.5), 1),
        "lookup_us_p99": round(percentile(lookup_us, 0.99), 1),
        "lookup_warm_us_p50": round(percentile(warm_us, 0.5), 1),
        "lookup_warm_us_p99": round(percentile(warm_us, 0.99), 1),
        "absent_lookup_us_p50": round(percentile(absent_us, 0.5), 1),
        "proof_bytes_mean": round(statistics.mean(sizes), 1),
        "proof_bytes_max": max(sizes),
        "siblings_mean": round(statistics.mean(siblings), 2),
        "siblings_max": max(siblings),
        "verify_us_p50": round(percentile(verify_us, 0.5), 1),
        "verify_us_p99": round(percentile(verify_us, 0.99), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated key counts")
    parser.add_argument("--samples", type=int, default=2000, help="random keys to prove")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        print(json.dumps(run(n, args.samples, args.seed)), flush=True)


if __name__ == "__main__":
    main()
