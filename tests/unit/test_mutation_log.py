"""The replica's message log and its other containers, edges found by mutation testing of
consensus/log.py (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 section 4.2 (the log between the watermarks) and 4.4
(commit certificates). The containers are driven directly with really signed messages; the
checks are on what they hold, count and return.
"""

from __future__ import annotations

import pytest

from consensus import limits
from consensus.log import (
    ForeignCommits,
    MessageLog,
    RecentHeight,
    Slot,
    Validation,
    is_waiting_kind,
    kind_of,
)
from consensus.messages import Commit
from tests.unit import consensus_support as support

PAYLOAD, DIGEST = support.make_block(1)
OTHER = support.make_block(1, "other")[1]


def test_kind_of_names_the_three_normal_kinds_and_refuses_anything_else() -> None:
    assert kind_of(support.signed_preprepare(1, PAYLOAD, DIGEST)) == "preprepare"
    assert kind_of(support.signed_prepare(1, DIGEST, "v1")) == "prepare"
    assert kind_of(support.signed_commit(1, DIGEST, "v1")) == "commit"
    with pytest.raises(TypeError):
        kind_of(support.signed_checkpoint(16, DIGEST, "v1"))


def test_only_commits_say_nothing_about_their_signers_progress() -> None:
    assert is_waiting_kind("preprepare") is True
    assert is_waiting_kind("prepare") is True
    assert is_waiting_kind("commit") is False


# ----------------------------------------------------------------- Slot


def full_slot() -> Slot:
    """v0's pre-prepare, prepares of v1 (DIGEST), v2 (DIGEST), v3 (OTHER) and a stray one
    of the primary v0 (DIGEST), commits of v1 and v2 (DIGEST) and v3 (OTHER)."""
    slot = Slot(view=0, height=1)
    slot.preprepare = support.signed_preprepare(1, PAYLOAD, DIGEST)
    for sender, digest in (("v1", DIGEST), ("v2", DIGEST), ("v3", OTHER), ("v0", DIGEST)):
        slot.prepares[sender] = support.signed_prepare(1, digest, sender)
    for sender, digest in (("v1", DIGEST), ("v2", DIGEST), ("v3", OTHER)):
        slot.commits[sender] = support.signed_commit(1, digest, sender)
    return slot


def test_a_slot_returns_what_it_keeps_by_kind_and_sender() -> None:
    slot = Slot(view=0, height=1)
    assert slot.stored("preprepare", "v0") is None
    assert slot.validation is Validation.NOT_ASKED
    slot = full_slot()
    assert slot.stored("preprepare", "v0") == slot.preprepare
    assert slot.stored("preprepare", "v1") is None  # a pre-prepare is the primary's only
    assert slot.stored("prepare", "v1") == support.signed_prepare(1, DIGEST, "v1")
    assert slot.stored("commit", "v3") == support.signed_commit(1, OTHER, "v3")
    assert slot.stored("commit", "v0") is None
    assert slot.stored("prepare", "v9") is None


def test_a_slot_lists_its_messages_preprepare_first() -> None:
    slot = full_slot()
    assert slot.messages() == [
        slot.preprepare,
        *slot.prepares.values(),
        *slot.commits.values(),
    ]
    assert Slot(view=0, height=1).messages() == []
    only_votes = Slot(view=0, height=1)
    only_votes.commits["v1"] = support.signed_commit(1, DIGEST, "v1")
    assert only_votes.messages() == [support.signed_commit(1, DIGEST, "v1")]


def test_prepares_count_distinct_backups_for_one_digest_never_the_primary() -> None:
    slot = full_slot()
    assert slot.count_prepares(DIGEST, "v0") == 2  # v1, v2; v0 is the primary
    assert slot.count_prepares(DIGEST, "v3") == 3  # with another primary v0 counts
    assert slot.count_prepares(OTHER, "v0") == 1
    assert slot.count_prepares(OTHER, "v3") == 0
    assert [c.sender for c in slot.matching_commits(DIGEST)] == ["v1", "v2"]
    assert [c.sender for c in slot.matching_commits(OTHER)] == ["v3"]


# ----------------------------------------------------------------- MessageLog


def test_the_per_sender_cap_must_be_between_one_and_the_limit() -> None:
    for cap in (0, -1, limits.BUFFERED_MESSAGES_PER_SENDER_MAX + 1):
        with pytest.raises(ValueError):
            MessageLog(cap)
    for cap in (1, limits.BUFFERED_MESSAGES_PER_SENDER_MAX):
        assert MessageLog(cap).has_room("v2") is True


