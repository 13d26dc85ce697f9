"""Timer and suspicion edges found by mutation testing of consensus/suspicion.py (issue 19,
docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 sections 4.4 and 4.5.2. Four replicas v0..v3 (f = 1);
v0 is the primary of view 0, v1 of view 1. One replica is driven with really signed messages
and ticks; the checks are on what it sends (Suspicions, ViewChanges, relays of a request or
of the NewView), its view, and which messages it refuses, never on a message text.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from consensus.crypto import Ed25519Signer, Ed25519Verifier
from consensus.limits import VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT
from consensus.messages import NewView, Suspicion, ViewChange
from consensus.replica import Replica
from consensus.signing import suspicion_sign_bytes
from consensus.validators import Validator, ValidatorSchedule, ValidatorSet
from tests.unit import consensus_support as support
from tests.unit.test_consensus_schedule import restarted

TIMEOUT = VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT


def suspicions_after(replica: Replica, ticks: int) -> list[tuple[int, Suspicion]]:
    """Tick `ticks` times; each Suspicion sent, with the tick (1-based) it was sent at."""
    sent = []
    for tick in range(1, ticks + 1):
        replica.tick()
        sent += [
            (tick, o.message)
            for o in support.drain(replica).send
            if isinstance(o.message, Suspicion)
        ]
    return sent


# ----------------------------------------------------------------- waiting on the height


def test_a_backup_that_saw_a_vote_suspects_after_exactly_the_timeout() -> None:
    """Idle ticks before the vote count for nothing: the timer starts at the vote."""
    replica = support.make_replica("v1")
    assert suspicions_after(replica, 3) == []
    replica.step(support.signed_prepare(1, support.make_block(1)[1], "v2"))
    support.drain(replica)
    sent = suspicions_after(replica, TIMEOUT)
    assert [(tick, s.view, s.height) for tick, s in sent] == [(TIMEOUT, 0, 1)]


def test_one_commit_of_another_view_is_waiting_too() -> None:
    """A commit for the height in flight signed in a later view (kept as a foreign commit)
    shows the height is being decided without us: the timer runs."""
    replica = support.make_replica("v1")
    replica.step(support.signed_commit(1, support.make_block(1)[1], "v2", view=1))
    support.drain(replica)
    sent = suspicions_after(replica, TIMEOUT)
    assert [tick for tick, _ in sent] == [TIMEOUT]


def test_a_replica_fetching_blocks_blames_no_primary() -> None:
    """A quorum of another view's commits for a block we do not hold starts state transfer;
    while it runs, neither the height nor a waiting request makes the backup suspect (its
    lag is its own), and the request is not relayed."""
    replica = support.make_replica("v1")
    digest = support.make_block(1)[1]
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender, view=1))
    assert [f.to_height for f in support.drain(replica).fetch] == [1]
    replica.set_waiting_request(b"tx-1")
    relays = []
    for _ in range(3 * TIMEOUT):
        replica.tick()
        ready = support.drain(replica)
        assert not any(isinstance(o.message, Suspicion) for o in ready.send)
        relays += ready.relay
    assert relays == [] and replica.view == 0


# ----------------------------------------------------------------- the request timer


def request_timeline(request: bytes) -> tuple[list[int], list[int]]:
    """v1 waits for `request` from tick 1; height 1 (other requests) commits at tick 5. The
    ticks of its relays and of its first suspicion."""
    replica = support.make_replica("v1")
    replica.set_waiting_request(request)
    relays: list[int] = []
    suspected: list[int] = []
    for tick in range(1, 60):
        replica.tick()
        if tick == 5:
            support.commit_next(replica, voters=("v0", "v2", "v3"))
        ready = support.drain(replica)
        relays += [tick] * len(ready.relay)
        if any(isinstance(o.message, Suspicion) for o in ready.send) and not suspected:
            suspected.append(tick)
    return relays, suspected


def test_a_named_request_keeps_its_timer_across_other_commits() -> None:
    """Relayed at tick 2, the request is still waiting after height 1 commits: the primary is
    suspected a full timeout after the relay, not later."""
    assert request_timeline(b"tx-1") == ([2], [2 + TIMEOUT])


def test_an_anonymous_request_restarts_its_timer_at_each_commit() -> None:
    """`set_requests_pending` names no request: every commit counts as serving it, so the
    timer (and the relay) start again after height 1 commits at tick 5."""
    assert request_timeline(b"") == ([2, 7], [7 + TIMEOUT])


def test_with_a_short_interval_the_request_is_relayed_after_one_tick() -> None:
    """A quarter of a 3-tick interval rounds down to none: the relay waits one tick."""
    replica = support.make_replica("v1", retransmit_ticks=3)
    replica.set_waiting_request(b"tx-1")
    replica.tick()
    assert [(r.request, r.primary) for r in support.drain(replica).relay] == [(b"tx-1", "v0")]


# ----------------------------------------------------------------- f+1 suspect


def test_a_member_that_asked_for_a_later_view_counts_as_suspecting() -> None:
    """v2 left view 0 (its ViewChange for view 1 is one member's: no join). When v1's own
    timer expires, v2 and v1 make f+1, and v1 asks for view 1."""
    replica = support.make_replica("v1")
    replica.step(support.signed_view_change("v2", 1))
    support.drain(replica)
    assert replica.view == 0
    replica.step(support.signed_prepare(1, support.make_block(1)[1], "v3"))
    for _ in range(TIMEOUT):
        replica.tick()
    sent = [o.message for o in support.drain(replica).send]
    assert [m.new_view for m in sent if isinstance(m, ViewChange)] == [1]
    assert replica.view == 1


def test_a_member_of_a_later_set_only_does_not_count_at_this_height() -> None:
    """v4 joins at height 5: its Suspicion of height 1 is kept (it is a member from the
    height in flight on) but counts for nothing at height 1, where it is no member."""
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(5, support.SET_5)
    replica = support.make_replica("v1", schedule=schedule)
    sig = support.NEWCOMER.sign(suspicion_sign_bytes(support.CHAIN, 0, 1))
    replica.step(Suspicion(view=0, height=1, sender="v4", signature=sig))
    assert support.drain(replica).rejected == ()
    replica.step(support.signed_prepare(1, support.make_block(1)[1], "v3"))
    for _ in range(3 * TIMEOUT):
        replica.tick()
    assert replica.view == 0 and not replica.in_view_change


# ----------------------------------------------------------------- receiving Suspicions


def test_a_suspicion_of_an_older_view_gets_the_new_view() -> None:
    """v3 entered view 1 by v1's NewView; v2 still suspecting view 0 is sent it."""
    replica, nv = support.in_view_1("v3")
    replica.step(support.signed_suspicion(1, "v2", view=0))
    assert [
        (o.to, o.message) for o in support.drain(replica).send if isinstance(o.message, NewView)
    ] == [("v2", nv)]


def test_stale_and_repeated_suspicions_are_dropped_before_their_signature_is_checked() -> None:
    """In the normal state, a Suspicion of a committed height or one not newer than the
    sender's last is dropped unverified; a newer one is verified (a forgery is refused)."""
    replica = support.make_replica("v1", committed_height=5)
    support.drain(replica)
    forged = [replace(support.signed_suspicion(h, "v2"), signature=bytes(64)) for h in (5, 6, 7)]
    replica.step(forged[0])  # height 5 is committed here
    assert support.drain(replica).rejected == ()
    replica.step(support.signed_suspicion(6, "v2"))
    assert support.drain(replica).rejected == ()
    replica.step(forged[1])  # not newer than the one held
    assert support.drain(replica).rejected == ()
    replica.step(forged[2])
    assert [r.message for r in support.drain(replica).rejected] == [forged[2]]


def test_while_changing_views_a_suspicion_of_any_height_is_checked() -> None:
    """Replicas changing views may stand at different heights: a Suspicion of a height we
    passed is still used then, so it is verified (a forgery is refused)."""
    replica = support.make_replica("v1", committed_height=5, view=1)
    support.drain(replica)
    assert replica.in_view_change
    forged = replace(support.signed_suspicion(1, "v2", view=1), signature=bytes(64))
    replica.step(forged)
    assert [r.message for r in support.drain(replica).rejected] == [forged]


def test_a_timer_started_with_a_new_key_counts_from_then() -> None:
    """v1 holds no key for height 9 (its rotated key is not added yet): it does not time out
    the height it waits on. Once the key is added it does, a full timeout later."""
    replica = restarted("v1", 8)
    replica.step(support.signed_prepare(9, support.make_block(9)[1], "v2"))
    assert suspicions_after(replica, TIMEOUT + 5) == []
    replica.add_signer(support.ROTATED)
    sent = suspicions_after(replica, TIMEOUT)
    assert [(tick, s.height) for tick, s in sent] == [(TIMEOUT, 9)]


def test_the_view_change_timer_runs_only_with_a_quorum_and_then_at_one_tick_a_tick() -> None:
    """In the view-change state (after one failed view: twice the timeout), ourselves and one
    peer asking for the view are not a quorum: no timer. With a second peer it runs, and the
    view is suspected exactly at its expiry."""
    replica = support.make_replica("v3")
    support.leave_view_0(replica, "v3")
    support.drain(replica)
    replica.step(support.signed_view_change("v1", 1))
    assert suspicions_after(replica, 3 * TIMEOUT) == []
    replica.step(support.signed_view_change("v2", 1))
    sent = suspicions_after(replica, 2 * TIMEOUT)
    assert [(tick, s.view) for tick, s in sent] == [(2 * TIMEOUT, 1)]


def test_under_a_two_set_schedule_the_timers_use_the_set_at_the_height_in_flight() -> None:
    """A schedule with two sets has no answer without a height: the request relay names the
    primary at the height in flight, and the view-change timer counts that set's members."""
    replica = support.make_replica("v1")
    replica.schedule_validators(1_000, support.VALIDATORS)
    replica.set_waiting_request(b"tx-1")
    relays = []
    for _ in range(3):
        replica.tick()
        relays += support.drain(replica).relay
    assert [r.primary for r in relays] == ["v0"]
    changing = support.make_replica("v3", view=1)
    changing.schedule_validators(1_000, support.VALIDATORS)
    for peer in ("v1", "v2"):
        changing.step(support.signed_view_change(peer, 1))
    support.drain(changing)
    assert [tick for tick, _ in suspicions_after(changing, TIMEOUT)] == [TIMEOUT]


def test_a_suspicion_of_a_later_view_gets_no_new_view() -> None:
    """Only a sender behind us (an older view) is sent our NewView; one suspecting a later
    view is ahead of us and is neither answered nor refused."""
    replica, _ = support.in_view_1("v3")
    replica.step(support.signed_suspicion(1, "v2", view=2))
    out = support.drain(replica)
    assert out.send == () and out.rejected == ()


def test_a_suspicion_from_a_stranger_is_refused_by_name() -> None:
    replica = support.make_replica("v1")
    stranger = replace(support.signed_suspicion(1, "v2"), sender="v9")
    replica.step(stranger)
    assert [r.message for r in support.drain(replica).rejected] == [stranger]


SEVEN = tuple(f"v{i}" for i in range(7))
SEVEN_SIGNERS = {
    v: Ed25519Signer(v, hashlib.sha256(b"seven:" + v.encode()).digest()) for v in SEVEN
}
SEVEN_SET = ValidatorSet(tuple(Validator(v, SEVEN_SIGNERS[v].public_key) for v in SEVEN))


def test_with_seven_members_three_must_suspect() -> None:
    """n = 7, f = 2: a backup that suspects with one other member stays in the view; a
    second other member's Suspicion makes f+1 = 3, and it asks for view 1."""
    replica = support.make_replica(
        "v1", signer=SEVEN_SIGNERS["v1"], verifier=Ed25519Verifier(SEVEN_SET), validators=SEVEN_SET
    )

    def suspicion(sender: str) -> Suspicion:
        sig = SEVEN_SIGNERS[sender].sign(suspicion_sign_bytes(support.CHAIN, 0, 1))
        return Suspicion(view=0, height=1, sender=sender, signature=sig)

    replica.step(suspicion("v2"))
    replica.set_waiting_request(b"tx-1")
    for _ in range(3 * TIMEOUT):
        replica.tick()
    assert replica.view == 0 and not replica.in_view_change
    replica.step(suspicion("v3"))
    assert replica.view == 1 and replica.in_view_change
