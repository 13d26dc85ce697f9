"""Edges of deciding the height in flight found by mutation testing of consensus/heights.py
(issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 sections 4.2 to 4.4. Four replicas v0..v3 (f = 1); v0
is the primary of view 0. One replica is driven with really signed messages; the checks are on
what it does (blocks committed, messages sent or refused, what it keeps: `Replica.stats`) and
on error kinds, never on a message text.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consensus.errors import ConsensusError
from consensus.limits import (
    RECENT_HEIGHTS_RETAINED,
    VIEW_AHEAD_MAX,
    VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT,
)
from consensus.messages import NewView, Prepared, PrePrepare, Suspicion, ViewChange
from consensus.replica import Replica
from consensus.validators import Validator, ValidatorSet
from tests.unit import consensus_support as support


def test_the_proofs_of_exactly_the_last_recent_heights_are_kept() -> None:
    replica = support.make_replica("v3")
    for _ in range(RECENT_HEIGHTS_RETAINED + 3):
        support.commit_next(replica)
    assert replica.stats().recent_heights == RECENT_HEIGHTS_RETAINED


def test_a_commit_of_an_older_view_is_kept_and_gets_no_new_view() -> None:
    """A commit says nothing about its signer's view (catch-up relays them): unlike a
    prepare, it does not make the replica relay its NewView; it is kept for the height."""
    replica, nv = support.in_view_1()
    digest = support.make_block(1)[1]
    replica.step(support.signed_commit(1, digest, "v2", view=0))
    out = support.drain(replica)
    assert [o.message for o in out.send if isinstance(o.message, NewView)] == []
    assert out.rejected == () and replica.stats().foreign_commits == 1
    replica.step(support.signed_prepare(1, digest, "v2", view=0))
    assert [(o.to, o.message) for o in support.drain(replica).send] == [("v2", nv)]


def test_commits_of_views_up_to_view_ahead_max_are_kept_for_the_height() -> None:
    replica = support.make_replica("v1")
    digest = support.make_block(1)[1]
    replica.step(support.signed_commit(1, digest, "v2", view=VIEW_AHEAD_MAX))
    assert support.drain(replica).rejected == () and replica.stats().foreign_commits == 1
    too_far = support.signed_commit(1, digest, "v3", view=VIEW_AHEAD_MAX + 1)
    replica.step(too_far)
    assert [r.message for r in support.drain(replica).rejected] == [too_far]
    later = support.signed_commit(
        2, support.make_block(2)[1], "v3", view=1
    )  # not the height in flight
    replica.step(later)
    assert [r.message for r in support.drain(replica).rejected] == [later]
    assert replica.stats().foreign_commits == 1


def test_a_set_may_be_scheduled_for_the_next_height_until_the_node_advances() -> None:
    """Committed 1 but not advanced: nothing at height 2 was voted on yet, so a set from 2 is
    allowed; once height 2 is entered, 2 is too early."""
    replica = support.make_replica("v3")
    support.commit_next(replica, advance=False)
    replica.schedule_validators(2, support.SET_5)
    assert replica.schedule.at(2) is support.SET_5
    other = support.make_replica("v3")
    support.commit_next(other)
    with pytest.raises(ConsensusError):
        other.schedule_validators(2, support.SET_5)
    other.schedule_validators(3, support.SET_5)


def test_scheduling_a_set_drops_what_was_checked_against_the_old_one() -> None:
    """Buffered votes at and above the activation height are dropped (peers re-send them),
    those below are kept; so are ViewChanges about heights below it."""
    replica = support.make_replica("v1")
    for height in (3, 4, 5):
        replica.step(support.signed_prepare(height, support.make_block(height)[1], "v2"))
    replica.step(support.signed_view_change("v2", 1))
    assert replica.stats().log_messages == 3 and replica.stats().view_changes == 1
    replica.schedule_validators(4, support.SET_5)
    assert replica.stats().log_messages == 1 and replica.stats().view_changes == 1


# ----------------------------------------------------------------- a block validated earlier


def left_view_0_with_block_1(self_id: str = "v3") -> tuple[Replica, bytes, bytes]:
    """A backup that validated v0's block 1 and prepared it (its own prepare only, not a
    quorum), then left view 0 for 1: the log of view 0 is gone, the validated block is kept.
    The block's payload and digest."""
    replica, digest = support.backup_that_prepared(self_id)
    support.leave_view_0(replica, self_id)
    support.drain(replica)
    assert replica.stats().log_messages == 0
    return replica, support.make_block(1)[0], digest


