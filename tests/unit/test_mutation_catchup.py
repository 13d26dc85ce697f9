"""Edges of checkpoints, helping slow peers and state transfer found by mutation testing of
consensus/catchup.py (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 section 4.3; TOCS 2002 section 6.2. Four replicas v0..v3
(f = 1), checkpoints every 16 heights. One replica is driven with really signed messages and
ticks; the checks are on what it sends, refuses, asks the node to fetch and keeps (and, once,
on how many signatures it checks), never on a message text.
"""

from __future__ import annotations

from dataclasses import replace

from consensus.catchup import compute_backoff_ticks
from consensus.limits import CATCH_UP_BACKOFF_INTERVALS_MAX, VALIDATOR_SETS_KEPT_MAX
from consensus.messages import Checkpoint, Message, NewView
from consensus.ready import FetchRequest
from consensus.replica import Replica
from consensus.validators import ValidatorSchedule
from tests.unit import consensus_support as support


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
        if any(isinstance(o.message, Checkpoint) for o in support.drain(replica).send):
            at.append(tick)
    return at


def test_the_own_checkpoint_is_re_sent_with_back_off_until_stable() -> None:
    replica = support.make_replica("v3")
    for _ in range(16):
        support.commit_next(replica)
    r = support.RETRANSMIT_TICKS
    assert checkpoint_sends(replica, 15 * r) == [r, 3 * r, 7 * r, 15 * r]
    support.stabilise_checkpoint_16(replica)
    assert checkpoint_sends(replica, 20 * r) == []


def test_checkpoints_from_strangers_or_off_the_interval_are_refused() -> None:
    replica = support.make_replica("v3")
    digest = support.make_block(16)[1]
    off = support.signed_checkpoint(8, support.make_block(8)[1], "v1")
    replica.step(off)
    assert [r.message for r in support.drain(replica).rejected] == [off]
    good = support.signed_checkpoint(16, digest, "v1")
    replica.step(good)
    replica.step(good)  # a copy: dropped quietly
    assert support.drain(replica).rejected == ()
    assert replica.stats().checkpoint_votes == 1


def test_a_checkpoint_at_or_below_the_low_watermark_gets_the_stable_certificate() -> None:
    replica = support.make_replica("v3")
    for _ in range(16):
        support.commit_next(replica)
    digest = support.stabilise_checkpoint_16(replica)
    replica.step(support.signed_checkpoint(16, digest, "v2"))  # v2 has not seen it stable
    sent = [(o.to, o.message) for o in support.drain(replica).send]
    assert {to for to, _ in sent} == {"v2"}
    assert {m.sender for _, m in sent if isinstance(m, Checkpoint)} == {"v0", "v1", "v3"}


# ----------------------------------------------------------------- helping slow peers


def commit_height_1(
    replica: Replica,
    prepares: tuple[str, ...] = ("v1", "v2"),
    commits: tuple[str, ...] = ("v0", "v1"),
) -> bytes:
    """Height 1 committed by `replica` (a backup of view 0) on v0's block: prepares of
    `prepares`, then its own commit and those of `commits`; advanced. The block's digest."""
    digest = support.accept_block(replica)
    for sender in prepares:
        replica.step(support.signed_prepare(1, digest, sender))
    for sender in commits:
        replica.step(support.signed_commit(1, digest, sender))
    assert [b.height for b in support.drain(replica).committed] == [1]
    return digest


def bundle(
    peer: str, digest: bytes, commits: tuple[str, ...] = ("v0", "v1", "v3")
) -> list[Message]:
    """The proof of height 1 (v0's pre-prepare, the certificate's commits) as sent to
    `peer`: without what `peer` signed itself."""
    proof: list[Message] = (
        [] if peer == "v0" else [support.signed_preprepare(1, support.make_block(1)[0], digest)]
    )
    return proof + [support.signed_commit(1, digest, s) for s in commits if s != peer]


def sends_to(replica: Replica, ticks: int, peer: str) -> dict[int, list[Message]]:
    """Tick `ticks` times; what was sent to `peer`, by tick (1-based, ticks with no send
    left out)."""
    sent: dict[int, list[Message]] = {}
    for tick in range(1, ticks + 1):
        replica.tick()
        messages = [o.message for o in support.drain(replica).send if o.to == peer]
        if messages:
            sent[tick] = messages
    return sent


