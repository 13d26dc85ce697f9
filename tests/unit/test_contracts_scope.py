"""Consent scopes: certificates, single fields, types and record categories; narrowing; access."""

from __future__ import annotations

import pytest

from contracts.framework.codec import canonical_json
from contracts.framework.interface import Event
from contracts.runtime import ArgValue, subjects_of
from tests.unit import test_contracts_support as support

DIPLOMA = "DIP-2012-000001"
ID_CARD = "ID-370102-0001"
BOB_DIPLOMA = "DIP-2012-000002"
SS_RECORD = "SS-2024-000001"
MED_RECORD = "MED-2024-000001"
BOB_SS_RECORD = "SS-2024-000002"
REQ = "REQ-SCOPE-0001"
R: dict[str, ArgValue] = {"request_id": REQ}

FULL_SCOPE = [
    {"cert_id": DIPLOMA},
    {"cert_type": "resident_id_card", "fields": ["holder_name", "valid_until"]},
    {"record_category": "social_security"},
]


def alice_ledger() -> support.Ledger:
    ledger = support.Ledger()
    ledger.issue_diploma(DIPLOMA)
    ledger.issue_diploma(BOB_DIPLOMA, holder=support.BOB)
    ledger.issue_id_card(ID_CARD)
    ledger.append(support.HRSS, SS_RECORD)
    ledger.append(support.HEALTH, MED_RECORD, category="medical")
    ledger.append(support.HRSS, BOB_SS_RECORD, subject=support.BOB)
    return ledger


def scope_request(
    ledger: support.Ledger, items: list[dict[str, object]], max_uses: int = 5
) -> None:
    ledger.call(
        support.BANK,
        "consent.request",
        {
            "request_id": REQ,
            "holder": support.ALICE,
            "scope": support.json_arg(items),
            "purpose": "个人住房贷款 mortgage",
            "max_uses": max_uses,
            "expires_at_ms": ledger.time_ms + 30 * support.DAY_MS,
        },
    )


def access(ledger: support.Ledger, **target: ArgValue) -> Event:
    result = ledger.call(support.BANK, "consent.access", {**R, **target})
    (event,) = result.events
    assert event.name == "consent.accessed"
    return event


def test_request_with_a_scope_and_its_record() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    record = ledger.query("consent", "get", R)
    assert record["scope"] == sorted(FULL_SCOPE, key=canonical_json)
    assert (record["cert_id"], record["cert_type"]) == ("", "")
    assert (
        ledger.query("consent", "list_by_agency", {"agency": support.BANK.id})[0]["request_id"]
        == REQ
    )


