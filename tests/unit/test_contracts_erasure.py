"""Erasure in the consent contract: the holder's request, each agency's acknowledgement."""

from __future__ import annotations

import pytest

from contracts.consent import contract, erasure
from contracts.framework.errors import ContractError
from contracts.membership.organisations import Organisation
from contracts.runtime import ArgValue
from tests.unit import test_contracts_support as support

CERT = "DIP-2012-000001"
OTHER = "DIP-2012-000002"
ERA = "ERA-0000001"
E: dict[str, ArgValue] = {"erasure_id": ERA}
YEAR_MS = 365 * support.DAY_MS


def released(*agencies: Organisation, grant: bool = True) -> support.Ledger:
    """Alice's diploma, requested by each of ``agencies`` (granted unless ``grant`` is off)."""
    ledger = support.Ledger.with_diploma(CERT)
    for number, agency in enumerate(agencies, start=1):
        request_id = f"REQ-000000{number}"
        ledger.request(request_id, CERT, agency_key=agency.public_key)
        if grant:
            ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": request_id})
    return ledger


def get(ledger: support.Ledger) -> dict[str, object]:
    record: dict[str, object] = ledger.query("consent", "get_erasure", E)
    return record


def erase(ledger: support.Ledger, sender: bytes = support.ALICE_KEY) -> None:
    ledger.call(sender, "consent.erase", {**E, "cert_id": CERT})


def guardian(ledger: support.Ledger, **scope: ArgValue) -> None:
    """The civil-affairs bureau registers ``DLG-GUARD-0001``: the guardian for Alice, a year."""
    ledger.register_guardian(ledger.time_ms + YEAR_MS, **scope)


def test_request_then_each_agency_acknowledges() -> None:
    ledger = released(support.BANK, support.NOTARY)
    height = ledger.height
    result = ledger.call(support.ALICE_KEY, "consent.erase", {**E, "cert_id": CERT})
    (event,) = result.events
    assert event.name == "consent.erasure_requested"
    assert event.subjects == (support.ALICE, CERT, "icbc-jinan", "jinan-notary", ERA)
    assert dict(event.attrs) == {
        "cert_type": "diploma",
        "agencies": 2,
        "acted_by": support.ALICE,
        "acting_as": "holder",
        "delegation_id": "",
    }
    assert get(ledger) == {
        "erasure_id": ERA,
        "holder": support.ALICE,
        "cert_id": CERT,
        "cert_type": "diploma",
        "agencies": ["icbc-jinan", "jinan-notary"],
        "acknowledged": [],
        "requested_height": height,
        "requested_by": support.ALICE,
        "delegation_id": "",
        "record_id": "",
        "record_category": "",
        "complete": False,
    }

    result = ledger.call(support.NOTARY, "consent.acknowledge_erasure", E)
    (event,) = result.events
    assert event.name == "consent.erasure_acknowledged"
    assert event.subjects == (support.ALICE, CERT, "jinan-notary", ERA)
    assert dict(event.attrs) == {"cert_type": "diploma", "acknowledged": 1, "agencies": 2}
    assert get(ledger)["acknowledged"] == ["jinan-notary"]
    assert get(ledger)["complete"] is False

    result = ledger.call(support.BANK, "consent.acknowledge_erasure", E)
    assert dict(result.events[0].attrs)["acknowledged"] == 2
    assert get(ledger)["acknowledged"] == ["icbc-jinan", "jinan-notary"]
    assert get(ledger)["complete"] is True


def test_revoked_grants_and_type_scopes_count_pending_and_refused_do_not() -> None:
    ledger = released(support.BANK)
    ledger.call(support.ALICE_KEY, "consent.revoke", {"request_id": "REQ-0000001"})
    expires_at_ms = ledger.time_ms + support.DAY_MS
    type_scope = support.json_arg([{"cert_type": "diploma"}])
    args = support.request_args("REQ-0000002", CERT, support.ALICE, 1, expires_at_ms)
    del args["cert_id"]
    ledger.call(support.NOTARY, "consent.request", {**args, "scope": type_scope})
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000002"})
    # A pending request (asked, not granted) released nothing.
    ledger.request("REQ-0000003", CERT, agency_key=support.BANK.public_key)
    erase(ledger)
    assert get(ledger)["agencies"] == ["icbc-jinan", "jinan-notary"]


def test_only_grants_over_this_certificate_count() -> None:
    ledger = released(support.BANK)
    ledger.issue_diploma(OTHER)
    ledger.request("REQ-0000002", OTHER, agency_key=support.NOTARY.public_key)
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000002"})
    ledger.request("REQ-0000003", CERT, agency_key=support.NOTARY.public_key)
    ledger.call(support.ALICE_KEY, "consent.refuse", {"request_id": "REQ-0000003"})
    erase(ledger)
    assert get(ledger)["agencies"] == ["icbc-jinan"]


