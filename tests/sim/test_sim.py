"""The deterministic simulator as part of `make test`: a fixed set of seeds, a few with real
Ed25519 and with seven validators, exact reproduction, deliberate bugs that it must catch, and
a few seeds of each named Byzantine scenario (tests/sim/scenarios.py).

`make sim SEEDS=N START=S` runs any other range from the command line.
"""

from __future__ import annotations

import re

import pytest

from tests.sim import run, scenarios
from tests.sim.attacks import Attacker
from tests.sim.run import run_attacks, run_many, summarize
from tests.sim.scenarios import VIEW_CHANGE_TIMEOUT_TICKS
from tests.sim.world import Result, make_scenario, run_seed

FIXED_SEEDS = range(0, 300)
JOBS = 2  # this machine has two cores


def _failures(results: list[Result]) -> list[str]:
    lines: list[str] = []
    for result in results:
        lines.extend(run.format_result(result, verbose=False))
    return lines


def test_fixed_seeds_are_safe_and_live() -> None:
    results = run_many(FIXED_SEEDS, jobs=JOBS)
    assert summarize(results) == (0, 0), "\n".join(_failures(results))
    # The seeds exercise what they claim to: view changes, reconfiguration, n = 7, Byzantine.
    scenarios = [r.scenario for r in results]
    assert sum(1 for r in results if r.max_view > 0) > len(results) // 2
    assert sum(1 for s in scenarios if s.reconfig is not None) > 30
    assert sum(1 for s in scenarios if s.n == 7) > 30
    assert sum(1 for s in scenarios if s.byzantine) > 100


def test_seven_validators() -> None:
    results = run_many(range(1000, 1030), n=7, jobs=JOBS)
    assert summarize(results) == (0, 0), "\n".join(_failures(results))


def test_real_ed25519_signatures() -> None:
    results = run_many(range(2000, 2006), real_crypto=True, jobs=JOBS)
    assert summarize(results) == (0, 0), "\n".join(_failures(results))


def test_a_seed_reproduces_exactly() -> None:
    """Same seed, same run: twice here, and in a freshly spawned process, where string
    hashing (and so set order) differs."""
    here = run_seed(7)
    again = run_seed(7)
    spawned = run_many(range(7, 9), jobs=2)[0]
    assert make_scenario(7) == make_scenario(7)
    assert here.fingerprint == again.fingerprint == spawned.fingerprint
    assert here.heights == spawned.heights and here.messages == spawned.messages


@pytest.mark.parametrize(
    "mutation,seeds,kind",
    [
        # Seeds found by `python -m tests.sim.run --seeds 150 --mutation NAME` (re-found when the
        # request timer changed view-change timing, and when a simulated fetch learnt to go
        # on to the next peer as node/catchup.py does, and when backups began to suspect before
        # asking for a view, and when backups began to ask peers for a pre-prepare they lack,
        # and when the relay of a waiting request moved from R to R/4 and a replica began to
        # hand its last certificate to a peer still on that height;
        # see git log); each mutation fails many more (see the module docstring of
        # tests/sim/mutations.py). Since the pre-prepare fetch, no_reproposal fails only a few
        # of seeds 0-599: a backup that would have stalled on the missing re-proposal now
        # often gets the block from a peer, so fewer runs reach the unsafe state, and its
        # seeds come from a search of 600.
        ("quorum_minus_one", (34, 46, 48), "safety"),
        ("no_reproposal", (179, 255, 289), "safety"),
        ("mixed_view_certificates", (26, 29, 41), "safety"),
        ("forget_wal", (5, 6, 17), "safety"),
        ("no_view_change", (46, 56, 77), "liveness"),
        ("no_join", (23, 28, 38), "liveness"),
    ],
)
def test_the_simulator_catches_deliberate_bugs(
    mutation: str, seeds: tuple[int, ...], kind: str
) -> None:
    """If a protocol bug ran clean, the checkers would not be checking what they claim."""
    results = [
        r for seed in seeds for r in run_many(range(seed, seed + 1), jobs=1, mutation=mutation)
    ]
    safety, liveness = summarize(results)
    assert (safety if kind == "safety" else liveness) == len(seeds)


