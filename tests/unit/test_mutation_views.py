"""Edges of leaving, choosing and entering views found by mutation testing of
consensus/views.py (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 sections 4.4 and 4.5.2. Four replicas v0..v3 (f = 1); v0
is the primary of view 0, v1 of view 1, v2 of view 2. One replica is driven with really signed
messages; the checks are on what it sends, persists, delivers or refuses and what it keeps
(`Replica.stats`), never on a message text.
"""

from __future__ import annotations

import hashlib

from consensus.messages import NewView, PrePrepare, ViewChange
from consensus.replica import Replica, ReplicaConfig
from tests.unit.consensus_support import (
    CHAIN,
    RETRANSMIT_TICKS,
    SIGNERS,
    VALIDATORS,
    VERIFIER,
    backup_holding_preprepare,
    backup_that_prepared,
    drain,
    make_block,
    make_certificate,
    make_replica,
    signed_commit,
    signed_prepare,
    signed_preprepare,
)
from tests.unit.test_consensus_schedule import NEWCOMER
from tests.unit.test_consensus_viewchange import (
    leave_view_0,
    prepared_certificate,
    signed_new_view,
    signed_view_change,
)
from tests.unit.test_mutation_heights import commit_next, in_view_1


def digest_checking(self_id: str) -> Replica:
    """A replica whose node offers its block digest (SHA-256 of the payload, as make_block)."""
    config = ReplicaConfig(
        chain_id=CHAIN,
        validators=VALIDATORS,
        self_id=self_id,
        retransmit_ticks=RETRANSMIT_TICKS,
        block_digest=lambda payload: hashlib.sha256(payload).digest(),
    )
    return Replica(config, SIGNERS[self_id], VERIFIER, committed_height=0)


def view_changes_sent(replica: Replica) -> list[ViewChange]:
    return [o.message for o in drain(replica).send if isinstance(o.message, ViewChange)]


# ----------------------------------------------------------------- leaving a view


def test_leaving_a_view_keeps_its_commits_for_the_height_and_drops_own_votes() -> None:
    replica, digest = backup_that_prepared("v3")
    replica.step(signed_commit(1, digest, "v2"))
    drain(replica)
    assert replica.stats().own_messages == 1  # its prepare
    leave_view_0(replica, "v3")
    stats = replica.stats()
    assert (stats.foreign_commits, stats.own_messages, stats.log_messages) == (1, 0, 0)
    for sender in ("v0", "v1"):
        replica.step(signed_commit(1, digest, sender))
    assert [b.digest for b in drain(replica).committed] == [digest]


def test_a_block_not_yet_validated_is_not_kept_across_a_view_change() -> None:
    """Only a block the node accepted may be delivered later on commits alone."""
    replica, preprepare = backup_holding_preprepare("v3")
    leave_view_0(replica, "v3")
    drain(replica)
    for sender in ("v0", "v1", "v2"):
        replica.step(signed_commit(1, preprepare.digest, sender))
    ready = drain(replica)
    assert ready.committed == ()
    assert [(f.from_height, f.to_height) for f in ready.fetch] == [(1, 1)]


def test_a_view_change_about_an_older_view_is_dropped_when_leaving_for_a_later_one() -> None:
    replica = make_replica("v3")
    replica.step(signed_view_change("v1", 1))
    replica.step(signed_view_change("v0", 2))
    drain(replica)
    assert replica.stats().view_changes == 2
    replica.step(signed_view_change("v2", 2))  # f+1 for view 2 and above: join view 2
    drain(replica)
    assert replica.view == 2
    assert replica.stats().view_changes == 2  # v0's and v2's for view 2; v1's for 1 dropped


def test_the_view_change_reports_the_block_prepared_at_the_height_in_flight() -> None:
    replica, digest = backup_that_prepared("v3")
    replica.step(signed_prepare(1, digest, "v1"))
    drain(replica)  # prepared at height 1 (and signed its commit)
    leave_view_0(replica, "v3")
    (vc,) = [m for m in drain(replica).persist if isinstance(m, ViewChange)]
    assert vc.prepared is not None and (vc.prepared.height, vc.prepared.digest) == (1, digest)
    assert vc.payload == make_block(1)[0]


# ----------------------------------------------------------------- a ViewChange arrives