def test_a_guardian_may_erase_for_the_holder() -> None:
    ledger = released(support.BANK)
    guardian(ledger)
    result = ledger.call(support.GUARDIAN_KEY, "consent.erase", {**E, "cert_id": CERT})
    assert result.events[0].subjects[-2:] == (support.GUARDIAN, "DLG-GUARD-0001")
    assert dict(result.events[0].attrs)["acting_as"] == "guardian"
    record = get(ledger)
    assert (record["requested_by"], record["delegation_id"]) == (
        support.GUARDIAN,
        "DLG-GUARD-0001",
    )


def test_bad_requests_change_nothing() -> None:
    ledger = released(support.BANK)
    ledger.issue_diploma(OTHER)
    ledger.reject(
        support.ALICE_KEY, "consent.erase", {**E, "cert_id": "DIP-2012-000009"}, "not_found"
    )
    error = ledger.reject(
        support.BOB_KEY, "consent.erase", {**E, "cert_id": CERT}, "permission_denied"
    )
    assert "erase certificate DIP-2012-000001" in error.message
    error = ledger.reject(
        support.ALICE_KEY, "consent.erase", {**E, "cert_id": OTHER}, "failed_precondition"
    )
    assert error.message == f"certificate {OTHER} was not released to any agency"
    ledger.reject(support.ALICE_KEY, "consent.erase", {"cert_id": CERT}, "invalid_argument")
    erase(ledger)
    error = ledger.reject(
        support.ALICE_KEY, "consent.erase", {**E, "cert_id": CERT}, "already_exists"
    )
    assert error.message == f"erasure request {ERA} already exists"


def test_bad_acknowledgements_change_nothing() -> None:
    ledger = released(support.BANK)
    ledger.request("REQ-0000002", CERT, agency_key=support.NOTARY.public_key)
    erase(ledger)
    ledger.reject(
        support.BANK, "consent.acknowledge_erasure", {"erasure_id": "ERA-0000009"}, "not_found"
    )
    # The notary asked but was never granted: it got no copy.
    error = ledger.reject(support.NOTARY, "consent.acknowledge_erasure", E, "permission_denied")
    assert error.message == (
        f"only an agency {CERT} was released to may acknowledge erasure request {ERA}"
    )
    ledger.reject(support.ALICE_KEY, "consent.acknowledge_erasure", E, "permission_denied")
    ledger.call(support.BANK, "consent.acknowledge_erasure", E)
    error = ledger.reject(support.BANK, "consent.acknowledge_erasure", E, "failed_precondition")
    assert error.message == f"icbc-jinan already acknowledged erasure request {ERA}"


def test_lists_by_holder_and_agency_with_pending() -> None:
    ledger = released(support.BANK, support.NOTARY)
    erase(ledger)
    ledger.call(support.NOTARY, "consent.acknowledge_erasure", E)
    by_holder = ledger.query("consent", "list_erasures_by_holder", {"holder": support.ALICE})
    assert [found["erasure_id"] for found in by_holder] == [ERA]
    for agency, pending in (("icbc-jinan", [ERA]), ("jinan-notary", [])):
        listed = ledger.query("consent", "list_erasures_by_agency", {"agency": agency})
        assert [found["erasure_id"] for found in listed] == [ERA]
        args: dict[str, ArgValue] = {"agency": agency, "pending": True}
        listed = ledger.query("consent", "list_erasures_by_agency", args)
        assert [found["erasure_id"] for found in listed] == pending
    listed = ledger.query(
        "consent", "list_erasures_by_agency", {"agency": "icbc-jinan", "pending": False}
    )
    assert len(listed) == 1
    assert ledger.query("consent", "list_erasures_by_holder", {"holder": support.BOB}) == []


def test_get_of_an_unknown_erasure_is_not_found() -> None:
    with pytest.raises(ContractError) as info:
        support.Ledger().query("consent", "get_erasure", E)
    assert info.value.code == "not_found"


def test_related_ids_of_an_erasure() -> None:
    ledger = released(support.BANK)
    erase(ledger)
    assert erasure.get_erasure_related(ledger.state, ERA) == [
        support.ALICE,
        CERT,
        "icbc-jinan",
        support.ALICE,
    ]
    assert erasure.get_erasure_related(ledger.state, "REQ-0000001") == []


def test_the_contract_relates_requests_and_erasures() -> None:
    ledger = released(support.BANK)
    erase(ledger)
    assert contract.get_related(ledger.state, ERA)[:3] == [support.ALICE, CERT, "icbc-jinan"]
    assert contract.get_related(ledger.state, "REQ-0000001")[:2] == [support.ALICE, "icbc-jinan"]
    assert contract.get_related(ledger.state, "NOTHING-000001") == []


