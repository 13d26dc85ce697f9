"""Benchmark: facts anchored per second with batching (issue 13, Lanzhou's evidence chain).

On a 4-validator devnet on this machine, for each batch size given, anchors batches of
JSON-line facts the way `trustledger evidence anchor` does, through the same functions: salt
and hash every fact with the chain's suite and build the batch's Merkle tree
(node/sdk/anchoring.make_batch), sign and submit the one anchoring transaction and wait for
its commit certificate (LedgerClient.call), and write every fact's receipt to disk
(cli/evidence.write_receipts, one receipts file of JSON lines per batch, as
`--receipts F.jsonl` writes them). For each size it prints one JSON line:

- facts_per_s: facts anchored per second of wall time, receipts written included;
- cpu_facts_per_s: facts per CPU second of this process (hashing, tree, receipts, the
  client), which the other sessions on a shared machine disturb less than wall time;
- commit_ms_p50: the anchoring transaction's submit-to-commit time (one per batch);
- the split of wall time between hashing+tree, commit and receipts.

A batch of one fact is one transaction per fact: what anchoring costs without batching.
No assertions (figures, not a test); docs/benchmarks.md records a run.

Usage: python bench/anchoring.py [--sizes 1,1000,10000,100000] [--facts 100000]
       [--fact-bytes 200] [--suite ed25519-sha256|sm2-sm3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cli import devnet
from cli.devnet import passphrase
from cli.evidence import write_receipts
from node.chain.crypto import load_key_file
from node.chain.events import event_attrs
from node.sdk.anchoring import ANCHORED_EVENT, Anchored, make_batch
from suites import get_suite

ORG = "hrss"


def facts_of(count: int, size: int, tag: str) -> list[bytes]:
    """`count` distinct JSON lines of about `size` bytes (a fact record's typical size)."""
    pad = "x" * max(0, size - 60)
    return [
        json.dumps({"case": f"{tag}-{i:08d}", "kind": "decision", "pad": pad}).encode()
        for i in range(count)
    ]


def run_size(
    net: devnet.Devnet, size: int, total: int, fact_bytes: int, work: Path
) -> dict[str, object]:
    keypair = load_key_file(net.org_key_path(ORG), passphrase())
    suite = net.genesis.suite
    batches = max(1, total // size) if size > 1 else min(total, 50)
    facts = facts_of(size, fact_bytes, f"s{size}")
    sources = [f"bench:{i}" for i in range(size)]
    hash_s = commit_s = receipts_s = 0.0
    commits_ms: list[float] = []
    with net.client(org=ORG) as client:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for n in range(batches):
            t0 = time.perf_counter()
            batch = make_batch(facts, suite)
            t1 = time.perf_counter()
            c = client.call(
                keypair,
                "anchoring",
                "anchor",
                {
                    "root": batch.root.hex(),
                    "count": len(batch),
                    "kind": "decision",
                    "case_ref": f"bench {size} {n}",
                },
            )
            t2 = time.perf_counter()
            event = next(e for e in c.result.events if e.name == ANCHORED_EVENT)
            anchored = Anchored(
                "decision", f"bench {size} {n}", str(event_attrs(event)["org"]), c.height, c.tx_hash
            )
            receipts = work / f"receipts-{size}-{n}.jsonl"
            write_receipts(batch, anchored, suite, sources, receipts)
            t3 = time.perf_counter()
            receipts.unlink()  # disk space, not part of the figure
            hash_s += t1 - t0
            commit_s += t2 - t1
            receipts_s += t3 - t2
            commits_ms.append((t2 - t1) * 1000)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
    anchored_facts = batches * size
    measured = hash_s + commit_s + receipts_s  # the cleanup of receipts is left out
    return {
        "batch_facts": size,
        "batches": batches,
        "facts": anchored_facts,
        "fact_bytes": fact_bytes,
        "suite": suite.name,
        "facts_per_s": round(anchored_facts / measured),
        "cpu_facts_per_s": round(anchored_facts / cpu) if cpu > 0 else None,
        "commit_ms_p50": round(statistics.median(commits_ms), 1),
        "split_s": {
            "hash_tree": round(hash_s, 3),
            "commit": round(commit_s, 3),
            "receipts": round(receipts_s, 3),
        },
        "wall_s_with_cleanup": round(wall, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1,1000,10000,100000", help="facts per batch, comma list"
    )
    parser.add_argument(
        "--facts", type=int, default=100_000, help="facts anchored per size (about)"
    )
    parser.add_argument("--fact-bytes", type=int, default=200, help="bytes of each fact")
    parser.add_argument("--suite", default="ed25519-sha256", help="the devnet's suite")
    ns = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="trustledger-bench-anchoring-"))
    os.environ.setdefault("TRUSTLEDGER_LOG_LEVEL", "warning")
    net = devnet.up(work / "net", base_port=0, show=False, suite=get_suite(ns.suite))
    try:
        for size in (int(s) for s in ns.sizes.split(",") if s):
            print(json.dumps(run_size(net, size, ns.facts, ns.fact_bytes, work)), flush=True)
    finally:
        devnet.down(work / "net")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
