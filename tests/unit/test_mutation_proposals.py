"""Pre-prepare fetch edges found by mutation testing of consensus/proposals.py (issue 19,
docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 section 4.2. Four replicas v0..v3 (f = 1, quorum 3); v0
is the primary of view 0. One replica is driven with really signed messages; the checks are on
what it does (the requests and pre-prepares it sends and to whom, the blocks it hands to the
node, which messages it refuses), never on a message text.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from consensus.crypto import Ed25519Signer
from consensus.messages import Commit, PrePrepare, PrePrepareRequest
from consensus.replica import Replica
from consensus.validators import ValidatorSet
from tests.unit import consensus_support as support
from tests.unit.test_consensus_proposals import request, sends


def asks(replica: Replica) -> list[tuple[str | None, PrePrepareRequest]]:
    """The pre-prepare requests the replica sent since the last drain."""
    return [(to, m) for to, m in sends(replica) if isinstance(m, PrePrepareRequest)]


def vouched(replica: Replica, height: int, digest: bytes) -> None:
    """v1 and v2 (f+1 backups) prepare `digest` at `height`."""
    for sender in ("v1", "v2"):
        replica.step(support.signed_prepare(height, digest, sender))


def holding(self_id: str, tag: str = "B") -> tuple[Replica, bytes]:
    """A backup that accepted and validated the primary's block `tag` at height 1 (it has
    prepared it); the block's digest."""
    replica = support.make_replica(self_id)
    digest = support.accept_block(replica, tag=tag)
    support.drain(replica)
    return replica, digest


def decide(replica: Replica, height: int, digest: bytes) -> None:
    """The node validates the held block and v0..v2 commit it: the height is committed and
    the replica, advanced, enters the next one."""
    replica.validated(0, height, digest, True)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(height, digest, sender))
    assert [b.height for b in support.drain(replica).committed] == [height]


def asked_for_height_1_then_decided(replica: Replica) -> None:
    """v3 without height 1's pre-prepare: vouched for by v1 and v2, it asks v1 for it (and
    in advance for height 2) on a tick, gets it and commits the height."""
    payload, digest = support.make_block(1)
    vouched(replica, 1, digest)
    replica.tick()
    assert asks(replica) == [("v1", request(1, digest, "v3")), ("v1", request(2, b"", "v3"))]
    replica.step(support.signed_preprepare(1, payload, digest))
    support.drain(replica)
    decide(replica, 1, digest)


# ----------------------------------------------------------------- when to ask


def test_an_observer_never_asks_since_it_cannot_sign_a_request() -> None:
    """A replica outside the validator set follows the chain but signs nothing: votes
    vouching for a pre-prepare it lacks make it ask no one."""
    signer = Ed25519Signer("v9", hashlib.sha256(b"seed:v9").digest())
    replica = support.make_replica("v9", signer=signer)
    vouched(replica, 1, support.make_block(1)[1])
    for _ in range(2 * support.RETRANSMIT_TICKS + 1):
        replica.tick()
        assert asks(replica) == []


def test_the_primary_never_asks_for_a_preprepare() -> None:
    replica = support.make_replica("v0")
    vouched(replica, 1, support.make_block(1)[1])
    for _ in range(2 * support.RETRANSMIT_TICKS + 1):
        replica.tick()
        assert asks(replica) == []


def test_a_replica_changing_views_does_not_ask() -> None:
    """In the view-change state it signs nothing of the new view before its NewView: votes
    of that view buffered meanwhile make it ask no one (v1 is the primary of view 1)."""
    replica = support.make_replica("v3", view=1)
    digest = support.make_block(1)[1]
    for sender in ("v0", "v2"):
        replica.step(support.signed_prepare(1, digest, sender, view=1))
    assert replica.in_view_change
    for _ in range(2 * support.RETRANSMIT_TICKS + 1):
        replica.tick()
        assert asks(replica) == []


def test_nothing_is_asked_between_a_commit_and_the_nodes_advance() -> None:
    """Votes for the next height that arrive before the node applied the last block wait:
    the replica asks for their pre-prepare only once it works on that height, on a tick."""
    replica, digest_1 = holding("v3", tag="")
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest_1, sender))
    digest_2 = support.make_block(2)[1]
    vouched(replica, 2, digest_2)
    replica.tick()
    pending = replica.ready()
    assert [b.height for b in pending.committed] == [1]
    assert not any(isinstance(o.message, PrePrepareRequest) for o in pending.send)
    replica.advance(pending)  # the node applied height 1: height 2 is entered
    assert asks(replica) == []  # entered, but votes may overtake the pre-prepare: wait a tick
    replica.tick()
    assert ("v1", request(2, digest_2, "v3")) in asks(replica)


