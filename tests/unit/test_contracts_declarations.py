"""Declared arguments (issue 16 item 3): every transaction method declares each argument, and
a call is judged against that declaration before any validator admits it.

The contract itself is not involved: refusals here keep the contracts' results (and the
golden transcript) as they were, while undeclared, ill-typed and personal arguments never
reach a block.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.framework.declarations import PERSONAL_DATA, UNDECLARED
from contracts.framework.signature import Signature, SignatureByChoice
from contracts.registry import REGISTRY
from contracts.runtime import ArgValue, get_admission_refusal
from tests.unit import test_contracts_golden as golden
from tests.unit import test_contracts_support as support

CERT = "cert-anything-1"
ISSUE = support.issue_args()


def _refusal(contract: str, method: str, args: Mapping[str, ArgValue]) -> tuple[str, str]:
    refusal = get_admission_refusal(contract, method, args)
    assert refusal is not None, (contract, method, args)
    return refusal.code, refusal.message


def test_every_transaction_of_every_shipped_version_declares_its_arguments() -> None:
    for name, by_version in REGISTRY.items():
        for system in by_version.values():
            assert set(system.declarations) == set(system.transactions), name
            for method, declaration in system.declarations.items():
                described = declaration.describe()
                assert described, f"{name}.{method} declares nothing"
                assert isinstance(declaration, Signature | SignatureByChoice)


def test_a_declaration_is_queryable() -> None:
    revoke = {d["name"]: d for d in REGISTRY["certificates"][1].declarations["revoke"].describe()}
    assert revoke["cert_id"]["type"] == "text" and not revoke["cert_id"]["free_text"]
    assert revoke["reason"]["free_text"] and revoke["reason"]["length_max"] == 200
    propose = REGISTRY["membership"][1].declarations["propose"].describe()
    add_org = next(v for v in propose if v["value"] == "add_org")
    assert {"org_id", "name", "public_key", "roles"} <= {a["name"] for a in add_org["args"]}


def test_the_golden_scenario_passes_admission(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call the golden scenario's contracts accept is admitted, and the transcript is
    unchanged (admission is not part of executing a call). The scenario's verifications and
    consent requests predate purposes of use: the node refuses them now for the missing
    ``purpose_code`` alone (and admits them with one), while the contract still runs them."""
    accepted: list[tuple[str, str, dict[str, Any]]] = []
    execute = golden.execute

    def recording(state: Any, ctx: Any, contract: str, method: str, args: Any) -> Any:
        result = execute(state, ctx, contract, method, args)
        accepted.append((contract, method, dict(args)))
        return result

    monkeypatch.setattr(golden, "execute", recording)
    recorder = golden.run_scenario()
    assert golden.get_state_sha256(recorder) == golden.FINAL_STATE_SHA256
    assert len(accepted) > 50
    needing_code = {("certificates", "record_verification"), ("consent", "request")}
    refused = 0
    for contract, method, args in accepted:
        refusal = get_admission_refusal(contract, method, args)
        if (contract, method) in needing_code and "purpose_code" not in args:
            assert refusal is not None and "'purpose_code' is required" in refusal.message
            refused += 1
            args = {**args, "purpose_code": "001"}
            refusal = get_admission_refusal(contract, method, args)
        assert refusal is None, (contract, method, args)
    assert refused > 0


def test_an_undeclared_argument_is_refused_by_name() -> None:
    code, message = _refusal(
        "certificates", "revoke", {"cert_id": CERT, "reason": "x", "note": "y"}
    )
    assert code == UNDECLARED
    assert "'note' is not declared" in message and "cert_id, reason" in message


def test_an_undeclared_method_or_contract_is_refused() -> None:
    assert "no transaction 'steal'" in _refusal("certificates", "steal", {})[1]
    assert "no contract named 'nothing'" in _refusal("nothing", "get", {})[1]
    # A governance action's arguments depend on the action.
    code, message = _refusal(
        "membership", "propose", {"action": "remove_org", "proposal_id": "PROP-0001", "name": "x"}
    )
    assert code == UNDECLARED and "'name' is not declared" in message
    assert "action must be one of" in _refusal("membership", "propose", {"action": "coup"})[1]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"cert_id": b"cert-anything-1", "reason": "x"}, "'cert_id' must be text"),
        ({"cert_id": 110105199001011234, "reason": "x"}, "'cert_id' must be text"),
        ({"cert_id": CERT, "reason": True}, "'reason' must be text"),
        ({"cert_id": CERT, "reason": "x" * 201}, "'reason' is longer than 200"),
        ({"cert_id": "bad id!", "reason": "x"}, "cert_id must be 8 to 96 characters"),
        ({"cert_id": CERT, "reason": "two\nlines"}, "reason must not contain control"),
    ],
)
def test_an_ill_typed_or_malformed_argument_is_refused_by_name(
    args: dict[str, ArgValue], needle: str
) -> None:
    code, message = _refusal("certificates", "revoke", args)
    assert code == UNDECLARED and needle in message


def test_integers_are_typed_and_screened() -> None:
    assert (
        "'valid_until_ms' must be integer"
        in _refusal("certificates", "renew", {"cert_id": CERT, "valid_until_ms": "0"})[1]
    )
    code, message = _refusal(
        "certificates", "renew", {"cert_id": CERT, "valid_until_ms": 13800138000}
    )
    assert code == PERSONAL_DATA and "mobile number" in message
    assert (
        get_admission_refusal(
            "certificates", "renew", {"cert_id": CERT, "valid_until_ms": 1_767_225_600_000}
        )
        is None
    )


def test_json_arguments_hold_no_free_text() -> None:
    """Field lists and commitments name catalogue fields only: no words hide inside."""
    digest = "ab" * 32
    bad = dict(ISSUE, field_hashes=json.dumps({"张晓梅 泉城路188号": digest}))
    assert "field_hashes must map field names" in _refusal("certificates", "issue", bad)[1]
    scope = json.dumps([{"cert_id": CERT, "fields": ["address", "note: call me"]}])
    args = {"request_id": "REQ-0000009", "holder": support.ALICE, "scope": scope}
    assert "fields must be field names" in _refusal("consent", "request", args)[1]
    fields = json.dumps(["李娜家住朝阳区建国路88号"])
    access = {"request_id": "REQ-0000001", "cert_id": CERT, "fields": fields}
    assert "must be field names" in _refusal("consent", "access", access)[1]


ID_FORMS = st.sampled_from(
    (
        "110105 19900101 1234",
        "110105-19900101-1234",
        "１１０１０５１９９００１０１１２３４",
        "1\u200b10105199001011234",
        "11010519491231002X",
        "11010519491231002 x",
    )
)


@given(ID_FORMS, st.sampled_from(("reason", "cert_id")))
def test_id_numbers_in_any_form_are_refused(form: str, name: str) -> None:
    args: dict[str, ArgValue] = {"cert_id": CERT, "reason": "x"}
    args[name] = form if name == "reason" else form.replace(" ", "-")
    code, message = _refusal("certificates", "revoke", args)
    assert code in (UNDECLARED, PERSONAL_DATA) and name in message
    assert form not in message


@pytest.mark.parametrize(
    "reason",
    [
        "+86 138 0013 8000",
        "张伟，北京市朝阳区建国路88号",
        "li.na [at] example.cn",
        "护照 E12345678",
    ],
)
def test_personal_free_text_is_refused(reason: str) -> None:
    code, message = _refusal("certificates", "revoke", {"cert_id": CERT, "reason": reason})
    assert code == PERSONAL_DATA and "'reason'" in message
