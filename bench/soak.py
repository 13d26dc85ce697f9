"""`make soak`: a devnet under mixed load while its processes are killed with SIGKILL.

For `--seconds` (SOAK_S, 600 by default): a 4-validator devnet with the wallet, mutual TLS
everywhere, under the load of bench/soak_load.py (certificates issued, verified against
proofs, consent requested and granted in the wallet, archive records returned). Every
~20 s (seeded, randomised) one validator, the primary every third time, is killed with
SIGKILL and restarted after a few seconds; the next kill waits until it votes again, so at
most f = 1 validator is out at a time, the fault model PBFT is built for. The wallet is
killed and restarted about once a minute.

At the end the load stops and the validators must converge (bounded), then:
  - every replica holds the same block hash and state root at every height;
  - every transaction a client saw acknowledged as committed is on the chain at the
    height it was acknowledged at;
  - no process exceeded its memory cap (tests/caps/memory.py), sampled every second;
  - the chain grew in every whole minute; a certificate verified against a proof at or
    above its block was valid.

Prints one JSON line (kills, restarts, commits, acknowledged, missing, max RSS per process,
longest stall, the time a killed validator took to vote again) and exits 1 on any
violation, keeping the devnet folder for its logs. A failing run prints its seed: run it
again with `--seed`. Not a test: it runs for minutes.
"""

from __future__ import annotations

import argparse
import json
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

from bench.soak_chain import (
    ChainWatch,
    StatusClients,
    back_voting_s,
    compare_ledgers,
    converge,
)
from bench.soak_load import Acked, Worker, wallet_request
from cli import devnet
from cli.devnet import Devnet
from tests.caps.memory import RssSampler, get_rss_cap_bytes

KILL_EVERY_S = (15.0, 25.0)
"""The pause before the next validator kill, drawn uniformly (seeded)."""
DOWN_S = (1.0, 5.0)
"""How long a killed validator stays down before its restart."""
WALLET_KILL_EVERY_S = (50.0, 70.0)
BACK_VOTING_TIMEOUT_S = 60.0
"""A restarted validator that does not vote again within this is a violation."""
CONVERGE_TIMEOUT_S = 120.0
WORKERS = 3


class Processes:
    """The devnet's processes as this soak started them: (re)starts and kills go through
    here, one at a time, so that pids.json is never written by two threads at once."""

    def __init__(self, net: Devnet) -> None:
        self.net = net
        self._lock = threading.Lock()
        self.pids = dict(devnet.running(net.dir))

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.pids)

    def kill(self, name: str) -> None:
        with self._lock:
            devnet.stop_process(self.net.dir, name, hard=True)
            self.pids.pop(name, None)

    def start(self, name: str) -> None:
        with self._lock:
            if name == "wallet":
                self.pids[name] = devnet.start_wallet(self.net)
            else:
                self.pids[name] = devnet.start_validator(self.net, name)