def test_the_asked_peers_go_round_and_round() -> None:
    """One voucher per retransmit interval, sorted; when each was asked, the first again."""
    replica = support.make_replica("v3")
    digest = support.make_block(1)[1]
    vouched(replica, 1, digest)
    asked: list[str | None] = []
    for _ in range(3 * support.RETRANSMIT_TICKS + 1):
        replica.tick()
        asked += [to for to, m in asks(replica) if m.digest == digest]
    assert asked == ["v1", "v2", "v1", "v2"]


def test_two_missing_digests_are_each_asked_once_an_interval() -> None:
    """Two digests vouched for by f+1 members each (a prepare and a commit of each voucher):
    both are asked at once, and neither again before the interval is over."""
    replica = support.make_replica("v3")
    digest_a, digest_b = support.make_block(1, "A")[1], support.make_block(1, "B")[1]
    vouched(replica, 1, digest_a)
    for sender in ("v1", "v2"):
        replica.step(support.signed_commit(1, digest_b, sender))
    replica.tick()
    first = asks(replica)
    assert {m.digest for _, m in first} == {digest_a, digest_b, b""}
    for _ in range(support.RETRANSMIT_TICKS - 1):
        replica.tick()
        assert asks(replica) == []


def test_every_vouched_digest_is_looked_at_in_turn() -> None:
    """Digests are visited in byte order (tags W < I < A here): one that does not need asking
    (the held one, one voucher, one not certified) does not stop the search for a later one.
    With no pre-prepare: W has one voucher, I two, so I is asked for."""
    assert (
        support.make_block(1, "W")[1]
        < support.make_block(1, "I")[1]
        < support.make_block(1, "A")[1]
    )
    replica = support.make_replica("v3")
    digest_w, digest_i = support.make_block(1, "W")[1], support.make_block(1, "I")[1]
    replica.step(support.signed_prepare(1, digest_w, "v1"))
    replica.step(support.signed_commit(1, digest_i, "v1"))
    replica.step(support.signed_prepare(1, digest_i, "v2"))
    replica.tick()
    assert [(to, m.digest) for to, m in asks(replica)] == [("v1", digest_i), ("v1", b"")]
    # Holding W (vouched by v2), I prepared by v1 only, A certified by three commits: A.
    replica, digest_w = holding("v3", tag="W")
    digest_a = support.make_block(1, "A")[1]
    replica.step(support.signed_prepare(1, digest_i, "v1"))
    replica.step(support.signed_prepare(1, digest_w, "v2"))
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest_a, sender))
    assert ("v1", request(1, digest_a, "v3")) in asks(replica)


def test_a_quorum_of_commits_certifies_another_digest_but_two_do_not() -> None:
    """Holding block B, commits for A from the primary and one backup certify nothing; a
    third makes A the slot's decision, and its pre-prepare is asked of a backup that voted
    for it (v1 first by id, never the primary, which sent us B)."""
    replica, _ = holding("v3")
    digest_a = support.make_block(1, "A")[1]
    for sender in ("v0", "v1"):
        replica.step(support.signed_commit(1, digest_a, sender))
    assert asks(replica) == []
    replica.step(support.signed_commit(1, digest_a, "v2"))
    assert asks(replica)[0] == ("v1", request(1, digest_a, "v3"))


@pytest.mark.parametrize("leaves_at", [2, 3])
def test_a_standing_request_only_for_a_height_where_we_vote(leaves_at: int) -> None:
    """From `leaves_at` the set is v0..v2. Asking for height 1's pre-prepare, v3 also asks in
    advance for height 2, unless it is no member there."""
    replica = support.make_replica("v3")
    replica.schedule_validators(leaves_at, ValidatorSet(support.VALIDATORS.validators[:3]))
    digest = support.make_block(1)[1]
    vouched(replica, 1, digest)
    replica.tick()
    standing = [("v1", request(2, b"", "v3"))] if leaves_at > 2 else []
    assert asks(replica) == [("v1", request(1, digest, "v3")), *standing]


