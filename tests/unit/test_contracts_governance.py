"""Governance: proposals, the quorum, membership changes, validator sets, contract versions."""

from __future__ import annotations

import dataclasses

import pytest

from contracts.framework import limits
from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.governance.quorum import QuorumRule
from contracts.membership.organisations import Organisation, principal_of
from contracts.runtime import ArgValue, genesis_writes
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

DELAY = limits.VALIDATOR_ACTIVATION_DELAY


@dataclasses.dataclass(frozen=True)
class V:
    """A validator as genesis gives it (the consensus package's shape)."""

    id: str
    public_key: bytes


GENESIS_VALIDATORS = tuple(V(f"val-{i}", support.key_of(f"validator/{i}")) for i in range(4))
NEW_ORG_KEY = support.key_of("weihai-bigdata")


def ledger_with_validators(
    organisations: tuple[Organisation, ...] = support.ORGANISATIONS,
) -> support.Ledger:
    ledger = support.Ledger(organisations)
    ledger.state = MemoryState(
        genesis_writes(organisations, GENESIS_VALIDATORS, suite=ED25519_SHA256)
    )
    return ledger


def add_org_args(pid: str, org_id: str = "weihai-bigdata", **more: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "proposal_id": pid,
        "action": "add_org",
        "org_id": org_id,
        "name": "威海市大数据中心",
        "public_key": NEW_ORG_KEY.hex(),
        "roles": support.json_arg(["verifier", "auditor"]),
    }
    args.update(more)
    return args


def approve_by(ledger: support.Ledger, pid: str, orgs: tuple[Organisation, ...]) -> None:
    for org in orgs:
        ledger.call(org, "membership.approve", {"proposal_id": pid})


def pass_proposal(
    ledger: support.Ledger, args: dict[str, ArgValue], proposer: Organisation = support.PSB
) -> None:
    """Propose and approve with just enough organisations (10 members: 7 approvals)."""
    ledger.call(proposer, "membership.propose", args)
    others = tuple(o for o in support.ORGANISATIONS if o != proposer)
    needed = ledger.query("membership", "quorum", {})["approvals_needed"]
    approve_by(ledger, str(args["proposal_id"]), others[: needed - 1])
    assert (
        ledger.query("membership", "proposal", {"proposal_id": args["proposal_id"]})["status"]
        == "applied"
    )


# --- genesis -------------------------------------------------------------------------------


def test_genesis_stores_the_quorum_rule_validators_and_versions() -> None:
    writes = dict(
        genesis_writes(
            support.ORGANISATIONS, GENESIS_VALIDATORS, QuorumRule(1, 2), suite=ED25519_SHA256
        )
    )
    assert writes[b"membership/quorum"] == b'{"denominator":2,"numerator":1}'
    assert writes[b"membership/contract_version/consent"] == b"[[0,1]]"
    assert b"membership/validators/" + b"0" * 20 in writes
    ledger = ledger_with_validators()
    assert ledger.query("membership", "quorum", {})["approvals_needed"] == 7  # 7 * 3 > 10 * 2
    validators = ledger.query("membership", "validators", {})
    assert [v["id"] for v in validators["validators"]] == ["val-0", "val-1", "val-2", "val-3"]
    assert validators["activation_height"] == 0
    versions = ledger.query("membership", "contract_versions", {})
    assert versions["consent"] == {"version": 1, "shipped": [1, 2], "schedule": [[0, 1]]}


def test_genesis_without_validators_is_backward_compatible() -> None:
    writes = genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256)
    assert not any(key.startswith(b"membership/validators/") for key, _ in writes)
    assert support.Ledger().query("membership", "validators", {})["validators"] == []


