"""Purposes of use (申请事由, issue 17): a code from the catalogue on every consent request
and verification record, required of new calls by the node, optional to the contracts (the
calls of chains made before codes replay as they were: see test_contracts_golden.py)."""

from __future__ import annotations

import pytest

from contracts.catalogue.purposes import OTHER, PURPOSES
from contracts.framework.signature import Signature, choice
from contracts.runtime import ArgValue, get_admission_refusal
from tests.unit import test_contracts_support as support

CERT = "DIP-2012-000001"
REQ = "REQ-0000001"


def request_args(ledger: support.Ledger, **more: ArgValue) -> dict[str, ArgValue]:
    args = support.request_args(REQ, CERT, support.ALICE, 3, ledger.time_ms + support.DAY_MS)
    return {**args, **more}


def verification_args(**more: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "cert_id": CERT,
        "verification_id": "VER-0000001",
        "result": "passed",
        "purpose": "开户核验",
    }
    return {**args, **more}


def test_the_catalogue_of_purposes() -> None:
    assert list(PURPOSES)[:2] == ["001", "002"] and OTHER in PURPOSES
    assert all(len(code) == 3 and code.isdigit() for code in PURPOSES)
    assert PURPOSES["002"].name_zh == "金融信贷审核"


def test_a_request_keeps_its_purpose_code_through_grant_and_access() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    requested = ledger.call(
        support.BANK, "consent.request", request_args(ledger, purpose_code="002")
    )
    assert dict(requested.events[0].attrs)["purpose_code"] == "002"
    record = ledger.query("consent", "get", {"request_id": REQ})
    assert (record["purpose_code"], record["purpose"]) == (
        "002",
        "个人住房贷款审批 mortgage application",
    )
    listed = ledger.query("consent", "list_by_holder", {"holder": support.ALICE})
    assert [r.get("purpose_code") for r in listed] == ["002"]
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": REQ})
    accessed = ledger.call(support.BANK, "consent.access", {"request_id": REQ})
    attrs = dict(accessed.events[0].attrs)
    assert (attrs["purpose_code"], attrs["purpose"]) == ("002", record["purpose"])


def test_a_request_made_before_codes_has_none_and_writes_nothing_for_it() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    result = ledger.call(support.BANK, "consent.request", request_args(ledger))
    assert "purpose_code" not in dict(result.events[0].attrs)
    assert not any(key.startswith(b"consent/purpose_code/") for key, _ in result.writes)
    assert "purpose_code" not in ledger.query("consent", "get", {"request_id": REQ})
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": REQ})
    accessed = ledger.call(support.BANK, "consent.access", {"request_id": REQ})
    assert "purpose_code" not in dict(accessed.events[0].attrs)


@pytest.mark.parametrize("code", ["2", "000", "100", "abc", ""])
def test_a_code_outside_the_catalogue_is_refused(code: str) -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.reject(
        support.BANK, "consent.request", request_args(ledger, purpose_code=code), "invalid_argument"
    )
    ledger.reject(
        support.BANK,
        "certificates.record_verification",
        verification_args(purpose_code=code),
        "invalid_argument",
    )


def test_a_verification_record_keeps_its_purpose_code() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    result = ledger.call(
        support.BANK, "certificates.record_verification", verification_args(purpose_code="001")
    )
    assert dict(result.events[0].attrs)["purpose_code"] == "001"
    (record,) = ledger.query("certificates", "verifications", {"cert_id": CERT})
    assert (record["purpose_code"], record["purpose"]) == ("001", "开户核验")
    (by_holder,) = ledger.query("certificates", "verifications", {"holder": support.ALICE})
    assert by_holder == record
    ledger.call(
        support.BANK,
        "certificates.record_verification",
        verification_args(verification_id="VER-0000002"),
    )
    later = ledger.query("certificates", "verifications", {"cert_id": CERT})
    assert [r.get("purpose_code") for r in later] == ["001", None]


def test_the_node_requires_a_purpose_code_of_new_calls() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    for contract, method, args in (
        ("consent", "request", request_args(ledger)),
        ("certificates", "record_verification", verification_args()),
    ):
        refusal = get_admission_refusal(contract, method, args)
        assert refusal is not None and refusal.code == "invalid_argument"
        assert "'purpose_code' is required" in refusal.message
        assert get_admission_refusal(contract, method, {**args, "purpose_code": OTHER}) is None
    # Other methods' missing optional arguments are still the contract's business.
    assert get_admission_refusal("consent", "grant", {"request_id": REQ}) is None


def test_a_client_is_told_the_code_is_not_optional() -> None:
    from contracts.runtime import LATEST

    declared = {
        arg["name"]: arg
        for arg in LATEST["consent"].declarations["request"].get_signature({}).describe()
    }
    assert declared["purpose_code"]["optional"] is False
    assert declared["cert_id"]["optional"] is True


def test_an_argument_the_node_requires_stays_optional_to_the_contract() -> None:
    # Built again here: the shipped methods' arguments are built at import.
    plain = choice("purpose_code", PURPOSES)
    required = plain.required_by_node()
    assert (required.optional, required.node_requires) == (True, True)
    assert (plain.optional, plain.node_requires) == (False, False)
    assert (required.name, required.kind) == (plain.name, plain.kind)
    assert Signature(required).describe()[0]["optional"] is False
    assert Signature(required).read({}).raw == {}  # the contract takes a call without it
