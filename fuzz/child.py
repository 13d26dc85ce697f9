"""One target under atheris (libFuzzer), in its own process: `make fuzz` starts one per
target (`fuzz.run`). The project's modules are instrumented for coverage as they are
imported; the target's outcomes are counted and written as JSON to the stats file when the
last input has run (libFuzzer then exits the process itself).

Usage: python -m fuzz.child TARGET STATS_FILE RUNS [libFuzzer flags...]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["node", "consensus", "contracts", "wallet"]):
    from fuzz.engine import Stats
    from fuzz.registry import TARGETS


def main() -> None:
    name, stats_path, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    target = TARGETS[name]
    one = target.make()
    outcomes: Counter[str] = Counter()
    count = 0
    started = time.perf_counter()

    def write() -> None:
        stats = Stats(name, "atheris", count, time.perf_counter() - started, outcomes)
        stats_path.write_text(stats.to_json())

    def test_one(data: bytes) -> None:
        nonlocal count
        count += 1
        try:
            outcomes[one(data)] += 1
        except BaseException:  # anything but an allowed error: a finding, which stops the run
            write()
            raise
        if count % 10_000 == 0 or count >= runs:
            write()

    atheris.Setup([sys.argv[0], *sys.argv[4:], f"-runs={runs}"], test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
