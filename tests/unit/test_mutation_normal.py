"""Normal-case edges found by mutation testing of consensus/normal.py (issue 19,
docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 section 4.2. One replica is driven with really signed
messages; the checks are on what it does (the Ready: proposals to validate, votes persisted,
rejections and which message they name, blocks committed) and on error kinds, never on a
message text.
"""

from __future__ import annotations

import hashlib

import pytest

from consensus import limits
from consensus.errors import ConsensusError, NotPrimary, ProposalInFlight
from consensus.messages import Commit, Message, Prepare, Prepared, PrePrepare
from consensus.ready import Ready
from consensus.replica import Replica
from tests.unit import consensus_support as support


def rejected_only(ready: Ready, message: Message) -> None:
    """`message` was refused, by name, with a reason, and nothing else happened."""
    assert [r.message for r in ready.rejected] == [message]
    assert isinstance(ready.rejected[0].reason, str) and ready.rejected[0].reason
    assert (ready.persist, ready.send, ready.validate, ready.committed) == ((), (), (), ())


# ----------------------------------------------------------------- the payload's digest


def test_a_preprepare_whose_payload_does_not_match_its_digest_is_rejected() -> None:
    """The issue-19 example: with the node's digest function configured, a pre-prepare whose
    payload is not the block its digest names is refused before the node is asked; the
    matching one is passed on. Removing or inverting the check fails this test."""
    replica = support.make_replica("v1", block_digest=support.block_digest)
    payload, digest = support.make_block(1)
    swapped = support.signed_preprepare(1, support.make_block(1, "other")[0], digest)
    replica.step(swapped)
    rejected_only(support.drain(replica), swapped)
    replica.step(support.signed_preprepare(1, payload, digest))
    ready = support.drain(replica)
    assert [(p.digest, p.payload) for p in ready.validate] == [(digest, payload)]
    assert ready.rejected == ()


# ----------------------------------------------------------------- a changing validator set


def scheduled(self_id: str) -> Replica:
    """A replica whose schedule has two entries (the same members from height 1000): every
    set must be looked up by the height it is for."""
    replica = support.make_replica(self_id)
    replica.schedule_validators(1_000, support.VALIDATORS)
    return replica


def test_backup_flow_with_two_scheduled_sets() -> None:
    replica = scheduled("v1")
    payload, digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, digest))
    assert [p.digest for p in support.drain(replica).validate] == [digest]
    replica.validated(0, 1, digest, True)
    assert [type(m) for m in support.drain(replica).persist] == [Prepare]
    replica.step(support.signed_prepare(1, digest, "v2"))
    prepared, commit = support.drain(replica).persist
    assert isinstance(prepared, Prepared) and isinstance(commit, Commit)
    assert [v.validator for v in prepared.certificate.prepares] == ["v1", "v2"]
    replica.step(support.signed_commit(1, digest, "v0"))
    replica.step(support.signed_commit(1, digest, "v2"))
    (block,) = support.drain(replica).committed
    assert block.height == 1 and [v.validator for v in block.certificate.votes] == [
        "v0",
        "v1",
        "v2",
    ]


def test_primary_flow_with_two_scheduled_sets() -> None:
    with pytest.raises(NotPrimary):
        scheduled("v1").propose(*support.make_block(1))
    primary = scheduled("v0")
    payload, digest = support.make_block(1)
    primary.propose(payload, digest)
    assert [m.digest for m in support.drain(primary).persist] == [digest]
    for sender in ("v1", "v2"):
        primary.step(support.signed_prepare(1, digest, sender))
    assert [type(m) for m in support.drain(primary).persist] == [Prepared, Commit]


# ----------------------------------------------------------------- prepared certificates