def test_no_standing_request_above_the_high_watermark() -> None:
    """Checkpoints every height and a window of two: at height 1 (high watermark 2) v3 asks
    in advance for height 2; at height 2, with no stable checkpoint yet, not for height 3."""
    replica = support.make_replica("v3", checkpoint_interval=1, window_heights=2)
    asked_for_height_1_then_decided(replica)
    assert replica.high_watermark == 2
    digest_2 = support.make_block(2)[1]
    vouched(replica, 2, digest_2)
    for _ in range(support.RETRANSMIT_TICKS):
        replica.tick()
    assert asks(replica) == [("v1", request(2, digest_2, "v3"))]


# ----------------------------------------------------------------- standing requests


def standing_chain(again_at: tuple[int, ...]) -> list[list[tuple[str | None, object]]]:
    """v3 asked v1 for height 1's pre-prepare (on votes), then for each next one in advance.
    At heights 2..4 v1's copy arrives first, then (at the heights `again_at`) the primary's
    own copy. What v3 sent on receiving v1's copy, per height."""
    replica = support.make_replica("v3")
    asked_for_height_1_then_decided(replica)
    sent = []
    for height in (2, 3, 4):
        payload, digest = support.make_block(height)
        preprepare = support.signed_preprepare(height, payload, digest)
        replica.step(preprepare)  # v1's copy, answering the standing request
        sent.append(asks(replica))
        if height in again_at:
            replica.step(preprepare)
            assert support.drain(replica).rejected == ()
        decide(replica, height, digest)
    return sent


def test_standing_requests_go_on_while_the_primary_withholds() -> None:
    sent = standing_chain(again_at=())
    assert sent == [
        [("v1", request(3, b"", "v3"))],
        [("v1", request(4, b"", "v3"))],
        [("v1", request(5, b"", "v3"))],
    ]


def test_standing_requests_stop_once_two_heights_came_twice() -> None:
    """Heights 2 and 3 each reached v3 twice (v1's copy and the primary's): the primary sends
    to it again, so at height 4 it asks nobody in advance. Height 1, asked on votes, never
    counts as a height that came twice."""
    sent = standing_chain(again_at=(2, 3))
    assert sent == [
        [("v1", request(3, b"", "v3"))],
        [("v1", request(4, b"", "v3"))],
        [],
    ]


def test_one_height_that_came_twice_does_not_stop_standing_requests() -> None:
    """Height 2 came twice, height 3 once: the primary left v3 out again, so at height 4 it
    still asks v1 in advance."""
    assert standing_chain(again_at=(2,))[-1] == [("v1", request(5, b"", "v3"))]


def test_standing_requests_are_answered_in_member_order_and_once() -> None:
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    replica.step(request(1, b"", "v3"))
    replica.step(request(1, b"", "v2"))
    assert sends(replica) == []
    preprepare = support.signed_preprepare(1, payload, digest)
    replica.step(preprepare)
    assert sends(replica) == [("v2", preprepare), ("v3", preprepare)]


@pytest.mark.parametrize(
    ("view", "height", "committed", "checked"),
    [
        (0, 1, 0, True),  # the height in flight: kept, so its signature is checked
        (0, 32, 0, True),  # the high watermark
        (0, 33, 0, False),  # above it: never answered, not even checked
        (1, 1, 0, False),  # another view
        (0, 5, 5, False),  # committed, and no longer kept (restarted at 5)
        (0, 6, 5, True),  # the height in flight after a restart at 5
    ],
)
def test_a_standing_request_is_checked_only_where_it_could_be_kept(
    view: int, height: int, committed: int, checked: bool
) -> None:
    """A request the replica could neither answer nor keep is dropped before its signature
    is paid for; one it would keep is refused when badly signed."""
    replica = support.make_replica("v1", committed_height=committed)
    support.drain(replica)
    forged = replace(request(height, b"", "v3", view=view), signature=bytes(64))
    replica.step(forged)
    out = support.drain(replica)
    assert out.send == ()
    assert [r.message for r in out.rejected] == ([forged] if checked else [])


# ----------------------------------------------------------------- answering requests


def committed_helper() -> tuple[Replica, PrePrepare, list[Commit]]:
    """v1 committed height 1 on commits of v0, v2, v3 plus its own; height 1's pre-prepare
    and the certificate's commits."""
    replica, digest = support.backup_that_prepared("v1")
    preprepare = support.signed_preprepare(1, support.make_block(1)[0], digest)
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender))
    (block,) = support.drain(replica).committed
    commits = [support.signed_commit(1, digest, v.validator) for v in block.certificate.votes]
    return replica, preprepare, commits


