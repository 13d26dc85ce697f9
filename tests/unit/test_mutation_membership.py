"""Membership edges found by mutation testing (issue 19, docs/mutation.md).

The exact records and events each governance action on organisations and validators writes,
genesis checks at their edges (the organisation and validator caps, operators, malformed
entries), the retired-id and key-index records, and the trust anchors' keys and limits.
They check error codes, records and events, never a message text.
"""

from __future__ import annotations

import dataclasses
import hashlib
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.framework import limits
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.framework.interface import CallResult
from contracts.framework.memory import MemoryState
from contracts.membership import trust, validator_set
from contracts.membership.organisations import Organisation, principal_of
from contracts.membership.validator_set import Endpoint
from contracts.runtime import genesis_writes
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import (
    DELAY,
    GENESIS_VALIDATORS,
    NEW_ORG_KEY,
    V,
    add_org_args,
    add_validator_args,
    ledger_with_validators,
    pass_proposal,
)
from tests.unit.test_contracts_membership_trust import fake_pem

NEW_CA = fake_pem("MIIBbigdata")


def events_of(result: CallResult) -> dict[str, tuple[tuple[str, ...], dict[str, Any]]]:
    """A call's events by name: (subjects, attributes)."""
    return {e.name: (e.subjects, dict(e.attrs)) for e in result.events}


def decided(ledger: support.Ledger) -> int:
    """The height of the block that carried the last call (where a proposal was decided)."""
    return ledger.height - 1


def proposal(ledger: support.Ledger, pid: str) -> Any:
    return ledger.query("membership", "proposal", {"proposal_id": pid})


def org(org_id: str, *roles: str, **lists: tuple[str, ...]) -> Organisation:
    return Organisation(
        org_id, f"Org {org_id}", support.key_of(org_id), roles or ("verifier",), **lists
    )


def many_orgs(count: int) -> tuple[Organisation, ...]:
    return tuple(org(f"org-{n:04d}") for n in range(count))


# --- organisations: records and genesis ----------------------------------------------------


def test_an_organisation_issues_and_appends_only_with_the_role_and_the_list() -> None:
    both = org(
        "both-org",
        "issuer",
        "archive_source",
        cert_types=("diploma",),
        record_categories=("medical",),
    )
    listed_only = org(
        "listed-org", "verifier", cert_types=("diploma",), record_categories=("medical",)
    )
    assert both.has_role("issuer") and not both.has_role("auditor")
    assert both.may_issue("diploma") and not both.may_issue("driving_licence")
    assert both.may_append("medical") and not both.may_append("credit")
    assert not listed_only.may_issue("diploma")
    assert not listed_only.may_append("medical")


def test_principal_of_a_non_bytes_sender_of_key_length_is_nobody() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    assert principal_of(state, "k" * 32) is None  # type: ignore[arg-type]
    assert principal_of(state, support.STRANGER_KEY) is None


def test_genesis_writes_the_key_index_and_records_by_literal_keys() -> None:
    writes = dict(genesis_writes((support.UNIVERSITY,), suite=ED25519_SHA256))
    assert writes[b"membership/key/" + support.UNIVERSITY.public_key.hex().encode()] == b'"sdu"'
    assert writes[b"membership/org/sdu"] == support.UNIVERSITY.encode()


def test_genesis_refuses_what_is_not_an_organisation() -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes((support.PSB, "sdu"), suite=ED25519_SHA256)  # type: ignore[arg-type]
    assert info.value.code == "invalid_argument"


def test_a_name_of_the_longest_length_is_accepted() -> None:
    longest = dataclasses.replace(support.UNIVERSITY, name="大" * limits.ORG_NAME_LENGTH_MAX)
    ledger = support.Ledger((support.PSB, longest))
    assert ledger.query("membership", "get", {"org_id": "sdu"})["name"] == longest.name


