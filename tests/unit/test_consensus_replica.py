"""The PBFT replica: unit scenarios, and runs of the seeded simulated network of replicas in
consensus_support.

Reference: Castro & Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999, section 4.2.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consensus import limits
from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.errors import ConsensusError, NotPrimary, ProposalInFlight
from consensus.log import MessageLog
from consensus.messages import Commit, Message, Prepare, Prepared, PrePrepare, Suspicion, ViewChange
from consensus.ready import Outbound, Proposal, Ready
from consensus.replica import Replica, ReplicaConfig
from consensus.signing import commit_sign_bytes, prepare_sign_bytes
from consensus.validators import Validator, ValidatorSet, verify_commit_certificate
from suites import ED25519_SHA256
from tests.unit import consensus_support as support

# ====================================================================== network tests


def test_four_replicas_commit_twenty_heights() -> None:
    sim = support.Simulation(
        seed=1, target_height=20, duplicate_probability=0.2, delay_rounds_max=2
    )
    sim.run(rounds_max=400)
    assert sim.all_reached_target(), f"stalled at {[len(n.applied) for n in sim.nodes.values()]}"
    sim.check_safety()
    digests = {tuple(b.digest for b in n.applied[:20]) for n in sim.nodes.values()}
    assert len(digests) == 1
    for node in sim.nodes.values():
        assert [b.height for b in node.applied[:20]] == list(range(1, 21))
        # Every block was proposed by the view-0 primary and carries >= quorum votes.
        assert all(b.payload.endswith(b"by-v0") for b in node.applied)
        assert all(len(b.certificate.votes) >= support.VALIDATORS.quorum for b in node.applied)


@support.SIM_SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    duplicate_probability=st.sampled_from([0.0, 0.3, 0.9]),
    delay_rounds_max=st.integers(0, 4),
)
def test_property_shuffled_duplicated_delayed_delivery_agrees(
    seed: int, duplicate_probability: float, delay_rounds_max: int
) -> None:
    sim = support.Simulation(
        seed,
        target_height=5,
        duplicate_probability=duplicate_probability,
        delay_rounds_max=delay_rounds_max,
    )
    sim.run(rounds_max=300)
    sim.check_safety()
    assert sim.all_reached_target(), f"seed {seed} stalled"


@support.SIM_SETTINGS
@given(seed=st.integers(0, 2**32 - 1), drop_probability=st.sampled_from([0.05, 0.2, 0.5]))
def test_property_lossy_network_is_safe_and_recovers_after_healing(
    seed: int, drop_probability: float
) -> None:
    """Random loss for a while, then a healed network: safe throughout, and afterwards every
    replica finishes (retransmission for the height in flight, catch-up for committed ones)."""
    heal_round = 60
    loss = random.Random(seed ^ 0x5EED)

    def drop(sender: str, to: str, message: Message, round_: int) -> bool:
        return round_ < heal_round and loss.random() < drop_probability

    sim = support.Simulation(seed, target_height=6, delay_rounds_max=2, drop=drop)
    sim.run(rounds_max=heal_round)
    sim.check_safety()
    sim.run(rounds_max=600)
    sim.check_safety()
    assert sim.all_reached_target(), f"seed {seed}: {[len(n.applied) for n in sim.nodes.values()]}"


@support.SIM_SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_property_crashes_and_restarts_are_safe_and_live(seed: int) -> None:
    """Replicas crash at random points (some right after syncing votes they never sent), stay
    down for a while and restart from their WAL and applied blocks."""
    rng = random.Random(seed)
    sim = support.Simulation(seed, target_height=8, duplicate_probability=0.2, delay_rounds_max=2)
    for _ in range(3):
        sim.run(rounds_max=rng.randint(0, 15))
        victim = sim.nodes[rng.choice(support.IDS)]
        victim.crash_after_persist = True
        sim.run(rounds_max=rng.randint(1, 25))
        victim.restart()
        sim.check_safety()
    sim.run(rounds_max=800)
    sim.check_safety()
    assert sim.all_reached_target(), f"seed {seed}: {[len(n.applied) for n in sim.nodes.values()]}"


def test_network_goes_quiet_when_the_chain_is_idle() -> None:
    """Catch-up must not turn into an endless exchange: once everyone has every block and
    nothing new is proposed, nothing more is sent, even on a duplicating network."""
    sim = support.Simulation(
        seed=1, target_height=10, duplicate_probability=0.5, delay_rounds_max=3
    )
    sim.run(rounds_max=300)
    assert sim.all_reached_target()
    for _ in range(40 * support.RETRANSMIT_TICKS):
        sim.run_round()
    sent_before = len(sim.sent)
    for _ in range(40 * support.RETRANSMIT_TICKS):
        sim.run_round()
    assert len(sim.sent) == sent_before


def test_dead_peer_costs_a_bounded_trickle() -> None:
    """Catch-up sends to a peer that never answers back off to one per
    CATCH_UP_BACKOFF_INTERVALS_MAX intervals per committed height and helper."""
    sim = support.Simulation(seed=6, target_height=3)
    sim.nodes["v3"].crashed = True
    sim.run(rounds_max=200, until=lambda: len(sim.nodes["v0"].applied) >= 3)
    for _ in range(8 * support.RETRANSMIT_TICKS):
        sim.run_round()
    before = sim.unicasts_to["v3"]
    intervals = 10 * limits.CATCH_UP_BACKOFF_INTERVALS_MAX
    for _ in range(intervals * support.RETRANSMIT_TICKS):
        sim.run_round()
    bundles_max = 3 * 3 * (intervals // limits.CATCH_UP_BACKOFF_INTERVALS_MAX + 1)
    # A bundle is the pre-prepare plus the certificate's commits not signed by v3.
    assert sim.unicasts_to["v3"] - before <= bundles_max * (1 + support.VALIDATORS.n - 1)
    assert sim.unicasts_to["v3"] > before  # but it is not given up on


def test_retransmission_recovers_a_partition() -> None:
    """Everything to v2 and v3 is lost at first, so nothing can commit; afterwards the
    retransmitted pre-prepare and votes finish the height."""
    heal_round = 25

    def drop(sender: str, to: str, message: Message, round_: int) -> bool:
        return round_ < heal_round and to in ("v2", "v3")

    sim = support.Simulation(seed=7, target_height=3, drop=drop)
    sim.run(rounds_max=heal_round)
    assert all(len(n.applied) == 0 for n in sim.nodes.values())
    sim.run(rounds_max=200)
    assert sim.all_reached_target()
    sim.check_safety()


def test_backup_that_missed_the_preprepare_catches_up() -> None:
    """Only v3's copy of the first pre-prepare is lost. The other three commit without it and
    move on; v3 recovers through catch-up re-sends of the committed height."""

    dropped: list[Message] = []

    def drop(sender: str, to: str, message: Message, round_: int) -> bool:
        if isinstance(message, PrePrepare) and to == "v3" and not dropped:
            dropped.append(message)
            return True
        return False

    sim = support.Simulation(seed=3, target_height=4, drop=drop)
    sim.run(rounds_max=15, until=lambda: len(sim.nodes["v0"].applied) >= 1)
    assert len(sim.nodes["v0"].applied) >= 1
    assert len(sim.nodes["v3"].applied) == 0
    sim.run(rounds_max=200)
    assert sim.all_reached_target()
    sim.check_safety()


def test_equivocating_primary_never_splits_commits() -> None:
    """v0 (primary, Byzantine) sends block A to some backups and block B to the others, and
    signs commits for both. Honest replicas never commit two different blocks at height 1."""
    for seed in range(12):
        sim = support.Simulation(seed, target_height=1, byzantine=["v0"], delay_rounds_max=1)
        payload_a, digest_a = support.make_block(1, "A")
        payload_b, digest_b = support.make_block(1, "B")
        rng = random.Random(seed)
        for backup in ("v1", "v2", "v3"):
            payload, digest = (payload_a, digest_a) if rng.random() < 0.5 else (payload_b, digest_b)
            sim.inject(backup, support.signed_preprepare(1, payload, digest))
            sim.inject(backup, support.signed_commit(1, digest_a, "v0"))
            sim.inject(backup, support.signed_commit(1, digest_b, "v0"))
        sim.run(rounds_max=80)
        sim.check_safety()
        committed = {b.digest for n in sim.nodes.values() for b in n.applied}
        assert len(committed) <= 1


def test_a_lone_backup_given_another_block_commits_the_pairs_block() -> None:
    """With backups split one and two, only the pair can prepare; what is committed is the
    pair's block, by the lone backup too, which was given the other one: the pair's votes
    certify their block, and it asks one of them for the primary's pre-prepare of it
    (consensus/proposals.py). It never commits the block it was given."""
    sim = support.Simulation(seed=5, target_height=1, byzantine=["v0"])
    payload_a, digest_a = support.make_block(1, "A")
    payload_b, digest_b = support.make_block(1, "B")
    sim.inject("v1", support.signed_preprepare(1, payload_a, digest_a))
    for backup in ("v2", "v3"):
        sim.inject(backup, support.signed_preprepare(1, payload_b, digest_b))
    for backup in ("v1", "v2", "v3"):
        sim.inject(backup, support.signed_commit(1, digest_a, "v0"))
        sim.inject(backup, support.signed_commit(1, digest_b, "v0"))
    sim.run(rounds_max=80)
    sim.check_safety()
    assert [b.digest for b in sim.nodes["v2"].applied] == [digest_b]
    assert [b.digest for b in sim.nodes["v3"].applied] == [digest_b]
    assert [b.digest for b in sim.nodes["v1"].applied] == [digest_b]
    v1_sent = [m for sender, m in sim.sent if sender == "v1" and m.sender == "v1"]
    assert {(type(m).__name__, m.digest) for m in v1_sent if isinstance(m, Prepare | Commit)} == {
        ("Prepare", digest_a),
        ("Commit", digest_b),
    }


def test_backup_rejecting_blocks_never_prepares() -> None:
    sim = support.Simulation(seed=2, target_height=3)
    sim.nodes["v1"].accept_blocks = False
    sim.run(
        rounds_max=200,
        until=lambda: all(len(sim.nodes[v].applied) >= 3 for v in ("v0", "v2", "v3")),
    )
    assert all(len(sim.nodes[v].applied) >= 3 for v in ("v0", "v2", "v3"))
    assert not any(isinstance(m, Prepare | Commit) for m in sim.nodes["v1"].wal)
    assert not any(s == "v1" and isinstance(m, Prepare | Commit) for s, m in sim.sent)
    assert sim.nodes["v1"].applied == []
    sim.check_safety()


def test_crash_after_persist_and_restart_keeps_going_without_equivocating() -> None:
    """v2 crashes after syncing votes to its WAL but before sending them, misses traffic for a
    while, and restarts from the WAL: it re-sends, never signs a conflicting vote, and the
    chain keeps committing."""
    sim = support.Simulation(seed=11, target_height=8, delay_rounds_max=1)
    sim.run(rounds_max=100, until=lambda: len(sim.nodes["v2"].applied) >= 2)
    sim.nodes["v2"].crash_after_persist = True
    sim.run(rounds_max=20)
    assert sim.nodes["v2"].crashed
    wal_before = list(sim.nodes["v2"].wal)
    unsent = wal_before[-1]
    assert unsent.height == len(sim.nodes["v2"].applied) + 1
    assert ("v2", unsent) not in sim.sent, "the crash must hit between persist and send"
    sim.nodes["v2"].restart()
    assert ("v2", unsent) in sim.sent, "restored votes are re-sent"
    sim.run(rounds_max=400)
    assert sim.all_reached_target()
    sim.check_safety()
    assert sim.nodes["v2"].wal[: len(wal_before)] == wal_before
    support.check_no_equivocation(sim.nodes["v2"].wal)


def test_primary_restart_resends_its_proposal() -> None:
    """The primary crashes right after persisting its pre-prepare; after restart it re-sends
    it instead of proposing again, and the height commits with that block."""
    sim = support.Simulation(seed=4, target_height=2)
    primary = sim.nodes["v0"]
    sim.queue.clear()  # the first proposal was sent at start-up; pretend it was never sent
    sim.sent.clear()
    primary.wal.clear()
    primary.replica = support.make_replica("v0")
    primary.crash_after_persist = True
    primary.maybe_propose()
    primary.drain()
    assert primary.crashed and isinstance(primary.wal[0], PrePrepare)
    proposal = primary.wal[0]
    primary.restart()
    assert not primary.replica.can_propose()
    sim.run(rounds_max=200)
    assert sim.all_reached_target()
    assert sim.nodes["v1"].applied[0].digest == proposal.digest
    sim.check_safety()


# ====================================================================== unit scenarios


def test_normal_case_message_flow_for_one_backup() -> None:
    """Backup v1: pre-prepare -> Proposal; validated -> Prepare; 2f prepares -> Commit;
    quorum of commits -> committed block with a certificate of exactly those commits."""
    replica = support.make_replica("v1")
    assert not replica.is_primary and not replica.can_propose()
    payload, digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, digest))
    ready = support.drain(replica)
    assert ready.validate == (Proposal(0, 1, digest, payload),)
    assert ready.persist == () and ready.send == ()

    replica.validated(0, 1, digest, True)
    ready = support.drain(replica)
    assert [type(m) for m in ready.persist] == [Prepare]
    assert [o.message for o in ready.send] == list(ready.persist)
    assert ready.send[0].to is None

    replica.step(support.signed_prepare(1, digest, "v2"))  # 2f = 2 prepares with our own: prepared
    ready = support.drain(replica)
    # Prepared: the certificate is persisted for view changes, then the commit is signed.
    assert [type(m) for m in ready.persist] == [Prepared, Commit]
    prepared = ready.persist[0]
    assert isinstance(prepared, Prepared) and prepared.payload == payload
    assert (prepared.certificate.view, prepared.certificate.height) == (0, 1)
    assert [v.validator for v in prepared.certificate.prepares] == ["v1", "v2"]
    assert [o.message for o in ready.send] == [ready.persist[1]]

    replica.step(support.signed_commit(1, digest, "v0"))
    assert support.drain(replica).committed == ()
    replica.step(support.signed_commit(1, digest, "v3"))
    ready = support.drain(replica)
    (block,) = ready.committed
    assert (block.height, block.digest, block.payload) == (1, digest, payload)
    assert [v.validator for v in block.certificate.votes] == ["v0", "v1", "v3"]
    verify_commit_certificate(support.CHAIN, support.VALIDATORS, block.certificate, ED25519_SHA256)
    assert replica.committed_height == 1


def test_primary_flow_and_propose_errors() -> None:
    primary = support.make_replica("v0")
    assert primary.is_primary and primary.can_propose()
    with pytest.raises(NotPrimary):
        support.make_replica("v1").propose(*support.make_block(1))
    payload, digest = support.make_block(1)
    primary.propose(payload, digest)
    ready = support.drain(primary)
    assert [type(m) for m in ready.persist] == [PrePrepare]
    assert ready.validate == ()  # the primary's own proposal counts as validated
    assert not primary.can_propose()
    with pytest.raises(ProposalInFlight):
        primary.propose(*support.make_block(1, "again"))
    primary.step(support.signed_prepare(1, digest, "v1"))
    assert support.drain(primary).persist == ()
    primary.step(support.signed_prepare(1, digest, "v2"))
    assert [type(m) for m in support.drain(primary).persist] == [Prepared, Commit]
    primary.step(support.signed_commit(1, digest, "v1"))
    primary.step(support.signed_commit(1, digest, "v2"))
    ready = primary.ready()
    assert [b.height for b in ready.committed] == [1]
    # Not before the node has applied height 1: a proposal for 2 must see the new state.
    assert not primary.can_propose()
    with pytest.raises(ProposalInFlight):
        primary.propose(*support.make_block(2))
    primary.advance(ready)
    assert primary.can_propose()


def test_lagging_replica_finishes_from_a_relayed_certificate() -> None:
    """Without any prepares, the pre-prepare plus a quorum of commits (relayed by one helper)
    is enough: the commits already fix the block. The replica adds its own commit."""
    replica, digest = support.backup_that_prepared()
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender))
    ready = support.drain(replica)
    assert [type(m) for m in ready.persist] == [Commit]
    assert [v.validator for v in ready.committed[0].certificate.votes] == list(support.IDS)


def test_catch_up_sends_the_committed_height_to_a_peer_that_is_still_on_it() -> None:
    """After committing, a replica answers a peer's re-sent prepare with the pre-prepare and
    the certificate's commits, and sends nothing to peers that have the height."""
    replica, preprepare = support.backup_holding_preprepare()
    digest = preprepare.digest
    replica.validated(0, 1, digest, True)
    prepare_v2 = support.signed_prepare(1, digest, "v2")
    replica.step(prepare_v2)
    commits = [support.signed_commit(1, digest, sender) for sender in ("v0", "v2", "v3")]
    for commit in commits[:2]:
        replica.step(commit)
    ready = support.drain(replica)
    (own_commit,) = [m for m in ready.persist if isinstance(m, Commit)]
    assert [b.height for b in ready.committed] == [1]
    replica.step(commits[2])  # v3 voted too: it needs nothing
    replica.step(support.signed_prepare(2, support.make_block(2)[1], "v0"))  # ignored: primary
    support.drain(replica)
    replica.step(prepare_v2)  # v2 re-sends its prepare: it has not committed height 1
    support.drain(replica)
    for _ in range(support.RETRANSMIT_TICKS):
        replica.tick()
    sent = support.drain(replica).send
    assert {o.to for o in sent} == {"v2"}
    assert [o.message for o in sent] == [preprepare, commits[0], own_commit]


