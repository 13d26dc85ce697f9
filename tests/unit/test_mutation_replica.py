"""The replica's public face, edges found by mutation testing of consensus/replica.py
(issue 19, docs/mutation.md): when it may propose, what its statistics count, how it routes
inputs. Checks are on return values, state and the Ready, never on a message text.
"""

from __future__ import annotations

import pytest

from consensus.messages import PrePrepare, PrePrepareRequest
from consensus.ready import FetchRequest
from consensus.replica import ReplicaStats, Status
from consensus.signing import preprepare_request_sign_bytes
from tests.unit import consensus_support as support


def test_waiting_requests_named_anonymous_or_none() -> None:
    replica = support.make_replica("v1")
    replica.set_waiting_request(bytearray(b"tx-1"))
    assert replica._waiting_request == b"tx-1" and type(replica._waiting_request) is bytes
    replica.set_waiting_request(None)
    assert replica._waiting_request is None
    replica.set_requests_pending(True)
    assert replica._waiting_request == b""  # anonymous: every commit counts as serving it
    replica.set_requests_pending(False)
    assert replica._waiting_request is None


def test_step_refuses_what_is_not_a_message() -> None:
    replica = support.make_replica("v1")
    with pytest.raises(TypeError):
        replica.step(support.make_block(1))  # type: ignore[arg-type]


def test_the_accessors_of_a_fresh_replica() -> None:
    replica = support.make_replica("v1", committed_height=17)
    assert (replica.view, replica.status, replica.in_view_change) == (0, Status.NORMAL, False)
    assert replica.committed_height == 17
    assert replica.committed_certificate == support.make_certificate(17, support.make_block(17)[1])
    assert (replica.low_watermark, replica.high_watermark) == (16, 48)
    assert replica.stable_checkpoint is None
    assert replica.has_ready() is False
    support.drain(replica)


def test_stats_count_everything_the_replica_holds() -> None:
    """One of each: a slot (pre-prepare, own prepare, a commit), a commit of a later view,
    a checkpoint vote in the window and one above it, a second validator set, a pre-prepare
    served on request; every per-peer table counts towards peers_tracked."""
    replica = support.make_replica("v1")
    digest = support.accept_block(replica)
    replica.step(support.signed_commit(1, digest, "v2"))
    replica.step(support.signed_commit(1, digest, "v3", view=1))
    replica.step(support.signed_checkpoint(16, support.make_block(16)[1], "v2"))
    replica.step(support.signed_checkpoint(64, support.make_block(64)[1], "v3"))
    request_signature = support.SIGNERS["v3"].sign(
        preprepare_request_sign_bytes(support.CHAIN, 0, 1, digest)
    )
    replica.step(PrePrepareRequest(0, 1, digest, "v3", request_signature))
    replica.schedule_validators(1_000, support.VALIDATORS)
    ready = support.drain(replica)
    assert [o.to for o in ready.send if isinstance(o.message, PrePrepare)] == ["v3"]
    assert replica.stats() == ReplicaStats(
        log_slots=1,
        log_messages=3,
        own_messages=1,
        recent_heights=0,
        foreign_commits=1,
        view_changes=0,
        checkpoint_heights=1,
        checkpoint_votes=1,
        checkpoints_ahead=1,
        schedule_sets=2,
        peers_tracked=3 + 2 + 0 + 1,  # progress (v0, v2, v3), committed claims (v2, v3), served
    )
    # A relay timer (NewView or stable checkpoint to a peer behind) is a per-peer entry too.
    replica._next_relay[("new-view", "v2")] = 10
    assert replica.stats().peers_tracked == 3 + 2 + 1 + 1


def test_no_proposal_at_or_below_the_low_watermark() -> None:
    """A primary that learns a stable checkpoint at the very height it is about to propose
    (peers certified it while it lagged) fetches that block instead of proposing it."""
    primary = support.make_replica("v0", committed_height=15)
    assert primary.can_propose()
    for sender in ("v1", "v2", "v3"):
        primary.step(support.signed_checkpoint(16, support.make_block(16)[1], sender))
    assert support.drain(primary).fetch == (FetchRequest(16, 16),)
    assert primary.low_watermark == 16 and primary.committed_height == 15
    assert primary.is_primary and primary.status == Status.NORMAL
    assert primary.can_propose() is False


def test_a_primary_under_a_schedule_of_two_sets_may_propose() -> None:
    primary = support.make_replica("v0")
    primary.schedule_validators(1_000, support.VALIDATORS)
    assert primary.can_propose() is True
