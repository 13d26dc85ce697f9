"""`make fuzz`: every target, coverage-guided with atheris when it is installed (one
process per target), else with the seeded mutator; prints a line per target (inputs,
inputs/s, coverage, outcomes by type) and a total; exits 1 on any finding, with the input
saved under fuzz/crashes/ and the command that reproduces it.

Usage:
  python -m fuzz.run [--inputs N] [--targets a,b] [--engine auto|atheris|mutator] [--seed S]
  python -m fuzz.run --reproduce TARGET FILE
Inputs are shared among targets by their `share` (FUZZ_INPUTS sets the default total).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fuzz.engine import CORPUS, CRASHES, ROOT, Stats, reproduce_command, run_mutator
from fuzz.registry import TARGETS
from fuzz.target import Target

INPUTS_DEFAULT = 1_000_000
CHILD_TIMEOUT_S = 3600
_COV = re.compile(r"cov: (\d+) ft: (\d+)")


def budgets(targets: list[Target], total: int) -> dict[str, int]:
    shares = sum(t.share for t in targets)
    return {t.name: max(100, -(-total * t.share // shares)) for t in targets}  # rounded up


def run_atheris(target: Target, runs: int, seed: int) -> Stats:
    CRASHES.mkdir(exist_ok=True)
    shm = Path("/dev/shm")  # the child's scratch files (a write per input) in memory
    with tempfile.TemporaryDirectory(
        prefix="trustledger-fuzz-", dir=shm if shm.is_dir() else None
    ) as tmp:
        stats_path = Path(tmp) / "stats.json"
        work = Path(tmp) / "corpus"
        work.mkdir()
        prefix = CRASHES / f"{target.name}-"
        cmd = [
            sys.executable,
            "-m",
            "fuzz.child",
            target.name,
            str(stats_path),
            str(runs),
            f"-seed={seed}",
            f"-max_len={target.max_len}",
            f"-artifact_prefix={prefix}",
            "-timeout=20",
            "-rss_limit_mb=3072",
            str(work),
            str(CORPUS / target.name),
        ]
        started = time.perf_counter()
        before = set(CRASHES.iterdir())
        # The child's temporary files go in `tmp`, removed here: libFuzzer ends the child
        # with exit(), which skips its atexit clean-ups.
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
            env={**os.environ, "TMPDIR": tmp},
        )
        seconds = time.perf_counter() - started
        stats = (
            Stats.from_json(stats_path.read_text())
            if stats_path.exists()
            else Stats(target.name, "atheris")
        )
        stats.seconds = stats.seconds or seconds
        found = _COV.findall(proc.stderr)
        if found:
            stats.coverage = f"cov: {found[-1][0]} ft: {found[-1][1]}"
        if proc.returncode != 0:
            artifacts = sorted(set(CRASHES.iterdir()) - before)
            sys.stderr.write(proc.stderr[-6000:])
            if artifacts:
                stats.finding = str(artifacts[0])
                stats.reproduce = reproduce_command(target.name, artifacts[0])
            else:
                stats.finding = f"exit {proc.returncode} without an artifact"
        return stats


def reproduce(name: str, path: Path) -> int:
    one = TARGETS[name].make()
    try:
        print(f"{name}: {one(path.read_bytes())}")
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def print_stats(s: Stats) -> None:
    outcomes = ", ".join(f"{k} {v}" for k, v in s.outcomes.most_common())
    print(
        f"{s.target:22} {s.engine:8} {s.inputs:>9,} inputs {s.rate:>8,.0f}/s"
        f"  {s.coverage:28}  {outcomes}",
        flush=True,
    )
    if s.finding:
        print(f"  FINDING: {s.finding}\n  reproduce: {s.reproduce}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--inputs", type=int, default=int(os.environ.get("FUZZ_INPUTS") or INPUTS_DEFAULT)
    )
    parser.add_argument("--targets", default="")
    parser.add_argument("--engine", choices=("auto", "atheris", "mutator"), default="auto")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reproduce", nargs=2, metavar=("TARGET", "FILE"))
    ns = parser.parse_args()
    if ns.reproduce:
        return reproduce(ns.reproduce[0], Path(ns.reproduce[1]))
    names = [n for n in ns.targets.split(",") if n] or list(TARGETS)
    targets = [TARGETS[n] for n in names]
    engine = ns.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "mutator"
    plan = budgets(targets, ns.inputs)
    print(
        f"fuzzing {len(targets)} targets, {sum(plan.values()):,} inputs, engine {engine}",
        flush=True,
    )
    started = time.perf_counter()
    results = []
    for target in targets:
        if engine == "atheris":
            stats = run_atheris(target, plan[target.name], ns.seed)
        else:
            stats = run_mutator(target, plan[target.name], ns.seed, measure_coverage=True)
        print_stats(stats)
        results.append(stats)
    total = sum(s.inputs for s in results)
    findings = [s for s in results if s.finding]
    seconds = time.perf_counter() - started
    print(
        f"total: {total:,} inputs in {seconds:,.0f} s ({total / seconds:,.0f}/s),"
        f" {len(findings)} finding(s)"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
