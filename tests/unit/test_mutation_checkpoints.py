"""The checkpoint tracker's edges, found by mutation testing (issue 19, docs/mutation.md).

Reference: PBFT section 4.3 (checkpoints, watermarks); TOCS 2002 section 6.2 (claims from above
the window). The tracker keeps only verified checkpoints, so signatures here are placeholders.
"""

from __future__ import annotations

import pytest

from consensus.checkpoints import CheckpointStats, CheckpointTracker, checkpoints_of
from consensus.messages import Checkpoint, CheckpointCertificate, Vote
from consensus.validators import Validator, ValidatorSchedule, ValidatorSet

IDS = ("a", "b", "c", "d")
OLD = ValidatorSet(tuple(Validator(v, bytes([i + 1]) * 32) for i, v in enumerate(IDS)))
NEW_IDS = ("e", "f", "g", "h")
NEW = ValidatorSet(tuple(Validator(v, bytes([i + 11]) * 32) for i, v in enumerate(NEW_IDS)))
D1 = b"\x01" * 32
D2 = b"\x02" * 32
HIGH_DIGEST = b"\xff" * 32
LOW_DIGEST = b"\x00" * 32


def cp(height: int, sender: str, digest: bytes = D1) -> Checkpoint:
    return Checkpoint(
        height=height, digest=digest, sender=sender, signature=b"sig-" + sender.encode()
    )


def tracker(low: int = 0) -> CheckpointTracker:
    """Interval 4, window 8: the high watermark is low + 8."""
    return CheckpointTracker(low=low, interval=4, window=8)


def cert(height: int, digest: bytes = D1, ids: tuple[str, ...] = IDS[:3]) -> CheckpointCertificate:
    votes = tuple(Vote(validator=v, signature=b"sig-" + v.encode()) for v in ids)
    return CheckpointCertificate(height=height, digest=digest, votes=votes)


# ----------------------------------------------------------------- heights and lookups


@pytest.mark.parametrize(("height", "expected"), [(0, False), (1, False), (4, True), (6, False)])
def test_checkpoint_heights_are_the_positive_multiples_of_the_interval(
    height: int, expected: bool
) -> None:
    assert tracker().is_checkpoint_height(height) is expected


def test_every_positive_height_is_a_checkpoint_height_with_interval_one() -> None:
    t = CheckpointTracker(low=0, interval=1, window=8)
    assert [t.is_checkpoint_height(h) for h in (0, 1, 2)] == [False, True, True]


def test_stored_at_the_high_watermark_is_a_vote_not_a_claim_from_above() -> None:
    t = tracker()
    at_high = cp(8, "b")
    t.add(at_high)
    assert t.stored(at_high) == at_high


def test_stored_above_the_window_is_the_senders_claim_at_that_height_only() -> None:
    t = tracker()
    claim = cp(12, "b")
    assert t.note_ahead(claim) is True
    assert t.stored(claim) == claim
    assert t.stored(cp(16, "b")) is None  # same sender, another height
    assert t.stored(cp(12, "c")) is None  # same height, another sender


def test_add_is_not_own_unless_said_and_keeps_nothing_at_the_low_watermark() -> None:
    t = tracker(low=4)
    t.add(cp(8, "b"))
    assert t.own_at(8) is None
    assert t.latest_own() is None
    t.add(cp(4, "c"))  # at the low watermark: already stable, not a vote any more
    assert t.stored(cp(4, "c")) is None
    assert t.stats().votes == 1


def test_latest_own_is_the_highest_own_checkpoint_above_the_low_watermark() -> None:
    t = tracker()
    t.add(cp(8, "a"), own=True)
    t.add(cp(4, "a"), own=True)
    assert t.latest_own() == cp(8, "a")
    assert t.stats().own == 2
    t.advance(8, cert(8))
    assert t.latest_own() is None
    assert t.own_at(8) == cp(8, "a")  # the one at the low watermark is kept to relay
    assert t.own_at(4) is None
    assert t.stats().own == 1


# ----------------------------------------------------------------- claims from above


def test_note_ahead_keeps_only_each_senders_highest_claim() -> None:
    t = tracker()
    assert t.note_ahead(cp(16, "b")) is True
    assert t.note_ahead(cp(12, "b")) is False  # lower than what b claimed already
    assert t.note_ahead(cp(16, "b", D2)) is False  # not higher either
    assert t.stored(cp(16, "b")) == cp(16, "b")
    assert t.stored(cp(12, "b")) is None
    assert t.note_ahead(cp(12, "c")) is True  # another sender's claims are its own
    assert t.stats().ahead == 2


def test_the_highest_of_several_checkpoint_certificates_is_chosen() -> None:
    """A set change at 16: the old set's claims at 12 and the new set's at 20 are both
    quorums (each sender has one claim, so two can only coexist across sets). 20 wins,
    although its claims came last and its digest is the lower one."""
    schedule = ValidatorSchedule(((0, OLD), (16, NEW)))
    t = tracker()
    for sender in IDS[:3]:
        t.note_ahead(cp(12, sender, HIGH_DIGEST))
    only_old = t.certificate_ahead(schedule.at)
    assert only_old is not None
    assert (only_old.height, only_old.digest) == (12, HIGH_DIGEST)
    for sender in NEW_IDS:
        t.note_ahead(cp(20, sender, LOW_DIGEST))
    chosen = t.certificate_ahead(schedule.at)
    assert chosen is not None
    assert (chosen.height, chosen.digest) == (20, LOW_DIGEST)
    assert [v.validator for v in chosen.votes] == list(NEW_IDS)
    assert checkpoints_of(chosen) == [cp(20, v, LOW_DIGEST) for v in NEW_IDS]