@pytest.mark.parametrize(
    ("scope", "code"),
    [
        ("not json", "invalid_argument"),
        (support.json_arg([]), "invalid_argument"),
        (support.json_arg([{"cert_id": DIPLOMA}, {"cert_id": DIPLOMA}]), "invalid_argument"),
        (support.json_arg([{"cert_type": "passport"}]), "invalid_argument"),
        (support.json_arg([{"cert_type": "diploma", "fields": ["nickname"]}]), "invalid_argument"),
        (support.json_arg([{"cert_id": DIPLOMA, "fields": ["address"]}]), "invalid_argument"),
        (support.json_arg([{"cert_id": DIPLOMA, "fields": []}]), "invalid_argument"),
        (support.json_arg([{"record_category": "gossip"}]), "invalid_argument"),
        (
            support.json_arg([{"cert_id": DIPLOMA, "record_category": "medical"}]),
            "invalid_argument",
        ),
        (support.json_arg([{"record_category": "medical"}] * 2), "invalid_argument"),
        (support.json_arg([{"cert_type": t} for t in ["diploma"] * 17]), "invalid_argument"),
        (support.json_arg({"cert_id": DIPLOMA}), "invalid_argument"),
        ('[{"cert_id": "DIP-2012-000001", "cert_id": "x"}]', "invalid_argument"),
        ("[" * 70 + "]" * 70, "invalid_argument"),
        (support.json_arg([{"cert_id": "DIP-2099-999999"}]), "not_found"),
        (support.json_arg([{"cert_id": BOB_DIPLOMA}]), "failed_precondition"),
    ],
)
def test_bad_scopes_are_rejected(scope: str, code: str) -> None:
    ledger = alice_ledger()
    ledger.reject(
        support.BANK,
        "consent.request",
        {
            "request_id": REQ,
            "holder": support.ALICE,
            "scope": scope,
            "purpose": "loan",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
        code,
    )


def test_cert_id_and_scope_are_exclusive() -> None:
    ledger = alice_ledger()
    base: dict[str, ArgValue] = {
        "request_id": REQ,
        "holder": support.ALICE,
        "purpose": "loan",
        "max_uses": 1,
        "expires_at_ms": ledger.time_ms + support.DAY_MS,
    }
    ledger.reject(support.BANK, "consent.request", base, "invalid_argument")
    ledger.reject(
        support.BANK,
        "consent.request",
        {**base, "cert_id": DIPLOMA, "scope": support.json_arg([{"cert_id": DIPLOMA}])},
        "invalid_argument",
    )


def test_access_reads_only_what_is_granted_and_names_it() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    # A whole certificate in scope.
    event = access(ledger, cert_id=DIPLOMA)
    assert event.subjects == (support.ALICE, DIPLOMA, support.BANK.id, REQ)
    assert dict(event.attrs)["fields"] == "*"
    # Fields of a certificate of a granted type.
    event = access(ledger, cert_id=ID_CARD, fields=support.json_arg(["valid_until"]))
    assert (dict(event.attrs)["fields"], dict(event.attrs)["target"]) == (
        "valid_until",
        "certificate",
    )
    # A record of a granted category.
    event = access(ledger, record_id=SS_RECORD)
    attrs = dict(event.attrs)
    assert (attrs["target"], attrs["category"], attrs["record_version"]) == (
        "record",
        "social_security",
        1,
    )
    # Outside the grant: other fields, the whole ID card, other categories, other holders.
    for target in (
        {"cert_id": ID_CARD, "fields": support.json_arg(["id_number"])},
        {"cert_id": ID_CARD},
        {"record_id": MED_RECORD},
        {"record_id": BOB_SS_RECORD},
        {"cert_id": BOB_DIPLOMA},
    ):
        error = ledger.reject(support.BANK, "consent.access", {**R, **target}, "permission_denied")
        assert "not in scope" in error.message
    # What to read must be named when the grant holds more than one certificate.
    ledger.reject(support.BANK, "consent.access", R, "invalid_argument")
    ledger.reject(support.BANK, "consent.access", {**R, "record_id": "SS-2099-999999"}, "not_found")
    ledger.reject(
        support.BANK,
        "consent.access",
        {**R, "record_id": SS_RECORD, "cert_id": DIPLOMA},
        "invalid_argument",
    )
    assert ledger.query("consent", "get", R)["uses_left"] == 2


def test_the_holder_narrows_when_granting() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    narrowed = [{"cert_id": DIPLOMA, "fields": ["degree", "graduation_date"]}]
    ledger.reject(
        support.ALICE_KEY,
        "consent.grant",
        {**R, "scope": support.json_arg([{"record_category": "medical"}])},
        "invalid_argument",
    )
    ledger.reject(
        support.ALICE_KEY,
        "consent.grant",
        {**R, "expires_at_ms": ledger.time_ms + 60 * support.DAY_MS},
        "invalid_argument",
    )
    result = ledger.call(
        support.ALICE_KEY,
        "consent.grant",
        {
            **R,
            "scope": support.json_arg(narrowed),
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
    )
    assert dict(result.events[0].attrs)["narrowed"] is True
    record = ledger.query("consent", "get", R)
    assert (record["granted_scope"], record["granted_uses"]) == (narrowed, 1)
    ledger.reject(support.BANK, "consent.access", {**R, "cert_id": DIPLOMA}, "permission_denied")
    ledger.reject(
        support.BANK, "consent.access", {**R, "record_id": SS_RECORD}, "permission_denied"
    )
    # With one certificate granted, naming nothing reads the granted fields of it.
    event = access(ledger)
    assert dict(event.attrs)["fields"] == "degree,graduation_date"
    ledger.reject(support.BANK, "consent.access", R, "permission_denied")


def test_a_grant_can_be_narrowed_later_but_not_widened() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    access(ledger, record_id=SS_RECORD)
    result = ledger.call(
        support.ALICE_KEY,
        "consent.narrow",
        {**R, "scope": support.json_arg([{"record_category": "social_security"}]), "max_uses": 2},
    )
    assert result.events[0].name == "consent.narrowed"
    record = ledger.query("consent", "get", R)
    assert (record["uses_left"], record["granted_uses"]) == (2, 3)
    ledger.reject(support.BANK, "consent.access", {**R, "cert_id": DIPLOMA}, "permission_denied")
    for widen in (
        {"max_uses": 3},
        {"scope": support.json_arg(FULL_SCOPE)},
        {"expires_at_ms": ledger.time_ms + 90 * support.DAY_MS},
        {},
    ):
        ledger.reject(support.ALICE_KEY, "consent.narrow", {**R, **widen}, "invalid_argument")
    in_force = ledger.query(
        "consent", "list_by_holder", {"holder": support.ALICE, "in_force": True}
    )
    assert [r["request_id"] for r in in_force] == [REQ]
    ledger.time_ms += 31 * support.DAY_MS
    assert (
        ledger.query("consent", "list_by_holder", {"holder": support.ALICE, "in_force": True}) == []
    )


def test_a_type_scope_covers_only_the_holders_certificates() -> None:
    ledger = alice_ledger()
    scope_request(ledger, [{"cert_type": "diploma"}])
    assert ledger.query("consent", "get", R)["cert_type"] == "diploma"
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    access(ledger, cert_id=DIPLOMA, fields=support.json_arg(["major"]))
    ledger.reject(
        support.BANK, "consent.access", {**R, "cert_id": BOB_DIPLOMA}, "permission_denied"
    )
    ledger.reject(support.BANK, "consent.access", {**R, "cert_id": ID_CARD}, "permission_denied")
    ledger.reject(support.NOTARY, "consent.access", {**R, "cert_id": DIPLOMA}, "permission_denied")


def test_subjects_of_a_scoped_request_name_its_certificates() -> None:
    args: dict[str, ArgValue] = {
        "request_id": REQ,
        "holder": support.ALICE,
        "scope": support.json_arg([{"cert_id": DIPLOMA}, {"cert_id": "ID-370102199003074528"}]),
    }
    assert subjects_of("consent", "request", args) == (support.ALICE, REQ, DIPLOMA)