def test_a_replica_that_synced_a_height_hands_its_certificate_to_a_peer_still_on_it() -> None:
    """v3 reached height 1 by state transfer, so it kept no proof for catch-up; v1 is still
    working on height 1 with the block and its own commit. v1's re-sent prepare gets it the
    certificate's other commits (once an interval), and v1 commits height 1. Before, v3 only
    refused it, and with the last correct replica silent v1 waited forever (sim seed 195)."""
    payload, digest = support.make_block(1)
    synced = support.make_replica("v3")
    synced.synced(1, support.make_certificate(1, digest, voters=("v0", "v1", "v3")))
    support.drain(synced)
    lagging = support.make_replica("v1")
    lagging.step(support.signed_preprepare(1, payload, digest))
    support.drain(lagging)
    lagging.validated(0, 1, digest, True)
    ready = support.drain(lagging)
    (prepare,) = [o.message for o in ready.send if isinstance(o.message, Prepare)]
    lagging.step(support.signed_prepare(1, digest, "v2"))
    support.drain(lagging)
    assert lagging.committed_height == 0  # prepared, committed by itself only
    synced.step(prepare)
    sent = support.drain(synced).send
    assert {o.to for o in sent} == {"v1"}
    assert sorted((m.sender, m.height, m.digest) for m in (o.message for o in sent)) == [
        ("v0", 1, digest),
        ("v3", 1, digest),
    ]
    synced.step(prepare)  # again within the interval: nothing more
    assert support.drain(synced).send == ()
    for out in sent:
        lagging.step(out.message)
    assert [b.height for b in support.drain(lagging).committed] == [1]