def test_the_organisation_cap_at_its_edge() -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes(many_orgs(limits.ORGANISATIONS_MAX + 1), suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"
    full = many_orgs(limits.ORGANISATIONS_MAX)
    ledger = support.Ledger(full)
    quorum = ledger.query("membership", "quorum", {})
    assert (quorum["organisations"], len(quorum["members"])) == (limits.ORGANISATIONS_MAX,) * 2
    # A full consortium refuses a new member when it is proposed.
    ledger.reject(
        full[0], "membership.propose", add_org_args("PROP-FULL-0001"), "failed_precondition"
    )
    # One below the cap, the proposal is taken.
    ledger = support.Ledger(full[:-1])
    ledger.call(full[0], "membership.propose", add_org_args("PROP-FULL-0001"))
    assert proposal(ledger, "PROP-FULL-0001")["status"] == "open"


# --- organisation actions: records and events ----------------------------------------------


def test_add_org_writes_its_record_its_ca_and_exact_events() -> None:
    ledger = support.Ledger()
    pid = "PROP-ADD-0001"
    args = add_org_args(
        pid,
        roles=support.json_arg(["verifier", "issuer", "archive_source"]),
        cert_types=support.json_arg(["driving_licence", "diploma"]),
        record_categories=support.json_arg(["medical", "credit"]),
        ca_certificate=NEW_CA,
    )
    pass_proposal(ledger, args)
    height = decided(ledger)
    events = events_of(ledger.results[-1])
    assert list(events) == [
        "membership.approved",
        "membership.proposal_applied",
        "membership.org_added",
        "membership.ca_set",
    ]
    assert events["membership.proposal_applied"] == (
        (pid,),
        {"action": "add_org", "approvals": 7, "effective_height": height},
    )
    assert events["membership.org_added"] == (
        ("weihai-bigdata", pid),
        {
            "cert_types": "diploma,driving_licence",
            "proposal_id": pid,
            "public_key": NEW_ORG_KEY.hex(),
            "record_categories": "credit,medical",
            "roles": "archive_source,issuer,verifier",
        },
    )
    assert events["membership.ca_set"] == (
        ("weihai-bigdata", pid),
        {
            "ca_sha256": hashlib.sha256(NEW_CA.encode()).hexdigest(),
            "org_id": "weihai-bigdata",
            "proposal_id": pid,
            "replaced": False,
            "revocations_cleared": 0,
        },
    )
    record = proposal(ledger, pid)
    assert (record["status"], record["decided_height"], record["effective_height"]) == (
        "applied",
        height,
        height,
    )
    added = principal_of(ledger.state, NEW_ORG_KEY)
    assert added is not None
    assert (added.roles, added.cert_types, added.record_categories) == (
        ("archive_source", "issuer", "verifier"),
        ("diploma", "driving_licence"),
        ("credit", "medical"),
    )
    trusted = ledger.query("membership", "trust", {})["organisations"]
    (entry,) = [o for o in trusted if o["org_id"] == "weihai-bigdata"]
    assert (entry["ca_certificate"], entry["ca_set_height"]) == (NEW_CA, height)


def test_remove_org_retires_its_id_and_clears_its_ca_with_exact_events() -> None:
    ledger = support.Ledger()
    pass_proposal(ledger, add_org_args("PROP-ADD-0001", ca_certificate=NEW_CA))
    new_org = principal_of(ledger.state, NEW_ORG_KEY)
    assert new_org is not None
    for serial in ("1", "2"):
        ledger.call(new_org, "membership.revoke_certificate", {"serial": serial})
    pid = "PROP-REMOVE-0001"
    pass_proposal(ledger, {"proposal_id": pid, "action": "remove_org", "org_id": new_org.id})
    height = decided(ledger)
    events = events_of(ledger.results[-1])
    assert events["membership.org_removed"] == (("weihai-bigdata", pid), {"proposal_id": pid})
    assert events["membership.ca_removed"] == (
        ("weihai-bigdata", pid),
        {"org_id": "weihai-bigdata", "proposal_id": pid, "revocations_cleared": 2},
    )
    assert ledger.state.get(b"membership/retired_org/weihai-bigdata") == (
        b'{"removed_height":%d}' % height
    )
    assert proposal(ledger, pid)["effective_height"] == height
    assert ledger.state.get(b"membership/ca/weihai-bigdata") is None


def test_remove_org_of_an_unknown_organisation_is_not_found() -> None:
    ledger = support.Ledger()
    ledger.reject(
        support.PSB,
        "membership.propose",
        {"proposal_id": "PROP-0001", "action": "remove_org", "org_id": "nobody"},
        "not_found",
    )


def test_the_last_organisation_cannot_be_removed_but_one_of_two_can() -> None:
    alone = support.Ledger((support.PSB,))
    remove_psb = {"proposal_id": "PROP-0001", "action": "remove_org", "org_id": support.PSB.id}
    alone.reject(support.PSB, "membership.propose", remove_psb, "failed_precondition")
    pair = support.Ledger((support.PSB, support.BANK))
    pair.call(support.PSB, "membership.propose", remove_psb)
    assert proposal(pair, "PROP-0001")["status"] == "open"


def test_an_organisation_operating_no_validator_may_be_removed_or_lose_the_role() -> None:
    ledger = ledger_with_validators()  # genesis validators have no operator
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0001",
            "action": "set_roles",
            "org_id": support.AUDITOR.id,
            "roles": support.json_arg(["auditor"]),
        },
    )
    pass_proposal(
        ledger, {"proposal_id": "PROP-0002", "action": "remove_org", "org_id": support.BANK.id}
    )
    assert principal_of(ledger.state, support.BANK.public_key) is None
    assert ledger.query("membership", "get", {"org_id": support.AUDITOR.id})["roles"] == ["auditor"]


