"""Consent edges found by mutation testing (issue 19, docs/mutation.md).

Each test pins one boundary or choice of the consent contract that no other test noticed
being changed: exact expiry instants, exactly the granted fields, the agency list's filters,
and which scope a delegate's authority is checked against. They check error codes, records
and events, never a message text.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.consent import scope
from contracts.consent.transactions import process_request_v2
from contracts.framework import limits
from contracts.framework.declarations import UNDECLARED
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue, get_admission_refusal
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_scope import (
    DIPLOMA,
    ID_CARD,
    REQ,
    R,
    alice_ledger,
    scope_request,
)

DIPLOMA_FIELDS = ["degree", "graduation_date"]


def get(ledger: support.Ledger, now_ms: int | None = None) -> dict[str, object]:
    record: dict[str, object] = ledger.query("consent", "get", R, now_ms=now_ms)
    return record


def requested(items: list[dict[str, object]], max_uses: int = 5) -> support.Ledger:
    ledger = alice_ledger()
    scope_request(ledger, items, max_uses)
    return ledger


def expiry(ledger: support.Ledger) -> int:
    value = get(ledger)["expires_at_ms"]
    assert isinstance(value, int)
    return value


# --- exact instants ------------------------------------------------------------------------


def test_a_request_must_expire_after_the_block_time_not_at_it() -> None:
    ledger = alice_ledger()
    args = support.request_args(REQ, DIPLOMA, support.ALICE, 1, ledger.time_ms)
    ledger.reject(support.BANK, "consent.request", args, "invalid_argument")
    args["expires_at_ms"] = ledger.time_ms + 1
    ledger.call(support.BANK, "consent.request", args)
    assert get(ledger)["status"] == "pending"


def test_a_grant_narrowed_to_expire_at_the_block_time_is_refused() -> None:
    ledger = requested([{"cert_id": DIPLOMA}])
    at_block = {**R, "expires_at_ms": ledger.time_ms}
    ledger.reject(support.ALICE_KEY, "consent.grant", at_block, "invalid_argument")
    assert get(ledger)["status"] == "pending"
    ledger.call(support.ALICE_KEY, "consent.grant", {**R, "expires_at_ms": ledger.time_ms + 1})
    assert get(ledger)["status"] == "granted"


def test_a_grant_may_keep_exactly_the_requested_expiry() -> None:
    ledger = requested([{"cert_id": DIPLOMA}])
    asked = expiry(ledger)
    result = ledger.call(support.ALICE_KEY, "consent.grant", {**R, "expires_at_ms": asked})
    attrs = dict(result.events[0].attrs)
    assert (attrs["expires_at_ms"], attrs["narrowed"]) == (asked, False)
    assert expiry(ledger) == asked


def test_a_narrowing_to_expire_at_the_block_time_is_refused() -> None:
    ledger = requested([{"cert_id": DIPLOMA}])
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    asked = expiry(ledger)
    at_block = {**R, "expires_at_ms": ledger.time_ms}
    ledger.reject(support.ALICE_KEY, "consent.narrow", at_block, "invalid_argument")
    assert expiry(ledger) == asked
    earlier = ledger.time_ms + 1
    ledger.call(support.ALICE_KEY, "consent.narrow", {**R, "expires_at_ms": earlier})
    assert expiry(ledger) == earlier


def test_a_request_at_its_exact_expiry_instant() -> None:
    """At the expiry instant the request has not expired (refusing it as expired would be
    ``failed_precondition``), but a grant must end later than the block time, so a grant that
    keeps the expiry is ``invalid_argument``; one millisecond later it has expired."""
    ledger = requested([{"cert_id": DIPLOMA}])
    ledger.time_ms = expiry(ledger)
    ledger.reject(support.ALICE_KEY, "consent.grant", R, "invalid_argument")
    ledger.time_ms = expiry(ledger) + 1
    ledger.reject(support.ALICE_KEY, "consent.grant", R, "failed_precondition")
    ledger.call(support.ALICE_KEY, "consent.refuse", R)
    assert get(ledger)["status"] == "refused"


def test_a_v2_request_may_last_exactly_the_longest_validity() -> None:
    """Version 2 refuses a request valid for longer than ``CONSENT_VALIDITY_MS_MAX_V2``, not
    one valid for exactly that long."""
    ledger = alice_ledger()

    def code_of_request(valid_ms: int) -> str:
        args = support.request_args(REQ, DIPLOMA, support.ALICE, 1, ledger.time_ms + valid_ms)
        try:
            process_request_v2(ledger.state.copy(), ledger.ctx(support.BANK), args)
        except ContractError as error:
            return error.code
        return "ok"

    assert code_of_request(limits.CONSENT_VALIDITY_MS_MAX_V2) == "ok"
    assert code_of_request(limits.CONSENT_VALIDITY_MS_MAX_V2 + 1) == "invalid_argument"


def test_a_grant_is_in_force_up_to_its_expiry_instant() -> None:
    ledger = requested([{"cert_id": DIPLOMA}])
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    until = expiry(ledger)
    assert get(ledger, now_ms=until)["in_force"] is True
    assert get(ledger, now_ms=until + 1)["in_force"] is False
    listed = {"holder": support.ALICE, "in_force": True}
    assert len(ledger.query("consent", "list_by_holder", listed, now_ms=until)) == 1
    assert ledger.query("consent", "list_by_holder", listed, now_ms=until + 1) == []


# --- the granted field set -----------------------------------------------------------------


def test_an_access_may_read_exactly_the_granted_fields() -> None:
    ledger = requested([{"cert_id": DIPLOMA, "fields": DIPLOMA_FIELDS}, {"cert_id": ID_CARD}])
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    result = ledger.call(
        support.BANK,
        "consent.access",
        {**R, "cert_id": DIPLOMA, "fields": support.json_arg(DIPLOMA_FIELDS)},
    )
    assert dict(result.events[0].attrs)["fields"] == ",".join(DIPLOMA_FIELDS)
    ledger.reject(
        support.BANK,
        "consent.access",
        {**R, "cert_id": DIPLOMA, "fields": support.json_arg([*DIPLOMA_FIELDS, "major"])},
        "permission_denied",
    )
    assert get(ledger)["uses_left"] == 4


def test_an_access_may_read_every_field_of_the_certificates_type() -> None:
    """Naming each field of the type is allowed (a subset, not only a strict one)."""
    every = sorted(CERTIFICATE_TYPES["diploma"].fields)
    ledger = requested([{"cert_id": DIPLOMA}])
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    result = ledger.call(
        support.BANK, "consent.access", {**R, "cert_id": DIPLOMA, "fields": support.json_arg(every)}
    )
    assert dict(result.events[0].attrs)["fields"] == ",".join(every)
    assert get(ledger)["uses_left"] == 4


def test_a_grant_may_keep_exactly_the_requested_fields() -> None:
    items: list[dict[str, object]] = [{"cert_id": DIPLOMA, "fields": DIPLOMA_FIELDS}]
    ledger = requested(items)
    ledger.call(support.ALICE_KEY, "consent.grant", {**R, "scope": support.json_arg(items)})
    assert get(ledger)["granted_scope"] == items
    ledger.call(support.ALICE_KEY, "consent.narrow", {**R, "scope": support.json_arg(items)})
    assert get(ledger)["granted_scope"] == items


# --- the agency's list ---------------------------------------------------------------------


def agency_ledger() -> support.Ledger:
    """Four bank requests for Alice's diploma: 1 pending, 2 granted, 3 refused, 4 granted."""
    ledger = support.Ledger.with_diploma(DIPLOMA)
    for number in range(1, 5):
        ledger.request(f"REQ-000000{number}", DIPLOMA)
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000002"})
    ledger.call(support.ALICE_KEY, "consent.refuse", {"request_id": "REQ-0000003"})
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000004"})
    return ledger