def test_commits_and_prepares_may_arrive_before_the_preprepare() -> None:
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    for sender in ("v2", "v3"):
        replica.step(support.signed_prepare(1, digest, sender))
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender))
    assert support.drain(replica).committed == ()
    replica.step(support.signed_preprepare(1, payload, digest))
    assert len(support.drain(replica).validate) == 1
    replica.validated(0, 1, digest, True)
    ready = support.drain(replica)
    assert [type(m) for m in ready.persist] == [Prepare, Prepared, Commit]
    assert [b.digest for b in ready.committed] == [digest]
    assert len(ready.committed[0].certificate.votes) == 4  # all commits we had


def test_no_commit_without_validation_even_with_a_quorum() -> None:
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, digest))
    for sender in ("v2", "v3"):
        replica.step(support.signed_prepare(1, digest, sender))
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender))
    ready = support.drain(replica)
    assert ready.committed == () and ready.persist == ()
    replica.validated(0, 1, digest, False)
    ready = support.drain(replica)
    assert ready.committed == () and ready.persist == () and ready.send == ()
    assert "node rejected" in ready.rejected[0].reason
    for _ in range(3 * support.RETRANSMIT_TICKS):
        replica.tick()
    # It never votes for the block; after the view-change timeout it suspects the primary that
    # proposed it, still in view 0 (consensus/suspicion.py) ...
    sent = [o.message for o in support.drain(replica).send]
    assert sent and all(isinstance(m, Suspicion) and (m.view, m.height) == (0, 1) for m in sent)
    assert not replica.in_view_change and replica.view == 0
    # ... and asks for the next view once f+1 = 2 members suspect it (PBFT section 4.4).
    replica.step(support.signed_suspicion(1, "v2"))
    sent = [o.message for o in support.drain(replica).send]
    assert sent and all(isinstance(m, ViewChange) and m.new_view == 1 for m in sent)
    assert replica.in_view_change and replica.view == 1