def test_a_committed_heights_proof_is_sent_for_its_digest_or_a_standing_request() -> None:
    """Asked for height 1 after committing it, v1 sends the proof: the pre-prepare and the
    commits, without the asker's own. A request for another digest gets nothing."""
    replica, preprepare, commits = committed_helper()
    proof = [preprepare, *(c for c in commits if c.sender != "v3")]
    assert [c.sender for c in commits] == ["v0", "v1", "v2", "v3"]
    replica.step(request(1, support.make_block(1, "other")[1], "v3"))
    assert sends(replica) == []
    replica.step(request(1, preprepare.digest, "v3"))
    assert sends(replica) == [("v3", m) for m in proof]
    replica.step(request(1, b"", "v2"))
    assert sends(replica) == [("v2", m) for m in [preprepare, *commits] if m.sender != "v2"]


def test_a_request_without_digest_for_the_held_preprepare_is_answered_at_once() -> None:
    """Checked against the set in force at the request's height (a schedule with two sets
    has no other answer)."""
    replica = support.make_replica("v1")
    replica.schedule_validators(1_000, support.VALIDATORS)
    payload, digest = support.make_block(1)
    preprepare = support.signed_preprepare(1, payload, digest)
    replica.step(preprepare)
    support.drain(replica)
    replica.step(request(1, b"", "v3"))
    assert sends(replica) == [("v3", preprepare)]
    stranger = replace(request(1, digest, "v2"), sender="v9")
    replica.step(stranger)
    out = support.drain(replica)
    assert out.send == () and [r.message for r in out.rejected] == [stranger]


def test_a_peer_served_one_height_is_served_another_at_once() -> None:
    replica, preprepare_1, _ = committed_helper()
    payload, digest = support.make_block(2)
    preprepare_2 = support.signed_preprepare(2, payload, digest)
    replica.step(preprepare_2)
    support.drain(replica)
    replica.step(request(1, preprepare_1.digest, "v3"))
    assert ("v3", preprepare_1) in sends(replica)
    replica.step(request(2, digest, "v3"))
    assert sends(replica) == [("v3", preprepare_2)]


def test_the_primary_offers_nothing_and_a_backup_offers_once_per_peer() -> None:
    """A backup whose peer prepared another digest sends that peer its pre-prepare, once
    per interval; the primary, whose pre-prepare that peer already had, sends nothing."""
    primary = support.make_replica("v0")
    payload_a, digest_a = support.make_block(1, "A")
    primary.propose(payload_a, digest_a)
    support.drain(primary)
    digest_b = support.make_block(1, "B")[1]
    primary.step(support.signed_prepare(1, digest_b, "v3"))
    assert [to for to, m in sends(primary) if isinstance(m, PrePrepare)] == []

    backup = support.make_replica("v1")
    preprepare = support.signed_preprepare(1, payload_a, digest_a)
    backup.step(preprepare)
    support.drain(backup)
    backup.step(support.signed_prepare(1, digest_b, "v3"))
    assert [(to, m) for to, m in sends(backup) if isinstance(m, PrePrepare)] == [("v3", preprepare)]
    backup.step(support.signed_prepare(1, digest_b, "v2"))
    assert [(to, m) for to, m in sends(backup) if isinstance(m, PrePrepare)] == [("v2", preprepare)]


# ----------------------------------------------------------------- another pre-prepare


@pytest.mark.parametrize("fault", ["bad signature", "payload not its block"])
def test_a_refused_other_preprepare_is_never_taken(fault: str) -> None:
    """Holding B (with the node's digest function configured), a copy of A with a bad
    signature, or signed but whose payload is not the block its digest names, is refused,
    not kept aside: once A is certified the backup asks for the real one instead."""
    replica = support.make_replica("v3", block_digest=support.block_digest)
    support.accept_block(replica, tag="B")
    support.drain(replica)
    payload_a, digest_a = support.make_block(1, "A")
    if fault == "bad signature":
        other = replace(support.signed_preprepare(1, payload_a, digest_a), signature=bytes(64))
    else:
        other = support.signed_preprepare(1, support.make_block(1, "other")[0], digest_a)
    replica.step(other)
    rejected = support.drain(replica).rejected
    assert [r.message for r in rejected] == [other] and isinstance(rejected[0].reason, str)
    vouched(replica, 1, digest_a)
    out = support.drain(replica)
    assert out.validate == ()
    assert ("v1", request(1, digest_a, "v3")) in [
        (o.to, o.message) for o in out.send if isinstance(o.message, PrePrepareRequest)
    ]