def test_the_prepared_certificate_holds_exactly_quorum_minus_one_prepares_once() -> None:
    """Prepares of all three backups arrived before validation: the certificate takes 2f of
    them (ours and the first other by id), and a later prepare records nothing new."""
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    for sender in ("v2", "v3"):
        replica.step(support.signed_prepare(1, digest, sender))
    replica.step(support.signed_preprepare(1, payload, digest))
    support.drain(replica)
    replica.validated(0, 1, digest, True)
    persisted = support.drain(replica).persist
    (prepared,) = [m for m in persisted if isinstance(m, Prepared)]
    assert [v.validator for v in prepared.certificate.prepares] == ["v1", "v2"]
    # Once prepared in this view, more prepares or commits do not record it again.
    replica.step(support.signed_commit(1, digest, "v2"))
    assert support.drain(replica).persist == ()


def test_a_prepared_replica_records_its_certificate_once() -> None:
    replica, digest = support.backup_that_prepared()
    replica.step(support.signed_prepare(1, digest, "v2"))
    assert [type(m) for m in support.drain(replica).persist] == [Prepared, Commit]
    replica.step(support.signed_prepare(1, digest, "v3"))
    assert support.drain(replica).persist == ()


# ----------------------------------------------------------------- the low watermark


def behind_a_stable_checkpoint(self_id: str) -> Replica:
    """Committed 15; a quorum of checkpoints for 16 makes 16 the low watermark."""
    replica = support.make_replica(self_id, committed_height=15)
    digest = support.make_block(16)[1]
    for sender in ("v0", "v1", "v2", "v3"):
        if sender != self_id:
            replica.step(support.signed_checkpoint(16, digest, sender))
    support.drain(replica)
    assert replica.low_watermark == 16 and replica.committed_height == 15
    return replica


def test_a_vote_at_the_low_watermark_is_rejected() -> None:
    replica = behind_a_stable_checkpoint("v1")
    prepare = support.signed_prepare(16, support.make_block(16)[1], "v2")
    replica.step(prepare)
    rejected_only(support.drain(replica), prepare)


def test_the_primary_cannot_propose_at_or_below_the_low_watermark() -> None:
    primary = behind_a_stable_checkpoint("v0")
    assert not primary.can_propose()
    with pytest.raises(ProposalInFlight):
        primary.propose(*support.make_block(16))
    assert support.drain(primary).persist == ()


# ----------------------------------------------------------------- the node's verdict


def test_a_negative_verdict_names_the_refused_preprepare() -> None:
    replica, preprepare = support.backup_holding_preprepare()
    digest = preprepare.digest
    replica.validated(0, 1, digest, False)
    ready = support.drain(replica)
    assert [r.message for r in ready.rejected] == [preprepare]
    assert ready.persist == () and ready.send == ()


def test_a_verdict_for_a_slot_without_a_preprepare_is_a_caller_error() -> None:
    """Votes alone make a slot; a verdict for it was never asked for."""
    replica = support.make_replica("v1")
    digest = support.make_block(1)[1]
    replica.step(support.signed_prepare(1, digest, "v2"))
    support.drain(replica)
    with pytest.raises(ConsensusError):
        replica.validated(0, 1, digest, True)


def test_a_verdict_is_accepted_once_after_its_proposal_was_replaced() -> None:
    """v1 was given block A; the other backups prepare B and the primary's pre-prepare of B
    replaces A before the node answers. The late answer for A is dropped once; a second one
    is a caller error again (the question was settled), as is one for a block never asked."""
    replica = support.make_replica("v1")
    payload_a, digest_a = support.make_block(1, "A")
    payload_b, digest_b = support.make_block(1, "B")
    replica.step(support.signed_preprepare(1, payload_a, digest_a))
    assert [p.digest for p in support.drain(replica).validate] == [digest_a]
    for sender in ("v2", "v3"):
        replica.step(support.signed_prepare(1, digest_b, sender))
    replica.step(support.signed_preprepare(1, payload_b, digest_b))
    assert [p.digest for p in support.drain(replica).validate] == [digest_b]
    replica.validated(0, 1, digest_a, True)  # asked before the swap: dropped
    assert support.drain(replica).persist == ()
    with pytest.raises(ConsensusError):
        replica.validated(0, 1, digest_a, True)
    replica.validated(0, 1, digest_b, True)
    persisted = support.drain(replica).persist
    assert [m.digest for m in persisted if isinstance(m, Commit)] == [digest_b]
    with pytest.raises(ConsensusError):
        replica.validated(0, 1, digest_a, False)