def test_validated_misuse_raises_and_stale_answers_are_ignored() -> None:
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    with pytest.raises(ConsensusError, match="never proposed"):
        replica.validated(0, 1, digest, True)
    replica.step(support.signed_preprepare(1, payload, digest))
    support.drain(replica)
    with pytest.raises(ConsensusError, match="never proposed"):
        replica.validated(0, 1, support.make_block(1, "x")[1], True)
    replica.validated(0, 1, digest, True)
    replica.validated(0, 1, digest, True)  # repeated answer: harmless
    with pytest.raises(ConsensusError):
        replica.validated(0, 1, digest, False)
    replica.validated(5, 1, digest, False)  # another view: nothing to do


def test_advance_with_a_foreign_ready_raises() -> None:
    replica = support.make_replica("v1")
    replica.step(support.signed_preprepare(1, *support.make_block(1)))
    foreign = Ready((), (), (Proposal(0, 9, b"x" * 32, b""),), (), ())
    with pytest.raises(ConsensusError, match="validate"):
        replica.advance(foreign)
    replica.advance(replica.ready())
    assert not replica.has_ready()


def test_future_heights_are_buffered_and_processed_in_turn() -> None:
    replica = support.make_replica("v1")
    blocks = {h: support.make_block(h) for h in (1, 2)}
    payload2, digest2 = blocks[2]
    replica.step(support.signed_preprepare(2, payload2, digest2))
    replica.step(support.signed_prepare(2, digest2, "v2"))
    assert support.drain(replica).validate == ()  # height 2 waits for height 1
    payload1, digest1 = blocks[1]
    replica.step(support.signed_preprepare(1, payload1, digest1))
    support.drain(replica)
    replica.validated(0, 1, digest1, True)
    replica.step(support.signed_prepare(1, digest1, "v2"))
    for sender in ("v0", "v2"):
        replica.step(support.signed_commit(1, digest1, sender))
    ready = replica.ready()
    assert [b.height for b in ready.committed] == [1]
    assert ready.validate == ()  # never in the same Ready as the block below it
    replica.advance(ready)
    assert support.drain(replica).validate == (Proposal(0, 2, digest2, payload2),)