def test_commits_of_the_left_view_deliver_the_block_validated_there() -> None:
    replica, payload, digest = left_view_0_with_block_1()
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender, view=0))
    ready = support.drain(replica)
    assert [(b.height, b.digest, b.payload) for b in ready.committed] == [(1, digest, payload)]
    assert ready.fetch == ()


def restarted_prepared(self_id: str = "v3") -> tuple[Replica, bytes, bytes]:
    """A backup restarted with the prepared certificate of v0's block 1 (view 0) in its WAL,
    and nothing validated in memory. The block's payload and digest."""
    payload, digest = support.make_block(1)
    cert = support.prepared_certificate(0, 1, digest, backups=("v1", "v2"))
    replica = support.make_replica(self_id, signed=[Prepared(cert, payload)])
    support.drain(replica)
    return replica, payload, digest


def test_commits_of_another_view_deliver_the_prepared_block_with_its_preprepare() -> None:
    """The block of our prepared certificate was validated before we prepared it: a quorum of
    commits (of view 1 here) delivers it, and the pre-prepare rebuilt from the certificate is
    the primary's signed one, so catch-up can hand it to a peer still on the height."""
    replica, payload, digest = restarted_prepared()
    replica.schedule_validators(5, support.SET_5)  # a two-set schedule: sets are found by height
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender, view=1))
    ready = support.drain(replica)
    assert [(b.height, b.digest, b.payload) for b in ready.committed] == [(1, digest, payload)]
    sent = []
    for _ in range(support.RETRANSMIT_TICKS):
        replica.tick()
        sent += [
            o.message for o in support.drain(replica).send if isinstance(o.message, PrePrepare)
        ]
    assert support.signed_preprepare(1, payload, digest) in sent
    assert set(sent) == {support.signed_preprepare(1, payload, digest)}


@pytest.mark.parametrize(
    ("holding", "view"), [(left_view_0_with_block_1, 0), (restarted_prepared, 1)]
)
def test_commits_for_another_block_never_deliver_the_validated_or_prepared_one(
    holding: Callable[[], tuple[Replica, bytes, bytes]], view: int
) -> None:
    """A quorum for block B while we hold block A (validated, or prepared before a restart):
    B is certified, so it is fetched; A must not be delivered under B's certificate."""
    replica, _, _ = holding()
    other = support.make_block(1, "B")[1]
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, other, sender, view=view))
    ready = support.drain(replica)
    assert ready.committed == ()
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 1)]


@pytest.mark.parametrize("holding", [left_view_0_with_block_1, restarted_prepared])
def test_a_certificate_carried_by_a_view_change_delivers_the_validated_or_prepared_block(
    holding: Callable[[], tuple[Replica, bytes, bytes]],
) -> None:
    replica, payload, digest = holding()
    replica.step(support.signed_view_change("v2", 1, committed=support.make_certificate(1, digest)))
    ready = support.drain(replica)
    assert [(b.height, b.digest, b.payload) for b in ready.committed] == [(1, digest, payload)]
    assert ready.fetch == ()


def test_a_later_heights_certificate_is_fetched_even_if_its_digest_is_the_validated_ones() -> None:
    """A certificate for height 2 naming the digest of the block validated at height 1 (a
    node whose blocks do not bind their height could see that): height 2 is fetched, height 1
    is not decided by it, and stepping it never raises."""
    replica, _, digest = left_view_0_with_block_1()
    replica.step(support.signed_view_change("v2", 1, committed=support.make_certificate(2, digest)))
    ready = support.drain(replica)
    assert ready.committed == ()
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 2)]


def test_a_foreign_commit_differing_from_the_senders_earlier_one_is_refused() -> None:
    """One commit per sender and view: a second one for another block is equivocation."""
    replica = support.make_replica("v1")
    first = support.signed_commit(1, support.make_block(1)[1], "v2", view=1)
    second = support.signed_commit(1, support.make_block(1, "B")[1], "v2", view=1)
    replica.step(first)
    replica.step(first)  # a copy: dropped quietly
    assert support.drain(replica).rejected == ()
    replica.step(second)
    assert [r.message for r in support.drain(replica).rejected] == [second]
    assert replica.stats().foreign_commits == 1


