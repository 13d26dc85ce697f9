"""The certificates contract: catalogue, issue, revoke, status and listing."""

from __future__ import annotations

import dataclasses
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.certificates.commitments import compute_document_hash
from contracts.certificates.records import Certificate
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.framework.interface import Event
from contracts.runtime import ArgValue
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

# --- catalogue and document hashes ---------------------------------------------------------


def test_catalogue_has_the_realistic_types() -> None:
    assert set(CERTIFICATE_TYPES) == {
        "resident_id_card",
        "business_licence",
        "diploma",
        "driving_licence",
        "food_business_permit",
        "disability_certificate",
        "marriage_certificate",
        "real_estate_certificate",
        "social_security_card",
        "medical_practitioner_licence",
        "no_criminal_record",
        "birth_medical_certificate",
        "teacher_qualification",
        "public_place_health_permit",
    }
    diploma = CERTIFICATE_TYPES["diploma"]
    assert diploma.name_zh == "高校学历"
    # The test data names the fields in the catalogue's order (the order they are hashed in).
    assert diploma.fields == tuple(support.ALICE_DIPLOMA_FIELDS)
    assert CERTIFICATE_TYPES["business_licence"].name_zh == "营业执照"


def test_types_query_lists_the_catalogue() -> None:
    types = support.Ledger().query("certificates", "types", {})
    assert [t["id"] for t in types] == sorted(CERTIFICATE_TYPES)
    assert types[0]["fields"] == list(CERTIFICATE_TYPES[types[0]["id"]].fields)


def test_document_hash_depends_on_salt_and_every_field() -> None:
    base = compute_document_hash(
        "diploma", support.ALICE_DIPLOMA_FIELDS, support.salt_for("a"), suite=ED25519_SHA256
    )
    assert len(base) == 64
    assert base == compute_document_hash(
        "diploma", dict(support.ALICE_DIPLOMA_FIELDS), support.salt_for("a"), suite=ED25519_SHA256
    )
    assert base != compute_document_hash(
        "diploma", support.ALICE_DIPLOMA_FIELDS, support.salt_for("b"), suite=ED25519_SHA256
    )
    changed = {**support.ALICE_DIPLOMA_FIELDS, "major": "数学"}
    assert base != compute_document_hash(
        "diploma", changed, support.salt_for("a"), suite=ED25519_SHA256
    )