def test_equivocating_preprepare_is_rejected() -> None:
    replica = support.make_replica("v1")
    payload_a, digest_a = support.make_block(1, "A")
    payload_b, digest_b = support.make_block(1, "B")
    replica.step(support.signed_preprepare(1, payload_a, digest_a))
    replica.step(support.signed_preprepare(1, payload_b, digest_b))
    replica.step(support.signed_preprepare(1, payload_a, digest_a))  # duplicate: silently ignored
    ready = support.drain(replica)
    assert [p.digest for p in ready.validate] == [digest_a]
    assert len(ready.rejected) == 1 and "differs" in ready.rejected[0].reason


def test_equivocating_backup_vote_is_rejected_and_not_counted() -> None:
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    other = support.make_block(1, "other")[1]
    replica.step(support.signed_prepare(1, other, "v2"))
    replica.step(support.signed_prepare(1, digest, "v2"))
    replica.step(support.signed_preprepare(1, payload, digest))
    support.drain(replica)
    replica.validated(0, 1, digest, True)
    ready = support.drain(replica)
    assert [type(m) for m in ready.persist] == [Prepare]  # v2's vote for us was not kept
    replica.step(support.signed_prepare(1, digest, "v3"))
    assert [type(m) for m in support.drain(replica).persist] == [Prepared, Commit]