def test_after_committing_another_preprepare_is_ignored() -> None:
    """Prepared and committed B: a pre-prepare of A from the primary changes nothing."""
    replica, digest_b = holding("v3")
    vouched(replica, 1, digest_b)
    assert any(isinstance(m, Commit) for _, m in sends(replica))
    payload_a, digest_a = support.make_block(1, "A")
    replica.step(support.signed_preprepare(1, payload_a, digest_a))
    out = support.drain(replica)
    assert (out.rejected, out.validate, out.send) == ((), (), ())


def test_a_kept_aside_preprepare_is_not_taken_once_we_committed() -> None:
    """A kept aside, then B prepared and committed here: even when a quorum of commits
    certifies A later, the backup keeps B (it signed a commit for it) and hands the node
    nothing."""
    replica, digest_b = holding("v3")
    payload_a, digest_a = support.make_block(1, "A")
    preprepare_a = support.signed_preprepare(1, payload_a, digest_a)
    replica.step(preprepare_a)
    assert [r.message for r in support.drain(replica).rejected] == [preprepare_a]
    vouched(replica, 1, digest_b)
    own = [m for _, m in sends(replica) if isinstance(m, Commit) and m.sender == "v3"]
    assert [c.digest for c in own] == [digest_b]
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest_a, sender))
    out = support.drain(replica)
    assert (out.validate, out.committed) == ((), ())


@pytest.mark.parametrize("arrives_first", [True, False])
def test_after_taking_a_certified_preprepare_a_second_certified_digest_is_asked_for(
    arrives_first: bool,
) -> None:
    """More than f faulty members (v0 and v1 commit A, v2 prepares B): A is certified by
    commits and taken in place of B (kept aside first, or on arrival); then B, prepared by
    v3 itself and v2, is certified too. The replica asks for B's pre-prepare like any other
    and goes on (the pre-prepare set aside is gone, not left half-set)."""
    replica, digest_b = holding("v3")
    payload_a, digest_a = support.make_block(1, "A")
    preprepare_a = support.signed_preprepare(1, payload_a, digest_a)
    if arrives_first:
        replica.step(preprepare_a)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest_a, sender))
    if not arrives_first:
        replica.step(preprepare_a)
    assert [p.digest for p in support.drain(replica).validate] == [digest_a]
    replica.step(support.signed_prepare(1, digest_b, "v2"))
    assert ("v2", request(1, digest_b, "v3")) in asks(replica)


def test_a_backup_under_a_two_set_schedule_offers_and_takes_preprepares() -> None:
    """Sets are looked up by the slot's height (a schedule with two sets has no other
    answer): offering our pre-prepare, and taking a certified one on arrival."""
    replica = support.make_replica("v1")
    replica.schedule_validators(1_000, support.VALIDATORS)
    payload_a, digest_a = support.make_block(1, "A")
    preprepare_a = support.signed_preprepare(1, payload_a, digest_a)
    replica.step(preprepare_a)
    support.drain(replica)
    replica.step(support.signed_prepare(1, support.make_block(1, "B")[1], "v3"))
    assert ("v3", preprepare_a) in sends(replica)

    replica = support.make_replica("v3")
    replica.schedule_validators(1_000, support.VALIDATORS)
    support.accept_block(replica, tag="B")
    vouched(replica, 1, digest_a)
    support.drain(replica)
    replica.step(preprepare_a)
    assert [p.digest for p in support.drain(replica).validate] == [digest_a]


def test_a_restarted_backup_does_not_vouch_for_itself() -> None:
    """v1 restarted with its own prepare in the WAL but not the primary's pre-prepare: its
    vote and v2's are one voucher besides itself, fewer than f+1, so it asks nobody (and
    never itself)."""
    digest = support.make_block(1)[1]
    replica = support.make_replica("v1", signed=[support.signed_prepare(1, digest, "v1")])
    support.drain(replica)
    replica.step(support.signed_prepare(1, digest, "v2"))
    for _ in range(2 * support.RETRANSMIT_TICKS + 1):
        replica.tick()
        assert asks(replica) == []
    replica.step(support.signed_prepare(1, digest, "v3"))
    replica.tick()
    assert [to for to, m in asks(replica) if m.digest == digest] == ["v2"]