def test_a_repeated_verdict_after_the_block_was_swapped_is_a_caller_error() -> None:
    """v1 prepared block A; a quorum prepares B and the primary's B replaces A. The answer for
    A was consumed: answering A again is a caller error, not a late answer."""
    replica = support.make_replica("v1")
    payload_b, digest_b = support.make_block(1, "B")
    digest_a = support.accept_block(replica, tag="A")
    assert [m.digest for m in support.drain(replica).persist] == [digest_a]
    for sender in ("v2", "v3"):
        replica.step(support.signed_prepare(1, digest_b, sender))
    replica.step(support.signed_preprepare(1, payload_b, digest_b))
    assert [p.digest for p in support.drain(replica).validate] == [digest_b]
    with pytest.raises(ConsensusError):
        replica.validated(0, 1, digest_a, True)


# ----------------------------------------------------------------- the view's first height


def test_a_preprepare_below_the_views_first_height_is_rejected() -> None:
    """A ViewChange proves height 3 committed, so view 1 starts at 4; v3, still at 1, refuses
    the new primary's pre-prepare for 2 (state transfer brings that block)."""
    cert3 = support.make_certificate(3, support.make_block(3)[1])
    vcs = [support.signed_view_change("v1", 1, committed=cert3)] + [
        support.signed_view_change(v, 1) for v in ("v2", "v3")
    ]
    backup = support.make_replica("v3", committed_height=1)
    backup.step(support.signed_new_view(1, vcs, None))
    support.drain(backup)
    assert backup.view == 1 and not backup.in_view_change
    preprepare = support.signed_preprepare(2, *support.make_block(2), sender="v1", view=1)
    backup.step(preprepare)
    rejected_only(support.drain(backup), preprepare)


def test_the_primary_proposes_a_payload_of_exactly_the_maximum_size() -> None:
    primary = support.make_replica("v0")
    payload = b"\x00" * limits.PAYLOAD_BYTES_MAX
    digest = hashlib.sha256(payload).digest()
    primary.propose(payload, digest)
    (preprepare,) = support.drain(primary).persist
    assert isinstance(preprepare, PrePrepare) and len(preprepare.payload) == len(payload)


def test_a_quorum_of_commits_from_another_view_decides_once_the_block_is_validated() -> None:
    """Commits of view 1 for the block v1 holds in view 0 arrive before the node's verdict:
    they decide the height as soon as the block is validated."""
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, digest))
    support.drain(replica)
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender, view=1))
    assert support.drain(replica).committed == ()
    replica.validated(0, 1, digest, True)
    (block,) = support.drain(replica).committed
    assert (block.height, block.digest, block.certificate.view) == (1, digest, 1)


def test_a_preprepare_other_than_the_new_views_reproposal_is_never_taken() -> None:
    """View 1's NewView re-proposes block A at height 1. The new primary then sends B there
    and two backups prepare B: B is refused (by name) and never handed to the node, however
    many prepares it gathers; the re-proposal stays."""
    from tests.unit.test_consensus_viewchange import (
        _backup_in_view_change,
    )

    payload_a, digest_a, vcs = support.view_changes_carrying_block_a()
    backup = _backup_in_view_change("v3")
    backup.step(
        support.signed_new_view(1, vcs, support.signed_preprepare(1, payload_a, digest_a, "v1", 1))
    )
    assert [p.digest for p in support.drain(backup).validate] == [digest_a]
    payload_b, digest_b = support.make_block(1, "B")
    other = support.signed_preprepare(1, payload_b, digest_b, sender="v1", view=1)
    backup.step(other)
    assert [r.message for r in support.drain(backup).rejected] == [other]
    for sender in ("v0", "v2"):
        backup.step(support.signed_prepare(1, digest_b, sender, view=1))
    backup.step(other)
    ready = support.drain(backup)
    assert ready.validate == ()
    assert [r.message for r in ready.rejected] == [other]
    backup.validated(1, 1, digest_a, True)
    assert [m.digest for m in support.drain(backup).persist if isinstance(m, Prepare)] == [digest_a]