def test_an_operator_keeps_its_role_while_it_runs_a_validator() -> None:
    ledger = ledger_with_validators()
    pass_proposal(ledger, add_validator_args("PROP-0001"))
    set_roles = {"proposal_id": "PROP-0002", "action": "set_roles", "org_id": support.AUDITOR.id}
    ledger.reject(
        support.PSB,
        "membership.propose",
        {**set_roles, "roles": support.json_arg(["auditor"])},
        "failed_precondition",
    )
    pass_proposal(ledger, {**set_roles, "roles": support.json_arg(["validator_operator"])})
    assert ledger.query("membership", "get", {"org_id": support.AUDITOR.id})["roles"] == [
        "validator_operator"
    ]


def test_set_roles_replaces_every_list_with_an_exact_event() -> None:
    ledger = support.Ledger()
    pid = "PROP-ROLES-0001"
    pass_proposal(
        ledger,
        {
            "proposal_id": pid,
            "action": "set_roles",
            "org_id": support.HRSS.id,
            "roles": support.json_arg(["archive_source"]),
            "record_categories": support.json_arg(["social_security", "medical"]),
        },
    )
    height = decided(ledger)
    assert events_of(ledger.results[-1])["membership.roles_set"] == (
        (support.HRSS.id, pid),
        {
            "cert_types": "",
            "proposal_id": pid,
            "record_categories": "medical,social_security",
            "roles": "archive_source",
        },
    )
    record = ledger.query("membership", "get", {"org_id": support.HRSS.id})
    assert (record["roles"], record["cert_types"], record["record_categories"]) == (
        ["archive_source"],
        [],
        ["medical", "social_security"],
    )
    assert proposal(ledger, pid)["effective_height"] == height


def test_rotate_org_key_exact_event_and_a_used_key_is_refused() -> None:
    ledger = support.Ledger()
    rotate = {
        "proposal_id": "PROP-KEY-0001",
        "action": "rotate_org_key",
        "org_id": support.NOTARY.id,
    }
    ledger.reject(
        support.PSB,
        "membership.propose",
        {**rotate, "public_key": support.BANK.public_key.hex()},
        "already_exists",
    )
    new_key = support.key_of("jinan-notary/2026")
    pass_proposal(ledger, {**rotate, "public_key": new_key.hex()})
    height = decided(ledger)
    assert events_of(ledger.results[-1])["membership.org_key_rotated"] == (
        (support.NOTARY.id, "PROP-KEY-0001"),
        {
            "new_public_key": new_key.hex(),
            "old_public_key": support.NOTARY.public_key.hex(),
            "proposal_id": "PROP-KEY-0001",
        },
    )
    assert ledger.state.get(b"membership/key/" + new_key.hex().encode()) == b'"jinan-notary"'
    assert ledger.state.get(b"membership/key/" + support.NOTARY.public_key.hex().encode()) is None
    assert proposal(ledger, "PROP-KEY-0001")["effective_height"] == height


# --- validator set: genesis ----------------------------------------------------------------


def genesis_validators_query(validators: Any, **kwargs: Any) -> Any:
    ledger = support.Ledger()
    ledger.state = MemoryState(
        genesis_writes(support.ORGANISATIONS, validators, suite=ED25519_SHA256, **kwargs)
    )
    return ledger.query("membership", "validators", {"height": 0})