@pytest.mark.parametrize(
    "quorum", [QuorumRule(1, 3), QuorumRule(3, 3), QuorumRule(1, 0), QuorumRule(50, 101)]
)
def test_genesis_rejects_unsafe_quorum(quorum: QuorumRule) -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes(support.ORGANISATIONS, (), quorum, suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"


@pytest.mark.parametrize(
    "validators",
    [
        (V("val-0", b"k" * 32), V("val-0", b"j" * 32)),
        (V("val-0", b"k" * 32), V("val-1", b"k" * 32)),
        (V("val 0", b"k" * 32),),
        (V("val-0", b"short"),),
    ],
)
def test_genesis_rejects_malformed_validators(validators: tuple[V, ...]) -> None:
    with pytest.raises(ContractError) as info:
        genesis_writes(support.ORGANISATIONS, validators, suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"


# --- the quorum ----------------------------------------------------------------------------


def test_one_short_of_quorum_does_nothing_then_the_quorum_applies() -> None:
    ledger = support.Ledger()
    result = ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    assert [e.name for e in result.events] == ["membership.proposed"]
    others = tuple(o for o in support.ORGANISATIONS if o != support.PSB)
    approve_by(ledger, "PROP-0001", others[:5])  # 6 of 10 approvals: 6 * 3 = 18, not > 20
    proposal = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"})
    assert (proposal["status"], proposal["approvals_counted"]) == ("open", 6)
    assert principal_of(ledger.state, NEW_ORG_KEY) is None
    with pytest.raises(ContractError):
        ledger.query("membership", "get", {"org_id": "weihai-bigdata"})

    result = ledger.call(others[5], "membership.approve", {"proposal_id": "PROP-0001"})
    assert [e.name for e in result.events] == [
        "membership.approved",
        "membership.proposal_applied",
        "membership.org_added",
    ]
    new_org = principal_of(ledger.state, NEW_ORG_KEY)
    assert new_org is not None and new_org.roles == ("auditor", "verifier")
    proposal = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"})
    assert (proposal["status"], proposal["decided_height"]) == ("applied", ledger.height - 1)
    # Applied proposals take no more approvals.
    ledger.reject(
        others[6], "membership.approve", {"proposal_id": "PROP-0001"}, "failed_precondition"
    )
    # The new member counts towards the next quorum (11 members: 8 approvals).
    assert ledger.query("membership", "quorum", {})["approvals_needed"] == 8


def test_duplicate_approvals_do_not_count() -> None:
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    ledger.reject(support.PSB, "membership.approve", {"proposal_id": "PROP-0001"}, "already_exists")
    approve_by(ledger, "PROP-0001", (support.BANK,))
    for _ in range(3):
        ledger.reject(
            support.BANK, "membership.approve", {"proposal_id": "PROP-0001"}, "already_exists"
        )
    proposal = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"})
    assert proposal["approvals"] == ["icbc-jinan", "jinan-psb"]
    assert proposal["status"] == "open"


def test_a_single_member_consortium_applies_at_once() -> None:
    ledger = support.Ledger((support.PSB,))
    result = ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    assert "membership.org_added" in [e.name for e in result.events]


@pytest.mark.parametrize("sender", [support.ALICE_KEY, support.STRANGER_KEY])
def test_only_members_propose_and_approve(sender: bytes) -> None:
    ledger = support.Ledger()
    ledger.reject(sender, "membership.propose", add_org_args("PROP-0001"), "permission_denied")
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    ledger.reject(sender, "membership.approve", {"proposal_id": "PROP-0001"}, "permission_denied")


def test_expired_proposals_take_no_approvals() -> None:
    ledger = support.Ledger()
    ledger.call(
        support.PSB,
        "membership.propose",
        add_org_args("PROP-0001", expires_at_ms=ledger.time_ms + 5_000),
    )
    ledger.time_ms += 10_000
    ledger.reject(
        support.BANK, "membership.approve", {"proposal_id": "PROP-0001"}, "failed_precondition"
    )
    assert ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"})["expired"] is True


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"action": "crown_king"}, "invalid_argument"),
        ({"roles": support.json_arg(["king"])}, "invalid_argument"),
        ({"roles": support.json_arg([])}, "invalid_argument"),
        ({"roles": "verifier"}, "invalid_argument"),
        ({"roles": '["verifier","verifier"]'}, "invalid_argument"),
        ({"roles": '["verifier"], "x": 1'}, "invalid_argument"),
        ({"public_key": "ab" * 31}, "invalid_argument"),
        ({"org_id": "370102199003074528"}, "invalid_argument"),
        ({"org_id": "sdu"}, "already_exists"),
        ({"public_key": support.PSB.public_key.hex()}, "already_exists"),
        ({"proposal_id": "short"}, "invalid_argument"),
        ({"validator_id": "val-9"}, "invalid_argument"),
        ({"expires_at_ms": 0}, "invalid_argument"),
        ({"cert_types": support.json_arg(["passport"])}, "invalid_argument"),
        ({"record_categories": support.json_arg(["gossip"])}, "invalid_argument"),
    ],
)
def test_malformed_proposals_are_rejected(overrides: dict[str, ArgValue], code: str) -> None:
    ledger = support.Ledger()
    ledger.reject(support.PSB, "membership.propose", add_org_args("PROP-0001", **overrides), code)


