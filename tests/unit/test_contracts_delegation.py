"""Delegation: guardians, legal representatives and agents acting for a holder."""

from __future__ import annotations

import pytest

from contracts.runtime import ArgValue, related_subjects
from tests.unit import test_contracts_support as support

CERT = "DIP-2012-000001"
LICENCE = "BL-WH-2020-000001"
YEAR_MS = 365 * support.DAY_MS


def guardianship(ledger: support.Ledger, **overrides: ArgValue) -> dict[str, ArgValue]:
    args = support.delegation_args(
        "DLG-GUARD-0001", "guardian", support.ALICE, support.GUARDIAN, ledger.time_ms + YEAR_MS
    )
    args.update(overrides)
    return args


def ledger_for_alice() -> support.Ledger:
    """Alice has a diploma, a social-security record and a pending request from the bank."""
    ledger = support.Ledger.with_diploma(CERT)
    ledger.append(support.HRSS, "SS-2024-000001")
    ledger.request("REQ-0000001", CERT)
    return ledger


def ledger_for_enterprise() -> support.Ledger:
    """An enterprise with a business licence, a registration record, a legal representative
    registered by market regulation, and a pending request for its licence."""
    ledger = support.Ledger()
    ledger.issue(
        support.AMR, cert_id=LICENCE, cert_type="business_licence", holder=support.ENTERPRISE
    )
    ledger.append_enterprise_registration()
    ledger.register_legal_representative(ledger.time_ms + 2 * YEAR_MS)
    ledger.request("REQ-ENT-0001", LICENCE, holder=support.ENTERPRISE)
    return ledger


# --- guardians -----------------------------------------------------------------------------


def test_a_registered_guardian_acts_for_the_ward_and_both_see_it() -> None:
    ledger = ledger_for_alice()
    result = ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    assert result.events[0].name == "delegation.registered"
    assert result.events[0].subjects == (
        support.ALICE,
        support.GUARDIAN,
        "DLG-GUARD-0001",
        support.CIVIL.id,
    )
    assert ledger.query("delegation", "get", {"delegation_id": "DLG-GUARD-0001"})["in_force"]

    result = ledger.call(support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"})
    (event,) = result.events
    assert event.subjects == (
        support.ALICE,
        CERT,
        support.BANK.id,
        "REQ-0000001",
        support.GUARDIAN,
        "DLG-GUARD-0001",
    )
    assert dict(event.attrs)["acting_as"] == "guardian"
    request = ledger.query("consent", "get", {"request_id": "REQ-0000001"})
    assert (request["decided_by"], request["delegation_id"]) == (support.GUARDIAN, "DLG-GUARD-0001")

    result = ledger.call(support.GUARDIAN_KEY, "archives.claim", {"record_id": "SS-2024-000001"})
    assert (
        support.GUARDIAN in result.events[0].subjects and support.ALICE in result.events[0].subjects
    )
    ledger.call(
        support.GUARDIAN_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000001", "record_id": "SS-2024-000001", "reason": "缺少缴费记录"},
    )
    assert (
        ledger.query("archives", "correction", {"correction_id": "COR-0000001"})["requested_by"]
        == support.GUARDIAN
    )

    listed = ledger.query(
        "delegation", "list_by_holder", {"holder": support.GUARDIAN, "side": "delegate"}
    )
    assert [d["delegation_id"] for d in listed] == ["DLG-GUARD-0001"]
    assert (
        ledger.query("delegation", "list_by_holder", {"holder": support.ALICE})[0]["principal"]
        == support.ALICE
    )


def test_an_appointed_guardian_must_accept_first() -> None:
    ledger = ledger_for_alice()
    result = ledger.call(support.ALICE_KEY, "delegation.appoint", guardianship(ledger))
    assert result.events[0].name == "delegation.appointed"
    assert (
        ledger.query("delegation", "get", {"delegation_id": "DLG-GUARD-0001"})["status"]
        == "pending"
    )
    ledger.reject(
        support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"}, "permission_denied"
    )
    for sender in (support.ALICE_KEY, support.BOB_KEY, support.CIVIL.public_key):
        ledger.reject(
            sender, "delegation.accept", {"delegation_id": "DLG-GUARD-0001"}, "permission_denied"
        )
    result = ledger.call(
        support.GUARDIAN_KEY, "delegation.accept", {"delegation_id": "DLG-GUARD-0001"}
    )
    assert result.events[0].name == "delegation.accepted"
    ledger.call(support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"})
    ledger.reject(
        support.GUARDIAN_KEY,
        "delegation.accept",
        {"delegation_id": "DLG-GUARD-0001"},
        "failed_precondition",
    )


def test_a_delegate_may_decline() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.ALICE_KEY, "delegation.appoint", guardianship(ledger))
    ledger.call(support.GUARDIAN_KEY, "delegation.decline", {"delegation_id": "DLG-GUARD-0001"})
    ledger.reject(
        support.GUARDIAN_KEY,
        "delegation.accept",
        {"delegation_id": "DLG-GUARD-0001"},
        "failed_precondition",
    )
    ledger.reject(
        support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"}, "permission_denied"
    )


def test_a_delegation_covers_only_its_actions_types_categories_and_time() -> None:
    ledger = ledger_for_alice()
    ledger.call(
        support.CIVIL,
        "delegation.register",
        guardianship(
            ledger,
            actions=support.json_arg(["consent"]),
            cert_types=support.json_arg(["resident_id_card"]),
            expires_at_ms=ledger.time_ms + 60_000,
        ),
    )
    # The diploma is not among the covered types; archives are not among the actions.
    ledger.reject(
        support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"}, "permission_denied"
    )
    ledger.reject(
        support.GUARDIAN_KEY, "archives.claim", {"record_id": "SS-2024-000001"}, "permission_denied"
    )
    ledger.call(
        support.CIVIL,
        "delegation.register",
        guardianship(ledger, delegation_id="DLG-GUARD-0002", expires_at_ms=ledger.time_ms + 60_000),
    )
    ledger.time_ms += 120_000  # both expired
    ledger.reject(
        support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"}, "permission_denied"
    )
    assert (
        ledger.query("delegation", "list_by_holder", {"holder": support.ALICE, "in_force": True})
        == []
    )


def test_who_may_revoke_a_registered_guardianship() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    d: dict[str, ArgValue] = {"delegation_id": "DLG-GUARD-0001"}
    for sender in (support.ALICE_KEY, support.STRANGER_KEY, support.BANK.public_key):
        ledger.reject(sender, "delegation.revoke", d, "permission_denied")
    result = ledger.call(support.WEIHAI_AMR, "delegation.revoke", {**d, "reason": "监护变更"})
    assert dict(result.events[0].attrs)["revoked_by"] == support.WEIHAI_AMR.id
    ledger.reject(
        support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001"}, "permission_denied"
    )
    ledger.reject(support.CIVIL, "delegation.revoke", d, "failed_precondition")


def test_who_may_revoke_an_appointed_guardian() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.ALICE_KEY, "delegation.appoint", guardianship(ledger))
    ledger.reject(
        support.CIVIL, "delegation.revoke", {"delegation_id": "DLG-GUARD-0001"}, "permission_denied"
    )
    ledger.call(support.ALICE_KEY, "delegation.revoke", {"delegation_id": "DLG-GUARD-0001"})
    ledger.call(
        support.ALICE_KEY,
        "delegation.appoint",
        guardianship(ledger, delegation_id="DLG-GUARD-0002"),
    )
    ledger.call(
        support.GUARDIAN_KEY, "delegation.revoke", {"delegation_id": "DLG-GUARD-0002"}
    )  # renounce