def test_a_peer_whose_commit_was_never_seen_gets_the_proof_with_back_off() -> None:
    """v2 prepared height 1 but its commit never came: the proof goes to it one interval
    after the commit, then 2, 4, 8, 16 intervals apart (the cap). v0, already past the
    height (it proposed height 2), and v1, whose commit is in the certificate, get nothing."""
    replica = support.make_replica("v3")
    digest = commit_height_1(replica)
    replica.step(support.signed_preprepare(2, *support.make_block(2)))
    support.drain(replica)
    r = support.RETRANSMIT_TICKS
    sent = sends_to(replica, 47 * r, "v2")
    assert sorted(sent) == [r, 3 * r, 7 * r, 15 * r, 31 * r, 47 * r]
    assert all(messages == bundle("v2", digest) for messages in sent.values())


def test_a_peer_known_to_be_past_the_height_is_not_helped() -> None:
    """v2's prepare for height 2 came before its prepare for height 1: its highest height
    is 2, so it has height 1 even though its commit never came."""
    replica = support.make_replica("v3")
    replica.step(support.signed_prepare(2, support.make_block(2)[1], "v2"))
    commit_height_1(replica)
    assert sends_to(replica, 8 * support.RETRANSMIT_TICKS, "v2") == {}


def test_a_stuck_peer_that_re_sends_its_prepare_is_answered_once_an_interval() -> None:
    """v1 (whose commit we hold) re-sends its prepare: it is stuck on the height, so it is
    sent the proof at the next tick, and again only an interval after the last answer
    however often it re-sends; a re-sent commit says nothing and gets nothing."""
    replica = support.make_replica("v3")
    digest = commit_height_1(replica)
    prepare = support.signed_prepare(1, digest, "v1")
    commit = support.signed_commit(1, digest, "v1")
    r = support.RETRANSMIT_TICKS
    to_v1: dict[int, list[Message]] = {}
    to_v2: dict[int, list[Message]] = {}
    for tick in range(1, 4 * r + 1):
        if tick in (3, 5, 6):
            replica.step(prepare)
        if tick in (2 * r, 2 * r + 2):
            replica.step(commit)
        replica.tick()
        ready = support.drain(replica)
        assert ready.rejected == ()  # copies of what it sent before: dropped quietly
        for out in ready.send:
            sent = to_v1 if out.to == "v1" else to_v2
            sent.setdefault(tick, []).append(out.message)
    assert to_v1 == {3: bundle("v1", digest), 3 + r: bundle("v1", digest)}
    assert sorted(to_v2) == [r, 3 * r]  # v2 is not held up by v1 waiting its turn


def test_a_late_prepare_is_kept_so_its_re_send_is_recognised() -> None:
    """v2's prepare arrived only after the commit: refused (the height is committed) but
    kept, so when v2 sends it again it is known to be stuck and is answered at once."""
    replica = support.make_replica("v3")
    digest = commit_height_1(replica, prepares=("v1",))
    late = support.signed_prepare(1, digest, "v2")
    replica.step(late)
    assert [r.message for r in support.drain(replica).rejected] == [late]
    replica.tick()
    assert support.drain(replica).send == ()
    replica.step(late)
    assert support.drain(replica).rejected == ()
    assert sends_to(replica, 1, "v2") == {1: bundle("v2", digest)}


def test_a_pre_prepare_with_another_payload_does_not_replace_the_one_seen() -> None:
    """A copy of v0's pre-prepare with another payload (same signed fields) is refused and
    not kept: v0's real pre-prepare sent again is still recognised as a re-send."""
    replica = support.make_replica("v3")
    digest = commit_height_1(replica)
    real = support.signed_preprepare(1, support.make_block(1)[0], digest)
    forged = replace(real, payload=b"height=1;txs=forged")
    replica.step(forged)
    assert [r.message for r in support.drain(replica).rejected] == [forged]
    replica.step(real)
    assert support.drain(replica).rejected == ()
    assert sends_to(replica, 1, "v0") == {1: bundle("v0", digest)}


