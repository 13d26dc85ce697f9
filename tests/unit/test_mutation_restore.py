"""Taking back the WAL after a restart, edges found by mutation testing of
consensus/restore.py (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 sections 4.2 and 4.4: a restarted replica must never
sign anything that conflicts with what it signed before the crash. Replicas are rebuilt from
hand-made WALs; the checks are on the view and status they come back in, what they hold as
their own (re-sent, never re-signed), and the errors a WAL no correct replica writes raises.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from consensus.errors import ConsensusError
from consensus.log import Validation
from consensus.messages import Checkpoint, NewView, Prepared, PrePrepare, PrePrepareRequest, Record
from consensus.ready import Proposal
from consensus.replica import Replica, Status
from consensus.restore import get_record_view
from consensus.validators import ValidatorSchedule
from tests.unit import consensus_support as support

PAYLOAD, DIGEST = support.make_block(1)
OTHER_PAYLOAD, OTHER = support.make_block(1, "other")


def own_keys(replica: Replica) -> set[tuple[int, int, str]]:
    """(view, height, kind) of the own messages the replica holds against signing twice."""
    return set(replica._own)


def test_the_view_each_record_proves() -> None:
    assert get_record_view(support.signed_preprepare(1, PAYLOAD, DIGEST, view=4)) == 4
    assert get_record_view(support.signed_prepare(1, DIGEST, "v1", view=5)) == 5
    assert get_record_view(support.signed_commit(1, DIGEST, "v1", view=6)) == 6
    assert get_record_view(support.signed_view_change("v1", 7)) == 7
    assert get_record_view(support.signed_new_view(9, [], None, sender="v1")) == 9
    prepared = Prepared(support.prepared_certificate(3, 1, DIGEST), PAYLOAD)
    assert get_record_view(prepared) == 3
    assert get_record_view(support.signed_checkpoint(16, DIGEST, "v1")) == 0
    assert get_record_view(support.signed_suspicion(1, "v1", view=8)) == 0
    request = PrePrepareRequest(8, 1, DIGEST, "v1", b"\x01" * 64)
    assert get_record_view(request) == 0


# ----------------------------------------------------------------- which view, which status


def test_an_empty_wal_starts_in_the_view_given() -> None:
    replica = support.make_replica("v1")
    assert (replica.view, replica.status) == (0, Status.NORMAL)
    replica = support.make_replica("v1", view=2)
    assert (replica.view, replica.status) == (2, Status.VIEW_CHANGE)


def test_the_highest_view_in_the_wal_or_given_wins() -> None:
    replica = support.make_replica("v1", signed=[support.signed_prepare(1, DIGEST, "v1", view=2)])
    assert (replica.view, replica.status) == (2, Status.VIEW_CHANGE)
    assert own_keys(replica) == {(2, 1, "prepare")}  # its own view: kept
    replica = support.make_replica(
        "v1", view=3, signed=[support.signed_prepare(1, DIGEST, "v1", view=2)]
    )
    assert (replica.view, replica.status) == (3, Status.VIEW_CHANGE)
    assert own_keys(replica) == set()  # an older view: superseded


def test_a_wal_of_view_zero_only_is_normal() -> None:
    replica = support.make_replica("v1", signed=[support.signed_prepare(1, DIGEST, "v1")])
    assert (replica.view, replica.status) == (0, Status.NORMAL)
    assert own_keys(replica) == {(0, 1, "prepare")}


def test_the_new_view_in_the_wal_puts_the_replica_back_in_its_view() -> None:
    """A NewView is the new primary's, not ours: it is taken back all the same."""
    vcs = [support.signed_view_change(s, 1) for s in ("v0", "v2", "v3")]
    nv = support.signed_new_view(1, vcs, None)
    own_vc = vcs[1]
    replica = support.make_replica("v2", signed=[own_vc, nv])
    assert (replica.view, replica.status) == (1, Status.NORMAL)
    older = support.signed_new_view(1, vcs, None)
    assert support.make_replica(
        "v2", signed=[support.signed_view_change("v2", 2), older]
    ).status == (Status.VIEW_CHANGE)  # a NewView of an older view does not end the change to view 2