def agency_ids(ledger: support.Ledger, **filters: ArgValue) -> list[str]:
    args: dict[str, ArgValue] = {"agency": support.BANK.id, **filters}
    return [r["request_id"] for r in ledger.query("consent", "list_by_agency", args)]


def test_the_agency_list_filters_by_status() -> None:
    ledger = agency_ledger()
    assert agency_ids(ledger) == [f"REQ-000000{n}" for n in range(1, 5)]
    assert agency_ids(ledger, status="granted") == ["REQ-0000002", "REQ-0000004"]
    assert agency_ids(ledger, status="refused") == ["REQ-0000003"]
    assert agency_ids(ledger, status="revoked") == []
    assert agency_ids(ledger, in_force=True) == ["REQ-0000002", "REQ-0000004"]
    assert agency_ids(ledger, status="pending", in_force=True) == []


def test_a_filtered_list_with_a_small_limit_skips_non_matches() -> None:
    ledger = agency_ledger()
    assert agency_ids(ledger, status="granted", limit=1) == ["REQ-0000002"]
    assert agency_ids(ledger, status="refused", limit=1) == ["REQ-0000003"]
    assert agency_ids(ledger, in_force=True, limit=1) == ["REQ-0000002"]
    assert agency_ids(ledger, limit=2) == ["REQ-0000001", "REQ-0000002"]