def test_the_same_view_change_again_is_dropped_quietly() -> None:
    replica = make_replica("v3")
    payload, digest = make_block(1)
    cert = prepared_certificate(0, 1, digest)
    with_block = signed_view_change("v2", 1, prepared=cert, payload=payload)
    replica.step(with_block)
    replica.step(with_block)
    replica.step(signed_view_change("v2", 1, prepared=cert))  # the same without its block
    assert drain(replica).rejected == ()
    assert replica.stats().view_changes == 1


def test_a_view_change_for_the_current_view_in_normal_state_gets_the_new_view() -> None:
    replica, nv = in_view_1("v3")
    vc = signed_view_change("v2", 1)
    replica.step(vc)
    ready = drain(replica)
    assert [r.message for r in ready.rejected] == [vc]
    assert [(o.to, o.message) for o in ready.send] == [("v2", nv)]


def test_a_view_change_for_the_current_view_while_changing_is_kept() -> None:
    replica = make_replica("v3")
    leave_view_0(replica, "v3")
    drain(replica)
    replica.step(signed_view_change("v0", 1))
    ready = drain(replica)
    assert ready.rejected == () and ready.send == ()
    assert replica.stats().view_changes == 1


def test_a_view_change_whose_block_does_not_match_its_digest_keeps_only_its_evidence() -> None:
    """With the node's digest function, the block of a ViewChange is checked: a wrong one is
    dropped (the signed certificate stays), so the new primary waits for the right block."""
    payload, digest = make_block(1, "A")
    cert = prepared_certificate(0, 1, digest, backups=("v2", "v3"))
    primary = digest_checking("v1")
    primary.step(signed_view_change("v2", 1, prepared=cert, payload=b"not the block"))
    primary.step(signed_view_change("v3", 1, prepared=cert, payload=b"not it either"))
    ready = drain(primary)
    assert primary.view == 1 and primary.in_view_change  # joined, but no block to re-propose
    assert [m for m in ready.send if isinstance(m.message, NewView)] == []
    primary.step(signed_view_change("v0", 1, prepared=cert, payload=payload))
    (nv,) = [o.message for o in drain(primary).send if isinstance(o.message, NewView)]
    assert nv.preprepare is not None and nv.preprepare.payload == payload


def test_a_view_change_from_a_peer_stuck_on_a_recent_height_gets_its_proof() -> None:
    replica = make_replica("v3")
    commit_next(replica)
    for _ in range(RETRANSMIT_TICKS):  # the unasked sends of the committed height are done
        replica.tick()
        drain(replica)
    replica.step(signed_view_change("v1", 1))  # v1 certified nothing: it is on height 1
    drain(replica)
    replica.tick()
    sent = [(o.to, type(o.message)) for o in drain(replica).send]
    assert ("v1", PrePrepare) in sent


def test_a_view_change_records_its_senders_committed_height() -> None:
    replica = make_replica("v3")
    before = replica.stats().peers_tracked
    replica.step(signed_view_change("v1", 1, committed=make_certificate(3, make_block(3)[1])))
    drain(replica)
    assert replica.stats().peers_tracked == before + 1


def test_committing_while_changing_views_asks_again_with_the_certificate() -> None:
    """A ViewChange only reports more than the first one did: once height 1 is committed
    during the view change, the replica signs a new one carrying its certificate."""
    replica, digest = backup_that_prepared("v3")
    leave_view_0(replica, "v3")
    drain(replica)
    for sender in ("v0", "v1", "v2"):
        replica.step(signed_commit(1, digest, sender))
    ready = drain(replica)
    assert [b.height for b in ready.committed] == [1]
    (vc,) = [m for m in ready.persist if isinstance(m, ViewChange)]
    assert (vc.new_view, vc.committed) == (1, replica.committed_certificate)
    assert vc.committed is not None and vc.committed.height == 1
    assert [o.message for o in ready.send if isinstance(o.message, ViewChange)] == [vc]


# ----------------------------------------------------------------- the NewView


def test_a_new_view_of_an_older_view_is_refused_and_a_repeated_one_ignored() -> None:
    replica, nv = in_view_1("v3")
    replica.step(nv)  # a relay of the NewView we are in
    ready = drain(replica)
    assert ready.rejected == () and ready.persist == ()
    vcs = [signed_view_change(peer, 1) for peer in ("v0", "v1", "v2")]
    later = make_replica("v3", view=2)
    drain(later)
    old = signed_new_view(1, vcs, None)
    later.step(old)
    ready = drain(later)
    assert [r.message for r in ready.rejected] == [old] and ready.persist == ()
    assert later.view == 2 and later.in_view_change