def test_foreign_commits_record_each_senders_progress() -> None:
    replica = support.make_replica("v1")
    before = replica.stats().peers_tracked
    for sender in ("v2", "v3"):
        replica.step(support.signed_commit(1, support.make_block(1)[1], sender, view=1))
    support.drain(replica)
    assert replica.stats().peers_tracked == before + 2


# ----------------------------------------------------------------- scheduling sets


def test_a_second_set_at_the_last_activation_height_is_refused() -> None:
    replica = support.make_replica("v1")
    replica.schedule_validators(5, support.SET_5)
    with pytest.raises(ConsensusError):
        replica.schedule_validators(5, support.VALIDATORS)
    assert replica.schedule.at(5) is support.SET_5


def test_scheduling_a_set_drops_view_changes_about_its_first_height() -> None:
    """A ViewChange certifying height 3 is about height 4: under a set from 4 it was checked
    against the wrong members, so it is dropped; one about height 3 is kept."""
    replica = support.make_replica("v1")
    cert = support.make_certificate(3, support.make_block(3)[1])
    replica.step(support.signed_view_change("v2", 1, committed=cert))
    support.drain(replica)
    assert replica.stats().view_changes == 1
    replica.schedule_validators(5, support.SET_5)
    assert replica.stats().view_changes == 1
    replica.schedule_validators(6, support.VALIDATORS)
    assert replica.stats().view_changes == 1
    other = support.make_replica("v1")
    other.step(support.signed_view_change("v2", 1, committed=cert))
    support.drain(other)
    other.schedule_validators(4, support.SET_5)
    assert other.stats().view_changes == 0


def test_scheduling_a_set_drops_peers_checkpoint_votes_from_its_first_height() -> None:
    digest = support.make_block(16)[1]
    kept, dropped = support.make_replica("v1"), support.make_replica("v1")
    for replica in (kept, dropped):
        replica.step(support.signed_checkpoint(16, digest, "v2"))
        support.drain(replica)
        assert replica.stats().checkpoint_votes == 1
    kept.schedule_validators(17, support.SET_5)
    assert kept.stats().checkpoint_votes == 1
    dropped.schedule_validators(16, support.SET_5)
    assert dropped.stats().checkpoint_votes == 0


# ----------------------------------------------------------------- forgetting a decided height


def test_own_votes_of_a_committed_height_are_forgotten() -> None:
    replica = support.make_replica("v3")
    digest = support.accept_block(replica)
    replica.step(support.signed_prepare(1, digest, "v1"))
    replica.step(support.signed_prepare(1, digest, "v2"))
    support.drain(replica)
    assert replica.stats().own_messages == 2  # its prepare and commit
    for sender in ("v0", "v1"):
        replica.step(support.signed_commit(1, digest, sender))
    assert [b.height for b in support.drain(replica).committed] == [1]
    assert replica.stats().own_messages == 0


def test_the_proof_of_the_height_at_the_low_watermark_is_kept() -> None:
    """Heights below the low watermark are forgotten, the one at it is not: a peer may still be
    on the checkpoint height itself (its own checkpoint made the quorum without it)."""
    replica = support.make_replica("v3")
    for _ in range(16):
        support.commit_next(replica)
    support.stabilise_checkpoint_16(replica)
    assert replica.stats().recent_heights == 1  # height 16; those below it are gone
    support.commit_next(replica)
    assert replica.stats().recent_heights == 2  # heights 16 and 17


def test_a_height_decided_while_its_block_is_with_the_node_forgets_the_question() -> None:
    """The node was asked about block 1 when state transfer decided height 1: its late answer
    is ignored, and nothing is left waiting for it."""
    replica, preprepare = support.backup_holding_preprepare("v1")  # asked; no answer yet
    replica.synced(1, support.make_certificate(1, preprepare.digest))
    support.drain(replica)
    assert replica.committed_height == 1
    replica.validated(0, 1, preprepare.digest, True)
    assert support.drain(replica).send == ()


def test_the_wait_on_the_next_height_is_timed_from_zero_after_a_commit() -> None:
    """A backup that commits height 1 and then sees a vote for height 2 suspects the primary
    after exactly the timeout, not a tick earlier."""
    replica = support.make_replica("v1")
    support.commit_next(replica, voters=("v0", "v2", "v3"))
    replica.step(support.signed_prepare(2, support.make_block(2)[1], "v2"))
    support.drain(replica)
    suspected = []
    for tick in range(1, VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT + 1):
        replica.tick()
        sent = support.drain(replica).send
        suspected += [(tick, o.message.height) for o in sent if isinstance(o.message, Suspicion)]
    assert suspected == [(VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT, 2)]