# --- which scope a delegate's authority is checked against ---------------------------------


def delegated_ledger(
    items: list[dict[str, str]] | None = None, **scope: list[str]
) -> support.Ledger:
    """Alice's request for ``items`` (her diploma and ID card by default), and a guardian
    for consent covering only ``scope`` (``cert_types=`` and/or ``record_categories=``)."""
    ledger = requested(items or [{"cert_id": DIPLOMA}, {"cert_id": ID_CARD}])
    ledger.register_guardian(
        ledger.time_ms + support.DAY_MS,
        ("consent",),
        **{name: support.json_arg(values) for name, values in scope.items()},
    )
    return ledger


def test_a_revocation_is_checked_against_the_granted_scope() -> None:
    ledger = delegated_ledger(cert_types=["diploma"])
    # The guardian may not grant the whole request (the ID card is not covered).
    ledger.reject(support.GUARDIAN_KEY, "consent.grant", R, "permission_denied")
    only_diploma = support.json_arg([{"cert_id": DIPLOMA}])
    ledger.call(support.ALICE_KEY, "consent.grant", {**R, "scope": only_diploma})
    # What is granted is the diploma only, which the guardian covers: they may revoke it.
    result = ledger.call(support.GUARDIAN_KEY, "consent.revoke", R)
    assert dict(result.events[0].attrs)["acting_as"] == "guardian"
    assert (get(ledger)["status"], get(ledger)["decided_by"]) == ("revoked", support.GUARDIAN)


def test_a_revocation_of_a_grant_beyond_the_delegation_is_denied() -> None:
    ledger = delegated_ledger(cert_types=["resident_id_card"])
    only_diploma = support.json_arg([{"cert_id": DIPLOMA}])
    ledger.call(support.ALICE_KEY, "consent.grant", {**R, "scope": only_diploma})
    ledger.reject(support.GUARDIAN_KEY, "consent.revoke", R, "permission_denied")
    assert get(ledger)["status"] == "granted"


def test_a_revocation_before_a_grant_is_checked_against_the_requested_scope() -> None:
    """Nothing is granted yet, so the delegate's authority is judged on what was asked for:
    a delegate not covering it is denied before the status is looked at."""
    ledger = delegated_ledger(cert_types=["resident_id_card"])
    ledger.reject(support.GUARDIAN_KEY, "consent.revoke", R, "permission_denied")
    ledger.reject(support.ALICE_KEY, "consent.revoke", R, "failed_precondition")


def test_a_delegate_must_cover_the_record_categories_of_what_they_grant() -> None:
    ledger = delegated_ledger(
        [{"cert_id": DIPLOMA}, {"record_category": "social_security"}],
        record_categories=["medical"],
    )
    ledger.reject(support.GUARDIAN_KEY, "consent.grant", R, "permission_denied")
    only_diploma = support.json_arg([{"cert_id": DIPLOMA}])
    ledger.call(support.GUARDIAN_KEY, "consent.grant", {**R, "scope": only_diploma})
    assert (get(ledger)["status"], get(ledger)["delegation_id"]) == ("granted", "DLG-GUARD-0001")


