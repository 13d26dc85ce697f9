"""Every fuzz target, by name."""

from __future__ import annotations

from fuzz import targets_chain, targets_consensus, targets_files
from fuzz.target import Target

TARGETS: dict[str, Target] = {
    t.name: t for t in (*targets_chain.TARGETS, *targets_consensus.TARGETS, *targets_files.TARGETS)
}