def test_the_new_view_is_not_relayed_to_its_own_sender() -> None:
    replica, nv = in_view_1("v3")
    replica.step(signed_prepare(1, make_block(1)[1], "v1", view=0))  # v1 sent the NewView
    assert [o for o in drain(replica).send if isinstance(o.message, NewView)] == []
    replica.step(signed_prepare(1, make_block(1)[1], "v2", view=0))
    assert [(o.to, o.message) for o in drain(replica).send] == [("v2", nv)]


def test_the_new_primary_re_proposes_its_own_prepared_block_when_no_view_change_carries_it() -> (
    None
):
    """v1 prepared block A in view 0; the ViewChanges of the others carry its certificate but
    not the block (stripped): v1 re-proposes from its own copy."""
    payload, digest = make_block(1)
    primary, _ = backup_that_prepared("v1")
    primary.step(signed_prepare(1, digest, "v2"))
    drain(primary)
    cert = prepared_certificate(0, 1, digest, backups=("v1", "v2"))
    primary.step(signed_view_change("v2", 1, prepared=cert))
    primary.step(signed_view_change("v3", 1, prepared=cert))
    ready = drain(primary)
    (nv,) = [o.message for o in ready.send if isinstance(o.message, NewView)]
    assert nv.preprepare is not None
    assert (nv.preprepare.view, nv.preprepare.digest, nv.preprepare.payload) == (1, digest, payload)
    assert primary.view == 1 and not primary.in_view_change


def test_a_backup_with_a_quorum_of_view_changes_sends_no_new_view() -> None:
    replica = make_replica("v3")
    for peer in ("v0", "v1", "v2"):
        replica.step(signed_view_change(peer, 1))
    ready = drain(replica)
    assert [o for o in ready.send if isinstance(o.message, NewView)] == []
    assert replica.in_view_change


def test_a_new_view_starting_above_our_height_delivers_the_certified_height_we_hold() -> None:
    """The NewView's ViewChanges certify height 1; we hold block 1 validated: it is delivered
    from the certificate at once, no fetch."""
    replica, payload, digest = _left_with_block_1()
    cert = make_certificate(1, digest)
    vcs = [signed_view_change(peer, 1, committed=cert) for peer in ("v0", "v1", "v2")]
    replica.step(signed_new_view(1, vcs, None))
    ready = drain(replica)
    assert [(b.height, b.payload) for b in ready.committed] == [(1, payload)]
    assert ready.fetch == () and replica.view == 1 and not replica.in_view_change


def _left_with_block_1() -> tuple[Replica, bytes, bytes]:
    replica, digest = backup_that_prepared("v3")
    leave_view_0(replica, "v3")
    drain(replica)
    return replica, make_block(1)[0], digest


def test_entering_a_view_processes_what_was_buffered_for_it() -> None:
    """Votes of view 1 for its re-proposal that arrived before the NewView count once it is
    entered."""
    payload, digest = make_block(1, "A")
    cert = prepared_certificate(0, 1, digest, backups=("v2", "v3"))
    vcs = [
        signed_view_change("v1", 1),
        signed_view_change("v2", 1, prepared=cert, payload=payload),
        signed_view_change("v0", 1, prepared=cert, payload=payload),
    ]
    pp = signed_preprepare(1, payload, digest, sender="v1", view=1)
    replica = make_replica("v3")
    leave_view_0(replica, "v3")
    drain(replica)
    for sender in ("v0", "v2"):
        replica.step(signed_prepare(1, digest, sender, view=1))
    drain(replica)
    replica.step(signed_new_view(1, vcs, pp))
    ready = drain(replica)
    assert [p.digest for p in ready.validate] == [digest]
    replica.validated(1, 1, digest, True)
    kinds = [type(o.message).__name__ for o in drain(replica).send]
    assert "Commit" in kinds  # prepared at once on the buffered prepares


def test_an_observer_never_joins_a_view_change() -> None:
    """A replica in no set from the height in flight on (a validator joining later) follows
    the chain but signs no ViewChange and stays in its view."""
    config = ReplicaConfig(
        chain_id=CHAIN, validators=VALIDATORS, self_id="v4", retransmit_ticks=RETRANSMIT_TICKS
    )
    observer = Replica(config, NEWCOMER, VERIFIER, committed_height=0)
    for peer in ("v1", "v2", "v3"):
        observer.step(signed_view_change(peer, 1))
    ready = drain(observer)
    assert [m for m in ready.persist if isinstance(m, ViewChange)] == []
    assert observer.view == 0 and not observer.in_view_change