def test_a_proposal_that_became_impossible_fails_without_effect() -> None:
    ledger = support.Ledger()
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0001"))
    ledger.call(support.PSB, "membership.propose", add_org_args("PROP-0002"))
    pass_proposal_approvals = tuple(o for o in support.ORGANISATIONS if o != support.PSB)[:6]
    approve_by(ledger, "PROP-0001", pass_proposal_approvals)
    before = ledger.query("membership", "list", {})
    result = None
    # The first proposal added a member: 11 now, so 8 approvals (the proposer's and 7 more).
    new_member = principal_of(ledger.state, NEW_ORG_KEY)
    assert new_member is not None
    for org in (*pass_proposal_approvals, new_member):
        result = ledger.call(org, "membership.approve", {"proposal_id": "PROP-0002"})
    assert result is not None and result.events[-1].name == "membership.proposal_failed"
    proposal = ledger.query("membership", "proposal", {"proposal_id": "PROP-0002"})
    assert proposal["status"] == "failed"
    assert "taken" in proposal["failure"]
    assert ledger.query("membership", "list", {}) == before


# --- membership actions --------------------------------------------------------------------


def test_set_roles_gives_and_takes_rights() -> None:
    ledger = support.Ledger()
    ledger.reject(support.NOTARY, "certificates.issue", support.issue_args(), "permission_denied")
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0001",
            "action": "set_roles",
            "org_id": support.NOTARY.id,
            "roles": support.json_arg(["verifier", "issuer"]),
            "cert_types": support.json_arg(["diploma"]),
        },
    )
    ledger.issue(support.NOTARY)
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0002",
            "action": "set_roles",
            "org_id": support.UNIVERSITY.id,
            "roles": support.json_arg(["verifier"]),
        },
    )
    ledger.reject(
        support.UNIVERSITY,
        "certificates.issue",
        support.issue_args(cert_id="DIP-2012-000009"),
        "permission_denied",
    )
    assert ledger.query("membership", "get", {"org_id": "sdu"})["cert_types"] == []


def test_rotate_org_key() -> None:
    ledger = support.Ledger()
    new_key = support.key_of("jinan-notary/2025")
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0001",
            "action": "rotate_org_key",
            "org_id": support.NOTARY.id,
            "public_key": new_key.hex(),
        },
    )
    assert principal_of(ledger.state, support.NOTARY.public_key) is None
    rotated = principal_of(ledger.state, new_key)
    assert rotated is not None and rotated.id == support.NOTARY.id


def test_remove_org_retires_its_id_and_its_approvals() -> None:
    ledger = support.Ledger()
    ledger.call(support.BANK, "membership.propose", add_org_args("PROP-0009"))
    pass_proposal(
        ledger, {"proposal_id": "PROP-0001", "action": "remove_org", "org_id": support.BANK.id}
    )
    assert principal_of(ledger.state, support.BANK.public_key) is None
    ledger.reject(
        support.BANK,
        "consent.request",
        support.request_args(
            "REQ-0000001", "DIP-2012-000001", support.ALICE, 1, ledger.time_ms + support.DAY_MS
        ),
        "permission_denied",
    )
    # The removed bank's approval of its own open proposal no longer counts.
    assert (
        ledger.query("membership", "proposal", {"proposal_id": "PROP-0009"})["approvals_counted"]
        == 0
    )
    # Its id is never given to another organisation.
    ledger.reject(
        support.PSB,
        "membership.propose",
        add_org_args("PROP-0002", org_id=support.BANK.id),
        "already_exists",
    )