def test_the_genesis_set_in_full_sorted_by_id_with_its_operators() -> None:
    answer = genesis_validators_query(
        tuple(reversed(GENESIS_VALIDATORS)), validator_operators={"val-1": support.AUDITOR.id}
    )
    assert answer == {
        "activation_height": 0,
        "decided_height": 0,
        "proposal_id": "",
        "validators": [
            {
                "id": v.id,
                "public_key": v.public_key.hex(),
                "operator": support.AUDITOR.id if v.id == "val-1" else "",
                "endpoint": "",
            }
            for v in GENESIS_VALIDATORS
        ],
        "schedule": [{"activation_height": 0, "proposal_id": ""}],
    }


@pytest.mark.parametrize(
    ("validators", "operators"),
    [
        ((), {"val-0": "sd-audit"}),  # operators but no validators
        (GENESIS_VALIDATORS, {"val-9": "sd-audit"}),  # an operator of no validator
        (GENESIS_VALIDATORS, {"val-0": "nobody"}),  # not a founding organisation
        (GENESIS_VALIDATORS, {"val-0": 5}),
        ((object(),), None),  # no id
        ((SimpleNamespace(id="val-0"),), None),  # no public key
        ((V("val-0", "k" * 32),), None),  # type: ignore[arg-type]
        ((V(5, support.key_of("v")),), None),  # type: ignore[arg-type]
    ],
)
def test_genesis_refuses_malformed_validators_and_operators(
    validators: Any, operators: Any
) -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes(
            support.ORGANISATIONS, validators, validator_operators=operators, suite=ED25519_SHA256
        )
    assert info.value.code == "invalid_argument"


def test_the_validator_cap_at_its_edge() -> None:
    def validators(count: int) -> tuple[V, ...]:
        return tuple(V(f"val-{n:03d}", support.key_of(f"validator/{n}")) for n in range(count))

    assert len(genesis_validators_query(validators(1))["validators"]) == 1
    most = genesis_validators_query(validators(limits.VALIDATORS_MAX))
    assert len(most["validators"]) == limits.VALIDATORS_MAX
    with pytest.raises(ContractError) as info:
        genesis_writes(
            support.ORGANISATIONS, validators(limits.VALIDATORS_MAX + 1), suite=ED25519_SHA256
        )
    assert info.value.code == "invalid_argument"


# --- validator actions: records and events -------------------------------------------------


def members_json(ids_keys: list[tuple[str, str]]) -> str:
    return canonical_json([{"id": i, "public_key": k} for i, k in ids_keys]).decode()


GENESIS_MEMBERS = [(v.id, v.public_key.hex()) for v in GENESIS_VALIDATORS]
VAL4_KEY = support.key_of("validator/4").hex()


def test_add_validator_with_endpoint_exact_records_and_events() -> None:
    ledger = ledger_with_validators()
    pid = "PROP-VAL-0001"
    pass_proposal(ledger, add_validator_args(pid, endpoint="10.0.0.4:27100"))
    height = decided(ledger)
    events = events_of(ledger.results[-1])
    subjects = ("val-4", support.AUDITOR.id, pid)
    assert events["membership.validators_scheduled"] == (
        subjects,
        {
            "action": "add_validator",
            "activation_height": height + DELAY,
            "decided_height": height,
            "proposal_id": pid,
            "validator_count": 5,
            "validators": members_json([*GENESIS_MEMBERS, ("val-4", VAL4_KEY)]),
        },
    )
    assert events["membership.validator_endpoint_set"] == (
        subjects,
        {"endpoint": "10.0.0.4:27100", "proposal_id": pid, "validator_id": "val-4"},
    )
    assert validator_set.ENDPOINTS.get(ledger.state, "val-4") == Endpoint(
        "10.0.0.4:27100", height, pid
    )
    record = proposal(ledger, pid)
    assert (record["decided_height"], record["effective_height"]) == (height, height + DELAY)
    answer = ledger.query("membership", "validators", {"height": height + DELAY})
    assert (answer["activation_height"], answer["decided_height"], answer["proposal_id"]) == (
        height + DELAY,
        height,
        pid,
    )
    assert answer["validators"][-1] == {
        "id": "val-4",
        "public_key": VAL4_KEY,
        "operator": support.AUDITOR.id,
        "endpoint": "10.0.0.4:27100",
    }


