"""Checkpoints, watermarks, garbage collection and state transfer.

Reference: Castro & Liskov, OSDI 1999, section 4.3; TOCS 2002, section 6.2 (state transfer).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import deque
from dataclasses import dataclass, fields

import pytest

from consensus import limits
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.messages import Checkpoint, Message
from consensus.ready import CommittedBlock, FetchRequest
from consensus.replica import Replica, ReplicaConfig, ReplicaStats
from consensus.validators import Validator, ValidatorSet
from suites import ED25519_SHA256
from tests.sim.fakecrypto import FakeSigner, FakeVerifier
from tests.unit import consensus_support as support

# ====================================================================== a lock-step cluster


@dataclass
class Cluster:
    """n replicas with fast fake keys on a perfect FIFO network, each driven as node/ does."""

    replicas: dict[str, Replica]
    applied: dict[str, list[CommittedBlock]]
    queue: deque[tuple[str, str | None, Message]]

    @classmethod
    def make(cls, n: int = 4, interval: int = 4, window: int = 8) -> Cluster:
        ids = [f"c{i}" for i in range(n)]
        signers = {vid: FakeSigner(vid) for vid in ids}
        validators = ValidatorSet(tuple(Validator(v, signers[v].public_key) for v in ids))
        replicas = {
            vid: Replica(
                ReplicaConfig(
                    support.CHAIN,
                    validators,
                    vid,
                    retransmit_ticks=5,
                    checkpoint_interval=interval,
                    window_heights=window,
                    suite=ED25519_SHA256,
                ),
                signers[vid],
                FakeVerifier(),
                committed_height=0,
            )
            for vid in ids
        }
        return cls(replicas, {vid: [] for vid in ids}, deque())

    def drain(self, vid: str) -> None:
        replica = self.replicas[vid]
        while True:
            height = replica.committed_height + 1
            if replica.can_propose():
                replica.propose(*support.make_block(height, f"c-{height}"))
            if not replica.has_ready():
                return
            ready = replica.ready()
            for out in ready.send:
                self.queue.append((vid, out.to, out.message))
            self.applied[vid].extend(ready.committed)
            replica.advance(ready)
            for p in ready.validate:
                replica.validated(p.view, p.height, p.digest, True)

    def run_until(self, height: int, steps_max: int = 10_000_000) -> None:
        for vid in self.replicas:
            self.drain(vid)
        for _ in range(steps_max):
            if all(r.committed_height >= height for r in self.replicas.values()):
                return
            if not self.queue:
                for vid, replica in self.replicas.items():
                    replica.tick()
                    self.drain(vid)
                continue
            sender, to, message = self.queue.popleft()
            for vid, replica in self.replicas.items():
                if vid != sender and (to is None or to == vid):
                    replica.step(message)
                    self.drain(vid)
        raise AssertionError("did not reach the height")


def test_checkpoints_become_stable_and_move_the_watermarks() -> None:
    cluster = Cluster.make(interval=4, window=8)
    cluster.run_until(10)
    for replica in cluster.replicas.values():
        stable = replica.stable_checkpoint
        assert stable is not None and stable.height == replica.low_watermark == 8
        assert replica.high_watermark == 16
        assert stable.digest == cluster.applied["c0"][7].digest
        assert len(stable.votes) >= 3


def test_memory_stays_bounded_however_long_the_chain_runs() -> None:
    """Thousands of heights: every table of every replica stays under a bound that depends on
    the window and the validator count, not on the length of the chain."""
    window, n = 8, 4
    cluster = Cluster.make(n=n, interval=4, window=window)
    peak: dict[str, int] = {}
    for target in range(250, 3001, 250):
        cluster.run_until(target)
        for replica in cluster.replicas.values():
            for f in fields(ReplicaStats):
                peak[f.name] = max(peak.get(f.name, 0), getattr(replica.stats(), f.name))
    assert all(len(a) >= 3000 for a in cluster.applied.values())
    bounds = {
        "log_slots": window,
        "log_messages": window * (1 + 2 * n),
        "own_messages": 3 * window,
        "recent_heights": limits.RECENT_HEIGHTS_RETAINED,
        "foreign_commits": n * limits.OLD_VIEW_COMMITS_PER_SENDER_MAX,
        "view_changes": n,
        "checkpoint_heights": window // 4 + 1,
        "checkpoint_votes": n * (window // 4 + 1),
        "checkpoints_ahead": n,
        "schedule_sets": limits.VALIDATOR_SETS_KEPT_MAX,
        "peers_tracked": 2 * n + 2 * n,
    }
    for name, bound in bounds.items():
        assert peak[name] <= bound, f"{name} reached {peak[name]}, bound {bound}"


# ====================================================================== watermarks


def test_messages_outside_the_watermarks_are_rejected() -> None:
    replica = support.make_replica("v1", committed_height=16)  # low watermark 16, high 16 + 32
    assert (replica.low_watermark, replica.high_watermark) == (16, 48)
    far = support.signed_prepare(49, support.make_block(49)[1], "v2")
    replica.step(far)
    assert "beyond window" in support.drain(replica).rejected[0].reason
    inside = support.signed_prepare(48, support.make_block(48)[1], "v2")
    replica.step(inside)
    assert support.drain(replica).rejected == ()


def test_checkpoint_messages_are_checked() -> None:
    replica = support.make_replica("v1")
    _, digest = support.make_block(16)
    good = support.signed_checkpoint(16, digest, "v2")
    cases = [
        (support.signed_checkpoint(15, digest, "v2"), "not a checkpoint height"),
        (Checkpoint(16, digest, "v2", b"\x00" * 64), "bad signature"),
        (Checkpoint(16, digest, "v9", good.signature), "unknown sender"),
        (Checkpoint(16, b"short", "v2", good.signature), "malformed"),
    ]
    for message, reason in cases:
        replica.step(message)
        assert reason in support.drain(replica).rejected[0].reason
    replica.step(good)
    replica.step(support.signed_checkpoint(16, support.make_block(16, "other")[1], "v2"))
    assert "differs" in support.drain(replica).rejected[0].reason


def test_a_stable_checkpoint_above_us_starts_state_transfer() -> None:
    """Verified checkpoints of a quorum prove the height: the replica fetches up to it and
    moves its low watermark there, without trusting any single peer."""
    replica = support.make_replica("v1")
    _, digest = support.make_block(64)
    replica.step(support.signed_checkpoint(64, digest, "v2"))
    replica.step(support.signed_checkpoint(64, digest, "v3"))
    assert support.drain(replica).fetch == ()  # two claims are not a quorum
    replica.step(support.signed_checkpoint(64, digest, "v0"))
    ready = support.drain(replica)
    assert ready.fetch == (FetchRequest(1, 64),)
    assert replica.low_watermark == 64


def test_a_proposal_dropped_by_a_stable_checkpoint_can_still_be_answered() -> None:
    """The node was asked to validate height 1; before it answered, a stable checkpoint at
    64 dropped the slot. The late answer must be ignored (a real node crashed here, with
    "validated() ... never proposed"), and the replica fetches the blocks instead."""
    replica = support.make_replica("v1")
    payload, block_digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, block_digest))
    _, digest = support.make_block(64)
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_checkpoint(64, digest, sender))
    ready = support.drain(replica)
    assert [p.height for p in ready.validate] == [1]
    assert ready.fetch == (FetchRequest(1, 64),)
    replica.validated(0, 1, block_digest, True)  # must not raise
    assert replica.committed_height == 0
    assert support.drain(replica).send == ()  # no prepare for a dropped slot
    with pytest.raises(ConsensusError, match="never proposed"):
        replica.validated(0, 1, block_digest, True)  # a second, unasked answer is a bug


def test_one_peer_claiming_to_be_ahead_is_not_enough() -> None:
    """Signed messages from above the window count as claims; f+1 distinct members must make
    them, and the replica must have made no progress for two retransmit intervals."""
    replica = support.make_replica("v1")
    replica.step(support.signed_prepare(60, support.make_block(60)[1], "v2"))
    for _ in range(30):
        replica.tick()
    assert support.drain(replica).fetch == ()
    replica.step(support.signed_prepare(50, support.make_block(50)[1], "v3"))
    for _ in range(30):
        replica.tick()
    fetches = support.drain(replica).fetch
    assert fetches and fetches[0] == FetchRequest(1, 49)  # the (f+1)-th highest claim


def test_fetch_requests_are_repeated_with_back_off_until_synced() -> None:
    replica = support.make_replica("v1")
    _, digest = support.make_block(64)
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_checkpoint(64, digest, sender))
    ticks_of_requests = []
    for tick in range(1, 400):
        replica.tick()
        if support.drain(replica).fetch:
            ticks_of_requests.append(tick)
    gaps = [b - a for a, b in itertools.pairwise(ticks_of_requests)]
    assert gaps == sorted(gaps) and gaps[-1] <= 10 * limits.CATCH_UP_BACKOFF_INTERVALS_MAX
    replica.synced(64, support.make_certificate(64, digest))
    assert replica.committed_height == 64
    for _ in range(400):
        replica.tick()
    assert support.drain(replica).fetch == ()


def test_synced_checks_its_input() -> None:
    replica = support.make_replica("v1")
    _, digest = support.make_block(5)
    with pytest.raises(ValueError, match="not for committed_height"):
        replica.synced(5, support.make_certificate(4, digest))
    with pytest.raises(InvalidCertificate):
        replica.synced(5, support.make_certificate(5, digest, voters=("v0", "v2")))
    replica.synced(5, support.make_certificate(5, digest))
    assert replica.committed_height == 5 and replica.committed_certificate is not None
    replica.synced(3, support.make_certificate(3, support.make_block(3)[1]))  # stale: ignored
    assert replica.committed_height == 5


def test_synced_signs_the_checkpoint_it_reached() -> None:
    replica = support.make_replica("v1")
    _, digest = support.make_block(32)
    replica.synced(32, support.make_certificate(32, digest))
    (checkpoint,) = [m for m in support.drain(replica).persist if isinstance(m, Checkpoint)]
    assert (checkpoint.height, checkpoint.digest, checkpoint.sender) == (32, digest, "v1")


def test_synced_refuses_while_a_committed_block_awaits_advance() -> None:
    replica = support.make_replica("v0")
    replica.propose(*support.make_block(1))
    for sender in ("v1", "v2"):
        replica.step(support.signed_prepare(1, support.make_block(1)[1], sender))
    for sender in ("v1", "v2"):
        replica.step(support.signed_commit(1, support.make_block(1)[1], sender))
    assert replica.ready().committed
    with pytest.raises(ConsensusError, match="awaits advance"):
        replica.synced(5, support.make_certificate(5, support.make_block(5)[1]))


def test_restart_needs_the_certificate_of_the_committed_height() -> None:
    signer = support.SIGNERS["v1"]
    config = ReplicaConfig(support.CHAIN, support.VALIDATORS, "v1", suite=ED25519_SHA256)
    with pytest.raises(ValueError, match="committed_certificate is required"):
        Replica(config, signer, support.VERIFIER, committed_height=3)
    with pytest.raises(InvalidCertificate):
        Replica(
            config,
            signer,
            support.VERIFIER,
            committed_height=3,
            committed_certificate=support.make_certificate(
                3, support.make_block(3)[1], voters=("v0",)
            ),
        )


def test_limits_fit_together() -> None:
    assert limits.WINDOW_HEIGHTS_DEFAULT >= 2 * limits.CHECKPOINT_INTERVAL_DEFAULT
    assert limits.BUFFERED_MESSAGES_PER_SENDER_MAX >= 2 * limits.WINDOW_HEIGHTS_MAX
    assert limits.VALIDATOR_SETS_KEPT_MAX > limits.SCHEDULED_SETS_MAX
    assert limits.SIGNERS_MAX >= 2 and limits.VIEW_AHEAD_MAX >= 1
    digest = hashlib.sha256(b"x").digest()
    assert len(digest) == limits.DIGEST_BYTES
