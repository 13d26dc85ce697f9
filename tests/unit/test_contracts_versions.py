"""Contract versions: a new version runs only after governance approves it, at one height."""

from __future__ import annotations

import pytest

from contracts.framework import limits
from contracts.framework.errors import ContractError
from contracts.registry import REGISTRY, SHIPPED_VERSIONS
from contracts.runtime import ArgValue, CallResult, execute, query
from tests.unit import test_contracts_support as support

DELAY = limits.CONTRACT_ACTIVATION_DELAY
CERT = "DIP-2012-000001"


def activate(ledger: support.Ledger, pid: str, contract: str, version: int) -> int:
    """Pass an activation proposal; return the height it was decided at."""
    args: dict[str, ArgValue] = {
        "proposal_id": pid,
        "action": "activate_contract_version",
        "contract": contract,
        "version": version,
    }
    ledger.call(support.PSB, "membership.propose", args)
    others = [o for o in support.ORGANISATIONS if o != support.PSB]
    for org in others[:5]:
        ledger.call(org, "membership.approve", {"proposal_id": pid})
    decided = ledger.height
    result = ledger.call(others[5], "membership.approve", {"proposal_id": pid})
    (event,) = [e for e in result.events if e.name == "membership.contract_version_scheduled"]
    assert dict(event.attrs)["activation_height"] == decided + DELAY
    return decided


def long_request(ledger: support.Ledger, request_id: str, days: int) -> dict[str, ArgValue]:
    return support.request_args(
        request_id, CERT, support.ALICE, 1, ledger.time_ms + days * support.DAY_MS
    )


def try_call(ledger: support.Ledger, args: dict[str, ArgValue]) -> str:
    """Run a request at the ledger's height on a copy of its state: "ok" or the error code."""
    try:
        execute(
            ledger.state.copy(), ledger.ctx(support.BANK.public_key), "consent", "request", args
        )
    except ContractError as error:
        return error.code
    return "ok"


def test_registry_matches_the_versions_governance_may_activate() -> None:
    assert {name: tuple(sorted(v)) for name, v in REGISTRY.items()} == dict(SHIPPED_VERSIONS)
    assert set(REGISTRY["consent"]) == {1, 2}


def test_validators_switch_to_the_new_version_at_the_same_height() -> None:
    # Two validators replay the same transactions on independent states.
    replicas = [support.Ledger(), support.Ledger()]
    results: list[list[CallResult]] = []
    decided_heights = []
    for ledger in replicas:
        ledger.issue_diploma(CERT)
        decided_heights.append(activate(ledger, "PROP-V2-0001", "consent", 2))
        results.append(ledger.results)
    assert decided_heights[0] == decided_heights[1]
    activation = decided_heights[0] + DELAY

    for ledger in replicas:
        # Before the activation height, v1 runs: a 400-day request is accepted.
        ledger.height = activation - 1
        assert try_call(ledger, long_request(ledger, "REQ-LONG-0001", 400)) == "ok"
        versions = ledger.query("membership", "contract_versions", {"height": activation - 1})
        assert versions["consent"]["version"] == 1
        # From the activation height on, v2 runs: at most a year.
        ledger.height = activation
        assert try_call(ledger, long_request(ledger, "REQ-LONG-0001", 400)) == "invalid_argument"
        assert try_call(ledger, long_request(ledger, "REQ-LONG-0001", 300)) == "ok"
        assert ledger.query("membership", "contract_versions", {})["consent"] == {
            "version": 2,
            "shipped": [1, 2],
            "schedule": [[0, 1], [activation, 2]],
        }
        # Other contracts keep their version.
        assert ledger.query("membership", "contract_versions", {})["certificates"]["version"] == 1
    assert replicas[0].state.items() == replicas[1].state.items()
    assert results[0] == results[1]


def test_a_version_can_be_rolled_back_and_queries_follow_the_height() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    first = activate(ledger, "PROP-V2-0001", "consent", 2)
    ledger.height = first + DELAY + 1
    second = activate(ledger, "PROP-V1-0001", "consent", 1)
    ledger.height = second + DELAY
    assert try_call(ledger, long_request(ledger, "REQ-LONG-0001", 400)) == "ok"
    schedule = ledger.query("membership", "contract_versions", {})["consent"]["schedule"]
    assert schedule == [[0, 1], [first + DELAY, 2], [second + DELAY, 1]]
    for height in (0, first + DELAY, second + DELAY):
        query(
            ledger.state,
            "consent",
            "list_by_holder",
            {"holder": support.ALICE},
            now_ms=0,
            height=height,
        )


@pytest.mark.parametrize(
    ("contract", "version", "code"),
    [
        ("consent", 3, "invalid_argument"),
        ("consent", 1, "failed_precondition"),
        ("banking", 1, "invalid_argument"),
        ("consent", 0, "invalid_argument"),
    ],
)
def test_only_shipped_new_versions_can_be_proposed(contract: str, version: int, code: str) -> None:
    ledger = support.Ledger()
    ledger.reject(
        support.PSB,
        "membership.propose",
        {
            "proposal_id": "PROP-V-0001",
            "action": "activate_contract_version",
            "contract": contract,
            "version": version,
        },
        code,
    )


def test_an_unapproved_version_never_runs() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.call(
        support.PSB,
        "membership.propose",
        {
            "proposal_id": "PROP-V2-0001",
            "action": "activate_contract_version",
            "contract": "consent",
            "version": 2,
        },
    )
    ledger.height += 10 * DELAY
    assert try_call(ledger, long_request(ledger, "REQ-LONG-0001", 400)) == "ok"