def _bad_messages() -> list[tuple[Message, str]]:
    payload, digest = support.make_block(1)
    good_prepare = support.signed_prepare(1, digest, "v2")
    outsider = Ed25519Signer("v9", b"\x09" * 32)
    far = limits.WINDOW_HEIGHTS + 1
    return [
        (replace(good_prepare, signature=b"\x00" * 64), "bad signature"),
        (replace(good_prepare, sender="v3"), "bad signature"),  # v2's signature, v3's name
        (replace(good_prepare, signature=b""), "signature is not"),
        (
            Prepare(
                0, 1, digest, "v9", outsider.sign(prepare_sign_bytes(support.CHAIN, 0, 1, digest))
            ),
            "unknown sender",
        ),
        (support.signed_prepare(far, digest, "v2"), "beyond window"),
        (support.signed_commit(10**9, digest, "v3"), "beyond window"),
        (support.signed_prepare(1, digest, "v2", view=1), "view 1"),
        (support.signed_prepare(1, digest, "v0"), "primary"),
        (support.signed_preprepare(1, payload, digest, sender="v2"), "primary is 'v0'"),
        (replace(good_prepare, digest=b"short"), "digest"),
        (replace(good_prepare, height=0), "height"),
        (replace(good_prepare, height=-1), "height"),
        (replace(good_prepare, view=2**64), "view"),
        (replace(good_prepare, sender="x" * 100), "sender"),
        (
            support.signed_preprepare(1, b"\x00" * (limits.PAYLOAD_BYTES_MAX + 1), digest),
            "payload",
        ),
        (support.signed_commit(1, digest, "v1"), "own validator id"),
        (
            replace(
                good_prepare,
                signature=support.SIGNERS["v2"].sign(
                    commit_sign_bytes(support.CHAIN, 0, 1, digest)
                ),
            ),
            "bad signature",
        ),
    ]


@pytest.mark.parametrize("message,reason", _bad_messages())
def test_bad_peer_messages_are_rejected_without_effect(message: Message, reason: str) -> None:
    replica = support.make_replica("v1")
    replica.step(message)
    ready = support.drain(replica)
    assert len(ready.rejected) == 1
    assert reason in ready.rejected[0].reason
    assert ready.rejected[0].message is message
    assert (ready.persist, ready.send, ready.validate, ready.committed) == ((), (), (), ())


def test_bad_signatures_never_count_toward_quorums() -> None:
    replica, digest = support.backup_that_prepared()
    for sender in ("v2", "v3"):
        replica.step(replace(support.signed_prepare(1, digest, sender), signature=b"\x01" * 64))
    assert support.drain(replica).persist == ()
    for sender in ("v0", "v2", "v3"):
        replica.step(replace(support.signed_commit(1, digest, sender), signature=b"\x01" * 64))
    ready = support.drain(replica)
    assert ready.committed == () and len(ready.rejected) == 3