def test_the_own_view_change_kept_is_the_one_with_the_highest_certificate() -> None:
    low = support.signed_view_change(
        "v2", 3, committed=support.make_certificate(1, support.make_block(1)[1])
    )
    high = support.signed_view_change(
        "v2", 3, committed=support.make_certificate(2, support.make_block(2)[1])
    )
    none = support.signed_view_change("v2", 3)
    other_view = support.signed_view_change(
        "v2", 2, committed=support.make_certificate(3, support.make_block(3)[1])
    )
    for wal in ([none, low, high, other_view], [high, low, none], [other_view, low, none, high]):
        replica = support.make_replica("v2", committed_height=2, signed=wal)
        assert replica._own_view_change == high
    replica = support.make_replica("v2", committed_height=1, signed=[low, none])
    assert replica._own_view_change == low
    replica = support.make_replica("v2", committed_height=1, signed=[none, low, none])
    assert replica._own_view_change == low


def test_a_restored_view_change_is_the_one_re_sent() -> None:
    vc = support.signed_view_change(
        "v2", 1, committed=support.make_certificate(1, support.make_block(1)[1])
    )
    replica = support.make_replica(
        "v2", committed_height=1, signed=[support.signed_view_change("v2", 1), vc]
    )
    support.drain(replica)
    sent = []
    for _ in range(support.RETRANSMIT_TICKS):
        replica.tick()
        sent.extend(o.message for o in support.drain(replica).send)
    assert sent == [vc]


# ----------------------------------------------------------------- records refused


def test_a_malformed_record_stops_the_start() -> None:
    with pytest.raises(ConsensusError):
        support.make_replica(
            "v1", signed=[replace(support.signed_prepare(1, DIGEST, "v1"), digest=DIGEST[:31])]
        )
    short_digest = replace(support.prepared_certificate(0, 1, DIGEST), digest=DIGEST[:31])
    bad_prepared = Prepared(short_digest, PAYLOAD)
    with pytest.raises(ConsensusError):
        support.make_replica("v1", signed=[bad_prepared])


def test_records_signed_by_another_validator_stop_the_start() -> None:
    for record in (
        support.signed_prepare(1, DIGEST, "v2"),
        support.signed_commit(1, DIGEST, "v0"),
        support.signed_view_change("v3", 1),
        support.signed_checkpoint(16, DIGEST, "v2"),
    ):
        with pytest.raises(ConsensusError):
            support.make_replica("v1", signed=[record])
    # A Prepared record has no sender: its certificate holds others' signatures.
    prepared = Prepared(support.prepared_certificate(0, 1, DIGEST, backups=("v2", "v3")), PAYLOAD)
    assert support.make_replica("v1", signed=[prepared])._prepared == prepared


def test_a_pre_prepare_only_the_primary_may_have_signed() -> None:
    with pytest.raises(ConsensusError):
        support.make_replica(
            "v1", signed=[support.signed_preprepare(1, PAYLOAD, DIGEST, sender="v1")]
        )
    primary = support.make_replica("v0", signed=[support.signed_preprepare(1, PAYLOAD, DIGEST)])
    assert own_keys(primary) == {(0, 1, "preprepare")}
    slot = primary._log.find(0, 1)
    assert slot is not None and slot.validation is Validation.OK
    assert support.drain(primary).validate == ()  # its own proposal is not handed to the node again


