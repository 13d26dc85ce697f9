"""Governance edges found by mutation testing (issue 19, docs/mutation.md).

The quorum at its exact edge and the rules a quorum may have, a proposal's standing at its
expiry instant, the records and events of an applied and of a failed proposal, contract
version schedules (two decisions at one height), and the transactions as
``make_transactions`` builds them (it runs at import, so a test calls it again).
They check error codes, records and events, never a message text.
"""

from __future__ import annotations

from typing import Any

import pytest

from contracts.framework import limits
from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.governance import proposals, versions
from contracts.governance.quorum import DEFAULT_QUORUM, QuorumRule, get_quorum
from contracts.membership import contract as membership_contract
from contracts.runtime import ArgValue, execute, genesis_writes
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import add_org_args, approve_by, pass_proposal
from tests.unit.test_mutation_membership import decided, events_of, proposal

ALONE = (support.PSB,)
"""A one-member consortium: every proposal is decided by its own transaction."""


def activate_args(pid: str, contract: str, version: int) -> dict[str, ArgValue]:
    return {
        "proposal_id": pid,
        "action": "activate_contract_version",
        "contract": contract,
        "version": version,
    }


# --- the quorum ----------------------------------------------------------------------------


def test_two_thirds_exactly_is_not_a_quorum() -> None:
    trio = (support.PSB, support.BANK, support.NOTARY)
    ledger = support.Ledger(trio)
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    approve_by(ledger, "PROP-0001", (support.BANK,))  # 2 x 3 = 3 x 2: not more
    assert proposal(ledger, "PROP-0001")["status"] == "open"
    approve_by(ledger, "PROP-0001", (support.NOTARY,))
    assert proposal(ledger, "PROP-0001")["status"] == "applied"


