"""Edges of leaving, choosing and entering views found by mutation testing of
consensus/views.py (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 sections 4.4 and 4.5.2. Four replicas v0..v3 (f = 1); v0
is the primary of view 0, v1 of view 1, v2 of view 2. One replica is driven with really signed
messages; the checks are on what it sends, persists, delivers or refuses and what it keeps
(`Replica.stats`), never on a message text.
"""

from __future__ import annotations

from dataclasses import replace

from consensus.limits import U64_MAX, VIEW_AHEAD_MAX, VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT
from consensus.messages import (
    CommitCertificate,
    Message,
    NewView,
    Prepared,
    PrePrepare,
    Record,
    Suspicion,
    ViewChange,
)
from consensus.ready import Ready
from consensus.replica import Replica
from consensus.validators import Validator, ValidatorSet
from consensus.viewchange import get_new_view_problem
from suites import ED25519_SHA256
from tests.unit import consensus_support as support


def digest_checking(self_id: str, signed: tuple[Record, ...] = ()) -> Replica:
    """A replica whose node offers its block digest (SHA-256 of the payload, as make_block),
    restarted from the WAL `signed` (nothing by default)."""
    return support.make_replica(self_id, signed=signed, block_digest=support.block_digest)


def view_changes_sent(replica: Replica) -> list[ViewChange]:
    return [o.message for o in support.drain(replica).send if isinstance(o.message, ViewChange)]


# ----------------------------------------------------------------- leaving a view


def test_leaving_a_view_keeps_its_commits_for_the_height_and_drops_own_votes() -> None:
    replica, digest = support.backup_that_prepared("v3")
    replica.step(support.signed_commit(1, digest, "v2"))
    support.drain(replica)
    assert replica.stats().own_messages == 1  # its prepare
    support.leave_view_0(replica, "v3")
    stats = replica.stats()
    assert (stats.foreign_commits, stats.own_messages, stats.log_messages) == (1, 0, 0)
    for sender in ("v0", "v1"):
        replica.step(support.signed_commit(1, digest, sender))
    assert [b.digest for b in support.drain(replica).committed] == [digest]


def test_a_block_not_yet_validated_is_not_kept_across_a_view_change() -> None:
    """Only a block the node accepted may be delivered later on commits alone."""
    replica, preprepare = support.backup_holding_preprepare("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, preprepare.digest, sender))
    ready = support.drain(replica)
    assert ready.committed == ()
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 1)]


def test_a_view_change_about_an_older_view_is_dropped_when_leaving_for_a_later_one() -> None:
    replica = support.make_replica("v3")
    replica.step(support.signed_view_change("v1", 1))
    replica.step(support.signed_view_change("v0", 2))
    support.drain(replica)
    assert replica.stats().view_changes == 2
    replica.step(support.signed_view_change("v2", 2))  # f+1 for view 2 and above: join view 2
    support.drain(replica)
    assert replica.view == 2
    assert replica.stats().view_changes == 2  # v0's and v2's for view 2; v1's for 1 dropped


def test_the_view_change_reports_the_block_prepared_at_the_height_in_flight() -> None:
    replica, digest = support.backup_that_prepared("v3")
    replica.step(support.signed_prepare(1, digest, "v1"))
    support.drain(replica)  # prepared at height 1 (and signed its commit)
    support.leave_view_0(replica, "v3")
    (vc,) = [m for m in support.drain(replica).persist if isinstance(m, ViewChange)]
    assert vc.prepared is not None and (vc.prepared.height, vc.prepared.digest) == (1, digest)
    assert vc.payload == support.make_block(1)[0]


# ----------------------------------------------------------------- a ViewChange arrives


def test_the_same_view_change_again_is_dropped_quietly() -> None:
    replica = support.make_replica("v3")
    payload, digest = support.make_block(1)
    cert = support.prepared_certificate(0, 1, digest)
    with_block = support.signed_view_change("v2", 1, prepared=cert, payload=payload)
    replica.step(with_block)
    replica.step(with_block)
    replica.step(support.signed_view_change("v2", 1, prepared=cert))  # the same without its block
    assert support.drain(replica).rejected == ()
    assert replica.stats().view_changes == 1