def test_catch_up_reads_the_set_in_force_at_the_committed_height() -> None:
    """A set scheduled from height 3 (v3 leaves, v4 joins) does not change who is helped
    with height 1: v2, never v4."""
    replica = support.make_replica("v1")
    digest = commit_height_1(replica, prepares=("v2", "v3"), commits=("v0", "v3"))
    replica.schedule_validators(3, support.SET_5)
    r = support.RETRANSMIT_TICKS
    assert sends_to(replica, r, "v2") == {r: bundle("v2", digest, ("v0", "v1", "v3"))}
    assert sends_to(replica, 8 * r, "v4") == {}


def test_a_commit_of_an_older_view_for_a_committed_height_gets_no_new_view() -> None:
    """In view 1, height 1 committed: a late prepare of view 0 shows its sender is still in
    view 0 (it is sent the NewView); a late commit of view 0 says nothing (catch-up relays
    commits) and gets nothing."""
    replica, nv = support.in_view_1("v3")
    payload, digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, digest, sender="v1", view=1))
    support.drain(replica)
    replica.validated(1, 1, digest, True)
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_commit(1, digest, sender, view=1))
    assert [b.height for b in support.drain(replica).committed] == [1]
    replica.step(support.signed_commit(1, digest, "v2", view=0))
    assert [o.message for o in support.drain(replica).send if isinstance(o.message, NewView)] == []
    replica.step(support.signed_prepare(1, digest, "v0", view=0))
    assert [(o.to, o.message) for o in support.drain(replica).send] == [("v0", nv)]


# ----------------------------------------------------------------- after state transfer


def test_a_peer_still_on_the_height_reached_by_state_transfer_gets_its_certificate() -> None:
    """Synced to height 5 (so no proof kept for it): a peer's message for height 5 is
    refused, and the peer is sent the certificate's commits but its own, at most once an
    interval per peer."""
    replica = support.make_replica("v3")
    digest = support.make_block(5)[1]
    replica.synced(5, support.make_certificate(5, digest))
    support.drain(replica)
    first = support.signed_prepare(5, digest, "v0")
    replica.step(first)
    ready = support.drain(replica)
    assert [r.message for r in ready.rejected] == [first]
    commits = {s: support.signed_commit(5, digest, s) for s in ("v0", "v1", "v2")}
    assert [(o.to, o.message) for o in ready.send] == [("v0", commits["v1"]), ("v0", commits["v2"])]
    replica.step(support.signed_commit(5, digest, "v0"))  # within the interval: nothing more
    assert support.drain(replica).send == ()
    replica.step(support.signed_prepare(5, digest, "v2"))  # another peer: its own interval
    assert [(o.to, o.message) for o in support.drain(replica).send] == [
        ("v2", commits["v0"]),
        ("v2", commits["v1"]),
    ]
    for _ in range(support.RETRANSMIT_TICKS):
        replica.tick()
    support.drain(replica)
    replica.step(first)
    assert [o.to for o in support.drain(replica).send] == ["v0", "v0"]


def test_a_checkpoint_below_the_low_watermark_gets_a_certificate_made_of_others_votes() -> None:
    """The low watermark moved on a quorum of checkpoints from above (no own one there): a
    peer re-sending its checkpoint of that height is sent the others' votes."""
    replica = support.make_replica("v1")
    digest = support.make_block(64)[1]
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_checkpoint(64, digest, sender))
    support.drain(replica)
    assert replica.low_watermark == 64
    replica.step(support.signed_checkpoint(64, digest, "v2"))
    sent = [(o.to, o.message) for o in support.drain(replica).send]
    assert sent == [("v2", support.signed_checkpoint(64, digest, s)) for s in ("v0", "v3")]


def test_a_checkpoint_below_the_low_watermark_gets_the_own_one_without_a_certificate() -> None:
    """Synced to 16 (own checkpoint signed there), then to 20: the low watermark is 16 with
    no stable certificate; a peer asking about 16 is still sent our own vote."""
    replica = support.make_replica("v3")
    digest = support.make_block(16)[1]
    replica.synced(16, support.make_certificate(16, digest))
    replica.synced(20, support.make_certificate(20, support.make_block(20)[1]))
    support.drain(replica)
    assert replica.low_watermark == 16 and replica.stable_checkpoint is None
    replica.step(support.signed_checkpoint(16, digest, "v2"))
    sent = [(o.to, o.message) for o in support.drain(replica).send]
    assert sent == [("v2", support.signed_checkpoint(16, digest, "v3"))]