def wait_wallet(net: Devnet, timeout_s: float) -> float | None:
    """Seconds until the wallet answers its health check, None if it did not in time."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if wallet_request(net, "GET", "/v1/health").status_code == 200:
                return round(time.monotonic() - started, 1)
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    return None


class Killer:
    """The two killers: validators (one at a time, the primary every third kill) and the
    wallet, each on its own seeded schedule, until `end`."""

    def __init__(
        self, net: Devnet, procs: Processes, watch: ChainWatch, seed: int, end: float
    ) -> None:
        self.net, self.procs, self.watch, self.end = net, procs, watch, end
        self.rng = random.Random(seed)
        self.wallet_rng = random.Random(seed + 1)
        self.kills: list[dict[str, Any]] = []
        self.wallet_kills: list[dict[str, Any]] = []
        self.threads = [
            threading.Thread(target=self._validators, name="soak-kill", daemon=True),
            threading.Thread(target=self._wallet, name="soak-kill-wallet", daemon=True),
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()

    def _sleep_until(self, when: float) -> bool:
        """Sleep until `when`; False if the soak ends first."""
        while time.monotonic() < when:
            if time.monotonic() >= self.end:
                return False
            time.sleep(min(0.2, when - time.monotonic()))
        return time.monotonic() < self.end

    def _validators(self) -> None:
        vids = sorted(self.net.addresses)
        next_at = time.monotonic() + self.rng.uniform(*KILL_EVERY_S)
        stuck: str | None = None
        while self._sleep_until(next_at):
            primary = self.watch.primary
            chosen = self.rng.choice(vids)
            as_primary = len(self.kills) % 3 == 1 and primary is not None
            victim = primary if as_primary and primary is not None else chosen
            # One that did not vote again is the one restarted next, as an operator would:
            # killing another as well would take out more than f.
            victim = stuck or victim
            down_s = self.rng.uniform(*DOWN_S)
            self.procs.kill(victim)
            time.sleep(down_s)
            self.procs.start(victim)
            restarted = time.monotonic()
            back = back_voting_s(self.watch.clients, victim, restarted, BACK_VOTING_TIMEOUT_S)
            kill: dict[str, Any] = {
                "victim": victim,
                "was_primary": victim == primary,
                "down_s": round(down_s, 1),
                "back_voting_s": back,
            }
            stuck = None
            if back is None:
                stuck = victim
                kill["then"] = {  # what it and the others were doing when the wait ran out
                    r["validator"]: {k: r.get(k) for k in ("height", "view", "view_changing")}
                    for r in self.watch.clients.rows()
                }
            self.kills.append(kill)
            next_at = time.monotonic() + self.rng.uniform(*KILL_EVERY_S)

    def _wallet(self) -> None:
        next_at = time.monotonic() + self.wallet_rng.uniform(*WALLET_KILL_EVERY_S)
        while self._sleep_until(next_at):
            self.procs.kill("wallet")
            time.sleep(self.wallet_rng.uniform(0.5, 2.0))
            self.procs.start("wallet")
            self.wallet_kills.append({"back_serving_s": wait_wallet(self.net, 60.0)})
            next_at = time.monotonic() + self.wallet_rng.uniform(*WALLET_KILL_EVERY_S)


def run(folder: Path, seconds: float, seed: int) -> tuple[dict[str, Any], list[str]]:
    """One soak in `folder`: its summary and its violations."""
    net = devnet.up(folder, base_port=0, show=False)
    procs = Processes(net)
    clients = StatusClients(net)
    acked = Acked()
    stop_load = threading.Event()
    with RssSampler(procs.snapshot) as rss:
        watch = ChainWatch(clients).start()
        workers = [Worker(net, i, seed, acked, stop_load) for i in range(WORKERS)]
        for w in workers:
            w.thread.start()
        started = time.monotonic()
        end = started + seconds
        killer = Killer(net, procs, watch, seed, end)
        killer.start()
        killer.join()
        time.sleep(max(0.0, end - time.monotonic()))
        load_ended = time.monotonic()
        stop_load.set()
        for w in workers:
            w.thread.join(timeout=60)
        for name in [*net.addresses, "wallet"]:  # a kill's restart never happened: an error
            if name not in devnet.running(net.dir):
                procs.start(name)
        converged, rows = converge(clients, CONVERGE_TIMEOUT_S)
        watch.stop()
        tip = min(int(r.get("height", 0)) for r in rows if r["up"]) if rows else 0
        ledgers = compare_ledgers(clients, tip)
    clients.close()

    missing = [h.hex() for h in acked.heights if h not in ledgers.tx_heights]
    moved = [
        h.hex()
        for h, height in acked.heights.items()
        if h in ledgers.tx_heights and ledgers.tx_heights[h] != height
    ]
    back = [k["back_voting_s"] for k in killer.kills if k["back_voting_s"] is not None]
    stall = watch.longest_stall_s(started, load_ended)
    idle_minutes = watch.minutes_without_progress(started, load_ended)
    summary: dict[str, Any] = {
        "seed": seed,
        "seconds": round(load_ended - started, 1),
        "kills": len(killer.kills),
        "primary_kills": sum(k["was_primary"] for k in killer.kills),
        "wallet_kills": len(killer.wallet_kills),
        "restarts": len(killer.kills) + len(killer.wallet_kills),
        "commits": len(ledgers.tx_heights),
        "blocks": ledgers.tip,
        "acknowledged": len(acked.heights),
        "acknowledged_by_kind": dict(sorted(acked.kinds.items())),
        "missing": len(missing),
        "at_another_height": len(moved),
        "divergent_heights": len(ledgers.divergent_heights),
        "converged": converged,
        "max_rss_mib": rss.highest_mib(),
        "rss_cap_mib": {n: get_rss_cap_bytes(n) // 2**20 for n in sorted(rss.highest)},
        "longest_stall_s": stall,
        "minutes_without_progress": idle_minutes,
        "back_voting_s": {
            "max": max(back) if back else None,
            "median": statistics.median(back) if back else None,
            "each": [k["back_voting_s"] for k in killer.kills],
        },
        "wallet_back_serving_s": [k["back_serving_s"] for k in killer.wallet_kills],
        "bad_verifications": len(acked.bad_verifications),
        "client_errors": dict(acked.errors.most_common(12)),
    }
    violations = []
    if missing:
        violations.append(f"acknowledged transactions not on the chain: {missing[:5]}")
    if moved:
        violations.append(f"acknowledged at one height, on the chain at another: {moved[:5]}")
    if not converged:
        violations.append(f"replicas did not converge within {CONVERGE_TIMEOUT_S} s: {rows}")
    if ledgers.divergent_heights:
        violations.append(f"replicas differ at heights {ledgers.divergent_heights[:10]}")
    if over := rss.over_cap():
        violations.append(f"memory over cap: {over}")
    if idle_minutes:
        violations.append(f"no progress in minute(s) {idle_minutes}")
    if stuck := [k for k in killer.kills if k["back_voting_s"] is None]:
        violations.append(
            f"a restarted validator did not vote within {BACK_VOTING_TIMEOUT_S} s: {stuck}"
        )
    if any(k["back_serving_s"] is None for k in killer.wallet_kills):
        violations.append("a restarted wallet did not serve within 60 s")
    if acked.bad_verifications:
        violations.append(f"verifications failed: {acked.bad_verifications[:5]}")
    if not acked.heights:
        violations.append("no transaction was acknowledged: the load did not run")
    return summary, violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("SOAK_S", "600") or 600)
    )
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument("--dir", type=Path, default=None, help="devnet folder (default: a temp)")
    parser.add_argument("--keep", action="store_true", help="keep the devnet folder")
    ns = parser.parse_args(argv)
    seed = ns.seed if ns.seed is not None else random.SystemRandom().randrange(2**32)
    folder = ns.dir or Path(tempfile.mkdtemp(prefix="trustledger-soak-"))
    print(f"soak: seed {seed}, {ns.seconds:.0f} s, devnet in {folder}", file=sys.stderr)
    violations: list[str] = ["the soak did not finish"]
    try:
        summary, violations = run(folder, ns.seconds, seed)
        summary["violations"] = violations
        print(json.dumps(summary))
    finally:
        devnet.down(folder)
        if not violations and not ns.keep and ns.dir is None:
            shutil.rmtree(folder, ignore_errors=True)
        elif violations:
            print(f"soak: FAILED (seed {seed}); logs in {folder}/logs", file=sys.stderr)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