def test_has_room_until_the_cap_is_reached() -> None:
    log = MessageLog(cap=2)
    log.add(support.signed_prepare(1, DIGEST, "v2"))
    assert log.has_room("v2") is True
    log.add(support.signed_commit(1, DIGEST, "v2"))
    assert log.has_room("v2") is False
    assert log.has_room("v3") is True


def test_add_files_each_kind_in_its_slot_and_counts_peers_only() -> None:
    log = MessageLog()
    pp = support.signed_preprepare(1, PAYLOAD, DIGEST)
    assert log.find(0, 1) is None
    slot = log.add(pp)
    assert log.find(0, 1) is slot and slot.preprepare == pp
    assert (slot.view, slot.height) == (0, 1)
    assert log.add(support.signed_prepare(1, DIGEST, "v2")) is slot
    assert log.add(support.signed_commit(1, DIGEST, "v2")) is slot
    assert slot.prepares == {"v2": support.signed_prepare(1, DIGEST, "v2")}
    assert slot.commits == {"v2": support.signed_commit(1, DIGEST, "v2")}
    assert (log.buffered_from("v0"), log.buffered_from("v2")) == (1, 2)
    log.add(support.signed_prepare(1, DIGEST, "v1"), counted=False)  # our own
    assert log.buffered_from("v1") == 0
    later = log.add(support.signed_commit(2, DIGEST, "v2", view=1))
    assert later is log.find(1, 2) and later is not slot
    assert (len(log), log.count(), log.buffered_from("v2")) == (2, 5, 3)


def test_slot_creates_once() -> None:
    log = MessageLog()
    slot = log.slot(3, 7)
    assert (slot.view, slot.height, slot.messages()) == (3, 7, [])
    assert log.slot(3, 7) is slot and len(log) == 1


def test_drop_through_forgets_every_view_at_or_below_the_height_and_releases_the_cap() -> None:
    log = MessageLog()
    for view in (0, 1):
        for height in (1, 2, 3):
            log.add(support.signed_prepare(height, support.make_block(height)[1], "v2", view=view))
            log.add(
                support.signed_commit(height, support.make_block(height)[1], "v1", view=view),
                counted=False,
            )
    log.drop_through(2, self_id="v1")
    assert sorted((s.view, s.height) for s in (log.find(v, 3) for v in (0, 1)) if s) == [
        (0, 3),
        (1, 3),
    ]
    assert all(log.find(v, h) is None for v in (0, 1) for h in (1, 2))
    assert (len(log), log.count(), log.buffered_from("v2")) == (2, 4, 2)
    log.drop_through(3, self_id="v1")
    assert (len(log), log.count(), log.buffered_from("v2")) == (0, 0, 0)
    assert log._per_sender == {}  # a sender with nothing buffered is not tracked
    assert log.buffered_from("v1") == 0  # our own were never counted, nor uncounted


def test_drop_where_uses_view_and_height() -> None:
    log = MessageLog()
    for view, height in ((0, 1), (1, 1), (1, 2)):
        log.add(support.signed_prepare(height, DIGEST, "v2", view=view))
    log.drop_where(lambda view, height: view < 1, "v1")
    assert log.find(0, 1) is None and log.find(1, 1) is not None and log.find(1, 2) is not None
    assert log.buffered_from("v2") == 2


def test_uncounting_stops_at_zero() -> None:
    log = MessageLog()
    log.add(support.signed_prepare(1, DIGEST, "v2"))
    log.add(support.signed_commit(1, DIGEST, "v2"))
    log.add(support.signed_prepare(2, DIGEST, "v2"))
    log.drop_through(1, self_id="v1")
    assert log.buffered_from("v2") == 1 and log._per_sender == {"v2": 1}


def test_replace_preprepare_swaps_the_count_and_asks_the_node_again() -> None:
    log = MessageLog()
    first = support.signed_preprepare(1, PAYLOAD, DIGEST)
    slot = log.add(first)
    slot.validation = Validation.OK
    again = support.signed_preprepare(1, support.make_block(1, "other")[0], OTHER)
    log.replace_preprepare(slot, again, self_id="v1")
    assert slot.preprepare == again and slot.validation is Validation.NOT_ASKED
    assert log.buffered_from("v0") == 1  # the old one uncounted, the new one counted
    # Our own re-proposal in place of a peer's: the peer's is released, ours is not counted.
    own = support.signed_preprepare(1, PAYLOAD, DIGEST, sender="v1", view=0)
    log.replace_preprepare(slot, own, self_id="v1")
    assert slot.preprepare == own and log.buffered_from("v0") == 0
    assert log.buffered_from("v1") == 0 and log._per_sender == {}
    # Into an empty slot: the new one is added to what its sender has buffered already.
    log.add(support.signed_commit(1, DIGEST, "v0"))
    empty = log.slot(0, 2)
    log.replace_preprepare(empty, support.signed_preprepare(2, PAYLOAD, DIGEST), self_id="v1")
    assert log.buffered_from("v0") == 2 and log.count() == 3


