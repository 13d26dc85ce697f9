"""View change and new view. Reference: Castro & Liskov, OSDI 1999, sections 4.4 and 4.5.2.

Unit scenarios drive one replica with hand-made, really signed messages; the network tests use
the simulated network of test_consensus_replica. tests/sim/ runs the same code under
thousands of random schedules.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from consensus import limits
from consensus.errors import InvalidCertificate
from consensus.messages import (
    NewView,
    Suspicion,
    ViewChange,
    Vote,
)
from consensus.ready import Proposal
from consensus.replica import Replica
from consensus.signing import (
    commit_sign_bytes,
    new_view_sign_bytes,
)
from consensus.validators import verify_commit_certificate
from consensus.viewchange import compute_new_view_plan
from suites import ED25519_SHA256
from tests.unit import consensus_support as support

TIMEOUT = support.VIEW_CHANGE_TIMEOUT_TICKS


# ====================================================================== timers (4.5.2)


def test_backup_with_pending_requests_times_out_and_asks_for_the_next_view() -> None:
    replica = support.make_replica("v1")
    replica.set_requests_pending(True)
    assert support.time_out(replica, support.RELAY - 1) == []
    replica.tick()
    (relay,) = support.drain(replica).relay  # first the request goes to the primary
    assert (relay.request, relay.primary) == (b"", "v0")
    assert support.time_out(replica, TIMEOUT - 1) == []
    replica.tick()
    ready = support.drain(replica)  # it suspects the primary, binding nothing (suspicion.py)
    assert [o.message for o in ready.send] == [support.signed_suspicion(1, "v1")]
    assert ready.persist == () and replica.view == 0
    replica.step(support.signed_suspicion(1, "v2"))  # f+1 = 2 members suspect height 1
    ready = support.drain(replica)
    (vc,) = [m for m in ready.persist if isinstance(m, ViewChange)]
    assert [o.message for o in ready.send] == [vc]  # persisted in the same Ready, then sent
    assert (vc.new_view, vc.committed, vc.prepared, vc.sender) == (1, None, None, "v1")
    assert replica.view == 1 and replica.in_view_change


def test_an_idle_chain_never_changes_views() -> None:
    replica = support.make_replica("v1")
    assert support.time_out(replica, 10 * TIMEOUT) == []
    assert replica.view == 0


def test_the_primary_never_suspects_itself() -> None:
    primary = support.make_replica("v0")
    primary.set_requests_pending(True)
    assert support.time_out(primary, 10 * TIMEOUT) == []


def test_a_lone_replica_does_not_run_away_in_views() -> None:
    """In the view-change state the timer only starts once a quorum asked for the view, so a
    partitioned replica stays at view+1 however long it waits."""
    replica = support.make_replica("v1")
    support.leave_view_0(replica, "v1")
    resent = support.time_out(replica, 20 * TIMEOUT)
    assert resent and {vc.new_view for vc in resent} == {1}
    assert replica.view == 1


def test_timeout_doubles_for_each_consecutive_failed_view() -> None:
    replica = support.make_replica("v3")  # primaries of views 1 and 2 are v1 and v2: both silent
    replica.set_requests_pending(True)
    support.time_out(replica, support.SUSPECT)
    for doubling, view in ((1, 1), (2, 2)):
        for peer in ("v1", "v2"):  # a quorum asks for the view: the timer starts
            replica.step(support.signed_view_change(peer, view))
        support.drain(replica)
        wait = TIMEOUT * 2**doubling
        asked = [vc.new_view for vc in support.time_out(replica, wait - 1)]
        assert set(asked) <= {view}  # only re-sends of the current request
        replica.tick()  # expired: it suspects the view (no NewView), and waits for f+1
        sent = [o.message for o in support.drain(replica).send]
        assert [(s.view, s.sender) for s in sent if isinstance(s, Suspicion)] == [(view, "v3")]
        assert replica.view == view
        replica.step(support.signed_suspicion(5, "v1", view=view))  # any height, mid-change
        sent = [o.message for o in support.drain(replica).send]
        assert view + 1 in [m.new_view for m in sent if isinstance(m, ViewChange)]
        assert replica.view == view + 1


def test_a_replica_whose_new_view_is_late_keeps_asking_and_enters_it() -> None:
    """A restarted replica that hears the others' (old) ViewChanges for view 1 joins the
    view change, but the others are already in view 1 and their NewView reaches it late.
    When its timer expires it suspects view 1 instead of asking alone for view 2, keeps
    re-sending its ViewChange (which makes a peer in view 1 relay its NewView), and enters
    view 1 when the NewView comes. Found by `make soak` (a primary killed and restarted
    stayed alone in view 2 for the rest of the run)."""
    replica = support.make_replica("v3")
    for peer in ("v0", "v1", "v2"):
        replica.step(support.signed_view_change(peer, 1))
    assert replica.view == 1 and replica.in_view_change
    support.drain(replica)
    resent = support.time_out(replica, 10 * TIMEOUT)
    assert resent and {vc.new_view for vc in resent} == {1}  # never view 2 alone
    assert replica.view == 1 and replica.in_view_change
    vcs = tuple(support.signed_view_change(peer, 1) for peer in ("v0", "v1", "v2"))
    nv_sig = support.SIGNERS["v1"].sign(
        new_view_sign_bytes(support.CHAIN, 1, vcs, None, ED25519_SHA256.hash)
    )
    replica.step(NewView(1, vcs, None, "v1", nv_sig))
    assert replica.view == 1 and not replica.in_view_change


def test_f_plus_one_view_changes_for_later_views_make_a_replica_join() -> None:
    replica = support.make_replica("v3")
    replica.step(support.signed_view_change("v1", 3))
    assert support.drain(replica).persist == () and replica.view == 0  # one may be Byzantine
    replica.step(support.signed_view_change("v2", 2))
    (vc,) = [m for m in support.drain(replica).persist if isinstance(m, ViewChange)]
    assert vc.new_view == 2 and replica.view == 2  # the smallest view in the set


def test_view_changes_beyond_view_ahead_max_and_stale_ones_are_rejected() -> None:
    replica = support.make_replica("v3")
    far = support.signed_view_change("v1", limits.VIEW_AHEAD_MAX + 1)
    replica.step(far)
    assert "too far ahead" in support.drain(replica).rejected[0].reason
    replica.step(support.signed_view_change("v1", 5))
    replica.step(support.signed_view_change("v1", 4))  # older than the one kept: one per sender
    assert "older than" in support.drain(replica).rejected[0].reason
    assert replica.stats().view_changes == 1


# ====================================================================== new view (4.4)


def _backup_in_view_change(self_id: str = "v3", view: int = 1) -> Replica:
    replica = support.make_replica(self_id)
    support.leave_view_0(replica, self_id)
    for _ in range(100 * TIMEOUT):  # later views: the view-change timer escalates
        if replica.view >= view:
            break
        support.time_out(replica, 1)
    support.drain(replica)
    return replica


def test_new_primary_carries_the_prepared_block_over() -> None:
    payload, digest, vcs = support.view_changes_carrying_block_a()
    primary = _backup_in_view_change("v1")
    for vc in vcs[1:]:
        primary.step(vc)
    ready = support.drain(primary)
    (nv,) = [m for m in ready.persist if isinstance(m, NewView)]
    assert ready.send[-1].message == nv and ready.send[-1].to is None
    assert nv.preprepare is not None
    assert (nv.preprepare.view, nv.preprepare.height, nv.preprepare.digest) == (1, 1, digest)
    assert nv.preprepare.payload == payload
    assert all(vc.payload == b"" for vc in nv.view_changes)  # blocks travel once
    # The re-proposed block was built by the old primary: the new one's node checks it too.
    assert ready.validate == (Proposal(1, 1, digest, payload, reproposal=True),)
    assert not primary.in_view_change and not primary.can_propose()


def test_backup_enters_the_view_only_with_a_fully_valid_new_view() -> None:
    payload, digest, vcs = support.view_changes_carrying_block_a()
    pp = support.signed_preprepare(1, payload, digest, sender="v1", view=1)
    backup = _backup_in_view_change("v3")
    backup.step(support.signed_new_view(1, vcs, pp))
    ready = support.drain(backup)
    assert not backup.in_view_change and backup.view == 1
    assert any(isinstance(m, NewView) for m in ready.persist)  # survives a restart
    assert ready.validate == (Proposal(1, 1, digest, payload, reproposal=True),)
    backup.validated(1, 1, digest, True)
    assert any(o.message.sender == "v3" for o in support.drain(backup).send)  # it prepares


def _new_view_variants() -> list[tuple[str, NewView]]:
    payload, digest, vcs = support.view_changes_carrying_block_a()
    pp = support.signed_preprepare(1, payload, digest, sender="v1", view=1)
    lie_payload, lie_digest = support.make_block(1, "fresh")
    lie = support.signed_preprepare(1, lie_payload, lie_digest, sender="v1", view=1)
    no_prepared = [support.signed_view_change(v, 1) for v in ("v1", "v2", "v3")]
    forged = replace(vcs[1], signature=support.SIGNERS["v0"].sign(b"not this"))
    hidden = replace(vcs[1], prepared=None)  # hides the prepared block: signature breaks
    assert vcs[1].prepared is not None
    weak = replace(vcs[1].prepared, prepares=())  # the pre-prepare alone is not "prepared"
    return [
        ("not a quorum", support.signed_new_view(1, vcs[:2], pp)),
        ("primary of view 1 is 'v1'", support.signed_new_view(1, vcs, pp, sender="v2")),
        ("missing re-proposal", support.signed_new_view(1, vcs, None)),
        ("differs from the highest prepared", support.signed_new_view(1, vcs, lie)),
        ("re-proposal where none was prepared", support.signed_new_view(1, no_prepared, lie)),
        ("bad signature", support.signed_new_view(1, [vcs[0], forged, vcs[2]], pp)),
        ("bad signature", support.signed_new_view(1, [vcs[0], hidden, vcs[2]], pp)),
        (
            "another view",
            support.signed_new_view(1, [vcs[0], vcs[1], support.signed_view_change("v3", 2)], pp),
        ),
        ("bad signature", replace(support.signed_new_view(1, vcs, pp), signature=b"\x01" * 64)),
        (
            "prepared certificate",
            support.signed_new_view(
                1, [vcs[0], support.signed_view_change("v2", 1, prepared=weak), vcs[2]], pp
            ),
        ),
    ]


@pytest.mark.parametrize("reason,nv", _new_view_variants())
def test_invalid_new_views_are_rejected(reason: str, nv: NewView) -> None:
    backup = _backup_in_view_change("v3")
    backup.step(nv)
    ready = support.drain(backup)
    assert reason in ready.rejected[0].reason
    assert backup.in_view_change and ready.validate == () and ready.persist == ()


def test_the_highest_view_prepared_certificate_wins() -> None:
    _, digest_a = support.make_block(1, "A")
    _, digest_b = support.make_block(1, "B")
    vcs = [
        support.signed_view_change("v2", 2, prepared=support.prepared_certificate(0, 1, digest_a)),
        support.signed_view_change("v3", 2, prepared=support.prepared_certificate(1, 1, digest_b)),
        support.signed_view_change("v0", 2),
    ]
    plan = compute_new_view_plan(2, vcs)
    assert plan.start_height == 1 and plan.reproposal is not None
    assert (plan.reproposal.view, plan.reproposal.digest) == (1, digest_b)


def test_the_view_starts_above_the_highest_commit_certificate() -> None:
    """A ViewChange proves height 3 committed: the view starts at 4; a replica still at 1
    fetches 2..3 (state transfer) rather than re-deciding them."""
    cert3 = support.make_certificate(3, support.make_block(3)[1])
    vcs = [support.signed_view_change("v1", 1, committed=cert3)] + [
        support.signed_view_change(v, 1) for v in ("v2", "v3")
    ]
    assert compute_new_view_plan(1, vcs).start_height == 4
    backup = support.make_replica("v3", committed_height=1)
    backup.step(support.signed_new_view(1, vcs, None))
    ready = support.drain(backup)
    assert backup.view == 1 and not backup.in_view_change
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(2, 3)]
    # Nothing below the first height of the view is accepted from the primary.
    backup.step(support.signed_preprepare(2, *support.make_block(2), sender="v1", view=1))
    assert "below the view's first height" in support.drain(backup).rejected[0].reason


def test_a_replica_in_an_older_view_is_sent_the_new_view() -> None:
    payload, digest, vcs = support.view_changes_carrying_block_a()
    backup = _backup_in_view_change("v3")
    nv = support.signed_new_view(
        1, vcs, support.signed_preprepare(1, payload, digest, sender="v1", view=1)
    )
    backup.step(nv)
    support.drain(backup)
    stale = support.signed_prepare(1, support.make_block(1, "old")[1], "v2", view=0)
    backup.step(stale)
    backup.step(stale)  # at most one relay per peer per interval
    sent = [o for o in support.drain(backup).send if isinstance(o.message, NewView)]
    assert [(o.to, o.message) for o in sent] == [("v2", nv)]


def test_silent_primary_is_replaced_and_progress_resumes() -> None:
    sim = support.Simulation(seed=3, target_height=4, byzantine=["v0"], delay_rounds_max=1)
    for node in sim.nodes.values():
        node.replica.set_requests_pending(True)
    sim.run(rounds_max=600)
    assert sim.all_reached_target(), [len(n.applied) for n in sim.nodes.values()]
    sim.check_safety()
    assert all(n.replica.view >= 1 for n in sim.nodes.values())
    assert all(b.payload.endswith(b"by-v1") for b in sim.nodes["v1"].applied)


def test_a_block_committed_by_one_replica_is_the_one_everybody_commits() -> None:
    """v0 proposes A; everyone prepares it, but only v1 gets a quorum of commits before v0
    goes silent for good. Whatever the others do next (catch-up, view change), they commit A
    at height 1 and then go on without v0."""

    def drop(sender: str, to: str, message: object, round_: int) -> bool:
        from consensus.messages import Commit

        return (sender == "v0" and round_ > 3) or (isinstance(message, Commit) and to != "v1")

    sim = support.Simulation(seed=5, target_height=3, drop=drop, delay_rounds_max=0)
    for node in sim.nodes.values():
        node.replica.set_requests_pending(True)
    sim.run(rounds_max=20, until=lambda: len(sim.nodes["v1"].applied) >= 1)
    assert [len(sim.nodes[v].applied) for v in ("v1", "v2", "v3")] == [1, 0, 0]
    committed = sim.nodes["v1"].applied[0].digest
    sim.drop = lambda sender, to, message, round_: sender == "v0"
    sim.run(
        rounds_max=800,
        until=lambda: all(len(sim.nodes[v].applied) >= 3 for v in ("v1", "v2", "v3")),
    )
    sim.check_safety()
    for vid in ("v1", "v2", "v3"):
        assert len(sim.nodes[vid].applied) >= 3
        assert sim.nodes[vid].applied[0].digest == committed
    assert sim.nodes["v2"].replica.view >= 1  # heights 2 and 3 needed a new primary


# ====================================================================== restart


def test_restart_in_the_view_change_state_resends_and_never_votes_in_the_old_view() -> None:
    before = support.make_replica("v2")
    support.leave_view_0(before, "v2")
    (vc,) = [m for m in support.drain(before).persist if isinstance(m, ViewChange)]
    after = support.make_replica("v2", signed=[vc])
    ready = support.drain(after)
    assert after.view == 1 and after.in_view_change
    assert support.time_out(after, 10) == [vc]  # re-sent every retransmit interval
    after.step(
        support.signed_preprepare(1, *support.make_block(1))
    )  # view 0: no longer taken part in
    ready = support.drain(after)
    assert ready.validate == () and "current view is 1" in ready.rejected[0].reason


def test_a_replica_built_in_a_view_change_without_its_view_change_signs_one() -> None:
    """A node restarted while its peers moved on built its replica in their view (learnt
    during the start-up catch-up), with no ViewChange of its own in the WAL: it must ask for
    the view, or it waits silently and its peers never send it the NewView (`make soak`)."""
    replica = support.make_replica("v0", view=5)
    assert replica.view == 5 and replica.in_view_change
    assert support.drain(replica).send == ()
    sent = support.time_out(replica, support.RETRANSMIT_TICKS)
    assert [vc.new_view for vc in sent] == [5] and sent[0].sender == "v0"
    assert support.time_out(replica, support.RETRANSMIT_TICKS) == sent  # then re-sent as before
    peers = [support.signed_view_change(s, 5) for s in ("v1", "v2")]
    for vc in peers:
        replica.step(vc)
    nv = support.signed_new_view(5, [*peers, sent[0]], None)
    replica.step(nv)
    assert replica.view == 5 and not replica.in_view_change


def test_a_replica_that_syncs_a_later_views_certificate_asks_for_that_view() -> None:
    """A primary killed and restarted in its own view never times out (only backups do) and
    sends nothing its peers would answer with their NewView; a block certified in a later
    view, learnt by state transfer, tells it that view exists (seen in `make soak`)."""
    replica = support.make_replica("v0")  # primary of view 0
    _, digest = support.make_block(1)
    replica.synced(1, support.make_certificate(1, digest, view=2, voters=("v1", "v2", "v3")))
    ready = support.drain(replica)
    (vc,) = [m for m in ready.persist if isinstance(m, ViewChange)]
    assert vc.new_view == 2 and vc.committed is not None and vc.committed.view == 2
    assert replica.view == 2 and replica.in_view_change
    same = support.make_replica("v0")  # a certificate of its own view changes nothing
    _, digest = support.make_block(1)
    same.synced(1, support.make_certificate(1, digest, view=0, voters=("v1", "v2", "v3")))
    assert same.view == 0 and not same.in_view_change


def test_restart_after_entering_a_view_resumes_in_it() -> None:
    payload, digest, vcs = support.view_changes_carrying_block_a()
    pp = support.signed_preprepare(1, payload, digest, sender="v1", view=1)
    nv = support.signed_new_view(1, vcs, pp)
    after = support.make_replica("v3", signed=[nv])
    ready = support.drain(after)
    assert after.view == 1 and not after.in_view_change
    assert ready.validate == (Proposal(1, 1, digest, payload, reproposal=True),)


# ====================================================================== certificates bind views


def test_commit_certificates_are_bound_to_one_view() -> None:
    _, digest = support.make_block(5)
    cert = support.make_certificate(5, digest, view=2)
    verify_commit_certificate(support.CHAIN, support.VALIDATORS, cert, ED25519_SHA256)
    with pytest.raises(InvalidCertificate, match="bad signature"):
        verify_commit_certificate(
            support.CHAIN, support.VALIDATORS, replace(cert, view=3), ED25519_SHA256
        )
    other_view = Vote(
        "v3", support.SIGNERS["v3"].sign(commit_sign_bytes(support.CHAIN, 1, 5, digest))
    )
    mixed = (*cert.votes[:2], other_view)
    with pytest.raises(InvalidCertificate, match="bad signature from validator 'v3'"):
        verify_commit_certificate(
            support.CHAIN, support.VALIDATORS, replace(cert, votes=mixed), ED25519_SHA256
        )


def test_a_quorum_of_commits_from_another_view_decides_the_height() -> None:
    """Commits relayed from a view this replica is not in (catch-up after a view change)
    still finish the height: a quorum of one view's commits fixes the block."""
    replica, digest = support.backup_that_prepared("v3")
    replica.set_requests_pending(True)
    support.time_out(replica, support.SUSPECT)  # leaves view 0 for 1, keeping the validated block
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender, view=0))
    (block,) = support.drain(replica).committed
    assert block.certificate.view == 0 and block.digest == digest