@pytest.mark.parametrize(
    "rule",
    [
        QuorumRule(2.0, 3),  # type: ignore[arg-type]
        QuorumRule(2, 3.0),  # type: ignore[arg-type]
        QuorumRule(True, 2),  # type: ignore[arg-type]
        QuorumRule(51, limits.QUORUM_DENOMINATOR_MAX + 1),
        (2, 3),
    ],
)
def test_genesis_refuses_a_quorum_that_is_not_an_integer_rule(rule: Any) -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes(support.ORGANISATIONS, (), rule, suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"


def test_the_largest_denominator_is_accepted() -> None:
    rule = QuorumRule(limits.QUORUM_DENOMINATOR_MAX - 1, limits.QUORUM_DENOMINATOR_MAX)
    writes = dict(genesis_writes(support.ORGANISATIONS, (), rule, suite=ED25519_SHA256))
    assert writes[b"membership/quorum"] == rule.encode()


def test_without_a_stored_rule_the_default_applies() -> None:
    assert get_quorum(MemoryState()) == DEFAULT_QUORUM
    assert versions.get_schedule(MemoryState(), "consent") == ((0, versions.GENESIS_VERSION),)


def test_set_quorum_exact_event_and_effective_height() -> None:
    ledger = support.Ledger(ALONE)
    args = {"proposal_id": "PROP-Q-0001", "action": "set_quorum", "numerator": 3, "denominator": 4}
    result = ledger.call(support.PSB, "membership.propose", args)
    height = decided(ledger)
    assert events_of(result)["membership.quorum_set"] == (
        ("PROP-Q-0001",),
        {"denominator": 4, "numerator": 3, "proposal_id": "PROP-Q-0001"},
    )
    assert ledger.state.get(b"membership/quorum") == b'{"denominator":4,"numerator":3}'
    assert proposal(ledger, "PROP-Q-0001")["effective_height"] == height


# --- a proposal's record -------------------------------------------------------------------


def test_an_open_proposal_in_full_and_its_expiry_instant() -> None:
    ledger = support.Ledger()
    until = ledger.time_ms + 60_000
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001", expires_at_ms=until))
    record = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"}, now_ms=until)
    assert record == {
        "proposal_id": "PROP-0001",
        "action": "add_org",
        "params": {
            "org_id": "weihai-bigdata",
            "name": "威海市大数据中心",
            "public_key": support.key_of("weihai-bigdata").hex(),
            "roles": ["auditor", "verifier"],
            "cert_types": [],
            "record_categories": [],
        },
        "proposer": support.PSB.id,
        "approvals": [support.PSB.id],
        "status": "open",
        "proposed_height": 1,
        "expires_at_ms": until,
        "decided_height": 0,
        "effective_height": 0,
        "failure": "",
        "approvals_counted": 1,
        "approvals_needed": 7,
        "expired": False,
    }
    after = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"}, now_ms=until + 1)
    assert after["expired"] is True


def test_a_decided_proposal_never_shows_as_expired() -> None:
    ledger = support.Ledger(ALONE)
    until = ledger.time_ms + 60_000
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001", expires_at_ms=until))
    record = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"}, now_ms=until + 1)
    assert (record["status"], record["expired"]) == ("applied", False)


def test_a_failed_proposal_records_its_decision_and_an_exact_event() -> None:
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    pass_proposal(ledger, add_org_args("PROP-0002"), proposer=support.BANK)
    voters = [o for o in support.ORGANISATIONS if o not in (support.PSB,)][:7]
    result = None
    for voter in voters:  # 11 members now: 8 approvals
        result = ledger.call(voter, "membership.approve", {"proposal_id": "PROP-0001"})
    assert result is not None
    height = decided(ledger)
    (subjects, attrs) = events_of(result)["membership.proposal_failed"]
    assert subjects == ("PROP-0001",)
    assert (attrs["action"], attrs["approvals"]) == ("add_org", 8)
    assert isinstance(attrs["reason"], str) and attrs["reason"]
    record = proposal(ledger, "PROP-0001")
    assert (record["status"], record["decided_height"], record["effective_height"]) == (
        "failed",
        height,
        0,
    )
    assert record["failure"] == attrs["reason"]


def test_the_proposer_is_related_to_its_proposal() -> None:
    ledger = support.Ledger()
    ledger.call(support.BANK, "membership.propose", add_org_args("PROP-0001"))
    assert proposals.get_related(ledger.state, "PROP-0001") == [support.BANK.id]
    assert proposals.get_related(ledger.state, "PROP-0002") == []


# --- contract versions ---------------------------------------------------------------------


def test_activation_exact_event_record_and_schedule() -> None:
    ledger = support.Ledger(ALONE)
    result = ledger.call(
        support.PSB, "membership.propose", activate_args("PROP-V-0001", "consent", 2)
    )
    height = decided(ledger)
    assert events_of(result)["membership.contract_version_scheduled"] == (
        ("consent", "PROP-V-0001"),
        {
            "activation_height": height + limits.CONTRACT_ACTIVATION_DELAY,
            "contract": "consent",
            "decided_height": height,
            "proposal_id": "PROP-V-0001",
            "version": 2,
        },
    )
    assert (
        proposal(ledger, "PROP-V-0001")["effective_height"]
        == height + limits.CONTRACT_ACTIVATION_DELAY
    )
    assert ledger.state.get(b"membership/contract_version/consent") == (
        b"[[0,1],[%d,2]]" % (height + limits.CONTRACT_ACTIVATION_DELAY)
    )


def test_two_activations_decided_at_one_height_leave_one_entry() -> None:
    ledger = support.Ledger(ALONE)
    ledger.call(support.PSB, "membership.propose", activate_args("PROP-V-0001", "consent", 2))
    height = decided(ledger)
    ledger.height = height  # the next decision is in the same block
    ledger.call(support.PSB, "membership.propose", activate_args("PROP-V-0002", "consent", 1))
    answer = ledger.query("membership", "contract_versions", {})["consent"]
    assert answer["schedule"] == [[0, 1], [height + limits.CONTRACT_ACTIVATION_DELAY, 1]]


def test_a_version_is_active_from_its_activation_height_on() -> None:
    schedule = ((0, 1), (20, 2))
    assert [versions.get_version_at(schedule, h) for h in (0, 19, 20, 21, None)] == [1, 1, 2, 2, 2]
    assert versions.get_version_at(((0, 1),), 5) == 1
    # Before a schedule's first entry (none is stored so), its first version answers.
    assert versions.get_version_at(((5, 2), (9, 3)), 3) == 2


# --- the transactions as make_transactions builds them -------------------------------------


def test_freshly_made_transactions_do_what_the_contracts_own_do() -> None:
    made = proposals.make_transactions(membership_contract.ACTIONS)
    assert sorted(made) == ["approve", "propose"]
    ledger = support.Ledger()
    args = add_org_args(
        "PROP-0001",
        expires_at_ms=ledger.time_ms + 60_000,
        cert_types=support.json_arg(["diploma"]),
        record_categories=support.json_arg(["credit"]),
    )
    ctx = ledger.ctx(support.PSB)
    fresh = made["propose"](ledger.state, ctx, args)
    own = execute(ledger.state, ctx, "membership", "propose", args)
    assert support.result_bytes(fresh) == support.result_bytes(own)
    ledger.state.apply(own)
    approve: dict[str, ArgValue] = {"proposal_id": "PROP-0001"}
    ctx = ledger.ctx(support.BANK)
    fresh = made["approve"](ledger.state, ctx, approve)
    own = execute(ledger.state, ctx, "membership", "approve", approve)
    assert support.result_bytes(fresh) == support.result_bytes(own)
    with pytest.raises(ContractError) as info:
        made["propose"](ledger.state, ctx, {**args, "proposal_id": "PROP-0002", "extra": 1})
    assert info.value.code == "invalid_argument"


# --- the proposals query -------------------------------------------------------------------


def test_the_proposals_query_filters_by_status_and_shows_expiry_at_query_time() -> None:
    ledger = support.Ledger()
    pass_proposal(ledger, add_org_args("PROP-0001"))
    until = ledger.time_ms + 60_000
    quorum = {"action": "set_quorum", "numerator": 3, "denominator": 4, "expires_at_ms": until}
    ledger.call(support.PSB, "membership.propose", {"proposal_id": "PROP-0002", **quorum})

    def listed(args: dict[str, ArgValue], now_ms: int) -> list[tuple[str, str, bool]]:
        found = ledger.query("membership", "proposals", args, now_ms=now_ms)
        return [(p["proposal_id"], p["status"], p["expired"]) for p in found]

    both = [("PROP-0001", "applied", False), ("PROP-0002", "open", False)]
    assert listed({}, until) == both
    assert listed({"status": "open"}, until) == [("PROP-0002", "open", False)]
    assert listed({"status": "applied"}, until) == [("PROP-0001", "applied", False)]
    assert listed({"status": "open"}, until + 1) == [("PROP-0002", "open", True)]
    assert listed({"status": "failed"}, until) == []


# --- propose and approve at their edges ----------------------------------------------------


def test_a_proposal_can_be_approved_at_its_expiry_instant_and_not_after() -> None:
    ledger = support.Ledger()
    for pid in ("PROP-0001", "PROP-0002"):
        # The next block's time is the proposal's expiry instant (one second per block).
        until = ledger.time_ms + 2000 if pid == "PROP-0002" else ledger.time_ms + 1000
        ledger.call(support.PSB, "membership.propose", add_org_args(pid, expires_at_ms=until))
    assert ledger.time_ms == proposal(ledger, "PROP-0002")["expires_at_ms"] - 1000
    ledger.reject(
        support.BANK, "membership.approve", {"proposal_id": "PROP-0001"}, "failed_precondition"
    )
    ledger.call(support.BANK, "membership.approve", {"proposal_id": "PROP-0002"})
    assert proposal(ledger, "PROP-0002")["approvals"] == sorted([support.PSB.id, support.BANK.id])


def test_a_proposal_must_expire_after_the_block_time_by_at_most_the_longest_lifetime() -> None:
    ledger = support.Ledger()
    now = ledger.time_ms
    ledger.reject(
        support.PSB,
        "membership.propose",
        add_org_args("PROP-0001", expires_at_ms=now),
        "invalid_argument",
    )
    longest = ledger.time_ms + limits.PROPOSAL_TTL_MS_MAX
    ledger.reject(
        support.PSB,
        "membership.propose",
        add_org_args("PROP-0001", expires_at_ms=longest + 1),
        "invalid_argument",
    )
    longest = ledger.time_ms + limits.PROPOSAL_TTL_MS_MAX
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001", expires_at_ms=longest))
    assert proposal(ledger, "PROP-0001")["expires_at_ms"] == longest


def test_a_proposal_id_is_used_once() -> None:
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    ledger.reject(
        support.BANK,
        "membership.propose",
        add_org_args("PROP-0001", org_id="qingdao-bigdata"),
        "already_exists",
    )
    assert proposal(ledger, "PROP-0001")["proposer"] == support.PSB.id