def test_a_delegate_for_other_types_may_not_erase() -> None:
    ledger = released(support.BANK)
    guardian(ledger, cert_types=support.json_arg(["resident_id_card"]))
    ledger.reject(
        support.GUARDIAN_KEY, "consent.erase", {**E, "cert_id": CERT}, "permission_denied"
    )


# --- archive records -----------------------------------------------------------------------

SS_RECORD = "SS-2024-000001"
MED_RECORD = "MED-2024-000001"


def records_released() -> support.Ledger:
    """Alice's social security record granted to the bank (by category), her diploma to the
    notary; her medical record to no one."""
    ledger = released(support.NOTARY)
    ledger.append(support.HRSS, SS_RECORD)
    ledger.append(support.HEALTH, MED_RECORD, category="medical")
    ledger.call(
        support.BANK,
        "consent.request",
        {
            "request_id": "REQ-RECORDS-01",
            "holder": support.ALICE,
            "scope": support.json_arg([{"record_category": "social_security"}]),
            "purpose": "个人住房贷款 mortgage",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
    )
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-RECORDS-01"})
    return ledger


def test_an_archive_record_is_erased_by_its_category_grants() -> None:
    ledger = records_released()
    height = ledger.height
    result = ledger.call(support.ALICE_KEY, "consent.erase", {**E, "record_id": SS_RECORD})
    (event,) = result.events
    assert event.subjects == (support.ALICE, SS_RECORD, "icbc-jinan", ERA)
    assert dict(event.attrs) == {
        "record_category": "social_security",
        "agencies": 1,
        "acted_by": support.ALICE,
        "acting_as": "holder",
        "delegation_id": "",
    }
    record = get(ledger)
    assert (record["cert_id"], record["cert_type"]) == ("", "")
    assert (record["record_id"], record["record_category"]) == (SS_RECORD, "social_security")
    assert (record["agencies"], record["requested_height"]) == (["icbc-jinan"], height)
    result = ledger.call(support.BANK, "consent.acknowledge_erasure", E)
    (event,) = result.events
    assert event.subjects == (support.ALICE, SS_RECORD, "icbc-jinan", ERA)
    assert dict(event.attrs) == {
        "record_category": "social_security",
        "acknowledged": 1,
        "agencies": 1,
    }
    assert erasure.get_erasure_related(ledger.state, ERA) == [
        support.ALICE,
        SS_RECORD,
        "icbc-jinan",
        support.ALICE,
    ]
    error = ledger.reject(support.NOTARY, "consent.acknowledge_erasure", E, "permission_denied")
    assert error.message == (
        f"only an agency {SS_RECORD} was released to may acknowledge erasure request {ERA}"
    )


def test_bad_record_erasures_change_nothing() -> None:
    ledger = records_released()
    error = ledger.reject(
        support.ALICE_KEY, "consent.erase", {**E, "record_id": MED_RECORD}, "failed_precondition"
    )
    assert error.message == f"archive record {MED_RECORD} was not released to any agency"
    ledger.reject(
        support.ALICE_KEY, "consent.erase", {**E, "record_id": "SS-2024-999999"}, "not_found"
    )
    error = ledger.reject(
        support.ALICE_KEY,
        "consent.erase",
        {**E, "record_id": SS_RECORD, "cert_id": CERT},
        "invalid_argument",
    )
    assert error.message == "give exactly one of cert_id and record_id"
    error = ledger.reject(
        support.BOB_KEY, "consent.erase", {**E, "record_id": SS_RECORD}, "permission_denied"
    )
    assert f"erase archive record {SS_RECORD}" in error.message


def test_a_delegate_erases_records_only_of_the_categories_covered() -> None:
    ledger = records_released()
    guardian(ledger, record_categories=support.json_arg(["medical"]))
    ledger.reject(
        support.GUARDIAN_KEY, "consent.erase", {**E, "record_id": SS_RECORD}, "permission_denied"
    )
    # The diploma is not a record: the categories do not restrict it.
    ledger.call(support.GUARDIAN_KEY, "consent.erase", {**E, "cert_id": CERT})
    assert get(ledger)["agencies"] == ["jinan-notary"]


def test_a_delegate_for_some_certificate_types_may_erase_any_record() -> None:
    ledger = records_released()
    guardian(ledger, cert_types=support.json_arg(["resident_id_card"]))
    ledger.call(support.GUARDIAN_KEY, "consent.erase", {**E, "record_id": SS_RECORD})
    assert get(ledger)["requested_by"] == support.GUARDIAN
