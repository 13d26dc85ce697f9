"""`make bench`: a 4-validator devnet on this machine under a load of signed
certificate-issue transactions from client processes. Prints one JSON line per suite:

    suite        the chain's crypto suite (`--suite`: ed25519-sha256 unless said)
    tps          committed per second, sustained, with batched submission (a bulk issuer)
    tps_single   the same with one call per transaction
    p50_ms/p99_ms latency of sampled transactions (batched run): submitted to the time in
                 the header of the block that holds them (its proposal; commit follows)
    failover_s   primary killed (SIGKILL) to the next commit
    catchup_tps  transactions per second re-synced by a replica whose data was wiped
    sign_per_s, verify_per_s  the suite's signatures of a transaction, per second of one
                 thread's CPU time (in this process, before the devnet starts)
    validators_cpu_s  CPU seconds the 4 validators used during the batched load window
                 (from /proc), and `cpu_us_per_tx` that divided by the transactions committed
    load_avg     the 1-minute load average before the run (the machine is shared)

With `--suite ed25519-sha256,sm2-sm3` (or `all`) each suite gets a devnet of its own, one
after the other, and a last line puts them side by side (`ratio`: the second suite's figure
over the first's). Not a test: it asserts nothing about speed. Run `python bench/run.py
--help` for options.
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
from suites import DEFAULT_SUITE_NAME, ED25519_SHA256, SUITES, Suite, get_suite

SAMPLE_EVERY = 25
# Default --backlog: a client pauses while the node it last sent to reports more pending
# transactions than this (the reply to a batch carries the count). Measured with
# `bench/run.py --skip single,catchup,failover --backlog B`, two runs each: B=500 gave
# 1,596 and 1,772 tx/s with p99 1,218 and 1,092 ms; B=300 1,836 and 1,520 tx/s with p99
# 995 and 955 ms. Run-to-run spread exceeds the difference in tps; the p99 does not.
MEMPOOL_HIGH = 300
# Default --rate-cap per suite: the pre-signed transactions per second of load. Above what
# the chain commits, so the clients never run dry: an SM chain cannot pass ~2,300 tx/s on
# 2 cores (4 validators each verify every SM2 signature, ~4,500 a core-second), and
# pre-signing SM2 costs ~250 us a transaction, so its cap is lower to keep that short.
RATE_CAP = {"ed25519-sha256": 7000, "sm2-sm3": 3000}
# Client CPU per pre-signed transaction besides the signature (building it), seconds.
BUILD_TX_S = 40e-6


def make_txs(
    chain_id: str, seed: bytes, client_no: int, count: int, suite: Suite = ED25519_SHA256
) -> list[Any]:
    """Pre-signed certificate issues, so signing cost is outside the measured window."""
    return issue_txs(
        chain_id, KeyPair(seed, suite), f"b{client_no}", count, random.Random(client_no)
    )


def sign_cost_s(suite: Suite, samples: int = 200) -> float:
    """CPU seconds one transaction signature costs here (the clients' pre-signing time)."""
    key = suite.signing_key(suite.generate_keypair().private_key)
    message = bytes(300)
    started = time.thread_time()
    for _ in range(samples):
        key.sign(message)
    return (time.thread_time() - started) / samples


def crypto_rates(suite: Suite, seconds: float = 1.0) -> dict[str, int]:
    """Signatures and verifications of a transaction-sized message per CPU-second."""
    keys = suite.generate_keypair()
    signer = suite.signing_key(keys.private_key)
    message = bytes(300)
    signature = signer.sign(message)
    out = {}
    for name, call in (
        ("sign_per_s", lambda: signer.sign(message)),
        ("verify_per_s", lambda: suite.verify(keys.public_key, message, signature)),
    ):
        count, started = 0, time.thread_time()
        while (elapsed := time.thread_time() - started) < seconds:
            call()
            count += 1
        out[name] = round(count / elapsed)
    return out


def validators_cpu_s(net: Devnet) -> float:
    """CPU seconds (user + system) the validator processes have used so far (Linux /proc)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    alive = devnet.running(net.dir)
    for pid in (alive[vid] for vid in net.addresses if vid in alive):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def client_main(
    mode: str,
    addresses: list[str],
    chain_id: str,
    tls: ClientTls,
    seed: bytes,
    client_no: int,
    count: int,
    batch: int,
    window: Any,
    out: Any,
    backlog_max: int = MEMPOOL_HIGH,
    suite_name: str = DEFAULT_SUITE_NAME,
) -> None:
    """One client process: pre-signs its transactions, says so on `out`, then sends from
    `window[0]` to `window[1]` (wall-clock times the parent sets once every client is
    ready, so slow signing on a loaded machine never eats the load window)."""
    suite = get_suite(suite_name)
    txs = make_txs(chain_id, seed, client_no, count, suite)
    clients = [LedgerClient(a, chain_id, tls, timeout_s=30, suite=suite) for a in addresses]
    samples: list[tuple[str, float]] = []
    sent = 0
    out.put({"ready": client_no})
    while window[0] == 0 or time.time() < window[0]:
        time.sleep(0.005)
    stop_at = window[1]
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


def blocks_since(net: Devnet, height: int) -> list[tuple[float, int, list[str]]]:
    """Every block on val-0 after `height`: (its header's time in seconds, its height, its
    transactions' hashes), read once the load is over.

    The header's time is the proposer's clock when it proposed the block (every process runs
    on this machine, so it is the clients' clock too); its commit follows within one round.
    A watcher fetching each block as it appears fell behind under load (one GetBlock call
    per block, each waiting behind the node's work) and stamped blocks late: it counted a
    quarter of the blocks committed in the window and added its lag to the latency."""
    suite = net.genesis.suite
    found = []
    with net.client(net.addresses["val-0"]) as c:
        tip = c.status().height
        for h in range(height + 1, tip + 1):
            block = c.get_block(h).block
            hashes = [tx_hash(t, suite).hex() for t in block.txs]
            found.append((block.header.time_ms / 1000, h, hashes))
    return found


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
    window = ctx.Array("d", 2)  # start and stop, set once every client has pre-signed
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
                window,
                out,
                backlog,
                net.genesis.suite.name,
            ),
        )
        for n in range(clients)
    ]
    for p in procs:
        p.start()
    # Pre-signing: ~25 us a transaction with Ed25519, ~250 us with SM2, longer when loaded.
    prep_s = 60 + 2 * count * (sign_cost_s(net.genesis.suite) + BUILD_TX_S)
    for _ in procs:
        out.get(timeout=prep_s)
    with net.client(net.addresses["val-0"]) as c:
        first_height = c.status().height
    start_at = time.time() + 1.0
    stop_at = start_at + duration_s
    window[1] = stop_at
    window[0] = start_at  # last: a client starts on it
    warm = start_at + min(5.0, duration_s / 6)
    cpu = cpu_between(net, warm, stop_at)
    results = [out.get(timeout=duration_s + 120) for _ in procs]
    for p in procs:
        p.join()
    time.sleep(2.0)  # let the last blocks commit
    log = blocks_since(net, first_height)
    # Sustained throughput: committed transactions in the load window, skipping a warm-up.
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
        "validators_cpu_s": round(cpu[0], 1) if cpu else None,
        "cpu_us_per_tx": round(1e6 * cpu[0] / committed) if cpu and committed else None,
    }


def cpu_between(net: Devnet, start_at: float, stop_at: float) -> list[float]:
    """The validators' CPU seconds from `start_at` to `stop_at`, measured by a thread: a
    list that holds the figure once the window has passed (empty if it could not)."""
    got: list[float] = []

    def measure() -> None:
        time.sleep(max(0.0, start_at - time.time()))
        before = validators_cpu_s(net)
        time.sleep(max(0.0, stop_at - time.time()))
        got.append(validators_cpu_s(net) - before)

    threading.Thread(target=measure, daemon=True).start()
    return got


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
    txs = make_txs(net.chain_id, kp.seed, 9000, 400, net.genesis.suite)
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


def run_suite(suite: Suite, ns: argparse.Namespace, skip: set[str]) -> dict[str, Any]:
    """Every figure of one suite, on a devnet of its own."""
    workdir = ns.dir or Path(tempfile.mkdtemp(prefix="trustledger-bench-"))
    rate_cap = ns.rate_cap or RATE_CAP.get(suite.name, RATE_CAP[DEFAULT_SUITE_NAME])
    result: dict[str, Any] = {
        "suite": suite.name,
        "validators": 4,
        "clients": ns.clients,
        "duration_s": ns.duration,
        "batch": ns.batch,
        "rate_cap": rate_cap,
        "cpus": os.cpu_count(),
        "load_avg": round(os.getloadavg()[0], 2),
        **crypto_rates(suite),
    }
    net = devnet.up(workdir, base_port=0, show=False, suite=suite)
    try:
        if "batched" not in skip:
            batched = run_load(
                net, "batched", ns.duration, ns.clients, ns.batch, rate_cap, ns.backlog
            )
            result.update(
                tps=batched["tps"],
                p50_ms=batched["p50_ms"],
                p99_ms=batched["p99_ms"],
                blocks=batched["blocks"],
                validators_cpu_s=batched["validators_cpu_s"],
                cpu_us_per_tx=batched["cpu_us_per_tx"],
            )
        if "single" not in skip:
            single = run_load(net, "single", ns.duration, ns.clients, 1, rate_cap // 2)
            result["tps_single"] = single["tps"]
            result["p50_ms_single"] = single["p50_ms"]
            result["cpu_us_per_tx_single"] = single["cpu_us_per_tx"]
        if "catchup" not in skip:
            result.update(measure_catchup(net, "val-3", timeout_s=300))
        if "failover" not in skip:
            result["failover_s"] = measure_failover(net, timeout_s=30)
    finally:
        devnet.down(workdir)
        if ns.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


SIDE_BY_SIDE = (
    "tps",
    "p99_ms",
    "tps_single",
    "cpu_us_per_tx",
    "catchup_tps",
    "failover_s",
    "sign_per_s",
    "verify_per_s",
)


def side_by_side(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The suites' figures by name, and the last suite's over the first's."""
    first, last = results[0], results[-1]
    out: dict[str, Any] = {"suites": [r["suite"] for r in results]}
    ratio: dict[str, float] = {}
    for key in SIDE_BY_SIDE:
        if all(key in r for r in results):
            out[key] = [r[key] for r in results]
            if isinstance(first[key], int | float) and isinstance(last[key], int | float):
                ratio[key] = round(last[key] / first[key], 3) if first[key] else 0.0
    out["ratio"] = ratio
    return out


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
        "--rate-cap",
        type=int,
        default=None,
        help=f"pre-signed transactions per second of load (default by suite: {RATE_CAP})",
    )
    parser.add_argument(
        "--backlog",
        type=int,
        default=MEMPOOL_HIGH,
        help="pending transactions at which clients pause (latency vs throughput)",
    )
    parser.add_argument("--skip", default="", help="comma list of: batched,single,failover,catchup")
    parser.add_argument(
        "--suite",
        default=DEFAULT_SUITE_NAME,
        help=f"the chains' suite, a comma list of them, or all ({', '.join(SUITES)})",
    )
    parser.add_argument("--dir", type=Path, default=None, help="keep the devnet here")
    ns = parser.parse_args()
    skip = set(filter(None, ns.skip.split(",")))
    names = list(SUITES) if ns.suite == "all" else [n for n in ns.suite.split(",") if n]
    try:
        chosen = [get_suite(name) for name in names]
    except ValueError as exc:
        parser.error(str(exc))
    if ns.dir is not None and len(chosen) > 1:
        parser.error("--dir keeps one devnet: give one --suite with it")
    os.environ.setdefault("TRUSTLEDGER_LOG_LEVEL", "warning")
    results = []
    for suite in chosen:
        results.append(run_suite(suite, ns, skip))
        print(json.dumps(results[-1]), flush=True)
    if len(results) > 1:
        print(json.dumps({"side_by_side": side_by_side(results)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