def test_a_checkpoint_from_a_stranger_is_refused_as_such() -> None:
    replica = support.make_replica("v3")
    digest = support.make_block(16)[1]
    stranger = replace(support.signed_checkpoint(16, digest, "v1"), sender="v9")
    replica.step(stranger)
    assert [r.message for r in support.drain(replica).rejected] == [stranger]
    assert replica.stats().checkpoint_votes == 0


def test_a_checkpoint_at_the_high_watermark_is_a_vote_not_a_claim_from_above() -> None:
    replica = support.make_replica("v3")
    high = replica.high_watermark
    replica.step(support.signed_checkpoint(high, support.make_block(high)[1], "v1"))
    assert support.drain(replica).rejected == ()
    stats = replica.stats()
    assert (stats.checkpoint_votes, stats.checkpoints_ahead) == (1, 0)
    replica.step(support.signed_checkpoint(high + 16, support.make_block(high + 16)[1], "v1"))
    stats = replica.stats()
    assert (stats.checkpoint_votes, stats.checkpoints_ahead) == (1, 1)


def test_the_own_checkpoint_can_complete_the_quorum() -> None:
    """v0's and v1's checkpoints of 16 came first; signing ours makes 16 stable."""
    replica = support.make_replica("v3")
    digest = support.make_block(16)[1]
    for sender in ("v0", "v1"):
        replica.step(support.signed_checkpoint(16, digest, sender))
    replica.synced(16, support.make_certificate(16, digest))
    support.drain(replica)
    assert replica.low_watermark == 16
    stable = replica.stable_checkpoint
    assert stable is not None and [v.validator for v in stable.votes] == ["v0", "v1", "v3"]


def fetches_by_tick(replica: Replica, ticks: int) -> dict[int, list[FetchRequest]]:
    """Tick `ticks` times; the fetch requests made, by tick (1-based)."""
    fetched: dict[int, list[FetchRequest]] = {}
    for tick in range(1, ticks + 1):
        replica.tick()
        requests = list(support.drain(replica).fetch)
        if requests:
            fetched[tick] = requests
    return fetched


def test_checkpoints_count_as_claims_of_committed_heights() -> None:
    """Two members' checkpoints of 64 (not a quorum): after two intervals with no commit,
    the replica fetches up to 64."""
    replica = support.make_replica("v3")
    digest = support.make_block(64)[1]
    for sender in ("v1", "v2"):
        replica.step(support.signed_checkpoint(64, digest, sender))
    assert support.drain(replica).fetch == ()
    assert fetches_by_tick(replica, 2 * support.RETRANSMIT_TICKS) == {
        2 * support.RETRANSMIT_TICKS: [FetchRequest(1, 64)]
    }


# ----------------------------------------------------------------- state transfer


def test_fetch_requests_are_repeated_at_doubling_intervals() -> None:
    """A stable checkpoint at 64 asks for the blocks at once, then after 2, 4, 8, 16, 16
    intervals until synced."""
    replica = support.make_replica("v3")
    digest = support.make_block(64)[1]
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_checkpoint(64, digest, sender))
    assert support.drain(replica).fetch == (FetchRequest(1, 64),)
    r = support.RETRANSMIT_TICKS
    fetched = fetches_by_tick(replica, 46 * r)
    assert sorted(fetched) == [2 * r, 6 * r, 14 * r, 30 * r, 46 * r]
    assert all(requests == [FetchRequest(1, 64)] for requests in fetched.values())


def claims(replica: Replica, by: dict[str, tuple[int, ...]], view: int = 0) -> None:
    """Each sender's prepares for the given heights (of `view`), in order."""
    for sender, heights in by.items():
        for height in heights:
            replica.step(
                support.signed_prepare(height, support.make_block(height)[1], sender, view=view)
            )
    support.drain(replica)