def test_clear_forgets_slots_and_counts() -> None:
    log = MessageLog()
    log.add(support.signed_prepare(1, DIGEST, "v2"))
    log.add(support.signed_prepare(2, DIGEST, "v3"))
    log.clear()
    assert (len(log), log.count(), log.buffered_from("v2"), log.buffered_from("v3")) == (
        0,
        0,
        0,
        0,
    )
    assert log.has_room("v2")


# ----------------------------------------------------------------- ForeignCommits


def unsigned_commit(view: int, sender: str, digest: bytes = DIGEST) -> Commit:
    """A commit as the container sees it: it keeps what it is given (signatures are checked
    before a commit gets here), so a placeholder signature does."""
    return Commit(view, 1, digest, sender, b"\x01" * 64)


def test_foreign_commits_keep_the_highest_views_of_each_sender() -> None:
    foreign = ForeignCommits()
    cap = limits.OLD_VIEW_COMMITS_PER_SENDER_MAX
    for view in (3, 1, 0, *range(4, 4 + cap)):
        foreign.add(unsigned_commit(view, "v2"))
        assert len(foreign) <= cap
    kept = [v for v in range(4 + cap) if foreign.stored("v2", v) is not None]
    assert kept == list(range(4, 4 + cap))
    foreign.add(unsigned_commit(1, "v3"))
    assert len(foreign) == cap + 1
    assert foreign.stored("v3", 1) == unsigned_commit(1, "v3")
    assert foreign.stored("v3", 2) is None and foreign.stored("v9", 1) is None
    foreign.clear()
    assert len(foreign) == 0 and foreign.stored("v2", 4) is None


def test_foreign_commits_fill_up_to_the_cap_before_evicting() -> None:
    foreign = ForeignCommits()
    cap = limits.OLD_VIEW_COMMITS_PER_SENDER_MAX
    for view in range(cap):
        foreign.add(unsigned_commit(view, "v2"))
    assert len(foreign) == cap and foreign.stored("v2", 0) is not None


def test_foreign_certificates_are_quorums_of_members_per_view_highest_first() -> None:
    foreign = ForeignCommits()
    foreign.add(unsigned_commit(5, "v9"))  # not a member: never counted (and first in order)
    for sender in ("v3", "v0", "v1"):
        foreign.add(unsigned_commit(2, sender))
    for sender in ("v2", "v9"):
        foreign.add(unsigned_commit(5, sender))
    for sender in ("v2", "v1", "v0"):
        foreign.add(unsigned_commit(7, sender))
    foreign.add(unsigned_commit(8, "v3", OTHER))
    certificates = foreign.certificates(support.VALIDATORS)
    assert [[(c.view, c.sender) for c in cert] for cert in certificates] == [
        [(7, "v0"), (7, "v1"), (7, "v2")],
        [(2, "v0"), (2, "v1"), (2, "v3")],
    ]
    # One member and the outsider in view 5 are not a certificate; two more members make one.
    foreign.add(unsigned_commit(5, "v0"))
    foreign.add(unsigned_commit(5, "v1"))
    assert [cert[0].view for cert in foreign.certificates(support.VALIDATORS)] == [7, 5, 2]


def test_foreign_certificates_group_by_digest_too() -> None:
    foreign = ForeignCommits()
    for sender, digest in (("v0", DIGEST), ("v1", DIGEST), ("v2", OTHER), ("v3", OTHER)):
        foreign.add(unsigned_commit(3, sender, digest))
    assert foreign.certificates(support.VALIDATORS) == []
    assert len(foreign) == 4


# ----------------------------------------------------------------- RecentHeight


def test_a_recent_heights_bundle_leaves_out_what_the_peer_signed() -> None:
    pp = support.signed_preprepare(1, PAYLOAD, DIGEST)
    commits = tuple(support.signed_commit(1, DIGEST, s) for s in ("v0", "v1", "v2"))
    recent = RecentHeight(1, DIGEST, 0, pp, commits, seen={})
    assert recent.get_bundle_for("v3") == [pp, *commits]
    assert recent.get_bundle_for("v1") == [pp, commits[0], commits[2]]
    assert recent.get_bundle_for("v0") == [commits[1], commits[2]]
