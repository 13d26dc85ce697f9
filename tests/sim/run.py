"""Run simulator seeds: `python -m tests.sim.run --seeds N --start S`.

Prints one line per failing seed (with the command that reproduces it) and then exactly one
summary line: `N seeds, V safety violations, L liveness failures`. With `--attack-seeds K`
(`make sim` passes 30), the named Byzantine scenarios of tests/sim/scenarios.py follow as a
table, each run over K seeds on n = 4 and n = 7, with a line per failing seed. Exit status 1
if any seed failed or any row of the table says FAIL. `--real-crypto` uses Ed25519 instead of the fast fake signatures; `--jobs` spreads
seeds over processes (results are printed in seed order and do not depend on it);
`--mutation` runs with a deliberate protocol bug (see tests/sim/mutations.py), which must fail.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

from tests.sim import scenarios
from tests.sim.mutations import MUTATIONS, apply_mutation
from tests.sim.world import Result, run_seed


def _run(args: tuple[int, bool, int | None]) -> Result:
    seed, real_crypto, n = args
    return run_seed(seed, real_crypto=real_crypto, n=n)


def run_many(
    seeds: range,
    *,
    real_crypto: bool = False,
    n: int | None = None,
    jobs: int = 1,
    mutation: str | None = None,
) -> list[Result]:
    """Run `seeds`, in `jobs` processes; the results are in seed order. A mutation is only
    ever applied in worker processes, never in the caller's."""
    work = [(seed, real_crypto, n) for seed in seeds]
    if (jobs > 1 and len(work) > 1) or mutation:
        context = multiprocessing.get_context("spawn")
        processes = max(1, min(jobs, len(work)))
        with context.Pool(processes, initializer=apply_mutation, initargs=(mutation,)) as pool:
            return pool.map(_run, work, chunksize=4)
    return [_run(item) for item in work]


def _run_attack(args: tuple[str, int, int]) -> scenarios.AttackResult:
    name, n, seed = args
    return scenarios.run_attack(scenarios.find_attack(name), n, seed)


def run_attacks(
    seeds: range,
    *,
    names: list[str] | None = None,
    sizes: tuple[int, ...] = scenarios.SIZES,
    jobs: int = 1,
) -> list[scenarios.Row]:
    """The named Byzantine scenarios (all, or `names`), each on every size over `seeds`."""
    attacks = [a for a in scenarios.ATTACKS if names is None or a.name in names]
    work = [(a.name, n, seed) for a in attacks for n in sizes for seed in seeds]
    if jobs > 1 and len(work) > 1:
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(jobs, len(work))) as pool:
            results = pool.map(_run_attack, work, chunksize=2)
    else:
        results = [_run_attack(item) for item in work]
    rows = []
    for attack in attacks:
        for n in sizes:
            mine = tuple(r for r in results if r.attack == attack.name and r.n == n)
            rows.append(scenarios.Row(attack, n, mine))
    return rows


def print_attack_table(rows: list[scenarios.Row]) -> bool:
    """The table, then a line per seed that did not hold; True if any row failed."""
    print(
        "Byzantine scenarios (ticks to full strength; 1 tick = "
        f"{scenarios.TICK_MS} ms with the node's default timers):"
    )
    print(scenarios.HEADER)
    for row in rows:
        print(scenarios.format_row(row))
    for row in rows:
        for result in row.failures():
            print(scenarios.format_failure(result))
    return any(row.failed for row in rows)


def reproduce_command(seed: int, real_crypto: bool, n: int | None, mutation: str | None) -> str:
    flags = (" --real-crypto" if real_crypto else "") + (f" --n {n}" if n else "")
    flags += f" --mutation {mutation}" if mutation else ""
    return f"python -m tests.sim.run --seeds 1 --start {seed}{flags} -v"


def format_result(result: Result, *, verbose: bool) -> list[str]:
    lines = []
    failed = bool(result.safety or result.liveness)
    if verbose or failed:
        lines.append(
            f"seed {result.seed}: {result.scenario.describe()} -> heights {result.heights} "
            f"ticks={result.ticks} messages={result.messages} max_view={result.max_view}"
        )
    lines.extend(f"seed {result.seed}: SAFETY {line}" for line in result.safety)
    if not result.safety:
        lines.extend(f"seed {result.seed}: LIVENESS {line}" for line in result.liveness)
    return lines


def summarize(results: list[Result]) -> tuple[int, int]:
    """(seeds with a safety violation, seeds with only a liveness failure)."""
    safety = sum(1 for r in results if r.safety)
    liveness = sum(1 for r in results if r.liveness and not r.safety)
    return safety, liveness


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sim.run", description=__doc__)
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds to run")
    parser.add_argument("--start", type=int, default=0, help="first seed")
    parser.add_argument("--real-crypto", action="store_true", help="Ed25519 signatures")
    parser.add_argument("--n", type=int, choices=[4, 7], default=None, help="force n")
    parser.add_argument("--jobs", type=int, default=0, help="processes (default: CPUs)")
    parser.add_argument("--mutation", choices=sorted(MUTATIONS), default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="describe every seed")
    parser.add_argument(
        "--attack-seeds", type=int, default=0, help="seeds per named Byzantine scenario"
    )
    parser.add_argument("--attack-start", type=int, default=0, help="first scenario seed")
    parser.add_argument(
        "--attack",
        action="append",
        choices=[a.name for a in scenarios.ATTACKS],
        help="only this named scenario (repeatable)",
    )
    args = parser.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1
    started = time.monotonic()
    results = run_many(
        range(args.start, args.start + args.seeds),
        real_crypto=args.real_crypto,
        n=args.n,
        jobs=jobs,
        mutation=args.mutation,
    )
    for result in results:
        for line in format_result(result, verbose=args.verbose):
            print(line)
        if result.safety or result.liveness:
            command = reproduce_command(result.seed, args.real_crypto, args.n, args.mutation)
            print(f"seed {result.seed}: reproduce: {command}")
    print(f"# {time.monotonic() - started:.1f} s", file=sys.stderr)
    safety, liveness = summarize(results)
    print(f"{len(results)} seeds, {safety} safety violations, {liveness} liveness failures")
    table_failed = False
    if args.attack_seeds > 0:
        started = time.monotonic()
        rows = run_attacks(
            range(args.attack_start, args.attack_start + args.attack_seeds),
            names=args.attack,
            sizes=(args.n,) if args.n else scenarios.SIZES,
            jobs=jobs,
        )
        table_failed = print_attack_table(rows)
        print(f"# scenarios: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 1 if safety or liveness or table_failed else 0


if __name__ == "__main__":
    sys.exit(main())