def test_set_quorum_changes_what_passes() -> None:
    ledger = support.Ledger()
    pass_proposal(
        ledger,
        {"proposal_id": "PROP-0001", "action": "set_quorum", "numerator": 1, "denominator": 2},
    )
    assert ledger.query("membership", "quorum", {})["approvals_needed"] == 6
    ledger.reject(
        support.PSB,
        "membership.propose",
        {"proposal_id": "PROP-0002", "action": "set_quorum", "numerator": 1, "denominator": 4},
        "invalid_argument",
    )


# --- validators ----------------------------------------------------------------------------


def test_validator_changes_are_scheduled_with_a_delay() -> None:
    ledger = ledger_with_validators()
    new_key = support.key_of("validator/4")
    ledger.call(
        support.PSB,
        "membership.propose",
        {
            "proposal_id": "PROP-0001",
            "action": "add_validator",
            "validator_id": "val-4",
            "public_key": new_key.hex(),
            "operator": support.AUDITOR.id,
        },
    )
    others = tuple(o for o in support.ORGANISATIONS if o != support.PSB)
    approve_by(ledger, "PROP-0001", others[:5])
    decided = ledger.height
    result = ledger.call(others[5], "membership.approve", {"proposal_id": "PROP-0001"})
    (scheduled,) = [e for e in result.events if e.name == "membership.validators_scheduled"]
    attrs = dict(scheduled.attrs)
    assert attrs["activation_height"] == decided + DELAY
    assert attrs["decided_height"] == decided
    assert attrs["validator_count"] == 5
    assert '"id":"val-4"' in str(attrs["validators"])
    assert "val-4" in scheduled.subjects and support.AUDITOR.id in scheduled.subjects

    def ids_at(height: int | None) -> list[str]:
        args: dict[str, ArgValue] = {} if height is None else {"height": height}
        return [v["id"] for v in ledger.query("membership", "validators", args)["validators"]]

    assert ids_at(decided + DELAY - 1) == ["val-0", "val-1", "val-2", "val-3"]
    assert ids_at(decided + DELAY) == ["val-0", "val-1", "val-2", "val-3", "val-4"]
    assert ids_at(None) == ids_at(decided + DELAY)
    assert (
        ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"})["effective_height"]
        == decided + DELAY
    )
    # The operator may not be removed, nor lose its role, while it runs a validator.
    ledger.reject(
        support.PSB,
        "membership.propose",
        {"proposal_id": "PROP-0002", "action": "remove_org", "org_id": support.AUDITOR.id},
        "failed_precondition",
    )
    # Rotation and removal build on the latest scheduled set.
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0003",
            "action": "rotate_validator_key",
            "validator_id": "val-4",
            "public_key": support.key_of("validator/4b").hex(),
        },
    )
    pass_proposal(
        ledger, {"proposal_id": "PROP-0004", "action": "remove_validator", "validator_id": "val-0"}
    )
    latest = ledger.query("membership", "validators", {})
    assert [v["id"] for v in latest["validators"]] == ["val-1", "val-2", "val-3", "val-4"]
    assert latest["validators"][-1]["public_key"] == support.key_of("validator/4b").hex()
    assert len(latest["schedule"]) == 4
    # History stays: the genesis set still answers for height 1.
    assert ids_at(1) == ["val-0", "val-1", "val-2", "val-3"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {
                "action": "add_validator",
                "validator_id": "val-0",
                "public_key": "cd" * 32,
                "operator": support.AUDITOR.id,
            },
            "already_exists",
        ),
        (
            {
                "action": "add_validator",
                "validator_id": "val-9",
                "public_key": GENESIS_VALIDATORS[1].public_key.hex(),
                "operator": support.AUDITOR.id,
            },
            "failed_precondition",
        ),
        (
            {
                "action": "add_validator",
                "validator_id": "val-9",
                "public_key": "cd" * 32,
                "operator": support.BANK.id,
            },
            "failed_precondition",
        ),
        (
            {
                "action": "add_validator",
                "validator_id": "val-9",
                "public_key": "cd" * 32,
                "operator": "nobody",
            },
            "not_found",
        ),
        ({"action": "remove_validator", "validator_id": "val-9"}, "not_found"),
        (
            {
                "action": "rotate_validator_key",
                "validator_id": "val-1",
                "public_key": GENESIS_VALIDATORS[2].public_key.hex(),
            },
            "failed_precondition",
        ),
    ],
)
def test_invalid_validator_changes(params: dict[str, ArgValue], code: str) -> None:
    ledger = ledger_with_validators()
    ledger.reject(support.PSB, "membership.propose", {"proposal_id": "PROP-0001", **params}, code)