@pytest.mark.parametrize(
    ("cert_type", "fields", "salt"),
    [
        ("passport", support.ALICE_DIPLOMA_FIELDS, b"s" * 16),
        ("diploma", {**support.ALICE_DIPLOMA_FIELDS, "extra": "x"}, b"s" * 16),
        ("diploma", {"holder_name": "x"}, b"s" * 16),
        ("diploma", support.ALICE_DIPLOMA_FIELDS, b"s" * 15),
    ],
)
def test_document_hash_rejects_bad_documents(
    cert_type: str, fields: dict[str, str], salt: bytes
) -> None:
    with pytest.raises(ContractError) as info:
        compute_document_hash(cert_type, fields, salt, suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"


# --- issue ---------------------------------------------------------------------------------


def test_issue_stores_the_record_and_indexes_it() -> None:
    ledger = support.Ledger()
    height = ledger.height
    tx_hash = ledger.ctx(support.UNIVERSITY.public_key).tx_hash
    result = ledger.issue_diploma("DIP-2012-000001")
    assert result.events == (
        Event(
            name="certificate.issued",
            subjects=(support.ALICE, "DIP-2012-000001", "sdu"),
            attrs=(
                ("cert_type", "diploma"),
                (
                    "doc_hash",
                    support.doc_hash("diploma", support.ALICE_DIPLOMA_FIELDS, "DIP-2012-000001"),
                ),
                ("issuer", "sdu"),
                ("valid_until_ms", 0),
            ),
        ),
    )
    assert [key for key, _ in result.writes] == [
        b"certificates/by_holder/" + support.ALICE.encode() + b"/DIP-2012-000001",
        b"certificates/cert/DIP-2012-000001",
    ]
    assert ledger.query("certificates", "status", {"cert_id": "DIP-2012-000001"}) == {
        "cert_id": "DIP-2012-000001",
        "cert_type": "diploma",
        "issuer": "sdu",
        "holder": support.ALICE,
        "doc_hash": support.doc_hash("diploma", support.ALICE_DIPLOMA_FIELDS, "DIP-2012-000001"),
        "valid_until_ms": 0,
        "status": "valid",
        "issued_height": height,
        "issued_tx": tx_hash.hex(),
        "status_height": height,
        "reason": "",
        "version": 1,
        "field_hashes": {},
        "version_height": height,
        "supersedes": "",
        "superseded_by": "",
        "updated_height": height,
    }


def test_issuer_with_several_roles_and_types() -> None:
    ledger = support.Ledger()
    ledger.issue(
        support.AMR, cert_id="BL-91370100MA3C", cert_type="business_licence", holder=support.BOB
    )
    assert ledger.query("certificates", "status", {"cert_id": "BL-91370100MA3C"})["issuer"] == (
        "jinan-amr"
    )


@pytest.mark.parametrize(
    ("sender", "overrides", "code"),
    [
        # Not an organisation / not an issuer.
        (support.ALICE_KEY, {}, "permission_denied"),
        (support.STRANGER_KEY, {}, "permission_denied"),
        (support.BANK.public_key, {}, "permission_denied"),
        (support.AUDITOR.public_key, {}, "permission_denied"),
        # An issuer, but not of this type.
        (support.PSB.public_key, {}, "permission_denied"),
        (support.UNIVERSITY.public_key, {"cert_type": "resident_id_card"}, "permission_denied"),
        # Malformed arguments.
        (support.UNIVERSITY.public_key, {"cert_id": "short"}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"cert_id": "x" * 97}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"cert_id": "DIP/2012/0001"}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"cert_id": 12345678}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"cert_type": "passport"}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"holder": "张晓梅"}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"holder": support.ALICE.upper()}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"doc_hash": "AB" * 32}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"doc_hash": "ab" * 31}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"doc_hash": b"\xab" * 32}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"valid_until_ms": -1}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"valid_until_ms": 2**63}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"valid_until_ms": True}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"valid_until_ms": "0"}, "invalid_argument"),
        (support.UNIVERSITY.public_key, {"unexpected": "x"}, "invalid_argument"),
    ],
)
def test_issue_rejections_leave_state_unchanged(
    sender: bytes, overrides: dict[str, ArgValue], code: str
) -> None:
    ledger = support.Ledger()
    ledger.reject(sender, "certificates.issue", support.issue_args(**overrides), code)


def test_issue_rejects_missing_arguments() -> None:
    ledger = support.Ledger()
    args = support.issue_args()
    del args["doc_hash"]
    error = ledger.reject(support.UNIVERSITY, "certificates.issue", args, "invalid_argument")
    assert "doc_hash" in error.message


def test_issue_rejects_duplicate_cert_id_even_from_another_issuer() -> None:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000001")
    ledger.reject(support.UNIVERSITY, "certificates.issue", support.issue_args(), "already_exists")
    ledger.reject(
        support.PSB,
        "certificates.issue",
        support.issue_args(cert_type="resident_id_card", holder=support.BOB),
        "already_exists",
    )


# --- revoke --------------------------------------------------------------------------------


def test_revoke_by_issuer() -> None:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000001")
    height = ledger.height
    result = ledger.call(
        support.UNIVERSITY,
        "certificates.revoke",
        {"cert_id": "DIP-2012-000001", "reason": "学位授予被撤销 degree withdrawn"},
    )
    assert result.events[0].name == "certificate.revoked"
    assert result.events[0].subjects == (support.ALICE, "DIP-2012-000001", "sdu")
    status = ledger.query("certificates", "status", {"cert_id": "DIP-2012-000001"})
    assert status["status"] == "revoked"
    assert status["status_height"] == height
    assert status["reason"] == "学位授予被撤销 degree withdrawn"


@pytest.mark.parametrize(
    ("sender", "args", "code"),
    [
        (support.UNIVERSITY.public_key, {"cert_id": "DIP-2099-999999", "reason": "x"}, "not_found"),
        (
            support.PSB.public_key,
            {"cert_id": "DIP-2012-000001", "reason": "x"},
            "permission_denied",
        ),
        (support.ALICE_KEY, {"cert_id": "DIP-2012-000001", "reason": "x"}, "permission_denied"),
        (
            support.UNIVERSITY.public_key,
            {"cert_id": "DIP-2012-000001", "reason": ""},
            "invalid_argument",
        ),
        (
            support.UNIVERSITY.public_key,
            {"cert_id": "DIP-2012-000001", "reason": "r" * 201},
            "invalid_argument",
        ),
        (
            support.UNIVERSITY.public_key,
            {"cert_id": "DIP-2012-000001", "reason": "holder 370102199003074528 asked"},
            "invalid_argument",
        ),
        (support.UNIVERSITY.public_key, {"cert_id": "DIP-2012-000001"}, "invalid_argument"),
    ],
)
def test_revoke_rejections(sender: bytes, args: dict[str, ArgValue], code: str) -> None:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000001")
    error = ledger.reject(sender, "certificates.revoke", args, code)
    assert "370102199003074528" not in error.message


