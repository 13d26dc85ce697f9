"""Deliberate protocol bugs, to check that the simulator's checkers catch them.

`python -m tests.sim.run --seeds 200 --mutation quorum_minus_one` must report violations; if a
mutation ever runs clean, the simulator is not testing what it claims. Each mutation patches
the production code in the current process only (the runner applies it in every worker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import consensus.replica as replica_module
import consensus.viewchange as viewchange_module
from consensus.log import ForeignCommits
from consensus.messages import Commit
from consensus.replica import Replica
from consensus.validators import ValidatorSet
from consensus.viewchange import NewViewPlan


def _quorum_minus_one() -> None:
    """Quorums one vote too small: two quorums may no longer share an honest validator."""
    ValidatorSet.quorum = property(lambda self: (self.n + self.f) // 2)  # type: ignore[method-assign,assignment]


def _no_reproposal() -> None:
    """A NewView never carries the highest prepared block over (PBFT's O-set left empty)."""
    original = viewchange_module.compute_new_view_plan

    def plan(view: int, view_changes: object) -> NewViewPlan:
        return replace(original(view, view_changes), reproposal=None)  # type: ignore[arg-type]

    viewchange_module.compute_new_view_plan = plan  # type: ignore[assignment]
    replica_module.compute_new_view_plan = plan  # type: ignore[assignment]


def _mixed_view_certificates() -> None:
    """Commits of different views are counted together as one certificate."""

    def certificates(self: ForeignCommits, validators: ValidatorSet) -> list[list[Commit]]:
        groups: dict[bytes, dict[str, Commit]] = {}
        for sender, views in self._by_sender.items():
            if validators.get(sender) is None:
                continue
            for commit in views.values():
                groups.setdefault(commit.digest, {})[sender] = commit
        out = []
        for commits in groups.values():
            if len(commits) >= validators.quorum:
                view = max(c.view for c in commits.values())
                out.append(
                    sorted(
                        (replace(c, view=view) for c in commits.values()), key=lambda c: c.sender
                    )
                )
        return out

    ForeignCommits.certificates = certificates  # type: ignore[method-assign]


def _accept_any_new_view() -> None:
    """NewViews are entered without checking the ViewChanges and re-proposal in them."""

    def check(
        chain_id: str, schedule: object, nv: object, verifier: object, digest: object
    ) -> tuple[NewViewPlan, None]:
        return viewchange_module.compute_new_view_plan(nv.view, nv.view_changes), None  # type: ignore[attr-defined]

    replica_module.get_new_view_problem = check  # type: ignore[assignment]


def _commit_unprepared() -> None:
    """Backups commit as soon as they accept a pre-prepare, without 2f matching prepares."""
    Replica._is_prepared = lambda self, slot, preprepare: True  # type: ignore[method-assign]


def _forget_wal() -> None:
    """A restarted replica ignores its WAL (votes signed before the crash are forgotten)."""
    Replica._restore = lambda self, records: None  # type: ignore[method-assign]


def _lie_in_view_change() -> None:
    """ViewChanges leave out the prepared certificate (the replica under-reports)."""
    original = Replica._sign_view_change

    def sign(self: Replica) -> None:
        self._prepared = None
        original(self)

    Replica._sign_view_change = sign  # type: ignore[method-assign]


def _no_view_change() -> None:
    """Backups never time out: a silent or lying primary is never replaced."""
    Replica._start_view_change = lambda self, new_view: None  # type: ignore[method-assign]


def _no_join() -> None:
    """Replicas neither join a view change f+1 others asked for nor escalate on a quorum."""
    Replica._check_join = lambda self: None  # type: ignore[method-assign]
    original = Replica._tick_view_change_timer

    def timer(self: Replica) -> None:
        if self.in_view_change:
            return
        original(self)

    Replica._tick_view_change_timer = timer  # type: ignore[method-assign]


MUTATIONS: dict[str, Callable[[], None]] = {
    "quorum_minus_one": _quorum_minus_one,
    "no_reproposal": _no_reproposal,
    "mixed_view_certificates": _mixed_view_certificates,
    "accept_any_new_view": _accept_any_new_view,
    "commit_unprepared": _commit_unprepared,
    "forget_wal": _forget_wal,
    "lie_in_view_change": _lie_in_view_change,
    "no_view_change": _no_view_change,
    "no_join": _no_join,
}


def apply_mutation(name: str | None) -> None:
    if name:
        MUTATIONS[name]()
