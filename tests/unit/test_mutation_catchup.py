"""Edges of checkpoints, helping slow peers and state transfer found by mutation testing of
consensus/catchup.py (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 section 4.3; TOCS 2002 section 6.2. Four replicas v0..v3
(f = 1), checkpoints every 16 heights. One replica is driven with really signed messages and
ticks; the checks are on what it sends, refuses, asks the node to fetch and keeps, never on a
message text.
"""

from __future__ import annotations

from consensus.catchup import compute_backoff_ticks
from consensus.limits import CATCH_UP_BACKOFF_INTERVALS_MAX
from consensus.messages import Checkpoint
from consensus.replica import Replica
from tests.unit.consensus_support import (
    RETRANSMIT_TICKS,
    drain,
    make_block,
    make_replica,
)
from tests.unit.test_consensus_checkpoints import signed_checkpoint
from tests.unit.test_mutation_heights import commit_next


def test_the_back_off_doubles_per_attempt_up_to_its_cap() -> None:
    assert [compute_backoff_ticks(10, a) for a in range(5)] == [10, 20, 40, 80, 160]
    assert compute_backoff_ticks(10, 4) == 10 * CATCH_UP_BACKOFF_INTERVALS_MAX
    assert compute_backoff_ticks(10, 5) == 10 * CATCH_UP_BACKOFF_INTERVALS_MAX
    assert compute_backoff_ticks(3, 10**6) == 3 * CATCH_UP_BACKOFF_INTERVALS_MAX


def checkpoint_sends(replica: Replica, ticks: int) -> list[int]:
    """Tick `ticks` times; the ticks (1-based) at which a Checkpoint was sent."""
    at = []
    for tick in range(1, ticks + 1):
        replica.tick()
        if any(isinstance(o.message, Checkpoint) for o in drain(replica).send):
            at.append(tick)
    return at


def test_the_own_checkpoint_is_re_sent_with_back_off_until_stable() -> None:
    replica = make_replica("v3")
    for _ in range(16):
        commit_next(replica)
    r = RETRANSMIT_TICKS
    assert checkpoint_sends(replica, 15 * r) == [r, 3 * r, 7 * r, 15 * r]
    digest = make_block(16)[1]
    for sender in ("v0", "v1"):
        replica.step(signed_checkpoint(16, digest, sender))
    drain(replica)
    assert replica.low_watermark == 16
    assert checkpoint_sends(replica, 20 * r) == []


def test_checkpoints_from_strangers_or_off_the_interval_are_refused() -> None:
    replica = make_replica("v3")
    digest = make_block(16)[1]
    off = signed_checkpoint(8, make_block(8)[1], "v1")
    replica.step(off)
    assert [r.message for r in drain(replica).rejected] == [off]
    good = signed_checkpoint(16, digest, "v1")
    replica.step(good)
    replica.step(good)  # a copy: dropped quietly
    assert drain(replica).rejected == ()
    assert replica.stats().checkpoint_votes == 1


def test_a_checkpoint_at_or_below_the_low_watermark_gets_the_stable_certificate() -> None:
    replica = make_replica("v3")
    for _ in range(16):
        commit_next(replica)
    digest = make_block(16)[1]
    for sender in ("v0", "v1"):
        replica.step(signed_checkpoint(16, digest, sender))
    drain(replica)
    assert replica.low_watermark == 16
    replica.step(signed_checkpoint(16, digest, "v2"))  # v2 has not seen it stable
    sent = [(o.to, o.message) for o in drain(replica).send]
    assert {to for to, _ in sent} == {"v2"}
    assert {m.sender for _, m in sent if isinstance(m, Checkpoint)} == {"v0", "v1", "v3"}
