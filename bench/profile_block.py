"""In-process, deterministic profile of what one replica spends per transaction.

No processes, no network, no consensus: the devnet's consortium (`cli.devnet`'s
organisations, keys from fixed seeds) in a genesis state on a fresh LevelDB in a temporary
folder, then blocks of signed `certificates.issue` transactions built like `bench/run.py`'s
`make_txs`, each run through the node's own code in the order a backup runs it:

    check_verify  `check_block_txs` with no cache: decode, screening, signature verification
                  (Ed25519, or SM2 with `--suite sm2-sm3`)
    check_cached  `check_block_txs` with the mempool's by-signature cache hit for every tx
                  (what a replica pays for a transaction it admitted or was forwarded)
    check_certified  `check_block_txs(certified=True)`: a block fetched with its commit
                  certificate while catching up (no signature check, no screening)
    execute       `execute_block`: contracts on an overlay, results, the state-tree update
      contracts     of which: the contract calls, results and events (execute - tree)
      tree          of which: `apply_writes` on the block's write set
    commit        `Store.commit_block`: one synced LevelDB batch

and prints microseconds per transaction for each phase (by default the least over the
measured blocks, the figure other work on the machine disturbs least; `--stat median`),
then, with `--profile`, the top functions of a cProfile of the measured blocks.

The state starts with `--prefill` certificates (committed first, unmeasured), because the
state tree's cost grows with its depth: the 30 s `make bench` run ends with ~50,000.

    .venv/bin/python bench/profile_block.py                      # 2 blocks of 1,000 txs
    .venv/bin/python bench/profile_block.py --blocks 5 --prefill 50000 --profile

Not a test: it asserts nothing about speed. Phases are timed in this process's CPU time
by default (`--clock cpu`), which a machine shared with other work disturbs much less than
wall-clock time (`--clock wall`, which also counts the commit's fsync wait); compare
medians of several runs all the same.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.txs import issue_txs
from cli.demo_catalogue import demo_catalogue
from cli.devnet import ORGANISATIONS, VALIDATOR_IDS, consortium
from consensus.validators import Validator, ValidatorSet
from node.chain import statetree
from node.chain.crypto import KeyPair
from node.chain.tx import CheckedTx
from node.genesis import Genesis
from node.ledger.execution import check_block_txs, execute_block
from node.ledger.state import StoreState
from node.ledger.store import Store
from proto import ledger_pb2
from suites import ED25519_SHA256, SUITES, Suite, get_suite

CHAIN_ID = "trustledger-profile"
GENESIS_TIME_MS = 1_700_000_000_000


def seeded_key(label: str, suite: Suite = ED25519_SHA256) -> KeyPair:
    return KeyPair((label.encode() * 32)[:32], suite)


def make_genesis(suite: Suite = ED25519_SHA256) -> Genesis:
    validators = tuple(Validator(v, seeded_key(v, suite).public_key) for v in VALIDATOR_IDS)
    orgs = consortium(
        {org_id: seeded_key(org_id, suite).public_key for org_id, *_ in ORGANISATIONS}
    )
    return Genesis(
        chain_id=CHAIN_ID,
        genesis_time_ms=GENESIS_TIME_MS,
        validators=ValidatorSet(validators),
        organisations=orgs,
        suite=suite,
        catalogue=demo_catalogue(),  # as the devnet `make bench` runs registers it
    )


def make_txs(kp: KeyPair, tag: str, count: int, seed: int) -> list[ledger_pb2.Transaction]:
    """Issues as bench/run.py makes them, the nonces seeded too (a run is reproducible)."""
    return issue_txs(CHAIN_ID, kp, tag, count, random.Random(seed), seeded_nonce=True)


class Chain:
    """A store at some height and what the next block needs from it."""

    def __init__(self, path: Path, genesis: Genesis) -> None:
        self.genesis = genesis
        self.store = Store(path, genesis.suite)
        self.store.init_genesis(genesis.hash, genesis.state_writes(), genesis.state_root)
        self.state = StoreState(self.store)

    def execute(self, checked: list[CheckedTx]) -> Any:
        height = self.store.tip_height() + 1
        return execute_block(
            self.state,
            CHAIN_ID,
            height,
            GENESIS_TIME_MS + height * 1000,
            self.store.state_root() or self.genesis.state_root,
            checked,
            is_committed=lambda h: self.store.tx_location(h) is not None,
            tree_nodes=self.store.tree,
            suite=self.genesis.suite,
        )

    def commit(self, txs: list[ledger_pb2.Transaction], executed: Any) -> None:
        header = ledger_pb2.BlockHeader(
            chain_id=CHAIN_ID,
            height=self.store.tip_height() + 1,
            tx_root=executed.tx_root,
            state_root=executed.state_root,
            results_root=executed.results_root,
        )
        self.store.commit_block(
            ledger_pb2.Block(header=header, txs=txs),
            executed.results,
            executed.tx_hashes,
            executed.writes,
            executed.index,
            executed.tree,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--blocks", type=int, default=2, help="measured blocks")
    parser.add_argument("--block-txs", type=int, default=1000, help="transactions per block")
    parser.add_argument(
        "--prefill", type=int, default=20_000, help="certificates committed before measuring"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the measured blocks")
    parser.add_argument("--top", type=int, default=30, help="functions shown with --profile")
    parser.add_argument("--json", action="store_true", help="one JSON line instead of a table")
    parser.add_argument(
        "--clock", choices=("cpu", "wall"), default="cpu", help="process CPU time or wall time"
    )
    parser.add_argument(
        "--stat", choices=("min", "median"), default="min", help="over the measured blocks"
    )
    parser.add_argument(
        "--suite", choices=tuple(SUITES), default=ED25519_SHA256.name, help="the chain's suite"
    )
    ns = parser.parse_args()

    genesis = make_genesis(get_suite(ns.suite))
    issuer = seeded_key("psb", genesis.suite)
    workdir = Path(tempfile.mkdtemp(prefix="trustledger-profile-"))
    try:
        chain = Chain(workdir / "db", genesis)
        n = ns.block_txs
        filled = 0
        while filled < ns.prefill:
            count = min(n, ns.prefill - filled)
            txs = make_txs(issuer, f"p{filled}", count, seed=filled)
            checked = check_block_txs(txs, CHAIN_ID, certified=True, suite=genesis.suite)
            chain.commit(txs, chain.execute(checked))
            filled += count

        blocks = [make_txs(issuer, f"m{b}", n, seed=10**9 + b) for b in range(ns.blocks)]
        phases: dict[str, list[float]] = {
            k: []
            for k in (
                "check_verify",
                "check_certified",
                "check_cached",
                "execute",
                "tree",
                "commit",
            )
        }
        profiler = cProfile.Profile() if ns.profile else None
        clock = time.process_time if ns.clock == "cpu" else time.perf_counter
        real_apply = statetree.apply_writes
        tree_s = [0.0]

        def timed_apply(*a: Any, **kw: Any) -> Any:
            t = clock()
            try:
                return real_apply(*a, **kw)
            finally:
                tree_s[0] += clock() - t

        import node.ledger.execution as execution_module

        execution_module.apply_writes = timed_apply  # type: ignore[assignment]
        for txs in blocks:
            if profiler is not None:
                profiler.enable()
            t0 = clock()
            checked = check_block_txs(txs, CHAIN_ID, suite=genesis.suite)
            t1 = clock()
            check_block_txs(txs, CHAIN_ID, certified=True, suite=genesis.suite)
            t15 = clock()
            cache = {bytes(c.tx.signature): c for c in checked}
            check_block_txs(txs, CHAIN_ID, cache, suite=genesis.suite)
            t2 = clock()
            tree_s[0] = 0.0
            executed = chain.execute(checked)
            t3 = clock()
            chain.commit(txs, executed)
            t4 = clock()
            if profiler is not None:
                profiler.disable()
            ok = sum(1 for r in executed.results.results if r.ok)
            if ok != len(txs):
                print(f"warning: {len(txs) - ok} transactions rejected", file=sys.stderr)
            per = 1e6 / len(txs)
            phases["check_verify"].append((t1 - t0) * per)
            phases["check_certified"].append((t15 - t1) * per)
            phases["check_cached"].append((t2 - t15) * per)
            phases["execute"].append((t3 - t2) * per)
            phases["tree"].append(tree_s[0] * per)
            phases["commit"].append((t4 - t3) * per)
        execution_module.apply_writes = real_apply  # type: ignore[assignment]

        stat = min if ns.stat == "min" else statistics.median
        med = {k: stat(v) for k, v in phases.items()}
        med["contracts"] = med["execute"] - med["tree"]
        # What a backup pays for a transaction it verified itself, and for one it had cached.
        med["total_verify"] = med["check_verify"] + med["execute"] + med["commit"]
        med["total_cached"] = med["check_cached"] + med["execute"] + med["commit"]
        med["total_certified"] = med["check_certified"] + med["execute"] + med["commit"]
        summary = {
            "suite": ns.suite,
            "prefill": ns.prefill,
            "blocks": ns.blocks,
            "block_txs": n,
            "clock": ns.clock,
            "stat": ns.stat,
            "us_per_tx": {k: round(v, 1) for k, v in med.items()},
        }
        if ns.json:
            print(json.dumps(summary))
        else:
            print(
                f"{ns.suite}: prefill {ns.prefill} certificates; {ns.blocks} blocks of {n} txs "
                f"({ns.stat} {ns.clock} µs per transaction)"
            )
            for key in (
                "check_verify",
                "check_certified",
                "check_cached",
                "execute",
                "contracts",
                "tree",
                "commit",
                "total_verify",
                "total_cached",
                "total_certified",
            ):
                print(f"  {key:<17}{med[key]:8.1f}")
        if profiler is not None:
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(ns.top)
            stats.sort_stats("cumulative").print_stats(ns.top)
        chain.store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
