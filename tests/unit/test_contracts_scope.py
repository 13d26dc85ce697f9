"""Consent scopes: certificates, single fields, types and record categories; narrowing; access."""

from __future__ import annotations

import pytest

from contracts.framework.codec import canonical_json
from contracts.framework.interface import Event
from contracts.runtime import ArgValue, subjects_of
from tests.unit.test_contracts_support import (
    ALICE,
    ALICE_ID_CARD_FIELDS,
    ALICE_KEY,
    BANK,
    BOB,
    DAY_MS,
    HEALTH,
    HRSS,
    NOTARY,
    PSB,
    Ledger,
    doc_hash,
    json_arg,
)

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


def alice_ledger() -> Ledger:
    ledger = Ledger()
    ledger.issue_diploma(DIPLOMA)
    ledger.issue_diploma(BOB_DIPLOMA, holder=BOB)
    ledger.issue(
        PSB,
        cert_id=ID_CARD,
        cert_type="resident_id_card",
        doc_hash=doc_hash("resident_id_card", ALICE_ID_CARD_FIELDS),
    )
    ledger.append(HRSS, SS_RECORD)
    ledger.append(HEALTH, MED_RECORD, category="medical")
    ledger.append(HRSS, BOB_SS_RECORD, subject=BOB)
    return ledger


def scope_request(ledger: Ledger, items: list[dict[str, object]], max_uses: int = 5) -> None:
    ledger.call(
        BANK.public_key,
        "consent",
        "request",
        {
            "request_id": REQ,
            "holder": ALICE,
            "scope": json_arg(items),
            "purpose": "个人住房贷款 mortgage",
            "max_uses": max_uses,
            "expires_at_ms": ledger.time_ms + 30 * DAY_MS,
        },
    )


def access(ledger: Ledger, **target: ArgValue) -> Event:
    result = ledger.call(BANK.public_key, "consent", "access", {**R, **target})
    (event,) = result.events
    assert event.name == "consent.accessed"
    return event


def test_request_with_a_scope_and_its_record() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    record = ledger.query("consent", "get", R)
    assert record["scope"] == sorted(FULL_SCOPE, key=canonical_json)
    assert (record["cert_id"], record["cert_type"]) == ("", "")
    assert ledger.query("consent", "list_by_agency", {"agency": BANK.id})[0]["request_id"] == REQ


@pytest.mark.parametrize(
    ("scope", "code"),
    [
        ("not json", "invalid_argument"),
        (json_arg([]), "invalid_argument"),
        (json_arg([{"cert_id": DIPLOMA}, {"cert_id": DIPLOMA}]), "invalid_argument"),
        (json_arg([{"cert_type": "passport"}]), "invalid_argument"),
        (json_arg([{"cert_type": "diploma", "fields": ["nickname"]}]), "invalid_argument"),
        (json_arg([{"cert_id": DIPLOMA, "fields": ["address"]}]), "invalid_argument"),
        (json_arg([{"cert_id": DIPLOMA, "fields": []}]), "invalid_argument"),
        (json_arg([{"record_category": "gossip"}]), "invalid_argument"),
        (json_arg([{"cert_id": DIPLOMA, "record_category": "medical"}]), "invalid_argument"),
        (json_arg([{"record_category": "medical"}] * 2), "invalid_argument"),
        (json_arg([{"cert_type": t} for t in ["diploma"] * 17]), "invalid_argument"),
        (json_arg({"cert_id": DIPLOMA}), "invalid_argument"),
        ('[{"cert_id": "DIP-2012-000001", "cert_id": "x"}]', "invalid_argument"),
        ("[" * 70 + "]" * 70, "invalid_argument"),
        (json_arg([{"cert_id": "DIP-2099-999999"}]), "not_found"),
        (json_arg([{"cert_id": BOB_DIPLOMA}]), "failed_precondition"),
    ],
)
def test_bad_scopes_are_rejected(scope: str, code: str) -> None:
    ledger = alice_ledger()
    ledger.reject(
        BANK.public_key,
        "consent",
        "request",
        {
            "request_id": REQ,
            "holder": ALICE,
            "scope": scope,
            "purpose": "loan",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + DAY_MS,
        },
        code,
    )


def test_cert_id_and_scope_are_exclusive() -> None:
    ledger = alice_ledger()
    base: dict[str, ArgValue] = {
        "request_id": REQ,
        "holder": ALICE,
        "purpose": "loan",
        "max_uses": 1,
        "expires_at_ms": ledger.time_ms + DAY_MS,
    }
    ledger.reject(BANK.public_key, "consent", "request", base, "invalid_argument")
    ledger.reject(
        BANK.public_key,
        "consent",
        "request",
        {**base, "cert_id": DIPLOMA, "scope": json_arg([{"cert_id": DIPLOMA}])},
        "invalid_argument",
    )


