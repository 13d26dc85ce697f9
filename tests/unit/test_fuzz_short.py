"""A short run of every fuzz target (fuzz/, issue 16) inside `make test`: the committed
seeds, then seeded mutants of them, each target for a small fixed budget. The contract of
each (fuzz/target.py): no exception but its documented error types, and no state change
from a refused input where the target holds state. `make fuzz` runs the same targets
coverage-guided for a million inputs."""

from __future__ import annotations

import pytest

from fuzz.engine import load_seeds, run_mutator
from fuzz.registry import TARGETS

INPUTS_PER_TARGET = 300
SEED = 16


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_short_fuzz_run_finds_nothing(name: str) -> None:
    target = TARGETS[name]
    stats = run_mutator(target, INPUTS_PER_TARGET, SEED)
    assert stats.finding is None, f"{stats.finding}: reproduce with {stats.reproduce}"
    assert stats.inputs == INPUTS_PER_TARGET
    refused = {k for k in stats.outcomes if k not in ("ok", "rejected", "not_proven")}
    assert refused, "no input was refused: the mutator did not reach the decoder"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_committed_seed_is_decoded(name: str) -> None:
    """Each target's corpus holds valid examples (a format change that breaks them shows
    here: rewrite the corpus with `python -m fuzz.seeds`)."""
    target = TARGETS[name]
    one = target.make()
    outcomes = [one(data) for data in load_seeds(target)]
    assert "ok" in outcomes or "rejected" in outcomes, outcomes