def test_a_checkpoint_made_stable_before_the_node_advances_does_not_enter_the_next_height() -> None:
    """Height 16 committed, not yet applied, when its checkpoint becomes stable: height 17 is
    still not entered (nothing voted there), so a set from 17 may still be scheduled."""
    replica = support.make_replica("v3")
    for _ in range(15):
        support.commit_next(replica)
    support.commit_next(replica, advance=False)
    digest = support.make_block(16)[1]
    for sender in ("v0", "v1"):
        replica.step(support.signed_checkpoint(16, digest, sender))
    assert replica.low_watermark == 16
    replica.schedule_validators(17, support.SET_5)
    assert [b.height for b in support.drain(replica).committed] == [16]
    assert replica.schedule.at(17) is support.SET_5


def test_a_restarted_replica_keeps_its_prepared_block_for_the_height_it_enters() -> None:
    replica, payload, digest = restarted_prepared("v3")
    support.leave_view_0(replica, "v3")
    (vc,) = [m for m in support.drain(replica).persist if isinstance(m, ViewChange)]
    assert vc.prepared is not None and (vc.prepared.height, vc.prepared.digest) == (1, digest)
    assert vc.payload == payload


def test_the_height_at_the_high_watermark_is_entered() -> None:
    """Flow control stops above the high watermark, not at it: with no stable checkpoint (low
    0, high 32) height 32 is still worked on."""
    replica = support.make_replica("v3")
    for _ in range(31):
        support.commit_next(replica)
    assert replica.high_watermark == 32
    payload, digest = support.make_block(32)
    replica.step(support.signed_preprepare(32, payload, digest))
    assert [p.height for p in support.drain(replica).validate] == [32]


def test_foreign_commits_for_the_next_height_wait_until_it_is_entered() -> None:
    """Height 1 committed, not yet applied by the node: a quorum of commits of view 1 for
    height 2 is kept; the block is fetched only once height 2 is entered."""
    replica = support.make_replica("v3")
    support.commit_next(replica, advance=False)
    digest = support.make_block(2)[1]
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(2, digest, sender, view=1))
    ready = replica.ready()
    assert [b.height for b in ready.committed] == [1] and ready.fetch == ()
    replica.advance(ready)
    assert [(f.from_height, f.to_height) for f in support.drain(replica).fetch] == [(2, 2)]


def test_with_a_one_member_set_a_single_commit_of_another_view_is_a_certificate() -> None:
    """An observer of a one-validator chain: v0's commit of view 1 alone decides height 1 (the
    quorum is 1), so the observer, which does not hold the block, fetches it."""
    solo = ValidatorSet((Validator(id="v0", public_key=support.SIGNERS["v0"].public_key),))
    observer = support.make_replica("v3", validators=solo)
    observer.step(support.signed_commit(1, support.make_block(1)[1], "v0", view=1))
    ready = support.drain(observer)
    assert ready.rejected == () and ready.committed == ()
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 1)]


# ------------------------------------------------- a quorum of another view, the block in the log


def test_commits_of_a_later_view_deliver_the_block_validated_in_this_one() -> None:
    replica, digest = support.backup_that_prepared("v3")
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender, view=1))
    ready = support.drain(replica)
    assert [(b.height, b.digest) for b in ready.committed] == [(1, digest)]
    assert ready.fetch == ()


def test_commits_of_a_later_view_wait_for_the_nodes_answer_on_the_block() -> None:
    """The block is with the node: nothing is fetched; its approval delivers the height."""
    replica, preprepare = support.backup_holding_preprepare("v3")
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, preprepare.digest, sender, view=1))
    ready = support.drain(replica)
    assert ready.committed == () and ready.fetch == ()
    replica.validated(0, 1, preprepare.digest, True)
    assert [b.digest for b in support.drain(replica).committed] == [preprepare.digest]


def test_commits_of_a_later_view_for_a_block_the_node_refused_fetch_it() -> None:
    """A quorum certified the block our node refused: the certified block is fetched."""
    replica, preprepare = support.backup_holding_preprepare("v3")
    replica.validated(0, 1, preprepare.digest, False)
    support.drain(replica)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, preprepare.digest, sender, view=1))
    ready = support.drain(replica)
    assert ready.committed == ()
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 1)]
