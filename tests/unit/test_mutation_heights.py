"""Edges of deciding the height in flight found by mutation testing of consensus/heights.py
(issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 sections 4.2 to 4.4. Four replicas v0..v3 (f = 1); v0
is the primary of view 0. One replica is driven with really signed messages; the checks are on
what it does (blocks committed, messages sent or refused, what it keeps: `Replica.stats`) and
on error kinds, never on a message text.
"""

from __future__ import annotations

import pytest

from consensus.errors import ConsensusError
from consensus.limits import RECENT_HEIGHTS_RETAINED, VIEW_AHEAD_MAX
from consensus.messages import NewView
from consensus.replica import Replica
from tests.unit.consensus_support import (
    drain,
    make_block,
    make_replica,
    signed_commit,
    signed_prepare,
    signed_preprepare,
)
from tests.unit.test_consensus_schedule import SET_5
from tests.unit.test_consensus_viewchange import signed_new_view, signed_view_change


def commit_next(
    replica: Replica, *, advance: bool = True, voters: tuple[str, ...] = ("v0", "v1", "v2")
) -> None:
    """The primary's block for the height in flight, validated here and committed by
    `voters` (peers of the replica); advanced by the node unless `advance` is False."""
    height = replica.committed_height + 1
    payload, digest = make_block(height)
    replica.step(signed_preprepare(height, payload, digest))
    drain(replica)
    replica.validated(0, height, digest, True)
    for sender in voters:
        replica.step(signed_commit(height, digest, sender))
    if advance:
        assert [b.height for b in drain(replica).committed] == [height]


def in_view_1(self_id: str = "v3") -> tuple[Replica, NewView]:
    """A replica that entered view 1 by v1's NewView (no block prepared); the NewView."""
    replica = make_replica(self_id)
    vcs = [signed_view_change(peer, 1) for peer in ("v0", "v1", "v2")]
    for vc in vcs:
        replica.step(vc)
    nv = signed_new_view(1, vcs, None)
    replica.step(nv)
    drain(replica)
    assert replica.view == 1 and not replica.in_view_change
    return replica, nv


def test_the_proofs_of_exactly_the_last_recent_heights_are_kept() -> None:
    replica = make_replica("v3")
    for _ in range(RECENT_HEIGHTS_RETAINED + 3):
        commit_next(replica)
    assert replica.stats().recent_heights == RECENT_HEIGHTS_RETAINED


def test_a_commit_of_an_older_view_is_kept_and_gets_no_new_view() -> None:
    """A commit says nothing about its signer's view (catch-up relays them): unlike a
    prepare, it does not make the replica relay its NewView; it is kept for the height."""
    replica, nv = in_view_1()
    digest = make_block(1)[1]
    replica.step(signed_commit(1, digest, "v2", view=0))
    out = drain(replica)
    assert [o.message for o in out.send if isinstance(o.message, NewView)] == []
    assert out.rejected == () and replica.stats().foreign_commits == 1
    replica.step(signed_prepare(1, digest, "v2", view=0))
    assert [(o.to, o.message) for o in drain(replica).send] == [("v2", nv)]


def test_commits_of_views_up_to_view_ahead_max_are_kept_for_the_height() -> None:
    replica = make_replica("v1")
    digest = make_block(1)[1]
    replica.step(signed_commit(1, digest, "v2", view=VIEW_AHEAD_MAX))
    assert drain(replica).rejected == () and replica.stats().foreign_commits == 1
    too_far = signed_commit(1, digest, "v3", view=VIEW_AHEAD_MAX + 1)
    replica.step(too_far)
    assert [r.message for r in drain(replica).rejected] == [too_far]
    later = signed_commit(2, make_block(2)[1], "v3", view=1)  # not the height in flight
    replica.step(later)
    assert [r.message for r in drain(replica).rejected] == [later]
    assert replica.stats().foreign_commits == 1


def test_a_set_may_be_scheduled_for_the_next_height_until_the_node_advances() -> None:
    """Committed 1 but not advanced: nothing at height 2 was voted on yet, so a set from 2 is
    allowed; once height 2 is entered, 2 is too early."""
    replica = make_replica("v3")
    commit_next(replica, advance=False)
    replica.schedule_validators(2, SET_5)
    assert replica.schedule.at(2) is SET_5
    other = make_replica("v3")
    commit_next(other)
    with pytest.raises(ConsensusError):
        other.schedule_validators(2, SET_5)
    other.schedule_validators(3, SET_5)


def test_scheduling_a_set_drops_what_was_checked_against_the_old_one() -> None:
    """Buffered votes at and above the activation height are dropped (peers re-send them),
    those below are kept; so are ViewChanges about heights below it."""
    replica = make_replica("v1")
    for height in (3, 4, 5):
        replica.step(signed_prepare(height, make_block(height)[1], "v2"))
    replica.step(signed_view_change("v2", 1))
    assert replica.stats().log_messages == 3 and replica.stats().view_changes == 1
    replica.schedule_validators(4, SET_5)
    assert replica.stats().log_messages == 1 and replica.stats().view_changes == 1