# --- admission's look at a scope -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ([{"cert_id": DIPLOMA, "fields": ["degree", "major"]}], False),
        ([{"cert_id": DIPLOMA}, {"record_category": "medical"}], False),
        # Of a field name's form: the contract checks it against the type (below).
        ([{"cert_type": "diploma", "fields": ["degree", "nickname"]}], False),
        ([{"cert_type": "diploma", "fields": ["degree", "Nick name"]}], True),
        ([{"cert_id": DIPLOMA}, {"cert_id": ID_CARD, "fields": ["note: call me"]}], True),
        ([{"cert_id": DIPLOMA, "fields": "degree"}], True),
        ([{"cert_id": DIPLOMA, "fields": []}], False),  # the reader refuses it later
        (["degree", 5], False),  # not items: the reader refuses it later
        ({"fields": ["nickname"]}, False),  # not an array: the reader refuses it later
    ],
)
def test_admission_refuses_a_scope_naming_non_catalogue_fields(
    value: object, refused: bool
) -> None:
    problem = scope.get_scope_admission_problem(json.dumps(value))
    assert (problem is not None) is refused


def test_admission_leaves_malformed_scope_json_to_the_reader() -> None:
    assert scope.get_scope_admission_problem("[{") is None
    # JSON that is not an array (a number is not even iterable) is the reader's to refuse.
    for not_an_array in ("5", "null", '"degree"'):
        assert scope.get_scope_admission_problem(not_an_array) is None
    refusal = get_admission_refusal(
        "consent",
        "request",
        {"request_id": REQ, "holder": support.ALICE, "scope": "[{"},
    )
    assert refusal is not None and refusal.code == UNDECLARED


# --- the form of a scope -------------------------------------------------------------------


def code_of(value: object) -> str | None:
    """The error code of parsing ``value`` as a scope, or None if it parses."""
    try:
        scope.parse_scope(value, "scope")
    except ContractError as error:
        return error.code
    return None


def test_a_scope_may_hold_exactly_the_most_items() -> None:
    most = [{"cert_id": f"DIP-2012-{n:06d}"} for n in range(limits.SCOPE_ITEMS_MAX)]
    assert code_of(most) is None
    assert code_of([*most, {"record_category": "medical"}]) == "invalid_argument"


def test_a_field_list_may_hold_exactly_the_most_names() -> None:
    names = [f"field_{n:02d}" for n in range(limits.NAME_LIST_LENGTH_MAX)]
    assert code_of([{"cert_id": DIPLOMA, "fields": names}]) is None
    assert code_of([{"cert_id": DIPLOMA, "fields": [*names, "one_more"]}]) == "invalid_argument"


def test_a_scope_names_certificates_by_well_formed_ids() -> None:
    assert code_of([{"cert_id": "bad id!"}]) == "invalid_argument"
    assert code_of([{"cert_id": 12345678}]) == "invalid_argument"


def test_a_request_for_a_certificate_type_names_no_certificate() -> None:
    """A one-item scope of a type records that type and an empty ``cert_id`` (no certificate
    is named until an access names one)."""
    ledger = requested([{"cert_type": "diploma"}])
    record = get(ledger)
    assert (record["cert_id"], record["cert_type"]) == ("", "diploma")


def test_a_request_may_ask_for_every_field_of_a_certificate() -> None:
    every = sorted(CERTIFICATE_TYPES["diploma"].fields)
    ledger = requested([{"cert_id": DIPLOMA, "fields": every}])
    assert get(ledger)["scope"] == [{"cert_id": DIPLOMA, "fields": every}]


# --- scopes after the catalogue moved onto the chain ----------------------------------------


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"record_category": "Medical"}, "scope: record_category must be a category"),
        ({"cert_type": "Diploma"}, "scope: cert_type must be a type of the catalogue"),
        ({"cert_type": "diploma", "fields": ["Degree"]}, "scope: fields must be field names"),
        ({"cert_id": DIPLOMA, "fields": ["Degree"]}, "scope: fields must be field names"),
    ],
)
def test_a_scope_items_names_must_have_the_catalogues_form(
    item: dict[str, Any], message: str
) -> None:
    with pytest.raises(ContractError) as info:
        scope.parse_item(item, "scope")
    assert info.value.message.startswith(message)


def test_field_lists_and_type_items_name_their_argument_when_refused() -> None:
    with pytest.raises(ContractError) as info:
        scope.parse_fields(["Degree"], "fields")
    assert info.value.message.startswith("fields: fields must be field names")
    ledger = support.Ledger.with_diploma()
    items = [{"cert_type": "diploma", "fields": ["nickname"]}]
    with pytest.raises(ContractError) as info:
        scope.check_catalogue(ledger.state, items, ledger.height, "granted_scope")
    assert info.value.message == (
        "granted_scope: fields must be field names of the certificate's type"
    )