def test_own_messages_from_the_committed_height_to_the_high_watermark() -> None:
    replica = support.make_replica(
        "v1", committed_height=3, signed=[support.signed_prepare(3, DIGEST, "v1")]
    )
    assert own_keys(replica) == set()  # applied already: dropped
    replica = support.make_replica(
        "v1",
        committed_height=3,
        signed=[support.signed_prepare(4, DIGEST, "v1"), support.signed_commit(4, DIGEST, "v1")],
    )
    assert own_keys(replica) == {(0, 4, "prepare"), (0, 4, "commit")}
    high = replica.high_watermark
    assert high == 32
    edge = support.make_replica("v1", signed=[support.signed_prepare(high, DIGEST, "v1")])
    assert own_keys(edge) == {(0, high, "prepare")}
    with pytest.raises(ConsensusError):
        support.make_replica("v1", signed=[support.signed_prepare(high + 1, DIGEST, "v1")])


def test_the_same_record_twice_is_one_own_message() -> None:
    prepare = support.signed_prepare(1, DIGEST, "v1")
    replica = support.make_replica("v1", signed=[prepare, prepare])
    assert own_keys(replica) == {(0, 1, "prepare")}
    assert [o.message for o in support.drain(replica).send] == [prepare]
    pp = support.signed_preprepare(1, PAYLOAD, DIGEST)
    primary = support.make_replica("v0", signed=[pp, pp])
    assert [o.message for o in support.drain(primary).send] == [pp]
    assert primary._log.count() == 1


def test_a_commit_must_agree_with_an_own_pre_prepare() -> None:
    with pytest.raises(ConsensusError):
        support.make_replica(
            "v0",
            signed=[
                support.signed_preprepare(1, PAYLOAD, DIGEST),
                support.signed_commit(1, OTHER, "v0"),
            ],
        )
    with pytest.raises(ConsensusError):
        support.make_replica(
            "v0",
            signed=[
                support.signed_preprepare(1, PAYLOAD, DIGEST),
                support.signed_preprepare(1, OTHER_PAYLOAD, OTHER),
            ],
        )


def reproposal_new_view() -> tuple[NewView, PrePrepare]:
    """v1's NewView of view 1 re-proposing the block v0 prepared in view 0 at height 1."""
    prepared = support.prepared_certificate(0, 1, DIGEST)
    vcs = [
        support.signed_view_change("v0", 1, prepared=prepared, payload=PAYLOAD),
        support.signed_view_change("v2", 1),
        support.signed_view_change("v3", 1),
    ]
    pp = support.signed_preprepare(1, PAYLOAD, DIGEST, sender="v1", view=1)
    return support.signed_new_view(1, vcs, pp), pp


def test_the_re_proposal_of_a_restored_new_view_is_not_added_twice() -> None:
    """The new primary's WAL holds its NewView and the re-proposal inside it as its own
    pre-prepare: the slot keeps one pre-prepare, still to be checked by the node (it is a
    block an earlier primary built), and it is never proposed over."""
    nv, pp = reproposal_new_view()
    for wal in ([nv, pp], [nv]):
        replica = support.make_replica("v1", signed=wal)
        assert (replica.view, replica.status) == (1, Status.NORMAL)
        slot = replica._log.find(1, 1)
        assert slot is not None and slot.preprepare == pp
        assert replica._log.count() == 1 and replica._log.buffered_from("v1") == 0
        assert own_keys(replica) == {(1, 1, "preprepare")}
        assert support.drain(replica).validate == (
            Proposal(1, 1, DIGEST, PAYLOAD, reproposal=True),
        )
        assert not replica.can_propose()


def test_a_backup_restored_from_a_new_view_holds_no_pre_prepare_of_its_own() -> None:
    nv, pp = reproposal_new_view()
    backup = support.make_replica("v3", signed=[nv])
    assert own_keys(backup) == set()
    slot = backup._log.find(1, 1)
    assert slot is not None and slot.preprepare == pp


def test_own_messages_are_never_counted_against_a_sender_cap() -> None:
    primary = support.make_replica("v0", signed=[support.signed_preprepare(1, PAYLOAD, DIGEST)])
    replica = support.make_replica("v1", signed=[support.signed_prepare(1, DIGEST, "v1")])
    assert primary._log.count() == replica._log.count() == 1
    assert primary._log.buffered_from("v0") == replica._log.buffered_from("v1") == 0