@settings(max_examples=200, deadline=None)
@given(
    view=st.integers(-2, 3),
    height=st.integers(-2, 12),
    digest=st.binary(min_size=0, max_size=40),
    sender=st.sampled_from([*support.IDS, "v9", ""]),
    signature=st.binary(min_size=0, max_size=70),
    kind=st.sampled_from(["preprepare", "prepare", "commit"]),
)
def test_step_never_raises_on_arbitrary_fields(
    view: int, height: int, digest: bytes, sender: str, signature: bytes, kind: str
) -> None:
    replica = support.make_replica("v1")
    message: Message
    if kind == "preprepare":
        message = PrePrepare(view, height, digest, b"payload", sender, signature)
    elif kind == "prepare":
        message = Prepare(view, height, digest, sender, signature)
    else:
        message = Commit(view, height, digest, sender, signature)
    replica.step(message)
    ready = support.drain(replica)
    assert len(ready.rejected) == 1  # random signatures never verify
    assert ready.persist == () and ready.committed == ()


def test_late_messages_are_rejected() -> None:
    replica = support.make_replica("v1", committed_height=5)
    replica.step(support.signed_commit(5, support.make_block(5)[1], "v2"))
    replica.step(support.signed_prepare(3, support.make_block(3)[1], "v2"))
    ready = support.drain(replica)
    reasons = [r.reason for r in ready.rejected]
    assert [r.split(" ")[:3] for r in reasons] == [
        ["height", "5", "already"],
        ["height", "3", "already"],
    ]


def test_per_sender_buffer_is_bounded() -> None:
    """A backup flooding every height, with two versions of each vote, gets exactly one
    prepare and one commit per height of the window kept; nothing beyond it."""
    replica = support.make_replica("v1")
    flood = [
        make(height, support.make_block(height, tag)[1], "v2")
        for height in range(1, limits.WINDOW_HEIGHTS + 3)
        for tag in ("a", "b")
        for make in (support.signed_prepare, support.signed_commit)
    ]
    for message in flood:
        replica.step(message)
    rejected = support.drain(replica).rejected
    kept = len(flood) - len(rejected)
    assert kept == 2 * limits.WINDOW_HEIGHTS <= limits.BUFFERED_MESSAGES_PER_SENDER_MAX
    reasons = {r.reason.split(" (")[0].split(" beyond")[0] for r in rejected}
    assert reasons == {
        "prepare differs from an earlier one by the same sender",
        "commit differs from an earlier one by the same sender",
        f"height {limits.WINDOW_HEIGHTS + 1}",
        f"height {limits.WINDOW_HEIGHTS + 2}",
    }


def test_a_conflicting_vote_is_rejected_with_the_vote_it_contradicts() -> None:
    """The pair of messages is the evidence of equivocation the node counts; a copy of the
    same vote, or an unrelated refusal, names no conflict."""
    replica = support.make_replica("v1")
    first = support.signed_prepare(1, support.make_block(1, "a")[1], "v2")
    second = support.signed_prepare(1, support.make_block(1, "b")[1], "v2")
    commit_a = support.signed_commit(1, support.make_block(1, "a")[1], "v2")
    commit_b = support.signed_commit(1, support.make_block(1, "b")[1], "v2")
    for message in (first, first, second, commit_a, commit_b):
        replica.step(message)
    replica.step(
        support.signed_prepare(1, support.make_block(1, "a")[1], "v0")
    )  # the primary's prepare
    rejected = support.drain(replica).rejected
    assert [(r.message, r.conflicts_with) for r in rejected] == [
        (second, first),
        (commit_b, commit_a),
        (rejected[2].message, None),
    ]
    assert "only pre-prepares" in rejected[2].reason


def test_message_log_cap_and_release() -> None:
    log = MessageLog()
    cap = limits.BUFFERED_MESSAGES_PER_SENDER_MAX
    for height in range(1, cap + 2):
        assert log.has_room("v2") == (height <= cap)
        log.add(support.signed_commit(height, support.make_block(height)[1], "v2"))
    log.drop_through(cap, self_id="v1")
    assert log.buffered_from("v2") == 1 and log.has_room("v2")


def test_retransmits_own_messages_every_interval() -> None:
    replica = support.make_replica("v1")
    support.accept_block(replica)
    (prepare,) = support.drain(replica).persist
    for _ in range(support.RETRANSMIT_TICKS - 1):
        replica.tick()
    assert support.drain(replica).send == ()
    replica.tick()
    ready = support.drain(replica)
    assert ready.send == (Outbound(None, prepare),)
    assert ready.persist == ()  # already in the WAL