def test_the_last_validator_cannot_be_removed() -> None:
    ledger = support.Ledger((support.PSB,))
    ledger.state = MemoryState(
        genesis_writes((support.PSB,), GENESIS_VALIDATORS[:1], suite=ED25519_SHA256)
    )
    ledger.reject(
        support.PSB,
        "membership.propose",
        {"proposal_id": "PROP-0001", "action": "remove_validator", "validator_id": "val-0"},
        "failed_precondition",
    )


# --- validator endpoints -------------------------------------------------------------------


def add_validator_args(pid: str, **more: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "proposal_id": pid,
        "action": "add_validator",
        "validator_id": "val-4",
        "public_key": support.key_of("validator/4").hex(),
        "operator": support.AUDITOR.id,
    }
    args.update(more)
    return args


def endpoints_of(ledger: support.Ledger) -> dict[str, str]:
    found = ledger.query("membership", "validators", {})["validators"]
    return {v["id"]: v["endpoint"] for v in found}


def test_add_validator_records_its_endpoint_at_once() -> None:
    ledger = ledger_with_validators()
    ledger.call(
        support.PSB,
        "membership.propose",
        add_validator_args("PROP-0001", endpoint="val-4.audit.example.gov.cn:27104"),
    )
    others = tuple(o for o in support.ORGANISATIONS if o != support.PSB)
    approve_by(ledger, "PROP-0001", others[:5])
    decided = ledger.height
    result = ledger.call(others[5], "membership.approve", {"proposal_id": "PROP-0001"})
    (located,) = [e for e in result.events if e.name == "membership.validator_endpoint_set"]
    assert dict(located.attrs)["endpoint"] == "val-4.audit.example.gov.cn:27104"
    assert "val-4" in located.subjects and "PROP-0001" in located.subjects
    # The endpoint is known before the set that includes val-4 signs: peers must reach it.
    assert endpoints_of(ledger) == {
        "val-0": "",
        "val-1": "",
        "val-2": "",
        "val-3": "",
        "val-4": "val-4.audit.example.gov.cn:27104",
    }
    at_decision = ledger.query("membership", "validators", {"height": decided})["validators"]
    assert [v["id"] for v in at_decision] == ["val-0", "val-1", "val-2", "val-3"]


def test_add_validator_without_endpoint_keeps_it_empty() -> None:
    ledger = ledger_with_validators()
    pass_proposal(ledger, add_validator_args("PROP-0001"))
    assert endpoints_of(ledger)["val-4"] == ""
    record = ledger.query("membership", "proposal", {"proposal_id": "PROP-0001"})
    assert "endpoint" not in record["params"]