def test_cli_prints_one_summary_line_last(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.main(["--seeds", "3", "--start", "40", "--jobs", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"3 seeds, 0 safety violations, 0 liveness failures", lines[-1])


def test_cli_reports_a_failing_seed_with_its_reproduction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run.main(["--seeds", "1", "--start", "34", "--mutation", "quorum_minus_one"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    assert any("SAFETY" in line for line in out)
    assert any(
        "reproduce: python -m tests.sim.run --seeds 1 --start 34 --mutation quorum_minus_one"
        in line
        for line in out
    )
    assert out[-1] == "1 seeds, 1 safety violations, 0 liveness failures"


# ---------------------------------------------------------------- named Byzantine scenarios

ATTACK_SEEDS = range(0, 2)
"""A few seeds per named scenario in `make test`; `make sim` runs 30 (ATTACK_SEEDS there)."""


def test_named_byzantine_scenarios_hold() -> None:
    """Each attack of issue 16 alone, on n = 4 and 7: safe, and back to full strength
    within its bound (rows marked open excepted, and shown as such)."""
    rows = run_attacks(ATTACK_SEEDS, jobs=JOBS)
    failures = [scenarios.format_failure(r) for row in rows for r in row.failures()]
    assert [row for row in rows if row.failed] == [], "\n".join(failures)
    assert all(row.safety == 0 for row in rows), "\n".join(failures)
    assert {(row.attack.name, row.n) for row in rows} == {
        (a.name, n) for a in scenarios.ATTACKS for n in scenarios.SIZES
    }
    # They measure what they claim: an equivocating primary costs f view changes.
    by_name = {(row.attack.name, row.n): row for row in rows}
    assert min(by_name[("equivocating primary", 4)].times) >= VIEW_CHANGE_TIMEOUT_TICKS
    assert min(by_name[("equivocating primary", 7)].times) >= 3 * VIEW_CHANGE_TIMEOUT_TICKS


def test_junk_is_refused_and_valid_forwarded_transactions_commit() -> None:
    """The junk forwarder's valid transactions, each handed to one backup only, are relayed
    and committed without a view change; its junk transactions never enter a mempool."""
    attack = scenarios.find_attack("junk forwarder")
    scenario, attackers, _ = scenarios.make_attack_scenario(attack, 4, 3)
    world = scenarios.AttackWorld(scenario, attack, None)
    world.run_attack()
    attacker = world.nodes[attackers[0]]
    assert isinstance(attacker, Attacker)
    honest = world.honest()
    committed = set.intersection(*(node.pending.committed for node in honest))
    valid = {f"{attacker.id}-{i}" for i in range(4, attacker.forwarded + 1, 4)}
    assert attacker.junk_sent > 50 and len(valid) > 10
    # Everything forwarded until 10 s before the end is in every honest ledger.
    assert len(valid - committed) <= 3
    assert not any(key.startswith("junk") for key in committed)
    assert sum(node.pending.refused for node in honest) >= 3 * attacker.forwarded
    assert world.result.max_view == 0  # not one view change


def test_time_to_full_strength_is_the_longest_disturbance() -> None:
    honest = {"a", "b", "c"}
    digest = b"d"
    commits = {h: (10 * h, digest) for h in range(1, 40)}
    voters = {(h, digest): {v: 10 * h - 1 for v in honest} for h in range(1, 40)}
    views_ok = [True] * 400

    def measure(reference: int = 0) -> tuple[int | None, str]:
        return scenarios.compute_ticks_to_full_strength(
            views_ok, commits, voters, honest=honest, end=400, reference=reference
        )

    assert measure() == (0, "")
    views_ok[57] = False  # the views differ once
    voters[(12, digest)]["c"] = 120 + scenarios.VOTE_LATE_TICKS_MAX + 1  # c voted too late
    # One disturbance (5 heights between its bad ticks): from the last commit before it
    # (tick 50) to the late height's tick + 1.
    ticks, note = measure()
    assert ticks == 121 - 50 and "height 12 without votes of ['c']" in note
    assert measure(reference=100)[0] == 121 - 100
    # A second one after 10 good heights is measured on its own; the longest counts.
    views_ok[235:240] = [False] * 5
    assert measure()[0] == 121 - 50
    views_ok[235:260] = [False] * 25
    views_ok[57] = True
    voters[(12, digest)]["c"] = 119
    assert measure()[0] == 260 - 230  # from the last commit before it
    views_ok[57] = False
    voters[(12, digest)]["c"] = 120 + scenarios.VOTE_LATE_TICKS_MAX + 1
    assert measure()[0] == 121 - 50
    views_ok[235:260] = [True] * 25
    del voters[(38, digest)]["c"]  # 380 >= end - TAIL_TICKS: not judged yet
    assert measure()[0] == 121 - 50
    del voters[(30, digest)]["c"]  # from 301 on, too few heights are left to judge
    assert measure()[0] is None


def test_the_table_fails_the_run_past_a_bound(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make sim`'s table follows the summary line; a row over its bound fails the run."""
    argv = ["--seeds", "0", "--attack-seeds", "1", "--n", "4", "--jobs", "1"]
    argv += ["--attack", "equivocating primary"]
    assert run.main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "0 seeds, 0 safety violations, 0 liveness failures"
    assert lines[2] == scenarios.HEADER
    assert re.fullmatch(
        r"equivocating primary +4 +1 +1 +0 +0 +\d+ +\d+ +50 \(5 s\) +\d+  OK", lines[3]
    )
    monkeypatch.setattr(scenarios.Attack, "bound_ticks", lambda self, n: 1)
    assert run.main(argv) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[3].endswith("FAIL")
    assert (
        "reproduce: python -m tests.sim.run --seeds 0 --attack 'equivocating primary'" in lines[4]
    )


def test_state_transfer_moves_past_a_withholding_peer() -> None:
    """As node/catchup.py asks its peers in turn, a simulated fetch that finds nothing at one
    peer goes on to the next. Before, it waited for the replica's backed-off retry each time
    it drew the withholding primary, and its victim fell 34 and 53 heights behind here."""
    attack = scenarios.find_attack("withholding primary")
    for seed in (1, 4):
        assert scenarios.run_attack(attack, 4, seed).lag_max <= 10
