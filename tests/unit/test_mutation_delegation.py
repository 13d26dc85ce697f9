"""Delegation edges found by mutation testing (issue 19, docs/mutation.md).

Exact expiry instants (of a delegation, of its acceptance and of the representative an
agent hangs on), an agent's terms at the edge of the representative's, who may revoke which
delegation, and the list query's filters. They check error codes, records and events, never
a message text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from contracts.delegation.authority import resolve_actor
from contracts.delegation.transactions import (
    APPOINTED_KIND,
    REGISTERED_KIND,
    _get_terms_signature,
    process_appoint,
    process_register,
)
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_delegation import (
    YEAR_MS,
    agent_args,
    guardianship,
    ledger_for_alice,
    ledger_for_enterprise,
)

GUARD = {"delegation_id": "DLG-GUARD-0001"}
AGENT = {"delegation_id": "DLG-AGENT-0001"}
LEGAL = {"delegation_id": "DLG-LEGAL-0001"}
REQ = {"request_id": "REQ-0000001"}
ENT_REQ = {"request_id": "REQ-ENT-0001"}


def picked(record: Mapping[str, Any], *names: str) -> tuple[Any, ...]:
    """The values of ``names`` in ``record``, to compare several at once."""
    return tuple(record[name] for name in names)


def get(ledger: support.Ledger, ids: dict[str, ArgValue], now_ms: int | None = None) -> Any:
    return ledger.query("delegation", "get", ids, now_ms=now_ms)


# --- exact instants ------------------------------------------------------------------------


def test_a_delegation_must_expire_after_the_block_time_not_at_it() -> None:
    ledger = ledger_for_alice()
    at_block = guardianship(ledger, expires_at_ms=ledger.time_ms)
    ledger.reject(support.CIVIL, "delegation.register", at_block, "invalid_argument")
    ledger.call(
        support.CIVIL, "delegation.register", guardianship(ledger, expires_at_ms=ledger.time_ms + 1)
    )
    assert get(ledger, GUARD)["status"] == "active"


def test_a_delegation_is_in_force_up_to_its_expiry_instant() -> None:
    ledger = ledger_for_alice()
    until = ledger.time_ms + 60_000
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger, expires_at_ms=until))
    assert get(ledger, GUARD, now_ms=until)["in_force"] is True
    assert get(ledger, GUARD, now_ms=until + 1)["in_force"] is False
    ledger.time_ms = until
    ledger.call(support.GUARDIAN_KEY, "consent.refuse", REQ)
    assert ledger.query("consent", "get", REQ)["decided_by"] == support.GUARDIAN


def test_an_appointment_may_be_accepted_up_to_its_expiry_instant() -> None:
    ledger = ledger_for_alice()
    until = ledger.time_ms + 60_000
    ledger.call(support.ALICE_KEY, "delegation.appoint", guardianship(ledger, expires_at_ms=until))
    ledger.time_ms = until + 1
    ledger.reject(support.GUARDIAN_KEY, "delegation.accept", GUARD, "failed_precondition")
    ledger.time_ms = until
    ledger.call(support.GUARDIAN_KEY, "delegation.accept", GUARD)
    record = get(ledger, GUARD)
    assert (record["status"], record["decided_height"]) == ("active", ledger.height - 1)


def test_an_agent_is_in_force_up_to_the_representatives_expiry_instant() -> None:
    ledger = ledger_for_enterprise()
    until = get(ledger, LEGAL)["expires_at_ms"]
    # Exactly the representative's expiry is within their delegation.
    ledger.call(
        support.LEGAL_REP_KEY, "delegation.appoint", agent_args(ledger, expires_at_ms=until)
    )
    ledger.call(support.AGENT_KEY, "delegation.accept", AGENT)
    assert get(ledger, AGENT, now_ms=until)["in_force"] is True
    assert get(ledger, AGENT, now_ms=until + 1)["in_force"] is False


# --- an agent's terms within the representative's ----------------------------------------


def scoped_enterprise(**terms: ArgValue) -> support.Ledger:
    """An enterprise whose legal representative is registered for consent and appointing
    agents, limited by ``terms`` (cert_types, record_categories)."""
    ledger = support.Ledger()
    ledger.issue(
        support.AMR,
        cert_id="BL-WH-2020-000001",
        cert_type="business_licence",
        holder=support.ENTERPRISE,
    )
    ledger.append_enterprise_registration()
    ledger.register(
        support.WEIHAI_AMR,
        "DLG-LEGAL-0001",
        "legal_representative",
        support.ENTERPRISE,
        support.LEGAL_REP,
        ledger.time_ms + 2 * YEAR_MS,
        ("consent", "appoint_agents"),
        **terms,
    )
    return ledger


def test_an_agent_must_stay_within_the_representatives_types() -> None:
    ledger = scoped_enterprise(cert_types=support.json_arg(["business_licence"]))
    appoint = "delegation.appoint"
    # No types means all types: wider than the representative's.
    ledger.reject(support.LEGAL_REP_KEY, appoint, agent_args(ledger), "permission_denied")
    wider = agent_args(ledger, cert_types=support.json_arg(["business_licence", "diploma"]))
    ledger.reject(support.LEGAL_REP_KEY, appoint, wider, "permission_denied")
    # Not an action the representative has.
    archives = agent_args(
        ledger,
        actions=support.json_arg(["archives"]),
        cert_types=support.json_arg(["business_licence"]),
    )
    ledger.reject(support.LEGAL_REP_KEY, appoint, archives, "permission_denied")
    same = agent_args(ledger, cert_types=support.json_arg(["business_licence"]))
    ledger.call(support.LEGAL_REP_KEY, appoint, same)
    assert get(ledger, AGENT)["cert_types"] == ["business_licence"]


def test_an_agent_must_stay_within_the_representatives_categories() -> None:
    ledger = scoped_enterprise(record_categories=support.json_arg(["enterprise_registration"]))
    appoint = "delegation.appoint"
    ledger.reject(support.LEGAL_REP_KEY, appoint, agent_args(ledger), "permission_denied")
    wider = agent_args(
        ledger, record_categories=support.json_arg(["enterprise_registration", "medical"])
    )
    ledger.reject(support.LEGAL_REP_KEY, appoint, wider, "permission_denied")
    same = agent_args(ledger, record_categories=support.json_arg(["enterprise_registration"]))
    ledger.call(support.LEGAL_REP_KEY, appoint, same)
    assert get(ledger, AGENT)["record_categories"] == ["enterprise_registration"]


def test_an_unlimited_representative_may_appoint_a_limited_agent() -> None:
    ledger = scoped_enterprise()
    limited = agent_args(
        ledger,
        cert_types=support.json_arg(["business_licence"]),
        record_categories=support.json_arg(["enterprise_registration"]),
    )
    result = ledger.call(support.LEGAL_REP_KEY, "delegation.appoint", limited)
    assert picked(dict(result.events[0].attrs), "cert_types", "record_categories", "parent") == (
        "business_licence",
        "enterprise_registration",
        "DLG-LEGAL-0001",
    )
    assert picked(get(ledger, AGENT), "creator_role", "created_by", "decided_height") == (
        "legal_representative",
        support.LEGAL_REP,
        0,
    )


# --- who may create and revoke -------------------------------------------------------------


def test_an_enterprise_cannot_be_a_delegate_nor_an_id_be_reused() -> None:
    ledger = ledger_for_alice()
    ledger.append_enterprise_registration()
    to_enterprise = guardianship(ledger, delegate=support.ENTERPRISE)
    ledger.reject(support.CIVIL, "delegation.register", to_enterprise, "failed_precondition")
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    record = get(ledger, GUARD)
    assert (record["creator_role"], record["decided_height"]) == ("registrar", ledger.height - 1)
    again = guardianship(ledger, delegate=support.BOB)
    ledger.reject(support.CIVIL, "delegation.register", again, "already_exists")


def test_a_registered_delegation_is_revoked_only_by_a_registrar_or_its_delegate() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    for sender in (support.ALICE_KEY, support.BANK.public_key, support.BOB_KEY):
        ledger.reject(sender, "delegation.revoke", GUARD, "permission_denied")
    result = ledger.call(support.GUARDIAN_KEY, "delegation.revoke", {**GUARD, "reason": "搬家"})
    (event,) = result.events
    assert event.subjects == (support.ALICE, support.GUARDIAN, "DLG-GUARD-0001")
    assert dict(event.attrs)["revoked_by"] == support.GUARDIAN
    record = get(ledger, GUARD)
    assert (record["status"], record["revoked_by"], record["reason"]) == (
        "revoked",
        support.GUARDIAN,
        "搬家",
    )
    assert record["revoked_height"] == ledger.height - 1


def test_a_representative_may_revoke_an_agent_the_enterprise_appointed() -> None:
    ledger = ledger_for_enterprise()
    ledger.call(support.ENTERPRISE_KEY, "delegation.appoint", agent_args(ledger))
    ledger.reject(support.BOB_KEY, "delegation.revoke", AGENT, "permission_denied")
    result = ledger.call(support.LEGAL_REP_KEY, "delegation.revoke", AGENT)
    assert result.events[0].subjects[-1] == support.LEGAL_REP
    assert get(ledger, AGENT)["revoked_by"] == support.LEGAL_REP


def test_a_representative_may_not_revoke_a_guardian_appointed_by_its_principal() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.ALICE_KEY, "delegation.appoint", guardianship(ledger))
    # Bob holds no appointing right over Alice; a guardian is not an agent either way.
    ledger.reject(support.BOB_KEY, "delegation.revoke", GUARD, "permission_denied")
    ledger.call(support.ALICE_KEY, "delegation.revoke", GUARD)
    assert get(ledger, GUARD)["revoked_by"] == support.ALICE


def test_only_a_pending_or_active_delegation_is_answered_or_revoked() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.ALICE_KEY, "delegation.appoint", guardianship(ledger))
    ledger.reject(support.BOB_KEY, "delegation.decline", GUARD, "permission_denied")
    result = ledger.call(support.GUARDIAN_KEY, "delegation.decline", GUARD)
    assert result.events[0].name == "delegation.declined"
    assert get(ledger, GUARD)["status"] == "declined"
    ledger.reject(support.GUARDIAN_KEY, "delegation.decline", GUARD, "failed_precondition")
    ledger.reject(support.GUARDIAN_KEY, "delegation.accept", GUARD, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "delegation.revoke", GUARD, "failed_precondition")


# --- the list query ------------------------------------------------------------------------


def test_the_list_by_holder_filters_by_side_in_force_and_limit() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    # Alice is also Bob's appointed (pending) guardian.
    bobs = support.delegation_args(
        "DLG-BOB-00001", "guardian", support.BOB, support.ALICE, ledger.time_ms + YEAR_MS
    )
    ledger.call(support.BOB_KEY, "delegation.appoint", bobs)

    def ids(**filters: ArgValue) -> list[str]:
        args: dict[str, ArgValue] = {"holder": support.ALICE, **filters}
        return [d["delegation_id"] for d in ledger.query("delegation", "list_by_holder", args)]

    assert ids() == ["DLG-GUARD-0001", "DLG-BOB-00001"]
    assert ids(side="principal") == ["DLG-GUARD-0001"]
    assert ids(side="delegate") == ["DLG-BOB-00001"]
    assert ids(in_force=True) == ["DLG-GUARD-0001"]
    assert ids(limit=1) == ["DLG-GUARD-0001"]
    assert ids(side="delegate", limit=1) == ["DLG-BOB-00001"]


# --- the declared terms --------------------------------------------------------------------


TERMS = [
    "delegation_id",
    "kind",
    "principal",
    "delegate",
    "actions",
    "cert_types",
    "record_categories",
    "expires_at_ms",
]


def test_register_and_appoint_declare_the_same_terms_in_order() -> None:
    """The terms signature is built at import (by the decorators), so it is also built here:
    a changed builder would otherwise go unseen (docs/mutation.md, import time)."""
    for kind, method in ((REGISTERED_KIND, process_register), (APPOINTED_KIND, process_appoint)):
        built = _get_terms_signature(kind)
        assert [arg.name for arg in built.args] == TERMS
        assert built.args[1] is kind
        assert built.describe() == method.declaration.describe()


def test_the_event_lists_every_term() -> None:
    ledger = ledger_for_alice()
    categories = support.json_arg(["medical", "social_security"])
    types = support.json_arg(["diploma", "resident_id_card"])
    args = guardianship(ledger, cert_types=types, record_categories=categories)
    result = ledger.call(support.CIVIL, "delegation.register", args)
    attrs = dict(result.events[0].attrs)
    assert picked(attrs, "actions", "cert_types", "record_categories", "kind", "registrar") == (
        "archives,consent",
        "diploma,resident_id_card",
        "medical,social_security",
        "guardian",
        support.CIVIL.id,
    )


def test_a_delegation_covers_exactly_its_own_category() -> None:
    ledger = ledger_for_alice()
    only_ss = support.json_arg(["social_security"])
    ledger.call(
        support.CIVIL, "delegation.register", guardianship(ledger, record_categories=only_ss)
    )
    result = ledger.call(support.GUARDIAN_KEY, "archives.claim", {"record_id": "SS-2024-000001"})
    assert dict(result.events[0].attrs)["delegation_id"] == "DLG-GUARD-0001"


def test_the_actor_names_whom_it_acts_for() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    for key, delegation_id, kind in (
        (support.ALICE_KEY, "", "holder"),
        (support.GUARDIAN_KEY, "DLG-GUARD-0001", "guardian"),
    ):
        actor = resolve_actor(
            ledger.state, ledger.ctx(key), support.ALICE, "consent", "grant", cert_types=["diploma"]
        )
        assert (actor.principal, actor.delegation_id, actor.kind) == (
            support.ALICE,
            delegation_id,
            kind,
        )


# --- the actor: who signs, for whom, under which delegation --------------------------------


def actor_ledger() -> support.Ledger:
    """Alice's guardian, registered for consent on diplomas and medical records only, for a
    minute."""
    ledger = ledger_for_alice()
    terms = guardianship(
        ledger,
        actions=support.json_arg(["consent"]),
        cert_types=support.json_arg(["diploma"]),
        record_categories=support.json_arg(["medical"]),
        expires_at_ms=ledger.time_ms + 60_000,
    )
    ledger.call(support.CIVIL, "delegation.register", terms)
    return ledger


def test_the_holder_acts_for_themself_with_no_delegation() -> None:
    ledger = actor_ledger()
    actor = resolve_actor(ledger.state, ledger.ctx(support.ALICE_KEY), support.ALICE, "x", "y")
    assert (actor.holder, actor.principal, actor.delegation_id, actor.kind) == (
        support.ALICE,
        support.ALICE,
        "",
        "holder",
    )
    assert actor.is_delegate is False
    assert actor.get_subjects() == ()
    assert actor.get_attrs() == {
        "acted_by": support.ALICE,
        "acting_as": "holder",
        "delegation_id": "",
    }


def test_a_delegate_acts_under_the_delegation_that_covers_the_call() -> None:
    ledger = actor_ledger()
    ctx = ledger.ctx(support.GUARDIAN_KEY)
    actor = resolve_actor(
        ledger.state,
        ctx,
        support.ALICE,
        "consent",
        "grant",
        cert_types=["diploma"],
        record_categories=["medical"],
    )
    assert (actor.holder, actor.principal, actor.kind) == (
        support.GUARDIAN,
        support.ALICE,
        "guardian",
    )
    assert actor.is_delegate is True
    assert actor.get_subjects() == (support.GUARDIAN, "DLG-GUARD-0001")
    assert actor.get_attrs() == {
        "acted_by": support.GUARDIAN,
        "acting_as": "guardian",
        "delegation_id": "DLG-GUARD-0001",
    }


@pytest.mark.parametrize(
    ("action", "cert_types", "record_categories", "later_ms"),
    (
        ("archives", [], [], 0),  # an action the delegation does not cover
        ("consent", ["resident_id_card"], [], 0),  # a type outside it
        ("consent", [], ["social_security"], 0),  # a category outside it
        ("consent", ["diploma"], ["medical"], 60_001),  # past its expiry
    ),
)
def test_a_delegate_outside_the_delegation_is_refused(
    action: str, cert_types: list[str], record_categories: list[str], later_ms: int
) -> None:
    ledger = actor_ledger()
    ledger.time_ms += later_ms
    with pytest.raises(ContractError) as error:
        resolve_actor(
            ledger.state,
            ledger.ctx(support.GUARDIAN_KEY),
            support.ALICE,
            action,
            "act",
            cert_types=cert_types,
            record_categories=record_categories,
        )
    assert error.value.code == "permission_denied"


def test_the_in_force_filter_skips_a_delegation_and_goes_on_to_the_next() -> None:
    ledger = ledger_for_alice()
    # A pending appointment sorts first (not in force), the registered one after it.
    pending = guardianship(ledger, delegation_id="DLG-GUARD-0000")
    ledger.call(support.ALICE_KEY, "delegation.appoint", pending)
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    args: dict[str, ArgValue] = {"holder": support.ALICE, "in_force": True}
    listed = ledger.query("delegation", "list_by_holder", args)
    assert [(d["delegation_id"], d["in_force"]) for d in listed] == [("DLG-GUARD-0001", True)]
    everything = ledger.query("delegation", "list_by_holder", {"holder": support.ALICE})
    assert [d["delegation_id"] for d in everything] == ["DLG-GUARD-0000", "DLG-GUARD-0001"]


def test_a_revocation_without_a_reason_records_an_empty_one() -> None:
    ledger = ledger_for_alice()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    result = ledger.call(support.CIVIL, "delegation.revoke", GUARD)
    (event,) = result.events
    assert (dict(event.attrs)["reason"], dict(event.attrs)["revoked_by"]) == ("", support.CIVIL.id)
    assert event.subjects == (support.ALICE, support.GUARDIAN, "DLG-GUARD-0001", support.CIVIL.id)
    record = get(ledger, GUARD)
    assert (record["status"], record["reason"], record["revoked_by"]) == (
        "revoked",
        "",
        support.CIVIL.id,
    )
