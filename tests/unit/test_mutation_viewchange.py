"""View-change verification edges found by mutation testing (issue 19, docs/mutation.md).

Reference: Castro & Liskov, OSDI 1999 section 4.4; TOCS 2002 sections 4.4 / 4.5. These call the
pure functions of consensus/viewchange.py with really signed messages and check the verdict
(problem or not, and the plan), never a message text.
"""

from __future__ import annotations

from dataclasses import replace

from consensus.messages import ViewChange
from consensus.validators import Validator, ValidatorSchedule, ValidatorSet
from consensus.viewchange import (
    compute_new_view_plan,
    get_certified_height,
    get_new_view_problem,
    get_view_change_height,
    get_view_change_problem,
    has_view_change_quorum,
    strip_payload,
)
from suites import ED25519_SHA256
from tests.unit import consensus_support as support

CHAIN = support.CHAIN
SINGLE = ValidatorSchedule.starting_with(support.VALIDATORS)
CHANGING = ValidatorSchedule(((0, support.VALIDATORS), (1_000, support.VALIDATORS)))
"""The same members, but a schedule with a (later) activation: the set must be looked up by
the height in question, since a two-entry schedule has no answer without one."""


def committed_at(height: int, view: int = 0) -> ViewChange:
    cert = support.make_certificate(height, support.make_block(height)[1], view=view)
    return support.signed_view_change("v2", 1, committed=cert)


# ----------------------------------------------------------------- heights and the plan


def test_the_certified_height_is_the_carried_certificates() -> None:
    vc = committed_at(5)
    assert get_certified_height(vc) == 5
    assert get_view_change_height(vc) == 6
    genesis = support.signed_view_change("v2", 1)
    assert (get_certified_height(genesis), get_view_change_height(genesis)) == (0, 1)


def test_the_plan_is_for_the_view_asked() -> None:
    plan = compute_new_view_plan(7, [committed_at(3)])
    assert (plan.view, plan.start_height, plan.reproposal) == (7, 4, None)


def test_strip_payload_removes_only_the_payload() -> None:
    digest = support.make_block(1)[1]
    vc = support.signed_view_change(
        "v1", 1, prepared=support.prepared_certificate(0, 1, digest), payload=b"x"
    )
    stripped = strip_payload(vc)
    assert stripped.payload == b""
    assert replace(stripped, payload=b"x") == vc
    assert strip_payload(stripped) == stripped


# ----------------------------------------------------------------- a single ViewChange


def test_a_view_change_carrying_a_bad_commit_certificate_is_rejected() -> None:
    """The issue-19 example: the carried commit certificate must be checked. Here it is
    signed by two validators only (no quorum), and in a second case for another digest than
    it names; the ViewChange's own signature is good in both."""
    height, digest = 5, support.make_block(5)[1]
    good = support.make_certificate(height, digest)
    assert (
        get_view_change_problem(
            CHAIN, SINGLE, committed_at(5), support.VERIFIER, ED25519_SHA256.hash
        )
        is None
    )
    short = support.make_certificate(height, digest, voters=("v0", "v1"))
    forged = replace(good, digest=support.make_block(5, "other")[1])
    for bad in (short, forged):
        vc = support.signed_view_change("v2", 1, committed=bad)
        assert (
            get_view_change_problem(CHAIN, SINGLE, vc, support.VERIFIER, ED25519_SHA256.hash)
            is not None
        )


def test_certificates_in_a_view_change_are_checked_against_the_set_at_their_height() -> None:
    digest = support.make_block(6)[1]
    vc = support.signed_view_change(
        "v2",
        1,
        committed=committed_at(5).committed,
        prepared=support.prepared_certificate(0, 6, digest),
    )
    assert (
        get_view_change_problem(CHAIN, CHANGING, vc, support.VERIFIER, ED25519_SHA256.hash) is None
    )


def test_a_prepared_certificate_from_the_view_asked_for_is_rejected() -> None:
    """A ViewChange for view 1 can only report what was prepared in views below 1; one from
    view 1 itself (fully valid otherwise) is refused, one from view 0 accepted."""
    digest = support.make_block(1)[1]
    same_view = support.signed_view_change(
        "v1", 1, prepared=support.prepared_certificate(1, 1, digest)
    )
    assert (
        get_view_change_problem(CHAIN, SINGLE, same_view, support.VERIFIER, ED25519_SHA256.hash)
        is not None
    )
    earlier = support.signed_view_change(
        "v1", 1, prepared=support.prepared_certificate(0, 1, digest)
    )
    assert (
        get_view_change_problem(CHAIN, SINGLE, earlier, support.VERIFIER, ED25519_SHA256.hash)
        is None
    )


# ----------------------------------------------------------------- a NewView


def test_a_valid_new_view_under_a_schedule_yields_its_plan() -> None:
    vcs = [committed_at(5)] + [
        support.signed_view_change(s, 1, committed=committed_at(5).committed) for s in ("v1", "v3")
    ]
    nv = support.signed_new_view(1, vcs, None)
    plan, problem = get_new_view_problem(
        CHAIN, CHANGING, nv, support.VERIFIER, ED25519_SHA256.hash, None
    )
    assert problem is None
    assert plan is not None
    assert (plan.view, plan.start_height, plan.reproposal) == (1, 6, None)


# ----------------------------------------------------------------- the quorum rule


def _set(ids: str) -> ValidatorSet:
    return ValidatorSet(tuple(Validator(v, (v * 32).encode()) for v in sorted(ids)))


def test_view_change_quorum_needs_the_sets_at_start_height_and_the_next() -> None:
    """Sets: abcd up to 9, abef at 10, ghij from 11. Starting at 9 the ViewChanges need a
    quorum (3 of 4) of abcd and of abef; ghij (from 11) is not asked about."""
    schedule = ValidatorSchedule(((0, _set("abcd")), (10, _set("abef")), (11, _set("ghij"))))
    assert has_view_change_quorum(schedule, 9, "abce") is True
    assert has_view_change_quorum(schedule, 9, "abc") is False  # no quorum of abef
    assert has_view_change_quorum(schedule, 9, "abef") is False  # no quorum of abcd
    assert has_view_change_quorum(schedule, 10, "abe") is False  # 11 needs ghij too
    assert has_view_change_quorum(schedule, 12, "ghi") is True
    assert has_view_change_quorum(schedule, 12, "ghh") is False  # distinct senders count