def test_a_view_change_for_the_current_view_in_normal_state_gets_the_new_view() -> None:
    replica, nv = support.in_view_1("v3")
    vc = support.signed_view_change("v2", 1)
    replica.step(vc)
    ready = support.drain(replica)
    assert [r.message for r in ready.rejected] == [vc]
    assert [(o.to, o.message) for o in ready.send] == [("v2", nv)]


def test_a_view_change_for_the_current_view_while_changing_is_kept() -> None:
    replica = support.make_replica("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    replica.step(support.signed_view_change("v0", 1))
    ready = support.drain(replica)
    assert ready.rejected == () and ready.send == ()
    assert replica.stats().view_changes == 1


def test_a_view_change_whose_block_does_not_match_its_digest_keeps_only_its_evidence() -> None:
    """With the node's digest function, the block of a ViewChange is checked: a wrong one is
    dropped (the signed certificate stays), so the new primary waits for the right block."""
    payload, digest = support.make_block(1, "A")
    cert = support.prepared_certificate(0, 1, digest, backups=("v2", "v3"))
    primary = digest_checking("v1")
    primary.step(support.signed_view_change("v2", 1, prepared=cert, payload=b"not the block"))
    primary.step(support.signed_view_change("v3", 1, prepared=cert, payload=b"not it either"))
    ready = support.drain(primary)
    assert primary.view == 1 and primary.in_view_change  # joined, but no block to re-propose
    assert [m for m in ready.send if isinstance(m.message, NewView)] == []
    primary.step(support.signed_view_change("v0", 1, prepared=cert, payload=payload))
    (nv,) = [o.message for o in support.drain(primary).send if isinstance(o.message, NewView)]
    assert nv.preprepare is not None and nv.preprepare.payload == payload


def test_a_view_change_from_a_peer_stuck_on_a_recent_height_gets_its_proof() -> None:
    replica = support.make_replica("v3")
    support.commit_next(replica)
    for _ in range(support.RETRANSMIT_TICKS):  # the unasked sends of the committed height are done
        replica.tick()
        support.drain(replica)
    replica.step(support.signed_view_change("v1", 1))  # v1 certified nothing: it is on height 1
    support.drain(replica)
    replica.tick()
    sent = [(o.to, type(o.message)) for o in support.drain(replica).send]
    assert ("v1", PrePrepare) in sent


def test_a_view_change_records_its_senders_committed_height() -> None:
    replica = support.make_replica("v3")
    before = replica.stats().peers_tracked
    replica.step(
        support.signed_view_change(
            "v1", 1, committed=support.make_certificate(3, support.make_block(3)[1])
        )
    )
    support.drain(replica)
    assert replica.stats().peers_tracked == before + 1


def test_committing_while_changing_views_asks_again_with_the_certificate() -> None:
    """A ViewChange only reports more than the first one did: once height 1 is committed
    during the view change, the replica signs a new one carrying its certificate."""
    replica, digest = support.backup_that_prepared("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender))
    ready = support.drain(replica)
    assert [b.height for b in ready.committed] == [1]
    (vc,) = [m for m in ready.persist if isinstance(m, ViewChange)]
    assert (vc.new_view, vc.committed) == (1, replica.committed_certificate)
    assert vc.committed is not None and vc.committed.height == 1
    assert [o.message for o in ready.send if isinstance(o.message, ViewChange)] == [vc]


# ----------------------------------------------------------------- the NewView


def test_a_new_view_of_an_older_view_is_refused_and_a_repeated_one_ignored() -> None:
    replica, nv = support.in_view_1("v3")
    replica.step(nv)  # a relay of the NewView we are in
    ready = support.drain(replica)
    assert ready.rejected == () and ready.persist == ()
    vcs = [support.signed_view_change(peer, 1) for peer in ("v0", "v1", "v2")]
    later = support.make_replica("v3", view=2)
    support.drain(later)
    old = support.signed_new_view(1, vcs, None)
    later.step(old)
    ready = support.drain(later)
    assert [r.message for r in ready.rejected] == [old] and ready.persist == ()
    assert later.view == 2 and later.in_view_change


def test_the_new_view_is_not_relayed_to_its_own_sender() -> None:
    replica, nv = support.in_view_1("v3")
    replica.step(
        support.signed_prepare(1, support.make_block(1)[1], "v1", view=0)
    )  # v1 sent the NewView
    assert [o for o in support.drain(replica).send if isinstance(o.message, NewView)] == []
    replica.step(support.signed_prepare(1, support.make_block(1)[1], "v2", view=0))
    assert [(o.to, o.message) for o in support.drain(replica).send] == [("v2", nv)]


def test_the_new_primary_re_proposes_its_own_prepared_block_when_no_view_change_carries_it() -> (
    None
):
    """v1 prepared block A in view 0; the ViewChanges of the others carry its certificate but
    not the block (stripped): v1 re-proposes from its own copy."""
    payload, digest = support.make_block(1)
    primary, _ = support.backup_that_prepared("v1")
    primary.step(support.signed_prepare(1, digest, "v2"))
    support.drain(primary)
    cert = support.prepared_certificate(0, 1, digest, backups=("v1", "v2"))
    primary.step(support.signed_view_change("v2", 1, prepared=cert))
    primary.step(support.signed_view_change("v3", 1, prepared=cert))
    ready = support.drain(primary)
    (nv,) = [o.message for o in ready.send if isinstance(o.message, NewView)]
    assert nv.preprepare is not None
    assert (nv.preprepare.view, nv.preprepare.digest, nv.preprepare.payload) == (1, digest, payload)
    assert primary.view == 1 and not primary.in_view_change


def test_a_backup_with_a_quorum_of_view_changes_sends_no_new_view() -> None:
    replica = support.make_replica("v3")
    for peer in ("v0", "v1", "v2"):
        replica.step(support.signed_view_change(peer, 1))
    ready = support.drain(replica)
    assert [o for o in ready.send if isinstance(o.message, NewView)] == []
    assert replica.in_view_change


def test_a_new_view_starting_above_our_height_delivers_the_certified_height_we_hold() -> None:
    """The NewView's ViewChanges certify height 1; we hold block 1 validated: it is delivered
    from the certificate at once, no fetch."""
    replica, payload, digest = _left_with_block_1()
    cert = support.make_certificate(1, digest)
    vcs = [support.signed_view_change(peer, 1, committed=cert) for peer in ("v0", "v1", "v2")]
    replica.step(support.signed_new_view(1, vcs, None))
    ready = support.drain(replica)
    assert [(b.height, b.payload) for b in ready.committed] == [(1, payload)]
    assert ready.fetch == () and replica.view == 1 and not replica.in_view_change


def _left_with_block_1() -> tuple[Replica, bytes, bytes]:
    replica, digest = support.backup_that_prepared("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    return replica, support.make_block(1)[0], digest


def test_entering_a_view_processes_what_was_buffered_for_it() -> None:
    """Votes of view 1 for its re-proposal that arrived before the NewView count once it is
    entered."""
    payload, digest, vcs = support.view_changes_carrying_block_a(carriers=("v2", "v0"))
    pp = support.signed_preprepare(1, payload, digest, sender="v1", view=1)
    replica = support.make_replica("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    for sender in ("v0", "v2"):
        replica.step(support.signed_prepare(1, digest, sender, view=1))
    support.drain(replica)
    replica.step(support.signed_new_view(1, vcs, pp))
    ready = support.drain(replica)
    assert [p.digest for p in ready.validate] == [digest]
    replica.validated(1, 1, digest, True)
    kinds = [type(o.message).__name__ for o in support.drain(replica).send]
    assert "Commit" in kinds  # prepared at once on the buffered prepares


def test_an_observer_never_joins_a_view_change() -> None:
    """A replica in no set from the height in flight on (a validator joining later) follows
    the chain but signs no ViewChange and stays in its view."""
    observer = support.make_replica("v4", signer=support.NEWCOMER)
    for peer in ("v1", "v2", "v3"):
        observer.step(support.signed_view_change(peer, 1))
    ready = support.drain(observer)
    assert [m for m in ready.persist if isinstance(m, ViewChange)] == []
    assert observer.view == 0 and not observer.in_view_change


# ----------------------------------------------------------------- second round (issue 19)


def _sent(ready: Ready) -> list[Message]:
    return [o.message for o in ready.send]


def _tick(replica: Replica, ticks: int) -> list[Ready]:
    """Tick `ticks` times; each tick's drained Ready."""
    readies = []
    for _ in range(ticks):
        replica.tick()
        readies.append(support.drain(replica))
    return readies


def _suspicions_sent(readies: list[Ready]) -> list[Suspicion]:
    return [m for r in readies for m in _sent(r) if isinstance(m, Suspicion)]


def _refused(ready: Ready) -> list[tuple[Message, bool]]:
    """The messages refused, each with whether it came with a reason for the logs."""
    return [(r.message, isinstance(r.reason, str) and bool(r.reason)) for r in ready.rejected]


def test_a_stale_view_change_is_refused_with_a_reason() -> None:
    replica, _ = support.in_view_1("v3")
    vc = support.signed_view_change("v0", 1)
    replica.step(vc)
    assert _refused(support.drain(replica)) == [(vc, True)]


def test_a_view_change_exactly_view_ahead_max_ahead_is_kept_one_more_is_refused() -> None:
    replica = support.make_replica("v3")
    edge = support.signed_view_change("v1", VIEW_AHEAD_MAX)
    replica.step(edge)
    assert support.drain(replica).rejected == () and replica.stats().view_changes == 1
    beyond = support.signed_view_change("v2", VIEW_AHEAD_MAX + 1)
    replica.step(beyond)
    assert _refused(support.drain(replica)) == [(beyond, True)]
    assert replica.stats().view_changes == 1


def test_a_second_view_change_for_the_same_view_and_certificate_is_refused() -> None:
    """Same view, same certified height, other contents: conflicting, not newer."""
    replica = support.make_replica("v3")
    first = support.signed_view_change("v2", 1)
    replica.step(first)
    support.drain(replica)
    cert = support.prepared_certificate(0, 1, support.make_block(1)[1])
    second = support.signed_view_change("v2", 1, prepared=cert)
    replica.step(second)
    assert _refused(support.drain(replica)) == [(second, True)]
    assert replica.stats().view_changes == 1


def test_a_view_change_with_a_bad_signature_is_refused_and_not_kept() -> None:
    replica = support.make_replica("v3")
    forged = replace(support.signed_view_change("v2", 1), signature=bytes(64))
    replica.step(forged)
    assert _refused(support.drain(replica)) == [(forged, True)]
    assert replica.stats().view_changes == 0


def test_a_view_change_from_an_unknown_sender_gets_no_new_view() -> None:
    replica, _ = support.in_view_1("v3")
    stranger = ViewChange(1, None, None, b"", "v9", bytes(64))
    replica.step(stranger)
    ready = support.drain(replica)
    assert ready.send == ()
    assert [r.message for r in ready.rejected] == [stranger]


def test_each_view_change_senders_committed_height_is_tracked_per_sender() -> None:
    replica = support.make_replica("v3")
    before = replica.stats().peers_tracked
    cert = support.make_certificate(3, support.make_block(3)[1])
    for sender in ("v1", "v2"):
        replica.step(support.signed_view_change(sender, 1, committed=cert))
    support.drain(replica)
    assert replica.stats().peers_tracked == before + 2


def test_the_block_of_a_view_change_that_does_not_match_its_digest_is_not_kept() -> None:
    """The signed certificate is kept; the wrong block (up to a payload's size) is not."""
    replica = digest_checking("v3")
    cert = support.prepared_certificate(0, 1, support.make_block(1)[1])
    replica.step(support.signed_view_change("v2", 1, prepared=cert, payload=b"not the block"))
    support.drain(replica)
    kept = replica._view_changes["v2"]
    assert (kept.prepared, kept.payload) == (cert, b"")


def test_leaving_a_view_forgets_the_proposals_asked_of_the_node_in_it() -> None:
    """An answer about an older view is never looked up again (normal.py returns before),
    so its pending entry is dropped at once (mutation/equivalent.txt relies on this)."""
    replica, preprepare = support.backup_holding_preprepare("v3")
    assert replica._asked == {(0, 1, preprepare.digest)}
    support.leave_view_0(replica, "v3")
    assert replica._asked == set()


def test_entering_a_view_keeps_only_view_changes_for_later_views() -> None:
    replica, _ = support.in_view_1("v3")
    assert replica.stats().view_changes == 0  # the three for view 1 are done with
    replica.step(support.signed_view_change("v2", 2))
    assert support.drain(replica).rejected == ()
    assert replica.stats().view_changes == 1


def test_entering_a_view_drops_what_was_buffered_below_its_first_height() -> None:
    replica = support.make_replica("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    digest = support.make_block(1)[1]
    replica.step(support.signed_prepare(1, digest, "v2", view=1))
    support.drain(replica)
    assert replica.stats().log_slots == 1
    cert = support.make_certificate(1, digest)
    vcs = [support.signed_view_change(peer, 1, committed=cert) for peer in ("v0", "v1", "v2")]
    replica.step(support.signed_new_view(1, vcs, None))  # the view starts at height 2
    ready = support.drain(replica)
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 1)]
    assert (replica.stats().log_slots, replica.stats().log_messages) == (0, 0)


def _reproposal_new_view(height: int, committed: CommitCertificate | None = None) -> NewView:
    """v1's NewView for view 1 re-proposing toy block `height` (prepared in view 0 by v1 and
    v2), with ViewChanges of v0, v2 and v3 that certified `committed`."""
    payload, digest = support.make_block(height)
    cert = support.prepared_certificate(0, height, digest)
    vcs = [
        support.signed_view_change(peer, 1, committed=committed, prepared=cert)
        for peer in ("v0", "v2", "v3")
    ]
    pp = support.signed_preprepare(height, payload, digest, sender="v1", view=1)
    return support.signed_new_view(1, vcs, pp)


def test_a_restarted_primary_keeps_nothing_of_a_re_proposal_at_a_committed_height() -> None:
    """v1's WAL holds its NewView re-proposing height 1, which the node has since applied."""
    nv = _reproposal_new_view(1)
    primary = support.make_replica("v1", committed_height=1, signed=[nv])
    assert primary.view == 1 and not primary.in_view_change
    stats = primary.stats()
    assert (stats.own_messages, stats.log_slots) == (0, 0)


def test_a_backup_does_not_take_the_new_primarys_re_proposal_as_its_own() -> None:
    replica = support.make_replica("v3")
    nv = _reproposal_new_view(1)
    replica.step(nv)
    ready = support.drain(replica)
    assert [p.height for p in ready.validate] == [1]
    assert replica.stats().own_messages == 0
    resent = [m for r in _tick(replica, support.RETRANSMIT_TICKS) for m in _sent(r)]
    assert nv.preprepare not in resent


def test_a_new_view_whose_re_proposal_does_not_match_its_digest_is_refused() -> None:
    """With the node's digest function the NewView's block is checked too."""
    payload, digest = support.make_block(1)
    cert = support.prepared_certificate(0, 1, digest)
    vcs = [support.signed_view_change(peer, 1, prepared=cert) for peer in ("v0", "v2", "v3")]
    wrong = support.signed_preprepare(1, b"not the block", digest, sender="v1", view=1)
    replica = digest_checking("v3")
    nv = support.signed_new_view(1, vcs, wrong)
    replica.step(nv)
    ready = support.drain(replica)
    assert _refused(ready) == [(nv, True)]
    assert ready.persist == () and replica.view == 0
    replica.step(support.signed_new_view(1, vcs, replace(wrong, payload=payload)))
    assert replica.view == 1 and not replica.in_view_change


def test_a_new_view_of_an_older_view_is_refused_with_a_reason() -> None:
    later = support.make_replica("v3", view=2)
    support.drain(later)
    old = support.signed_new_view(
        1, [support.signed_view_change(p, 1) for p in ("v0", "v1", "v2")], None
    )
    later.step(old)
    assert _refused(support.drain(later)) == [(old, True)]


def test_the_new_view_is_relayed_to_each_peer_left_behind() -> None:
    replica, nv = support.in_view_1("v3")
    digest = support.make_block(1)[1]
    replica.step(support.signed_prepare(1, digest, "v2", view=0))
    replica.step(
        support.signed_preprepare(1, support.make_block(1)[0], digest, sender="v0", view=0)
    )
    assert [(o.to, o.message) for o in support.drain(replica).send] == [("v2", nv), ("v0", nv)]


def test_while_changing_views_the_same_view_change_is_re_sent_not_signed_again() -> None:
    replica = support.make_replica("v3")
    support.leave_view_0(replica, "v3")
    (own,) = [m for m in support.drain(replica).persist if isinstance(m, ViewChange)]
    readies = _tick(replica, support.RETRANSMIT_TICKS)
    assert [m for r in readies for m in r.persist] == []
    assert [m for r in readies for m in _sent(r) if isinstance(m, ViewChange)] == [own]


def test_a_view_change_that_already_reports_the_certificate_is_not_signed_again() -> None:
    """Restarted in a view change whose ViewChange certified height 1 before the node
    applied it: syncing height 1 adds nothing to report."""
    cert = support.make_certificate(1, support.make_block(1)[1])
    own = support.signed_view_change("v3", 1, committed=cert)
    replica = support.make_replica("v3", view=1, signed=[own])
    support.drain(replica)
    replica.synced(1, cert)
    ready = support.drain(replica)
    assert [m for m in ready.persist if isinstance(m, ViewChange)] == []
    assert replica.committed_height == 1 and replica.in_view_change


def test_views_stop_view_ahead_max_below_the_largest_u64() -> None:
    last = U64_MAX - VIEW_AHEAD_MAX
    replica = support.make_replica("v0", view=last - 1)
    support.drain(replica)
    for peer in ("v1", "v2"):
        replica.step(support.signed_view_change(peer, last))
    support.drain(replica)
    assert replica.view == last  # the last view a replica may move to
    for peer in ("v1", "v2"):
        replica.step(support.signed_view_change(peer, last + 1))
    ready = support.drain(replica)
    assert replica.view == last
    assert [m for m in ready.persist if isinstance(m, ViewChange)] == []


def test_each_consecutive_failed_view_doubles_the_timeout() -> None:
    """Views 1 and 2 both fail (no commit): in view 2 the NewView is awaited four timeouts."""
    replica = support.make_replica("v3")
    for view in (1, 2):
        for peer in ("v0", "v1"):
            replica.step(support.signed_view_change(peer, view))
    support.drain(replica)
    assert replica.view == 2 and replica.in_view_change
    wait = VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT * 4
    assert _suspicions_sent(_tick(replica, wait - 1)) == []
    (suspicion,) = _suspicions_sent(_tick(replica, 1))
    assert (suspicion.view, suspicion.sender) == (2, "v3")


def test_the_progress_timer_starts_from_zero_in_a_new_view() -> None:
    replica, _ = support.in_view_1("v3")
    replica.step(
        support.signed_prepare(1, support.make_block(1)[1], "v2", view=1)
    )  # waiting on height 1
    support.drain(replica)
    wait = VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT * 2  # view 0 failed once
    assert _suspicions_sent(_tick(replica, wait - 1)) == []
    (suspicion,) = _suspicions_sent(_tick(replica, 1))
    assert (suspicion.view, suspicion.height) == (1, 1)


def test_a_re_proposal_at_the_high_watermark_is_kept_until_its_height_comes() -> None:
    high = support.make_replica("v3").high_watermark
    cert = support.make_certificate(high - 1, support.make_block(high - 1)[1])
    nv = _reproposal_new_view(high, committed=cert)
    replica = support.make_replica("v3")
    replica.step(nv)
    ready = support.drain(replica)
    assert replica.view == 1 and [(f.from_height, f.to_height) for f in ready.fetch] == [
        (1, high - 1)
    ]
    replica.synced(high - 1, cert)
    ready = support.drain(replica)
    assert [(p.height, p.digest, p.reproposal) for p in ready.validate] == [
        (high, support.make_block(high)[1], True)
    ]


def test_a_new_view_entered_before_the_node_applied_a_commit_waits_for_it() -> None:
    """No Proposal for height 2 in the Ready that holds the committed block 1 (ready.py)."""
    replica, digest = support.backup_that_prepared("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender))
    nv = _reproposal_new_view(2, committed=support.make_certificate(1, digest))
    replica.step(nv)
    ready = replica.ready()
    assert [b.height for b in ready.committed] == [1] and ready.validate == ()
    assert replica.view == 1 and not replica.in_view_change
    replica.advance(ready)
    assert [p.height for p in support.drain(replica).validate] == [2]


def test_the_new_primary_re_proposes_from_its_restored_prepared_block() -> None:
    """v1 restarted in the view change for view 1: its WAL holds its prepared block and its
    ViewChange (without the block); the others' ViewChanges carry none either."""
    payload, digest = support.make_block(1)
    cert = support.prepared_certificate(0, 1, digest)
    wal: list[Record] = [
        Prepared(certificate=cert, payload=payload),
        support.signed_view_change("v1", 1, prepared=cert),
    ]
    primary = support.make_replica("v1", view=1, signed=wal)
    support.drain(primary)
    for peer in ("v2", "v3"):
        primary.step(support.signed_view_change(peer, 1, prepared=cert))
    (nv,) = [m for m in _sent(support.drain(primary)) if isinstance(m, NewView)]
    assert nv.preprepare is not None and nv.preprepare.payload == payload
    assert not primary.in_view_change
    assert primary._log.buffered_from("v1") == 0  # own messages never count against the cap
    resent = [m for r in _tick(primary, support.RETRANSMIT_TICKS) for m in _sent(r)]
    assert nv.preprepare in resent


def test_the_new_primary_re_proposes_only_a_block_matching_the_highest_certificate() -> None:
    """v3 carries block A prepared in view 0, v0 block B prepared in view 1: B is re-proposed,
    never A's payload under B's digest (no digest function here to catch it)."""
    payload_a, digest_a = support.make_block(1, "A")
    payload_b, digest_b = support.make_block(1, "B")
    primary = support.make_replica("v2")  # primary of view 2
    a = support.prepared_certificate(0, 1, digest_a)
    b = support.prepared_certificate(1, 1, digest_b)
    primary.step(support.signed_view_change("v3", 2, prepared=a, payload=payload_a))
    primary.step(support.signed_view_change("v0", 2, prepared=b, payload=payload_b))
    (nv,) = [m for m in _sent(support.drain(primary)) if isinstance(m, NewView)]
    assert nv.preprepare is not None
    assert (nv.preprepare.digest, nv.preprepare.payload) == (digest_b, payload_b)


def test_the_new_primary_checks_even_its_own_prepared_block_against_the_digest() -> None:
    """A restored block that does not match its digest (a WAL written before the node offered
    its digest function) is not re-proposed: a ViewChange's matching block is."""
    payload, digest = support.make_block(1)
    cert = support.prepared_certificate(0, 1, digest)
    primary = digest_checking("v1", signed=(Prepared(certificate=cert, payload=b"garbled"),))
    for peer in ("v2", "v3"):
        primary.step(support.signed_view_change(peer, 1, prepared=cert, payload=payload))
    (nv,) = [m for m in _sent(support.drain(primary)) if isinstance(m, NewView)]
    assert nv.preprepare is not None and nv.preprepare.payload == payload


ROTATED_SET = ValidatorSet(
    tuple(
        Validator(id=v.id, public_key=support.ROTATED.public_key if v.id == "v1" else v.public_key)
        for v in support.VALIDATORS.validators
    )
)
"""The genesis set with v1's key rotated (tests/unit/test_consensus_schedule.py's ROTATED)."""


def test_a_new_primary_without_the_key_of_the_views_first_height_waits_for_it() -> None:
    """From height 2 v1 signs with a rotated key. The ViewChanges certify height 1, so view 1
    starts at height 2: v1 sends no NewView until it holds that key and has something new to
    report (here: height 1 synced), then signs the NewView with the rotated key."""
    primary = support.make_replica("v1")
    primary.schedule_validators(2, ROTATED_SET)
    cert = support.make_certificate(1, support.make_block(1)[1])
    for peer in ("v0", "v2", "v3"):
        primary.step(support.signed_view_change(peer, 1, committed=cert))
    ready = support.drain(primary)
    assert [m for m in _sent(ready) if isinstance(m, NewView)] == []
    assert primary.view == 1 and primary.in_view_change
    primary.add_signer(support.ROTATED)
    primary.step(support.signed_view_change("v0", 2, committed=cert))  # about another view
    ready = support.drain(primary)
    assert [m for m in _sent(ready) if isinstance(m, NewView)] == []
    assert primary.in_view_change
    primary.synced(1, cert)
    (nv,) = [m for m in _sent(support.drain(primary)) if isinstance(m, NewView)]
    plan, problem = get_new_view_problem(
        support.CHAIN, primary.schedule, nv, support.VERIFIER, ED25519_SHA256.hash, None
    )
    assert problem is None and plan is not None and plan.start_height == 2
    assert primary.view == 1 and not primary.in_view_change