def test_f_plus_1_claims_fetch_two_intervals_after_the_last_commit() -> None:
    """Committed height 1 at tick 5; claims of v1 (above 70) and v2 (above 50): the fetch
    up to the (f+1)-th highest claim is asked exactly two intervals after that commit."""
    replica = support.make_replica("v3")
    for _ in range(5):
        replica.tick()
    support.commit_next(replica)
    claims(replica, {"v1": (70,), "v2": (50,)})
    r = support.RETRANSMIT_TICKS
    fetched = fetches_by_tick(replica, 2 * r + 10)
    assert fetched == {2 * r: [FetchRequest(2, 49)]}


def test_a_higher_claim_of_the_same_sender_counts() -> None:
    """v2 claims 60, then 61 (committed 59, then 60): the fetch goes up to 60."""
    replica = support.make_replica("v3")
    claims(replica, {"v1": (70,), "v2": (60, 61)})
    assert fetches_by_tick(replica, 2 * support.RETRANSMIT_TICKS) == {
        2 * support.RETRANSMIT_TICKS: [FetchRequest(1, 60)]
    }


def test_messages_of_another_view_claim_the_height_below_them() -> None:
    """Prepares of view 1 for height 2 from two members: they committed height 1."""
    replica = support.make_replica("v3")
    claims(replica, {"v1": (2,), "v2": (2,)}, view=1)
    assert fetches_by_tick(replica, 2 * support.RETRANSMIT_TICKS) == {
        2 * support.RETRANSMIT_TICKS: [FetchRequest(1, 1)]
    }


def test_buffered_messages_claim_the_height_below_them() -> None:
    """Prepares for height 5 (in the window) from two members: they committed height 4."""
    replica = support.make_replica("v3")
    claims(replica, {"v1": (5,), "v2": (5,)})
    assert replica.stats().log_messages == 2
    assert fetches_by_tick(replica, 2 * support.RETRANSMIT_TICKS) == {
        2 * support.RETRANSMIT_TICKS: [FetchRequest(1, 4)]
    }


def test_a_lower_claim_never_lowers_a_higher_one() -> None:
    """v1 claimed 60; its checkpoint of 16 arriving later does not lower that."""
    replica = support.make_replica("v3")
    claims(replica, {"v1": (60,), "v2": (61,)})
    replica.step(support.signed_checkpoint(16, support.make_block(16)[1], "v1"))
    assert fetches_by_tick(replica, 2 * support.RETRANSMIT_TICKS) == {
        2 * support.RETRANSMIT_TICKS: [FetchRequest(1, 59)]
    }


def test_a_message_at_height_1_claims_nothing() -> None:
    """A prepare for height 1 shows its sender's progress, not a committed height."""
    replica = support.make_replica("v3")
    claims(replica, {"v1": (1,)})
    assert replica.stats().peers_tracked == 1


class CountingVerifier:
    """The test verifier, counting the signatures it checks."""

    def __init__(self) -> None:
        self.calls = 0

    def verify(self, public_key: bytes, msg: bytes, signature: bytes) -> bool:
        self.calls += 1
        return support.VERIFIER.verify(public_key, msg, signature)


def test_a_claim_no_higher_than_the_senders_last_one_is_not_verified() -> None:
    """Claims cost a signature check only when they could raise the sender's height."""
    verifier = CountingVerifier()
    replica = support.make_replica("v3", verifier=verifier)
    claims(replica, {"v2": (60,)})
    assert verifier.calls == 1
    claims(replica, {"v2": (60, 50)})
    assert verifier.calls == 1
    claims(replica, {"v2": (61,)})
    assert verifier.calls == 2


def test_with_two_sets_scheduled_checkpoints_still_become_stable() -> None:
    """Every height-dependent look-up of the set in force works with a schedule of two sets
    (a later set scheduled from height 100): a quorum of checkpoints at 16 makes it stable
    and the blocks are fetched, and the claims they make are checked on the ticks after."""
    replica = support.make_replica("v3")
    replica.schedule_validators(100, support.SET_5)
    digest = support.make_block(16)[1]
    for sender in ("v0", "v1", "v2"):
        replica.step(support.signed_checkpoint(16, digest, sender))
    assert support.drain(replica).fetch == (FetchRequest(1, 16),)
    assert replica.low_watermark == 16
    fetched = fetches_by_tick(replica, 2 * support.RETRANSMIT_TICKS)
    assert fetched == {2 * support.RETRANSMIT_TICKS: [FetchRequest(1, 16)]}


