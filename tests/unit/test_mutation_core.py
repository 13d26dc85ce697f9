"""What every part of the replica shares, edges found by mutation testing of consensus/core.py
(issue 19, docs/mutation.md): the configuration's ranges at their exact edges, the
constructor's checks, and the watermarks it starts from. Checks are on error kinds and
on the replica's state, never on a message text.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from consensus import limits
from consensus.core import Status
from consensus.crypto import Ed25519Signer, Signer
from consensus.errors import ConsensusError, InvalidCertificate
from consensus.messages import CommitCertificate, Suspicion
from consensus.replica import Replica, ReplicaConfig
from consensus.validators import ValidatorSchedule, ValidatorSet
from tests.unit import consensus_support as support


def config(**overrides: object) -> ReplicaConfig:
    return support.replica_config("v1", **overrides)


def start(
    committed_height: int = 0,
    certificate: CommitCertificate | None = None,
    view: int = 0,
    signer: Signer = support.SIGNERS["v1"],
) -> Replica:
    """Replica v1 of the default configuration, started as given."""
    return Replica(
        config(),
        signer,
        support.VERIFIER,
        committed_height=committed_height,
        committed_certificate=certificate,
        view=view,
    )


def test_config_chain_id_is_one_to_its_limit_in_bytes() -> None:
    assert config(chain_id="x").chain_id == "x"
    assert config(chain_id="x" * limits.CHAIN_ID_BYTES_MAX).chain_id
    for bad in ("", "x" * (limits.CHAIN_ID_BYTES_MAX + 1), "é" * 65):
        with pytest.raises(ValueError):
            config(chain_id=bad)


def test_config_self_id_must_be_a_validator_id() -> None:
    assert config(self_id="v9").self_id == "v9"  # need not be a member (an observer)
    for bad in ("", "x" * (limits.VALIDATOR_ID_BYTES_MAX + 1)):
        with pytest.raises(ValueError):
            config(self_id=bad)


def test_config_ticks_at_their_edges() -> None:
    low = limits.RETRANSMIT_TICKS_MIN
    assert config(retransmit_ticks=low, view_change_timeout_ticks=low).retransmit_ticks == low
    with pytest.raises(ValueError):
        config(retransmit_ticks=low - 1, view_change_timeout_ticks=low)
    assert config(retransmit_ticks=7, view_change_timeout_ticks=7).view_change_timeout_ticks == 7
    with pytest.raises(ValueError):
        config(retransmit_ticks=7, view_change_timeout_ticks=6)


def test_config_checkpoint_interval_and_window_at_their_edges() -> None:
    least = limits.CHECKPOINT_INTERVAL_MIN
    assert config(checkpoint_interval=least, window_heights=2 * least).window_heights == 2
    with pytest.raises(ValueError):
        config(checkpoint_interval=least - 1, window_heights=2)
    assert config(checkpoint_interval=8, window_heights=16).window_heights == 16
    with pytest.raises(ValueError):
        config(checkpoint_interval=8, window_heights=15)
    most = limits.WINDOW_HEIGHTS_MAX
    assert config(checkpoint_interval=8, window_heights=most).window_heights == most
    with pytest.raises(ValueError):
        config(checkpoint_interval=8, window_heights=most + 1)


def test_the_signer_must_be_this_validators() -> None:
    with pytest.raises(ValueError):
        start(signer=support.SIGNERS["v2"])
    assert start().committed_height == 0


def test_committed_height_and_view_ranges() -> None:
    top = limits.U64_MAX - 2 * limits.WINDOW_HEIGHTS_MAX
    digest = support.make_block(top)[1]
    assert start(top, support.make_certificate(top, digest)).committed_height == top
    for bad in (-1, top + 1):
        with pytest.raises(ValueError):
            start(bad)
    view_top = limits.U64_MAX - limits.VIEW_AHEAD_MAX
    assert start(view=view_top).view == view_top
    for bad in (-1, view_top + 1):
        with pytest.raises(ValueError):
            start(view=bad)


def test_a_committed_height_above_the_range_is_refused_even_with_its_certificate() -> None:
    """The range check itself, not the certificate check, refuses the first height past it."""
    over = limits.U64_MAX - 2 * limits.WINDOW_HEIGHTS_MAX + 1
    with pytest.raises(ValueError):
        start(over, support.make_certificate(over, support.make_block(over)[1]))


@pytest.mark.parametrize(
    ("view", "status"), ((0, Status.NORMAL), (1, Status.VIEW_CHANGE), (7, Status.VIEW_CHANGE))
)
def test_a_replica_built_in_a_view_above_0_starts_by_changing_views(
    view: int, status: Status
) -> None:
    """View 0 needs no NewView; a replica restored into a later view has not seen that view's
    NewView (it waits for it, or sends its ViewChange), so it is not in its normal case."""
    replica = start(view=view)
    assert (replica.view, replica.status) == (view, status)


def test_a_committed_height_needs_its_valid_certificate() -> None:
    with pytest.raises(InvalidCertificate):  # from height 1 on, not only above it
        start(1, support.make_certificate(1, support.make_block(1)[1], voters=("v0", "v1")))
    digest = support.make_block(5)[1]
    with pytest.raises(ValueError):
        start(5)
    with pytest.raises(ValueError):
        start(5, support.make_certificate(4, digest))
    with pytest.raises(InvalidCertificate):
        start(5, support.make_certificate(5, digest, voters=("v0", "v1")))
    cert = support.make_certificate(5, digest)
    assert start(5, cert).committed_certificate == cert


def test_the_low_watermark_starts_at_the_last_checkpoint_height() -> None:
    for committed, low in ((0, 0), (15, 0), (16, 16), (17, 16), (40, 32)):
        replica = support.make_replica("v1", committed_height=committed)
        assert (replica.low_watermark, replica.high_watermark) == (low, low + 32)


def test_a_rotated_key_signs_only_where_it_is_listed() -> None:
    rotated = Ed25519Signer("v1", hashlib.sha256(b"rotated").digest())
    replica = start(signer=rotated)
    assert replica._signer_for(1) is None
    replica.add_signer(support.SIGNERS["v1"])
    assert replica._signer_for(1) == support.SIGNERS["v1"]
    with pytest.raises(ValueError):
        replica.add_signer(support.SIGNERS["v2"])


# ----------------------------------------------------------------- checking and signing


def shrinking_schedule() -> ValidatorSchedule:
    """The genesis set, then from height 10 the same set without v3."""
    without_v3 = ValidatorSet(tuple(v for v in support.VALIDATORS.validators if v.id != "v3"))
    return ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(10, without_v3)


def test_a_message_of_a_height_its_sender_is_no_member_at_is_refused() -> None:
    """v3 is a member from the height in flight on, but not at height 10 or 16: its
    prepare and its checkpoint there are refused, whatever they carry."""
    replica = Replica(
        config(),
        support.SIGNERS["v1"],
        support.VERIFIER,
        committed_height=0,
        schedule=shrinking_schedule(),
    )
    prepare = support.signed_prepare(10, support.make_block(10)[1], "v3")
    checkpoint = support.signed_checkpoint(16, support.make_block(16)[1], "v3")
    replica.step(prepare)
    replica.step(checkpoint)
    ready = support.drain(replica)
    assert [r.message for r in ready.rejected] == [prepare, checkpoint]
    assert replica._log.find(0, 10) is None and replica.stats().checkpoint_votes == 0
    # a member's checkpoint is checked against the set in force at its own height
    replica.step(support.signed_checkpoint(16, support.make_block(16)[1], "v2"))
    assert support.drain(replica).rejected == ()
    assert replica.stats().checkpoint_votes == 1


def test_a_copy_is_dropped_and_a_different_second_message_is_refused_by_name() -> None:
    replica = support.make_replica("v1")
    first = support.signed_prepare(1, support.make_block(1)[1], "v2")
    second = support.signed_prepare(1, support.make_block(1, "other")[1], "v2")
    replica.step(first)
    replica.step(first)
    assert support.drain(replica).rejected == ()
    # a retransmitted copy must not count twice against the sender's cap
    assert replica._log.buffered_from("v2") == 1
    replica.step(second)
    assert [r.message for r in support.drain(replica).rejected] == [second]
    checkpoint = support.signed_checkpoint(16, support.make_block(16)[1], "v2")
    other = support.signed_checkpoint(16, support.make_block(16, "other")[1], "v2")
    replica.step(checkpoint)
    replica.step(checkpoint)
    replica.step(other)
    assert [r.message for r in support.drain(replica).rejected] == [other]


def test_own_votes_are_not_counted_against_our_own_cap() -> None:
    replica, _ = support.backup_that_prepared("v1")
    assert replica._log.buffered_from("v1") == 0
    assert replica._log.buffered_from("v0") == 1


def test_the_last_line_of_defence_refuses_a_second_digest() -> None:
    replica, digest = support.backup_that_prepared("v1")
    other = support.make_block(1, "other")[1]
    slot = replica._log.find(0, 1)
    assert slot is not None
    with pytest.raises(ConsensusError):
        replica._check_not_conflicting(0, 1, other, "prepare")
    replica._check_not_conflicting(0, 1, digest, "prepare")  # the same digest is fine
    replica._check_not_conflicting(1, 1, other, "prepare")  # another view is another slot
    commit = replica._sign_normal("commit", slot, digest)
    replica._record_own(commit)
    with pytest.raises(ConsensusError):
        replica._sign_normal("commit", slot, other)


def test_an_observer_in_a_view_change_signs_nothing() -> None:
    observer_key = Ed25519Signer("v9", hashlib.sha256(b"observer").digest())
    observer = Replica(
        config(self_id="v9"), observer_key, support.VERIFIER, committed_height=0, view=2
    )
    for _ in range(3 * 10):
        observer.tick()
    assert support.drain(observer).persist == ()
    assert observer.in_view_change


# ----------------------------------------------------------------- what the replica keeps


def _schedule(activations: list[tuple[int, ValidatorSet]]) -> ValidatorSchedule:
    return ValidatorSchedule(tuple(activations))


WITHOUT_V3 = ValidatorSet(tuple(v for v in support.VALIDATORS.validators if v.id != "v3"))


def test_validator_sets_beyond_the_cap_are_dropped_from_the_oldest() -> None:
    """Started at height 5 with one set too many, the replica drops the genesis set (no
    longer in force at the height in flight, 6) and keeps exactly the cap."""
    kept = limits.VALIDATOR_SETS_KEPT_MAX
    schedule = _schedule(
        [(0, support.VALIDATORS), *((5 + i, support.VALIDATORS) for i in range(1, kept + 1))]
    )
    replica = Replica(
        config(),
        support.SIGNERS["v1"],
        support.VERIFIER,
        committed_height=5,
        committed_certificate=support.make_certificate(5, support.make_block(5)[1]),
        schedule=schedule,
    )
    assert replica._schedule.entries == schedule.entries[1:]


def test_the_set_in_force_at_the_height_in_flight_is_never_dropped() -> None:
    """One set too many, the next one from height 2: the genesis set is still in force at
    height 1, the height in flight, so nothing is dropped, and v3 still votes there."""
    kept = limits.VALIDATOR_SETS_KEPT_MAX
    schedule = _schedule(
        [(0, support.VALIDATORS), *((1 + i, WITHOUT_V3) for i in range(1, kept + 1))]
    )
    replica = Replica(
        config(), support.SIGNERS["v1"], support.VERIFIER, committed_height=0, schedule=schedule
    )
    assert replica._schedule.entries == schedule.entries
    prepare = support.signed_prepare(1, support.make_block(1)[1], "v3")
    replica.step(prepare)
    assert support.drain(replica).rejected == ()
    assert replica._log.buffered_from("v3") == 1


def _key(n: int) -> Ed25519Signer:
    return Ed25519Signer("v1", hashlib.sha256(b"v1 key %d" % n).digest())


def _key_at(replica: Replica, height: int) -> bytes | None:
    signer = replica._signer_for(height)
    return signer.public_key if signer is not None else None


def _rotated(key: Signer) -> ValidatorSet:
    return ValidatorSet(
        tuple(
            replace(v, public_key=key.public_key) if v.id == "v1" else v
            for v in support.VALIDATORS.validators
        )
    )


def test_keys_past_the_limit_keep_only_those_a_set_from_the_height_in_flight_lists() -> None:
    """Up to SIGNERS_MAX keys are held as given (a rotation may be decided after its key
    is added); one more, and only the keys listed for us from the height in flight on stay."""
    assert limits.SIGNERS_MAX == 4
    replica = start()
    replica.schedule_validators(5, _rotated(_key(1)))
    for n in (1, 2, 3):
        replica.add_signer(_key(n))
    assert len(replica._signers) == limits.SIGNERS_MAX  # the limit itself prunes nothing
    replica.schedule_validators(7, _rotated(_key(3)))
    assert _key_at(replica, 7) == _key(3).public_key
    replica.add_signer(_key(4))
    assert set(replica._signers) == {
        support.SIGNERS["v1"].public_key,
        _key(1).public_key,
        _key(3).public_key,
    }
    assert (_key_at(replica, 1), _key_at(replica, 5)) == (
        support.SIGNERS["v1"].public_key,
        _key(1).public_key,
    )


def test_as_many_listed_keys_as_the_limit_are_kept_and_one_more_is_refused() -> None:
    replica = start()
    for n, height in ((1, 5), (2, 6), (3, 7)):
        replica.schedule_validators(height, _rotated(_key(n)))
        replica.add_signer(_key(n))
    replica.add_signer(_key(9))  # not listed: pruned, the four listed keys stay
    assert len(replica._signers) == limits.SIGNERS_MAX
    assert _key_at(replica, 7) == _key(3).public_key
    replica.schedule_validators(8, _rotated(_key(4)))
    with pytest.raises(ConsensusError):
        replica.add_signer(_key(4))


# ----------------------------------------------------------------- timers from the start


def test_behind_detection_waits_two_retransmit_intervals_from_the_start() -> None:
    """f+1 members' checkpoints show them past us; a fresh replica asks for state transfer
    only once two retransmit intervals have passed without a commit, not a tick earlier."""
    replica = support.make_replica("v1")
    for sender in ("v2", "v3"):
        replica.step(support.signed_checkpoint(16, support.make_block(16)[1], sender))
    assert support.drain(replica).fetch == ()
    for _ in range(2 * support.RETRANSMIT_TICKS - 1):
        replica.tick()
        assert support.drain(replica).fetch == ()
    replica.tick()
    assert [f.to_height for f in support.drain(replica).fetch] == [16]


def _suspicions_sent(replica: Replica) -> list[Suspicion]:
    return [o.message for o in support.drain(replica).send if isinstance(o.message, Suspicion)]


def test_a_replica_restored_in_a_view_change_times_out_only_after_a_quorum_asked() -> None:
    """Restored in view 2 with its own ViewChange, v1 keeps asking while it is alone; once a
    quorum asked for the view, it suspects the view exactly a timeout later."""
    own = support.signed_view_change("v1", 2)
    replica = support.make_replica("v1", signed=[own])
    assert replica.in_view_change and replica.view == 2
    timeout = limits.VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT
    for _ in range(3 * timeout):
        replica.tick()
        assert _suspicions_sent(replica) == []
    for sender in ("v0", "v3"):
        replica.step(support.signed_view_change(sender, 2))
    support.drain(replica)
    for _ in range(timeout - 1):
        replica.tick()
        assert _suspicions_sent(replica) == []
    replica.tick()
    assert [(s.view, s.sender) for s in _suspicions_sent(replica)] == [(2, "v1")]