def test_the_wal_order_of_own_votes_does_not_matter() -> None:
    pp, commit = (
        support.signed_preprepare(1, PAYLOAD, DIGEST),
        support.signed_commit(1, DIGEST, "v0"),
    )
    for wal in ([pp, commit], [commit, pp]):
        primary = support.make_replica("v0", signed=wal)
        slot = primary._log.find(0, 1)
        assert slot is not None and slot.preprepare == pp and slot.commits == {"v0": commit}
        assert slot.validation is Validation.OK


def test_a_copy_of_an_own_vote_keeps_the_first_record() -> None:
    """Restore does not check own signatures: of two prepares for one digest, the first
    written is the one held and re-sent (a pre-prepare is the exception, below)."""
    prepare = support.signed_prepare(1, DIGEST, "v1")
    copy = replace(prepare, signature=b"\x02" * 64)
    replica = support.make_replica("v1", signed=[prepare, copy])
    assert replica._own[(0, 1, "prepare")] == prepare
    assert [o.message for o in support.drain(replica).send] == [prepare]


def test_a_later_pre_prepare_of_the_same_digest_takes_the_earlier_ones_place() -> None:
    pp = support.signed_preprepare(1, PAYLOAD, DIGEST)
    later = replace(pp, payload=b"height=1;txs=the block, carried again")
    primary = support.make_replica("v0", signed=[pp, later])
    assert primary._own[(0, 1, "preprepare")] == later
    slot = primary._log.find(0, 1)
    assert slot is not None and slot.preprepare == later


def test_own_pre_prepares_are_checked_against_the_set_at_their_height() -> None:
    schedule = ValidatorSchedule.starting_with(support.VALIDATORS).with_activation(
        1_000, support.VALIDATORS
    )
    pp = support.signed_preprepare(1, PAYLOAD, DIGEST)
    primary = support.make_replica("v0", signed=[pp], schedule=schedule)
    assert own_keys(primary) == {(0, 1, "preprepare")}


# ----------------------------------------------------------------- checkpoints and Prepared


def test_own_checkpoints_between_the_low_watermark_and_the_committed_height() -> None:
    digests = {h: support.make_block(h)[1] for h in (16, 32, 40, 41, 48)}
    wal: list[Record] = [support.signed_checkpoint(h, d, "v1") for h, d in digests.items()]
    replica = support.make_replica("v1", committed_height=40, signed=wal)
    assert replica.low_watermark == 32
    kept = {h for h in digests if replica._checkpoints.own_at(h) is not None}
    assert kept == {32, 40}
    assert replica._checkpoints.own_at(40) == Checkpoint(40, digests[40], "v1", wal[2].signature)


def test_the_prepared_record_kept_is_the_highest_view_at_the_next_height() -> None:
    def prepared(view: int, height: int = 1) -> Prepared:
        return Prepared(
            support.prepared_certificate(view, height, support.make_block(height)[1]), PAYLOAD
        )

    for wal in (
        [prepared(0), prepared(2), prepared(1)],
        [prepared(2), prepared(0)],
        [prepared(2), prepared(3, height=2), prepared(1)],
    ):
        replica = support.make_replica("v3", signed=wal)
        assert replica._prepared == prepared(2)
    replica = support.make_replica("v3", committed_height=1, signed=[prepared(2), prepared(0, 2)])
    assert replica._prepared == prepared(0, 2)
    same_view = [
        Prepared(support.prepared_certificate(0, 1, DIGEST, backups=("v1", "v2")), PAYLOAD),
        Prepared(support.prepared_certificate(0, 1, DIGEST, backups=("v2", "v3")), PAYLOAD),
    ]
    assert support.make_replica("v3", signed=same_view)._prepared == same_view[0]
