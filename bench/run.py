"""`make bench`: a 4-validator devnet on this machine under a load of signed
certificate-issue transactions from client processes. Prints one JSON line:

    tps          committed per second, sustained, with batched submission (a bulk issuer)
    tps_single   the same with one call per transaction
    p50_ms/p99_ms submit-to-commit latency of sampled transactions (batched run)
    failover_s   primary killed (SIGKILL) to the next commit
    catchup_tps  transactions per second re-synced by a replica whose data was wiped

Not a test: it asserts nothing about speed. Run `python bench/run.py --help` for options.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.txs import issue_txs
from cli import devnet
from cli.devnet import Devnet, passphrase
from node.chain.crypto import KeyPair, load_key_file
from node.chain.tx import tx_hash
from node.sdk.client import ClientError, LedgerClient
from node.sdk.tls import ClientTls
from suites import DEFAULT_SUITE_NAME, get_suite

SAMPLE_EVERY = 25
# Default --backlog: a client pauses while the node it last sent to reports more pending
# transactions than this (the reply to a batch carries the count). Measured with
# `bench/run.py --skip single,catchup,failover --backlog B`, two runs each: B=500 gave
# 1,596 and 1,772 tx/s with p99 1,218 and 1,092 ms; B=300 1,836 and 1,520 tx/s with p99
# 995 and 955 ms. Run-to-run spread exceeds the difference in tps; the p99 does not.
MEMPOOL_HIGH = 300
# How often the commit watcher asks val-0 for its height: the latency figures' resolution,
# and a cost to val-0 (one status call each, ~0.3 ms of CPU).
WATCH_POLL_S = 0.01


def make_txs(chain_id: str, seed: bytes, client_no: int, count: int) -> list[Any]:
    """Pre-signed certificate issues, so signing cost is outside the measured window."""
    return issue_txs(chain_id, KeyPair(seed), f"b{client_no}", count, random.Random(client_no))


def client_main(
    mode: str,
    addresses: list[str],
    chain_id: str,
    tls: ClientTls,
    seed: bytes,
    client_no: int,
    count: int,
    batch: int,
    start_at: float,
    stop_at: float,
    out: Any,
    backlog_max: int = MEMPOOL_HIGH,
    suite_name: str = DEFAULT_SUITE_NAME,
) -> None:
    txs = make_txs(chain_id, seed, client_no, count)
    suite = get_suite(suite_name)
    clients = [LedgerClient(a, chain_id, tls, timeout_s=30, suite=suite) for a in addresses]
    samples: list[tuple[str, float]] = []
    sent = 0
    while time.time() < start_at:
        time.sleep(0.005)
    if mode == "batched":
        i = 0
        while i < len(txs) and time.time() < stop_at:
            c = clients[(i // batch) % len(clients)]
            chunk = txs[i : i + batch]
            now = time.time()
            try:
                resp = c.submit_batch(chunk)
            except ClientError:
                time.sleep(0.05)
                continue
            for j, item in enumerate(resp.items):
                if item.accepted and (i + j) % SAMPLE_EVERY == 0:
                    samples.append((bytes(item.tx_hash).hex(), now))
            accepted = sum(1 for it in resp.items if it.accepted)
            sent += accepted
            if accepted < len(chunk):
                time.sleep(0.05)  # mempool full: back off, resend the rest
                i += accepted if accepted else 0
                continue
            i += len(chunk)
            # Pace on the node's pending count, which the reply carries: every validator
            # holds about every pending transaction (admission forwards to all), so one
            # node's count is the network's backlog. While above the mark, ask that node
            # alone: status calls cost the validators CPU the load would otherwise use.
            backlog = resp.pending
            while backlog > backlog_max and time.time() < stop_at:
                time.sleep(0.01)
                try:
                    backlog = c.status().mempool_size
                except ClientError:
                    backlog = 0
    else:
        # One call per transaction, with a few calls in flight per client thread.
        lock = threading.Lock()
        idx = [0]

        def worker(w: int) -> None:
            nonlocal sent
            c = clients[w % len(clients)]
            while time.time() < stop_at:
                with lock:
                    k = idx[0]
                    idx[0] += 1
                if k >= len(txs):
                    return
                now = time.time()
                try:
                    # A busy node is given time (the SDK backs off and resends), as a
                    # well-behaved issuer would.
                    c.submit(txs[k], wait=False, busy_retry_s=10.0)
                except ClientError:
                    time.sleep(0.01)
                    continue
                with lock:
                    sent += 1
                    if k % SAMPLE_EVERY == 0:
                        samples.append((tx_hash(txs[k], c.suite).hex(), now))

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    out.put({"client": client_no, "sent": sent, "samples": samples})
    for c in clients:
        c.close()


def watch_commits(
    net: Devnet, stop: threading.Event, log: list[tuple[float, int, list[str]]]
) -> None:
    """Record, for each new block on val-0, when it was seen and which transactions it held."""
    with net.client(net.addresses["val-0"]) as c:
        height = c.status().height
        while not stop.is_set():
            try:
                tip = c.status().height
            except ClientError:
                time.sleep(0.01)
                continue
            while height < tip:
                height += 1
                block = c.get_block(height).block
                seen = time.time()
                hashes = [tx_hash(t, net.genesis.suite).hex() for t in block.txs]
                log.append((seen, height, hashes))
            time.sleep(WATCH_POLL_S)


def run_load(
    net: Devnet,
    mode: str,
    duration_s: float,
    clients: int,
    batch: int,
    rate_cap: int,
    backlog: int = MEMPOOL_HIGH,
) -> dict[str, Any]:
    seed = load_key_file(net.org_key_path("psb"), passphrase()).seed
    addresses = list(net.addresses.values())
    count = int(rate_cap * (duration_s + 5) / clients)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    prep_s = 2.0 + count * 60e-6  # time to pre-sign before the window opens
    start_at = time.time() + prep_s + 3
    stop_at = start_at + duration_s
    procs = [
        ctx.Process(
            target=client_main,
            args=(
                mode,
                addresses,
                net.chain_id,
                net.tls("psb"),
                seed,
                1000 * (mode == "single") + n,
                count,
                batch,
                start_at,
                stop_at,
                out,
                backlog,
                net.genesis.suite.name,
            ),
        )
        for n in range(clients)
    ]
    for p in procs:
        p.start()
    log: list[tuple[float, int, list[str]]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=watch_commits, args=(net, stop, log))
    watcher.start()
    results = [out.get(timeout=duration_s + prep_s + 120) for _ in procs]
    for p in procs:
        p.join()
    time.sleep(2.0)  # let the last blocks commit
    stop.set()
    watcher.join()
    # Sustained throughput: committed transactions in the load window, skipping a warm-up.
    warm = start_at + min(5.0, duration_s / 6)
    in_window = [(t, len(h)) for t, _, h in log if warm <= t <= stop_at]
    committed = sum(n for _, n in in_window)
    tps = committed / (stop_at - warm)
    commit_time = {h: t for t, _, hs in log for h in hs}
    lat = sorted(
        (commit_time[h] - t0) * 1000 for r in results for h, t0 in r["samples"] if h in commit_time
    )
    return {
        "tps": round(tps, 1),
        "sent": sum(r["sent"] for r in results),
        "p50_ms": round(statistics.median(lat), 1) if lat else None,
        "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1) if lat else None,
        "blocks": len(in_window),
    }


def measure_failover(net: Devnet, timeout_s: float) -> float | None:
    """SIGKILL the primary and time the next commit seen by the others (light load)."""
    agreed = None
    deadline = time.time() + timeout_s
    while agreed is None and time.time() < deadline:
        agreed = devnet.agreed_view(devnet.node_status(net))
    if agreed is None:
        return None
    primary = agreed[1]
    survivors = [a for v, a in net.addresses.items() if v != primary]
    kp = load_key_file(net.org_key_path("psb"), passphrase())
    txs = make_txs(net.chain_id, kp.seed, 9000, 400)
    with net.client(survivors[0]) as c:
        before = c.status().height
        devnet.stop_process(net.dir, primary, hard=True)
        t_kill = time.time()
        i = 0
        while time.time() - t_kill < timeout_s:
            with contextlib.suppress(ClientError):
                c.submit(txs[i % len(txs)], wait=False)
            i += 1
            try:
                if c.status().height > before:
                    return round(time.time() - t_kill, 2)
            except ClientError:
                pass
            time.sleep(0.05)
    return None


def measure_catchup(net: Devnet, victim: str, timeout_s: float) -> dict[str, Any]:
    devnet.stop_process(net.dir, victim)
    # All of its data: the LevelDB folder and the consensus WAL beside it (a node that lost
    # only its database catches up too, but waits for its WAL's heights first).
    shutil.rmtree(net.dir / "nodes" / victim / "db")
    (net.dir / "nodes" / victim / "consensus.wal").unlink(missing_ok=True)
    with net.client(net.addresses["val-0"] if victim != "val-0" else net.addresses["val-1"]) as c:
        target = c.status().height
        txs = sum(len(c.get_block(h).block.txs) for h in range(1, target + 1))
    t0 = time.time()
    devnet.start_validator(net, victim)
    with net.client(net.addresses[victim], timeout_s=2) as c:
        while time.time() - t0 < timeout_s:
            try:
                if c.status().height >= target:
                    dt = time.time() - t0
                    return {
                        "catchup_tps": round(txs / dt, 1),
                        "catchup_blocks": target,
                        "catchup_txs": txs,
                        "catchup_s": round(dt, 2),
                    }
            except ClientError:
                pass
            time.sleep(0.05)
    return {"catchup_tps": None, "catchup_blocks": target, "catchup_txs": txs}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=30.0,
        help="seconds of sustained load per mode (>= 30 for the issue's figure)",
    )
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument(
        "--batch", type=int, default=500, help="transactions per SubmitTransactions call"
    )
    parser.add_argument(
        "--rate-cap", type=int, default=7000, help="pre-signed transactions per second of load"
    )
    parser.add_argument(
        "--backlog",
        type=int,
        default=MEMPOOL_HIGH,
        help="pending transactions at which clients pause (latency vs throughput)",
    )
    parser.add_argument("--skip", default="", help="comma list of: batched,single,failover,catchup")
    parser.add_argument("--dir", type=Path, default=None, help="keep the devnet here")
    ns = parser.parse_args()
    skip = set(filter(None, ns.skip.split(",")))
    workdir = ns.dir or Path(tempfile.mkdtemp(prefix="trustledger-bench-"))
    os.environ.setdefault("TRUSTLEDGER_LOG_LEVEL", "warning")
    net = devnet.up(workdir, base_port=0, show=False)
    result: dict[str, Any] = {
        "validators": 4,
        "clients": ns.clients,
        "duration_s": ns.duration,
        "batch": ns.batch,
        "cpus": os.cpu_count(),
    }
    try:
        if "batched" not in skip:
            batched = run_load(
                net, "batched", ns.duration, ns.clients, ns.batch, ns.rate_cap, ns.backlog
            )
            result.update(
                tps=batched["tps"],
                p50_ms=batched["p50_ms"],
                p99_ms=batched["p99_ms"],
                blocks=batched["blocks"],
            )
        if "single" not in skip:
            single = run_load(net, "single", ns.duration, ns.clients, 1, ns.rate_cap // 2)
            result["tps_single"] = single["tps"]
            result["p50_ms_single"] = single["p50_ms"]
        if "catchup" not in skip:
            result.update(measure_catchup(net, "val-3", timeout_s=300))
        if "failover" not in skip:
            result["failover_s"] = measure_failover(net, timeout_s=30)
    finally:
        devnet.down(workdir)
        if ns.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