@pytest.mark.parametrize(
    ("sender", "method", "overrides", "code"),
    [
        (support.ALICE_KEY, "register", {}, "permission_denied"),
        (support.NOTARY.public_key, "register", {}, "permission_denied"),
        (support.CIVIL.public_key, "register", {"kind": "agent"}, "invalid_argument"),
        (support.ALICE_KEY, "appoint", {"kind": "legal_representative"}, "invalid_argument"),
        (support.BOB_KEY, "appoint", {}, "permission_denied"),
        (support.CIVIL.public_key, "register", {"delegate": support.ALICE}, "invalid_argument"),
        (
            support.CIVIL.public_key,
            "register",
            {"actions": support.json_arg(["appoint_agents"])},
            "invalid_argument",
        ),
        (
            support.CIVIL.public_key,
            "register",
            {"actions": support.json_arg([])},
            "invalid_argument",
        ),
        (
            support.CIVIL.public_key,
            "register",
            {"actions": support.json_arg(["everything"])},
            "invalid_argument",
        ),
        (support.CIVIL.public_key, "register", {"expires_at_ms": 1}, "invalid_argument"),
        (
            support.CIVIL.public_key,
            "register",
            {"principal": support.ENTERPRISE},
            "failed_precondition",
        ),
        (
            support.CIVIL.public_key,
            "register",
            {"delegation_id": "G-370102199003074528"},
            "invalid_argument",
        ),
    ],
)
def test_delegation_rejections(
    sender: bytes, method: str, overrides: dict[str, ArgValue], code: str
) -> None:
    ledger = ledger_for_alice()
    # The enterprise's file makes it known as an enterprise.
    ledger.append_enterprise_registration()
    ledger.reject(sender, f"delegation.{method}", guardianship(ledger, **overrides), code)


def test_a_legal_representative_cannot_be_registered_for_a_person() -> None:
    ledger = ledger_for_alice()
    args = support.delegation_args(
        "DLG-LEGAL-0001",
        "legal_representative",
        support.ALICE,
        support.BOB,
        ledger.time_ms + YEAR_MS,
    )
    ledger.reject(support.WEIHAI_AMR, "delegation.register", args, "failed_precondition")


# --- enterprises: legal representative and agents (two-way mandate) -----------------------


def agent_args(ledger: support.Ledger, **overrides: ArgValue) -> dict[str, ArgValue]:
    args = support.delegation_args(
        "DLG-AGENT-0001",
        "agent",
        support.ENTERPRISE,
        support.AGENT,
        ledger.time_ms + YEAR_MS,
        ("consent",),
    )
    args.update(overrides)
    return args