def test_access_reads_only_what_is_granted_and_names_it() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    ledger.call(ALICE_KEY, "consent", "grant", R)
    # A whole certificate in scope.
    event = access(ledger, cert_id=DIPLOMA)
    assert event.subjects == (ALICE, DIPLOMA, BANK.id, REQ)
    assert dict(event.attrs)["fields"] == "*"
    # Fields of a certificate of a granted type.
    event = access(ledger, cert_id=ID_CARD, fields=json_arg(["valid_until"]))
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
        {"cert_id": ID_CARD, "fields": json_arg(["id_number"])},
        {"cert_id": ID_CARD},
        {"record_id": MED_RECORD},
        {"record_id": BOB_SS_RECORD},
        {"cert_id": BOB_DIPLOMA},
    ):
        error = ledger.reject(
            BANK.public_key, "consent", "access", {**R, **target}, "permission_denied"
        )
        assert "not in scope" in error.message
    # What to read must be named when the grant holds more than one certificate.
    ledger.reject(BANK.public_key, "consent", "access", R, "invalid_argument")
    ledger.reject(
        BANK.public_key, "consent", "access", {**R, "record_id": "SS-2099-999999"}, "not_found"
    )
    ledger.reject(
        BANK.public_key,
        "consent",
        "access",
        {**R, "record_id": SS_RECORD, "cert_id": DIPLOMA},
        "invalid_argument",
    )
    assert ledger.query("consent", "get", R)["uses_left"] == 2


def test_the_holder_narrows_when_granting() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    narrowed = [{"cert_id": DIPLOMA, "fields": ["degree", "graduation_date"]}]
    ledger.reject(
        ALICE_KEY,
        "consent",
        "grant",
        {**R, "scope": json_arg([{"record_category": "medical"}])},
        "invalid_argument",
    )
    ledger.reject(
        ALICE_KEY,
        "consent",
        "grant",
        {**R, "expires_at_ms": ledger.time_ms + 60 * DAY_MS},
        "invalid_argument",
    )
    result = ledger.call(
        ALICE_KEY,
        "consent",
        "grant",
        {**R, "scope": json_arg(narrowed), "max_uses": 1, "expires_at_ms": ledger.time_ms + DAY_MS},
    )
    assert dict(result.events[0].attrs)["narrowed"] is True
    record = ledger.query("consent", "get", R)
    assert (record["granted_scope"], record["granted_uses"]) == (narrowed, 1)
    ledger.reject(
        BANK.public_key, "consent", "access", {**R, "cert_id": DIPLOMA}, "permission_denied"
    )
    ledger.reject(
        BANK.public_key, "consent", "access", {**R, "record_id": SS_RECORD}, "permission_denied"
    )
    # With one certificate granted, naming nothing reads the granted fields of it.
    event = access(ledger)
    assert dict(event.attrs)["fields"] == "degree,graduation_date"
    ledger.reject(BANK.public_key, "consent", "access", R, "permission_denied")


def test_a_grant_can_be_narrowed_later_but_not_widened() -> None:
    ledger = alice_ledger()
    scope_request(ledger, FULL_SCOPE)
    ledger.call(ALICE_KEY, "consent", "grant", R)
    access(ledger, record_id=SS_RECORD)
    result = ledger.call(
        ALICE_KEY,
        "consent",
        "narrow",
        {**R, "scope": json_arg([{"record_category": "social_security"}]), "max_uses": 2},
    )
    assert result.events[0].name == "consent.narrowed"
    record = ledger.query("consent", "get", R)
    assert (record["uses_left"], record["granted_uses"]) == (2, 3)
    ledger.reject(
        BANK.public_key, "consent", "access", {**R, "cert_id": DIPLOMA}, "permission_denied"
    )
    for widen in (
        {"max_uses": 3},
        {"scope": json_arg(FULL_SCOPE)},
        {"expires_at_ms": ledger.time_ms + 90 * DAY_MS},
        {},
    ):
        ledger.reject(ALICE_KEY, "consent", "narrow", {**R, **widen}, "invalid_argument")
    in_force = ledger.query("consent", "list_by_holder", {"holder": ALICE, "in_force": True})
    assert [r["request_id"] for r in in_force] == [REQ]
    ledger.time_ms += 31 * DAY_MS
    assert ledger.query("consent", "list_by_holder", {"holder": ALICE, "in_force": True}) == []


def test_a_type_scope_covers_only_the_holders_certificates() -> None:
    ledger = alice_ledger()
    scope_request(ledger, [{"cert_type": "diploma"}])
    assert ledger.query("consent", "get", R)["cert_type"] == "diploma"
    ledger.call(ALICE_KEY, "consent", "grant", R)
    access(ledger, cert_id=DIPLOMA, fields=json_arg(["major"]))
    ledger.reject(
        BANK.public_key, "consent", "access", {**R, "cert_id": BOB_DIPLOMA}, "permission_denied"
    )
    ledger.reject(
        BANK.public_key, "consent", "access", {**R, "cert_id": ID_CARD}, "permission_denied"
    )
    ledger.reject(
        NOTARY.public_key, "consent", "access", {**R, "cert_id": DIPLOMA}, "permission_denied"
    )


def test_subjects_of_a_scoped_request_name_its_certificates() -> None:
    args: dict[str, ArgValue] = {
        "request_id": REQ,
        "holder": ALICE,
        "scope": json_arg([{"cert_id": DIPLOMA}, {"cert_id": "ID-370102199003074528"}]),
    }
    assert subjects_of("consent", "request", args) == (ALICE, REQ, DIPLOMA)