def test_revoke_twice_is_a_failed_precondition() -> None:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000001")
    args: dict[str, ArgValue] = {"cert_id": "DIP-2012-000001", "reason": "error in record"}
    ledger.call(support.UNIVERSITY, "certificates.revoke", args)
    ledger.reject(support.UNIVERSITY, "certificates.revoke", args, "failed_precondition")


# --- status and listing --------------------------------------------------------------------


def test_status_expires_and_revocation_wins() -> None:
    ledger = support.Ledger()
    until = support.T0_MS + 10 * support.DAY_MS
    ledger.issue_diploma("DIP-2012-000001", valid_until_ms=until)
    args: dict[str, ArgValue] = {"cert_id": "DIP-2012-000001"}
    assert ledger.query("certificates", "status", args, now_ms=until)["status"] == "valid"
    assert ledger.query("certificates", "status", args, now_ms=until + 1)["status"] == "expired"
    ledger.call(support.UNIVERSITY, "certificates.revoke", {**args, "reason": "issued in error"})
    assert ledger.query("certificates", "status", args, now_ms=until + 1)["status"] == "revoked"


def test_status_of_unknown_certificate_is_not_found() -> None:
    with pytest.raises(ContractError) as info:
        support.Ledger().query("certificates", "status", {"cert_id": "DIP-2099-999999"})
    assert info.value.code == "not_found"


def test_list_by_holder() -> None:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000002")
    ledger.issue_diploma("DIP-2012-000001")
    ledger.issue_diploma("DIP-2012-000003", holder=support.BOB)
    ledger.issue_id_card("ID-370102-0001", valid_until_ms=support.T0_MS + 3650 * support.DAY_MS)
    listed = ledger.query("certificates", "list_by_holder", {"holder": support.ALICE})
    assert [c["cert_id"] for c in listed] == [
        "DIP-2012-000001",
        "DIP-2012-000002",
        "ID-370102-0001",
    ]
    assert all(c["status"] == "valid" for c in listed)
    limited = ledger.query("certificates", "list_by_holder", {"holder": support.ALICE, "limit": 1})
    assert [c["cert_id"] for c in limited] == ["DIP-2012-000001"]
    assert ledger.query("certificates", "list_by_holder", {"holder": "hd" + "0" * 40}) == []
    with pytest.raises(ContractError) as info:
        ledger.query("certificates", "list_by_holder", {"holder": support.ALICE, "limit": 1001})
    assert info.value.code == "invalid_argument"


# --- the stored encoding of a record ------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_INT = st.integers(min_value=0, max_value=2**63)


_BY_TYPE: dict[object, st.SearchStrategy[object]] = {
    str: _TEXT,
    int: _INT,
    dict[str, str]: st.dictionaries(_TEXT, _TEXT, max_size=4),
}


def _any_record(record_type: type) -> st.SearchStrategy[object]:
    """Records with every declared field drawn by its type (a new field is covered too)."""
    hints = typing.get_type_hints(record_type)
    fields = dataclasses.fields(record_type)
    return st.builds(record_type, **{f.name: _BY_TYPE[hints[f.name]] for f in fields})


@given(cert=_any_record(Certificate))
@settings(max_examples=300, deadline=None)
def test_certificate_encoding_is_the_canonical_json_of_the_record(cert: Certificate) -> None:
    """The written-out encoding (every issue's record) gives the generic encoder's bytes,
    also for quotes, backslashes, control characters and non-ASCII text."""
    assert cert.encode() == canonical_json(cert.to_json())


@pytest.mark.parametrize(
    "changes",
    [
        {"valid_until_ms": True},  # a bool is JSON true, not 1
        {"version": False},
        {"reason": None},
        {"field_hashes": []},
        {"field_hashes": {"b": 1, "a": [True, None]}},
        {"issued_height": -(2**70)},
    ],
)
def test_certificate_encoding_of_unexpected_values_is_still_canonical(
    changes: dict[str, object],
) -> None:
    cert = dataclasses.replace(support.distinct_certificate(), **changes)  # type: ignore[arg-type]
    assert cert.encode() == canonical_json(cert.to_json())