def test_set_validator_endpoint_exact_record_event_and_effective_height() -> None:
    ledger = ledger_with_validators()
    pass_proposal(ledger, add_validator_args("PROP-VAL-0001", endpoint="10.0.0.4:27100"))
    pid = "PROP-EP-0001"
    pass_proposal(
        ledger,
        {
            "proposal_id": pid,
            "action": "set_validator_endpoint",
            "validator_id": "val-4",
            "endpoint": "10.0.0.5:27100",
        },
    )
    height = decided(ledger)
    assert events_of(ledger.results[-1])["membership.validator_endpoint_set"] == (
        ("val-4", support.AUDITOR.id, pid),
        {"endpoint": "10.0.0.5:27100", "proposal_id": pid, "validator_id": "val-4"},
    )
    assert validator_set.ENDPOINTS.get(ledger.state, "val-4") == Endpoint(
        "10.0.0.5:27100", height, pid
    )
    assert proposal(ledger, pid)["effective_height"] == height
    # A genesis validator (no operator) is its own only subject besides the proposal.
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-EP-0002",
            "action": "set_validator_endpoint",
            "validator_id": "val-0",
            "endpoint": "10.0.0.6:27100",
        },
    )
    (subjects, _) = events_of(ledger.results[-1])["membership.validator_endpoint_set"]
    assert subjects == ("val-0", "PROP-EP-0002")


def test_remove_and_rotate_validator_exact_events() -> None:
    ledger = ledger_with_validators()
    pass_proposal(ledger, add_validator_args("PROP-VAL-0001"))
    pass_proposal(
        ledger,
        {"proposal_id": "PROP-VAL-0002", "action": "remove_validator", "validator_id": "val-0"},
    )
    height = decided(ledger)
    remaining = [*GENESIS_MEMBERS[1:], ("val-4", VAL4_KEY)]
    assert events_of(ledger.results[-1])["membership.validators_scheduled"] == (
        ("val-0", "PROP-VAL-0002"),
        {
            "action": "remove_validator",
            "activation_height": height + DELAY,
            "decided_height": height,
            "proposal_id": "PROP-VAL-0002",
            "validator_count": 4,
            "validators": members_json(remaining),
        },
    )
    new_key = support.key_of("validator/4c").hex()
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-VAL-0003",
            "action": "rotate_validator_key",
            "validator_id": "val-4",
            "public_key": new_key,
        },
    )
    height = decided(ledger)
    assert events_of(ledger.results[-1])["membership.validators_scheduled"] == (
        ("val-4", support.AUDITOR.id, "PROP-VAL-0003"),
        {
            "action": "rotate_validator_key",
            "activation_height": height + DELAY,
            "decided_height": height,
            "proposal_id": "PROP-VAL-0003",
            "validator_count": 4,
            "validators": members_json([*GENESIS_MEMBERS[1:], ("val-4", new_key)]),
        },
    )


# --- trust anchors -------------------------------------------------------------------------


def test_revoked_serials_are_stored_under_the_literal_per_organisation_key() -> None:
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": fake_pem("MIIBpsb")})
    ledger.call(support.PSB, "membership.revoke_certificate", {"serial": "7f"})
    assert ledger.state.get(b"membership/revoked_serial/jinan-psb/7f") == b'{"revoked_height":2}'


@pytest.mark.parametrize("after_the_end", ["X\n", " \n", "\r\n"])
def test_text_after_the_end_line_is_not_one_pem_certificate(after_the_end: str) -> None:
    """Only newlines may follow the end line: the node parses the very text stored."""
    pem = fake_pem().rstrip("\n") + after_the_end
    ledger = support.Ledger()
    ledger.reject(support.PSB, "membership.set_ca", {"ca_certificate": pem}, "invalid_argument")


def test_replacing_a_ca_at_the_revocation_limit_clears_every_serial() -> None:
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": fake_pem("MIIBpsb")})
    ledger.state.apply_writes(
        (trust.get_revoked_key(support.PSB.id, f"{n:x}"), trust.Revocation(1).encode())
        for n in range(1, limits.REVOKED_SERIALS_MAX + 1)
    )
    result = ledger.call(support.PSB, "membership.set_ca", {"ca_certificate": fake_pem("MIIBnew")})
    assert dict(result.events[0].attrs)["revocations_cleared"] == limits.REVOKED_SERIALS_MAX
    assert trust.list_revoked_serials(ledger.state, support.PSB.id) == []
