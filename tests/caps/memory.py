"""The memory caps of a devnet's processes, in one place, and how they are measured.

`make soak` (bench/soak.py) and the tests under attack (tests/caps/) hold every process to
these caps: resident memory (VmRSS in /proc/<pid>/status), sampled while the load or the
attack runs. They are an operator's sizing figures for the devnet's load, not limits the
processes enforce themselves: each one follows from the bounds the code does enforce
(node/limits.py, wallet/limits.py), with a margin for Python's allocator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tests.repeating import Repeating

MIB = 1024 * 1024

VALIDATOR_RSS_BYTES_MAX = 512 * MIB
"""A validator: ~85 MiB after start on the devnet, under 100 MiB through the attacks of
tests/caps/test_caps.py; what grows with load is bounded by
the mempool (its lanes' bytes only fill under a flood of the largest transactions), the
peer queues, the state-node cache (~150 MB once the state holds ~300,000 keys, far more
than the devnet reaches) and block fetches (64 blocks a call)."""
WALLET_RSS_BYTES_MAX = 512 * MIB
"""The wallet: ~90 MiB after start, ~220 MiB through 40 parallel sign-ins, ~350 MiB at most
in `make soak`; at most two scrypt derivations of 128 MiB run at once (wallet/limits.py
KDF_CONCURRENT_MAX) and a request body is cut off past 64 KiB. (Before the KDF queue, 120
wrong sign-ins over 40 connections took it to 2.45 GB.)"""


def get_rss_cap_bytes(process_name: str) -> int:
    """The cap of a devnet process by its name in pids.json (`val-N` or `wallet`)."""
    return WALLET_RSS_BYTES_MAX if process_name == "wallet" else VALIDATOR_RSS_BYTES_MAX


def read_rss_bytes(pid: int) -> int | None:
    """The resident memory of process `pid` (VmRSS), None if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


@dataclass
class RssSampler:
    """Samples the resident memory of the processes `get_pids` names (name -> pid) every
    `period_s` in a thread, keeping each name's highest sample (across restarts)."""

    get_pids: Callable[[], Mapping[str, int]]
    period_s: float = 1.0
    highest: dict[str, int] = field(default_factory=dict)
    samples: int = 0
    _samples: Repeating | None = None

    def sample(self) -> None:
        for name, pid in self.get_pids().items():
            rss = read_rss_bytes(pid)
            if rss is not None and rss > self.highest.get(name, 0):
                self.highest[name] = rss
        self.samples += 1

    def start(self) -> RssSampler:
        self._samples = Repeating(self.sample, self.period_s, "rss-sampler")
        self._samples.start()
        return self

    def stop(self) -> None:
        if self._samples is not None:
            self._samples.stop()
        self.sample()

    def __enter__(self) -> RssSampler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def over_cap(self) -> dict[str, int]:
        """Each process whose highest sample exceeded its cap: name -> bytes."""
        return {n: b for n, b in self.highest.items() if b > get_rss_cap_bytes(n)}

    def highest_mib(self) -> dict[str, float]:
        return {n: round(b / MIB, 1) for n, b in sorted(self.highest.items())}