def test_restart_resends_and_refuses_to_sign_conflicting_prepare() -> None:
    payload_a, digest_a = support.make_block(1, "A")
    payload_b, digest_b = support.make_block(1, "B")
    before = support.make_replica("v1")
    before.step(support.signed_preprepare(1, payload_a, digest_a))
    support.drain(before)
    before.validated(0, 1, digest_a, True)
    wal = list(support.drain(before).persist)

    after = support.make_replica("v1", signed=wal)
    ready = support.drain(after)
    assert ready.persist == ()
    assert [o.message for o in ready.send] == wal  # re-sent, not re-signed
    # The primary equivocates after the restart: v1 must not prepare block B.
    after.step(support.signed_preprepare(1, payload_b, digest_b))
    ready = support.drain(after)
    assert (
        ready.validate == ()
        and "conflicts with a vote we already signed" in ready.rejected[0].reason
    )
    # The block it did prepare arrives again: the node re-validates, no second signature.
    after.step(support.signed_preprepare(1, payload_a, digest_a))
    assert [p.digest for p in support.drain(after).validate] == [digest_a]
    after.validated(0, 1, digest_a, True)
    assert support.drain(after).persist == ()
    after.step(support.signed_prepare(1, digest_a, "v3"))
    prepared, commit = support.drain(after).persist
    assert isinstance(prepared, Prepared) and prepared.certificate.digest == digest_a
    assert isinstance(commit, Commit) and commit.digest == digest_a


def test_restart_with_commit_counts_it_toward_the_certificate() -> None:
    payload, digest = support.make_block(1)
    own_prepare = support.signed_prepare(1, digest, "v1")
    own_commit = support.signed_commit(1, digest, "v1")
    replica = support.make_replica("v1", signed=[own_prepare, own_commit])
    support.drain(replica)
    replica.step(support.signed_preprepare(1, payload, digest))
    support.drain(replica)
    replica.validated(0, 1, digest, True)
    for sender in ("v0", "v3"):
        replica.step(support.signed_commit(1, digest, sender))
    ready = support.drain(replica)
    assert ready.persist == ()
    assert [v.validator for v in ready.committed[0].certificate.votes] == ["v0", "v1", "v3"]


def test_restore_rejects_inconsistent_wal() -> None:
    digest_a, digest_b = support.make_block(1, "A")[1], support.make_block(1, "B")[1]
    # Own prepares of two digests, or a commit then a prepare of another digest.
    for first_vote, named in (
        (support.signed_prepare, "two"),
        (support.signed_commit, "two digests"),
    ):
        with pytest.raises(ConsensusError, match=named):
            support.make_replica(
                "v1",
                signed=[first_vote(1, digest_a, "v1"), support.signed_prepare(1, digest_b, "v1")],
            )
    # A commit may follow a prepare for another block (a certified block a faulty primary
    # did not give us: consensus/proposals.py); the restored replica holds both.
    replica = support.make_replica(
        "v1",
        signed=[
            support.signed_prepare(1, digest_a, "v1"),
            support.signed_commit(1, digest_b, "v1"),
        ],
    )
    assert {out.message.digest for out in support.drain(replica).send} == {digest_a, digest_b}
    with pytest.raises(ConsensusError, match="signed by"):
        support.make_replica("v1", signed=[support.signed_prepare(1, digest_a, "v2")])
    # Heights the node already applied are simply dropped.
    replica = support.make_replica(
        "v1", committed_height=3, signed=[support.signed_prepare(1, digest_a, "v1")]
    )
    assert support.drain(replica).send == ()


def test_single_validator_commits_alone() -> None:
    signer = Ed25519Signer("solo", b"\x05" * 32)
    validators = ValidatorSet((Validator("solo", signer.public_key),))
    replica = Replica(
        ReplicaConfig(support.CHAIN, validators, "solo", suite=ED25519_SHA256),
        signer,
        Ed25519Verifier(validators),
        committed_height=0,
    )
    for height in (1, 2, 3):
        replica.propose(*support.make_block(height))
        (block,) = support.drain(replica).committed
        assert block.height == height
        verify_commit_certificate(support.CHAIN, validators, block.certificate, ED25519_SHA256)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"retransmit_ticks": 0}, "retransmit_ticks"),
        ({"checkpoint_interval": 16, "window_heights": 31}, "window_heights"),
        ({"checkpoint_interval": 0}, "checkpoint_interval"),
        ({"view_change_timeout_ticks": 5}, "view_change_timeout_ticks"),
        ({"self_id": ""}, "validator id"),
    ],
)
def test_config_validation(bad: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        support.replica_config("v1", **bad)


def test_a_signer_of_another_validator_is_refused() -> None:
    with pytest.raises(ValueError, match="signer"):
        support.make_replica("v1", signer=support.SIGNERS["v2"])