def test_certificates_use_the_members_and_quorum_of_the_set_at_their_height() -> None:
    """From height 16 on the set is NEW: OLD members' claims there count for nothing, and
    NEW members' claims below 16 neither."""
    schedule = ValidatorSchedule(((0, OLD), (16, NEW)))
    t = tracker()
    for sender in IDS:
        t.note_ahead(cp(20, sender))
    for sender in NEW_IDS[:3]:
        t.note_ahead(cp(12, sender))
    assert t.certificate_ahead(schedule.at) is None
    for sender in NEW_IDS[:3]:
        t.note_ahead(cp(24, sender))
    chosen = t.certificate_ahead(schedule.at)
    assert chosen is not None
    assert chosen.height == 24
    assert [v.validator for v in chosen.votes] == list(NEW_IDS[:3])


def test_a_quorum_is_needed_at_a_height_with_a_larger_set() -> None:
    """3 of a 4-member set are a quorum; 3 of a 7-member set (quorum 5) are not."""
    big = ValidatorSet(tuple(Validator(v, bytes([i + 21]) * 32) for i, v in enumerate("ijklmno")))
    schedule = ValidatorSchedule(((0, OLD), (16, big)))
    t = tracker()
    for sender in "ijk":
        t.note_ahead(cp(20, sender))
    assert t.certificate_ahead(schedule.at) is None
    for sender in "lm":
        t.note_ahead(cp(20, sender))
    chosen = t.certificate_ahead(schedule.at)
    assert chosen is not None
    assert len(chosen.votes) == 5


# ----------------------------------------------------------------- advancing the watermark


def test_advance_to_the_current_low_watermark_changes_nothing() -> None:
    t = tracker(low=4)
    t.add(cp(8, "b"))
    t.advance(4, cert(4))
    assert t.stable is None
    assert t.stored(cp(8, "b")) == cp(8, "b")


def test_advance_drops_votes_at_and_below_the_new_low_watermark() -> None:
    t = tracker()
    for height in (4, 8):
        t.add(cp(height, "b"))
    t.add(cp(8, "c"))
    t.advance(4, cert(4))
    assert t.stored(cp(4, "b")) is None
    assert t.stored(cp(8, "b")) == cp(8, "b")
    assert t.stats().heights == 1
    assert t.stats().votes == 2


def test_advance_moves_claims_now_inside_the_window_into_the_votes() -> None:
    """Low 0 -> 8: the high watermark moves 8 -> 16. A claim at 16 (exactly the new high) is a
    vote now; one at 20 stays a claim; one at 8 (the new low) is dropped."""
    t = tracker()
    t.note_ahead(cp(16, "b"))
    t.note_ahead(cp(20, "c"))
    t.note_ahead(cp(12, "d"))
    t.advance(8, cert(8))
    assert t.stats() == CheckpointStats(heights=2, votes=2, own=0, ahead=1)
    assert t.stored(cp(16, "b")) == cp(16, "b")
    assert t.stored(cp(12, "d")) == cp(12, "d")
    assert t.stored(cp(20, "c")) == cp(20, "c")
    t.add(cp(16, "c"))
    t.add(cp(16, "d"))
    found = t.certificate_at(16, OLD)
    assert found is not None
    assert [v.validator for v in found.votes] == ["b", "c", "d"]


def test_a_claim_at_the_new_low_watermark_is_dropped_not_voted() -> None:
    t = tracker()
    t.note_ahead(cp(12, "b"))
    t.advance(12, cert(12))
    assert t.stats() == CheckpointStats(heights=0, votes=0, own=0, ahead=0)
    assert t.certificate_at(12, OLD) is None


def test_stable_certificate_follows_the_low_watermark() -> None:
    t = tracker()
    t.advance(4, cert(4))
    assert t.stable == cert(4)
    t.advance(6, None)  # moved on a commit certificate: no checkpoint proves 6
    assert t.stable is None


def test_a_stable_certificate_above_the_new_low_watermark_is_kept() -> None:
    t = tracker()
    t.advance(4, cert(8))
    t.advance(8, None)
    assert t.stable == cert(8)


# ----------------------------------------------------------------- forget_from


def test_forget_from_drops_peers_votes_at_and_above_the_height_only() -> None:
    """A validator-set change activating at 8: votes for 8 and above were checked against the
    old set, so only our own checkpoint survives there; lower heights are untouched."""
    t = CheckpointTracker(low=0, interval=4, window=16)
    for height in (4, 8, 12):
        t.add(cp(height, "a"), own=True)
        t.add(cp(height, "b"))
    t.forget_from(8)
    assert t.stored(cp(4, "b")) == cp(4, "b")
    assert t.stored(cp(4, "a")) == cp(4, "a")
    for height in (8, 12):
        assert t.stored(cp(height, "b")) is None
        assert t.stored(cp(height, "a")) == cp(height, "a")
    assert t.stats().votes == 4


def test_forget_from_drops_claims_from_above_at_and_above_the_height() -> None:
    t = tracker()
    t.note_ahead(cp(12, "b"))
    t.note_ahead(cp(16, "c"))
    t.note_ahead(cp(20, "d"))
    t.forget_from(16)
    assert t.stored(cp(12, "b")) == cp(12, "b")
    assert t.stored(cp(16, "c")) is None
    assert t.stored(cp(20, "d")) is None
    assert t.stats().ahead == 1
    assert t.note_ahead(cp(16, "c")) is True  # c may claim 16 again, checked anew