def test_synced_to_the_committed_height_changes_nothing() -> None:
    replica = support.make_replica("v3")
    support.commit_next(replica)
    certificate = replica.committed_certificate
    assert certificate is not None
    replica.synced(1, certificate)
    assert replica.stats().recent_heights == 1
    assert not replica.has_ready()


def buffered_for_later(replica: Replica) -> None:
    """Prepares of v1 for heights 8 and 9 and v2's ViewChange for view 1, kept for later."""
    claims(replica, {"v1": (8, 9)})
    replica.step(support.signed_view_change("v2", 1))
    support.drain(replica)
    stats = replica.stats()
    assert (stats.log_messages, stats.view_changes) == (2, 1)


def test_synced_with_a_new_schedule_adopts_it_and_drops_what_the_old_one_checked() -> None:
    digest = support.make_block(5)[1]
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(
        100, support.SET_5
    )
    replica = support.make_replica("v3")
    buffered_for_later(replica)
    replica.synced(5, support.make_certificate(5, digest), schedule)
    assert replica.schedule == schedule
    stats = replica.stats()
    assert (stats.log_messages, stats.view_changes) == (0, 0)
    for same in (None, ValidatorSchedule.starting_with(support.VALIDATORS)):
        kept = support.make_replica("v3")
        buffered_for_later(kept)
        kept.synced(5, support.make_certificate(5, digest), same)
        stats = kept.stats()
        assert (stats.log_messages, stats.view_changes) == (2, 1)


def test_synced_keeps_every_set_from_the_next_height_on() -> None:
    """A schedule read at height 10 with sets activated at 2..60 but none at 11, more than
    the cap: the oldest are dropped down to the cap, but never the set in force at height 11
    (activated at 10, also the one the certificate of 10 is checked with) or a later one."""
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS)
    activations = [h for h in range(2, 61) if h != 11]
    for height in activations:
        schedule = schedule.with_activation(
            height, support.SET_5 if height % 2 else support.VALIDATORS
        )
    assert len(schedule.entries) - VALIDATOR_SETS_KEPT_MAX > activations.index(10)
    replica = support.make_replica("v3")
    replica.synced(10, support.make_certificate(10, support.make_block(10)[1]), schedule)
    assert replica.committed_height == 10
    assert [h for h, _ in replica.schedule.entries] == activations[activations.index(10) :]


def test_an_observer_synced_to_a_checkpoint_height_signs_no_checkpoint() -> None:
    """v3 leaves the set at height 5: synced to 16, it has no vote there; v2, a member,
    signs its checkpoint."""
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(5, support.SET_5)
    digest = support.make_block(16)[1]
    observer = support.make_replica("v3")
    observer.synced(16, support.make_certificate(16, digest), schedule)
    assert [m for m in support.drain(observer).persist if isinstance(m, Checkpoint)] == []
    member = support.make_replica("v2")
    member.synced(16, support.make_certificate(16, digest), schedule)
    persisted = [m for m in support.drain(member).persist if isinstance(m, Checkpoint)]
    assert persisted == [support.signed_checkpoint(16, digest, "v2")]


def test_synced_to_a_later_view_leaves_the_buffered_proposal_of_the_old_one() -> None:
    """A pre-prepare of view 0 for height 6 waits in the log. Synced to 5 on a certificate
    of view 0, the replica asks its node about that block; on one of view 2, it leaves view
    0 first and asks nothing."""
    payload, digest = support.make_block(6)
    certified = support.make_block(5)[1]
    for view, asked in ((0, [6]), (2, [])):
        replica = support.make_replica("v3")
        replica.step(support.signed_preprepare(6, payload, digest))
        support.drain(replica)
        replica.synced(
            5, support.make_certificate(5, certified, view=view, voters=("v0", "v1", "v2"))
        )
        assert [p.height for p in support.drain(replica).validate] == asked
        assert replica.view == view