def test_the_legal_representative_appoints_an_agent_who_accepts() -> None:
    ledger = ledger_for_enterprise()
    # The legal representative acts for the enterprise.
    ledger.call(support.LEGAL_REP_KEY, "archives.claim", {"record_id": "ENT-REG-000001"})
    # The agent is appointed by the representative, then confirms (意愿确认).
    result = ledger.call(support.LEGAL_REP_KEY, "delegation.appoint", agent_args(ledger))
    assert result.events[0].subjects == (
        support.ENTERPRISE,
        support.AGENT,
        "DLG-AGENT-0001",
        support.LEGAL_REP,
    )
    appointed = ledger.query("delegation", "get", {"delegation_id": "DLG-AGENT-0001"})
    assert (appointed["status"], appointed["parent"]) == ("pending", "DLG-LEGAL-0001")
    ledger.reject(
        support.AGENT_KEY, "consent.grant", {"request_id": "REQ-ENT-0001"}, "permission_denied"
    )
    ledger.call(support.AGENT_KEY, "delegation.accept", {"delegation_id": "DLG-AGENT-0001"})
    result = ledger.call(support.AGENT_KEY, "consent.grant", {"request_id": "REQ-ENT-0001"})
    assert result.events[0].subjects == (
        support.ENTERPRISE,
        LICENCE,
        support.BANK.id,
        "REQ-ENT-0001",
        support.AGENT,
        "DLG-AGENT-0001",
    )
    # The agent's scope is consent only.
    ledger.reject(
        support.AGENT_KEY, "archives.claim", {"record_id": "ENT-REG-000001"}, "permission_denied"
    )


def test_an_agent_lapses_with_the_representative_who_appointed_them() -> None:
    ledger = ledger_for_enterprise()
    ledger.call(support.LEGAL_REP_KEY, "delegation.appoint", agent_args(ledger))
    ledger.call(support.AGENT_KEY, "delegation.accept", {"delegation_id": "DLG-AGENT-0001"})
    ledger.call(support.WEIHAI_AMR, "delegation.revoke", {"delegation_id": "DLG-LEGAL-0001"})
    assert not ledger.query("delegation", "get", {"delegation_id": "DLG-AGENT-0001"})["in_force"]
    ledger.reject(
        support.AGENT_KEY, "consent.grant", {"request_id": "REQ-ENT-0001"}, "permission_denied"
    )


@pytest.mark.parametrize(
    ("sender", "overrides", "code"),
    [
        # Beyond the representative's expiry, or with appointing rights, or for another kind.
        (support.LEGAL_REP_KEY, {"expires_at_ms": 10**15}, "permission_denied"),
        (
            support.LEGAL_REP_KEY,
            {"actions": support.json_arg(["appoint_agents"])},
            "invalid_argument",
        ),
        (support.LEGAL_REP_KEY, {"kind": "guardian"}, "permission_denied"),
        (support.LEGAL_REP_KEY, {"delegate": support.LEGAL_REP}, "invalid_argument"),
        # Someone who is not the enterprise nor its representative.
        (support.AGENT_KEY, {}, "permission_denied"),
        (support.BOB_KEY, {}, "permission_denied"),
    ],
)
def test_agent_appointment_rejections(
    sender: bytes, overrides: dict[str, ArgValue], code: str
) -> None:
    ledger = ledger_for_enterprise()
    ledger.reject(sender, "delegation.appoint", agent_args(ledger, **overrides), code)


def test_the_enterprise_itself_may_appoint_an_agent() -> None:
    ledger = ledger_for_enterprise()
    ledger.call(support.ENTERPRISE_KEY, "delegation.appoint", agent_args(ledger))
    ledger.call(support.AGENT_KEY, "delegation.accept", {"delegation_id": "DLG-AGENT-0001"})
    appointed = ledger.query("delegation", "get", {"delegation_id": "DLG-AGENT-0001"})
    assert (appointed["status"], appointed["in_force"]) == ("active", True)
    ledger.call(support.AGENT_KEY, "consent.refuse", {"request_id": "REQ-ENT-0001"})
    request = ledger.query("consent", "get", {"request_id": "REQ-ENT-0001"})
    assert request["status"] == "refused"


def test_a_rejected_delegate_call_reaches_the_wards_audit_trace() -> None:
    ledger = ledger_for_alice()
    args: dict[str, ArgValue] = {"request_id": "REQ-0000001"}
    ledger.reject(support.GUARDIAN_KEY, "consent.grant", args, "permission_denied")
    subjects = related_subjects(ledger.state, "consent", "grant", args)
    assert support.ALICE in subjects and support.BANK.id in subjects and CERT in subjects
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    subjects = related_subjects(
        ledger.state, "delegation", "revoke", {"delegation_id": "DLG-GUARD-0001"}
    )
    assert {support.ALICE, support.GUARDIAN, support.CIVIL.id} <= set(subjects)
    assert support.BOB not in subjects