def test_set_validator_endpoint_moves_a_validator() -> None:
    ledger = ledger_with_validators()
    pass_proposal(ledger, add_validator_args("PROP-0001", endpoint="10.0.0.4:27100"))
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0002",
            "action": "set_validator_endpoint",
            "validator_id": "val-4",
            "endpoint": "[fd00::4]:27100",
        },
    )
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0003",
            "action": "set_validator_endpoint",
            "validator_id": "val-0",
            "endpoint": "10.0.0.4:27100",
        },
    )
    assert endpoints_of(ledger)["val-4"] == "[fd00::4]:27100"
    assert endpoints_of(ledger)["val-0"] == "10.0.0.4:27100"
    # Removal keeps the endpoint: the validator signs until the removal's activation height.
    pass_proposal(
        ledger, {"proposal_id": "PROP-0004", "action": "remove_validator", "validator_id": "val-4"}
    )
    at_now = ledger.query("membership", "validators", {"height": ledger.height})["validators"]
    assert {v["id"]: v["endpoint"] for v in at_now}["val-4"] == "[fd00::4]:27100"


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("", "1 to"),
        ("val-4.example.gov.cn", "host:port"),
        (":27100", "host:port"),
        ("val-4.example.gov.cn:0", "port from 1 to 65535"),
        ("val-4.example.gov.cn:65536", "port from 1 to 65535"),
        ("val-4.example.gov.cn:027100", "port from 1 to 65535"),
        ("val-4.example.gov.cn:http", "port from 1 to 65535"),
        ("0.0.0.0:27100", "unspecified"),
        ("[::]:27100", "unspecified"),
        ("256.1.1.1:27100", "IPv4"),
        ("10.0.0:27100", "IPv4"),
        ("[fd00::4:27100", "IPv6"),
        ("val 4.example:27100", "host name"),
        ("val_4.example:27100", "host name"),
        ("-val.example:27100", "host name"),
        ("val..example:27100", "host name"),
        ("https://val-4.example:27100", "host name"),
        ("验证.example:27100", "host name"),
        ("a" * 254 + ":1", "at most 253"),
        ("a." * 130 + "b:1", "1 to"),
        ("13800138000.example.cn:27100", "mobile number"),
    ],
)
def test_a_malformed_endpoint_is_refused_and_changes_nothing(endpoint: str, message: str) -> None:
    ledger = ledger_with_validators()
    for args in (
        add_validator_args("PROP-0001", endpoint=endpoint),
        {
            "proposal_id": "PROP-0001",
            "action": "set_validator_endpoint",
            "validator_id": "val-1",
            "endpoint": endpoint,
        },
    ):
        error = ledger.reject(support.PSB, "membership.propose", args, "invalid_argument")
        assert message in error.message and "endpoint" in error.message
        assert endpoint not in error.message or not endpoint  # the value is never echoed


def test_an_endpoint_must_be_a_string() -> None:
    ledger = ledger_with_validators()
    ledger.reject(
        support.PSB,
        "membership.propose",
        add_validator_args("PROP-0001", endpoint=27100),
        "invalid_argument",
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {"action": "set_validator_endpoint", "validator_id": "val-9", "endpoint": "h:1"},
            "not_found",
        ),
        ({"action": "set_validator_endpoint", "validator_id": "val-1"}, "invalid_argument"),
        (
            {
                "action": "set_validator_endpoint",
                "validator_id": "val-1",
                "endpoint": "h:1",
                "public_key": "cd" * 32,
            },
            "invalid_argument",
        ),
        (
            {"action": "set_validator_endpoint", "validator_id": "val-1", "endpoint": "in-use:1"},
            "already_exists",
        ),
        (
            {"action": "set_validator_endpoint", "validator_id": "val-0", "endpoint": "in-use:1"},
            "failed_precondition",
        ),
        (
            {
                "action": "add_validator",
                "validator_id": "val-9",
                "public_key": "cd" * 32,
                "operator": support.AUDITOR.id,
                "endpoint": "in-use:1",
            },
            "already_exists",
        ),
    ],
)
def test_invalid_endpoint_changes(params: dict[str, ArgValue], code: str) -> None:
    ledger = ledger_with_validators()
    pass_proposal(
        ledger,
        {
            "proposal_id": "PROP-0000",
            "action": "set_validator_endpoint",
            "validator_id": "val-0",
            "endpoint": "in-use:1",
        },
    )
    ledger.reject(support.PSB, "membership.propose", {"proposal_id": "PROP-0001", **params}, code)


def test_only_members_propose_endpoint_changes() -> None:
    ledger = ledger_with_validators()
    ledger.reject(
        support.STRANGER_KEY,
        "membership.propose",
        {
            "proposal_id": "PROP-0001",
            "action": "set_validator_endpoint",
            "validator_id": "val-1",
            "endpoint": "val-1.example:27100",
        },
        "permission_denied",
    )
