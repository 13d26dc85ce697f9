"""Certificates: the whole lifecycle, validity rules, selective disclosure, verification records."""

from __future__ import annotations

import dataclasses

import pytest

from contracts.certificates.commitments import (
    compute_document_hash,
    compute_document_hash_from_commitments,
    compute_field_commitments,
    derive_field_salt,
    encode_field_hashes,
    verify_disclosure,
)
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

CERT = "DIP-2012-000001"
SALT = support.salt_for("diploma")
FIELDS = support.ALICE_DIPLOMA_FIELDS
AMENDED_FIELDS = {**FIELDS, "degree": "工学硕士"}
C: dict[str, ArgValue] = {"cert_id": CERT}


def issue_with_commitments(ledger: support.Ledger, valid_until_ms: int = 0) -> dict[str, str]:
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    ledger.issue(
        support.UNIVERSITY,
        doc_hash=compute_document_hash("diploma", FIELDS, SALT, suite=ED25519_SHA256),
        field_hashes=encode_field_hashes(commitments),
        valid_until_ms=valid_until_ms,
    )
    return commitments


def status(
    ledger: support.Ledger, cert_id: str = CERT, now_ms: int | None = None
) -> dict[str, object]:
    record: dict[str, object] = ledger.query(
        "certificates", "status", {"cert_id": cert_id}, now_ms=now_ms
    )
    return record


# --- selective disclosure ------------------------------------------------------------------


def test_document_hash_is_the_hash_of_the_field_commitments() -> None:
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    assert set(commitments) == set(FIELDS)
    assert compute_document_hash_from_commitments("diploma", commitments, suite=ED25519_SHA256) == (
        compute_document_hash("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    )
    assert len(derive_field_salt(SALT, "degree", suite=ED25519_SHA256)) == 32
    assert derive_field_salt(SALT, "degree", suite=ED25519_SHA256) != derive_field_salt(
        SALT, "major", suite=ED25519_SHA256
    )


def test_a_disclosed_field_verifies_against_the_chain() -> None:
    ledger = support.Ledger()
    issue_with_commitments(ledger)
    on_chain = status(ledger)
    field_hashes = on_chain["field_hashes"]
    assert isinstance(field_hashes, dict)
    disclosed = {
        "degree": (FIELDS["degree"], derive_field_salt(SALT, "degree", suite=ED25519_SHA256)),
        "graduation_date": (
            FIELDS["graduation_date"],
            derive_field_salt(SALT, "graduation_date", suite=ED25519_SHA256),
        ),
    }
    assert verify_disclosure("diploma", field_hashes, disclosed, suite=ED25519_SHA256)
    assert verify_disclosure(
        "diploma", field_hashes, disclosed, doc_hash=str(on_chain["doc_hash"]), suite=ED25519_SHA256
    )


@pytest.mark.parametrize(
    "disclosed",
    [
        {
            "degree": ("工学博士", derive_field_salt(SALT, "degree", suite=ED25519_SHA256))
        },  # changed value
        {
            "degree": (FIELDS["degree"], derive_field_salt(SALT, "major", suite=ED25519_SHA256))
        },  # another field's salt
        {
            "degree": (
                FIELDS["degree"],
                derive_field_salt(support.salt_for("other"), "degree", suite=ED25519_SHA256),
            )
        },
        {"degree": (FIELDS["degree"], SALT[:16])},  # not a field salt
        {
            "nickname": ("小梅", derive_field_salt(SALT, "nickname", suite=ED25519_SHA256))
        },  # not a field of the type
        {},  # nothing disclosed
    ],
)
def test_a_wrong_disclosure_fails(disclosed: dict[str, tuple[str, bytes]]) -> None:
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    assert not verify_disclosure("diploma", commitments, disclosed, suite=ED25519_SHA256)


def test_disclosure_against_the_doc_hash_needs_matching_commitments() -> None:
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    doc_hash = compute_document_hash("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    disclosed = {"major": (FIELDS["major"], derive_field_salt(SALT, "major", suite=ED25519_SHA256))}
    assert verify_disclosure(
        "diploma", commitments, disclosed, doc_hash=doc_hash, suite=ED25519_SHA256
    )
    forged = {**commitments, "degree": "00" * 32}
    assert not verify_disclosure(
        "diploma", forged, disclosed, doc_hash=doc_hash, suite=ED25519_SHA256
    )
    assert not verify_disclosure("resident_id_card", commitments, disclosed, suite=ED25519_SHA256)
    # Commitments a holder hands over must hash to the chain's document hash: a partial set
    # does not (without doc_hash the commitments are the chain's own, complete at issuance).
    partial = {"major": commitments["major"]}
    assert not verify_disclosure(
        "diploma", partial, disclosed, doc_hash=doc_hash, suite=ED25519_SHA256
    )
    junk: object = {"major": "not a pair"}
    assert not verify_disclosure("diploma", commitments, junk, suite=ED25519_SHA256)  # type: ignore[arg-type]


def test_field_hashes_must_match_the_doc_hash() -> None:
    ledger = support.Ledger()
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    doc_hash = compute_document_hash("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    for bad in (
        encode_field_hashes({**commitments, "degree": "ab" * 32}),
        encode_field_hashes({k: v for k, v in commitments.items() if k != "degree"}),
        encode_field_hashes({**commitments, "extra": "ab" * 32}),
        "not json",
        "[]",
    ):
        ledger.reject(
            support.UNIVERSITY,
            "certificates.issue",
            support.issue_args(doc_hash=doc_hash, field_hashes=bad),
            "invalid_argument",
        )


def test_field_values_have_length_rules() -> None:
    long_major = {**FIELDS, "major": "计" * 201}
    with pytest.raises(ContractError) as info:
        compute_document_hash("diploma", long_major, SALT, suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"
    scope = "经营范围" * 400  # business scope may be long (2000 characters)
    fields = {f: "x" for f in ("unified_social_credit_code", "company_name", "company_type")}
    fields.update(
        {
            "legal_representative": "x",
            "registered_capital": "x",
            "establishment_date": "x",
            "business_term": "x",
            "business_scope": scope,
            "domicile": "x",
            "registration_authority": "x",
        }
    )
    compute_document_hash("business_licence", fields, SALT, suite=ED25519_SHA256)


# --- lifecycle -----------------------------------------------------------------------------


def test_renew_extends_validity() -> None:
    ledger = support.Ledger()
    until = support.T0_MS + 10 * support.DAY_MS
    ledger.issue_diploma(CERT, valid_until_ms=until)
    result = ledger.call(
        support.UNIVERSITY, "certificates.renew", {**C, "valid_until_ms": until + support.DAY_MS}
    )
    assert result.events[0].name == "certificate.renewed"
    assert dict(result.events[0].attrs)["old_valid_until_ms"] == until
    assert status(ledger, now_ms=until + 1)["status"] == "valid"
    for bad in (until, support.T0_MS):
        ledger.reject(
            support.UNIVERSITY,
            "certificates.renew",
            {**C, "valid_until_ms": bad},
            "invalid_argument",
        )
    # An expired certificate can still be renewed (延续).
    ledger.time_ms = until + 2 * support.DAY_MS
    assert status(ledger)["status"] == "expired"
    ledger.call(
        support.UNIVERSITY,
        "certificates.renew",
        {**C, "valid_until_ms": until + 400 * support.DAY_MS},
    )
    assert status(ledger)["status"] == "valid"


def test_renewing_a_certificate_without_expiry_is_a_failed_precondition() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.reject(
        support.UNIVERSITY,
        "certificates.renew",
        {**C, "valid_until_ms": support.T0_MS + support.DAY_MS},
        "failed_precondition",
    )


def test_amend_makes_a_new_version_and_keeps_the_old() -> None:
    ledger = support.Ledger()
    old = issue_with_commitments(ledger)
    new_salt = support.salt_for("diploma-v2")
    new_commitments = compute_field_commitments(
        "diploma", AMENDED_FIELDS, new_salt, suite=ED25519_SHA256
    )
    new_doc_hash = compute_document_hash("diploma", AMENDED_FIELDS, new_salt, suite=ED25519_SHA256)
    result = ledger.call(
        support.UNIVERSITY,
        "certificates.amend",
        {
            **C,
            "doc_hash": new_doc_hash,
            "field_hashes": encode_field_hashes(new_commitments),
            "reason": "学位信息更正 degree corrected",
        },
    )
    assert result.events[0].name == "certificate.amended"
    assert dict(result.events[0].attrs)["version"] == 2
    record = status(ledger)
    assert (record["version"], record["doc_hash"]) == (2, new_doc_hash)
    history = ledger.query("certificates", "history", C)
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["versions"][0]["field_hashes"] == old
    assert history["versions"][0]["amend_reason"] == "学位信息更正 degree corrected"
    # An old presentation still verifies against the old version; the new one against the new.
    disclosed = {
        "degree": (FIELDS["degree"], derive_field_salt(SALT, "degree", suite=ED25519_SHA256))
    }
    assert verify_disclosure(
        "diploma", history["versions"][0]["field_hashes"], disclosed, suite=ED25519_SHA256
    )
    assert not verify_disclosure("diploma", new_commitments, disclosed, suite=ED25519_SHA256)
    # The same document again is no amendment.
    ledger.reject(
        support.UNIVERSITY,
        "certificates.amend",
        {**C, "doc_hash": new_doc_hash, "reason": "again"},
        "invalid_argument",
    )


def test_suspend_reinstate_revoke() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    result = ledger.call(
        support.UNIVERSITY, "certificates.suspend", {**C, "reason": "学籍核查中 under review"}
    )
    assert result.events[0].name == "certificate.suspended"
    assert (status(ledger)["status"], status(ledger)["reason"]) == (
        "suspended",
        "学籍核查中 under review",
    )
    ledger.reject(
        support.UNIVERSITY, "certificates.suspend", {**C, "reason": "x"}, "failed_precondition"
    )
    ledger.call(support.UNIVERSITY, "certificates.reinstate", C)
    assert (status(ledger)["status"], status(ledger)["reason"]) == ("valid", "")
    ledger.reject(support.UNIVERSITY, "certificates.reinstate", C, "failed_precondition")
    ledger.call(support.UNIVERSITY, "certificates.suspend", {**C, "reason": "again"})
    ledger.call(support.UNIVERSITY, "certificates.revoke", {**C, "reason": "degree withdrawn"})
    assert status(ledger)["status"] == "revoked"
    for method, args in (
        ("reinstate", C),
        ("suspend", {**C, "reason": "x"}),
        ("renew", {**C, "valid_until_ms": support.T0_MS + support.DAY_MS}),
        ("amend", {**C, "doc_hash": "cd" * 32, "reason": "x"}),
    ):
        ledger.reject(support.UNIVERSITY, f"certificates.{method}", args, "failed_precondition")


def test_a_suspended_certificate_cannot_be_requested() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.call(support.UNIVERSITY, "certificates.suspend", {**C, "reason": "review"})
    ledger.reject(
        support.BANK,
        "consent.request",
        {
            "request_id": "REQ-0000001",
            "holder": support.ALICE,
            "cert_id": CERT,
            "purpose": "loan",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
        "failed_precondition",
    )


def test_reissue_supersedes_the_old_certificate() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    new_id = "DIP-2012-000001-R1"
    result = ledger.call(
        support.UNIVERSITY,
        "certificates.reissue",
        {
            **C,
            "new_cert_id": new_id,
            "doc_hash": compute_document_hash(
                "diploma", FIELDS, support.salt_for("reissued"), suite=ED25519_SHA256
            ),
            "valid_until_ms": 0,
            "reason": "证书遗失补发 lost, reissued",
        },
    )
    (event,) = result.events
    assert event.name == "certificate.reissued"
    assert event.subjects == (support.ALICE, new_id, CERT, support.UNIVERSITY.id)
    old = status(ledger)
    assert (old["status"], old["superseded_by"]) == ("superseded", new_id)
    new = status(ledger, new_id)
    assert (new["status"], new["supersedes"], new["holder"]) == ("valid", CERT, support.ALICE)
    listed = ledger.query("certificates", "list_by_holder", {"holder": support.ALICE})
    assert [c["cert_id"] for c in listed] == [CERT, new_id]
    ledger.reject(
        support.UNIVERSITY, "certificates.revoke", {**C, "reason": "x"}, "failed_precondition"
    )


def test_validity_rules_of_the_type() -> None:
    # A no-criminal-record proof (无犯罪记录证明) must expire, within 183 days.
    psb = dataclasses.replace(
        support.PSB, cert_types=(*support.PSB.cert_types, "no_criminal_record")
    )
    ledger = support.Ledger(
        tuple(psb if o.id == support.PSB.id else o for o in support.ORGANISATIONS)
    )
    args = support.issue_args(cert_id="NCR-2024-000001", cert_type="no_criminal_record")
    for bad in (0, ledger.time_ms + 200 * support.DAY_MS, ledger.time_ms):
        ledger.reject(
            support.PSB, "certificates.issue", {**args, "valid_until_ms": bad}, "invalid_argument"
        )
    ledger.call(
        support.PSB,
        "certificates.issue",
        {**args, "valid_until_ms": ledger.time_ms + 90 * support.DAY_MS},
    )


def test_issue_refuses_ids_that_look_personal() -> None:
    ledger = support.Ledger()
    for bad in ("ID-370102199003074528", "BL-91370100MA3C8ABC1X", "tel-13805310123"):
        ledger.reject(
            support.UNIVERSITY,
            "certificates.issue",
            support.issue_args(cert_id=bad),
            "invalid_argument",
        )


# --- who may do what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("renew", {**C, "valid_until_ms": support.T0_MS + 400 * support.DAY_MS}),
        ("amend", {**C, "doc_hash": "cd" * 32, "reason": "x"}),
        ("suspend", {**C, "reason": "x"}),
        ("revoke", {**C, "reason": "x"}),
        (
            "reissue",
            {
                **C,
                "new_cert_id": "DIP-NEW-0001",
                "doc_hash": "cd" * 32,
                "valid_until_ms": 0,
                "reason": "x",
            },
        ),
    ],
)
@pytest.mark.parametrize(
    "sender",
    [support.PSB.public_key, support.HRSS.public_key, support.BANK.public_key, support.ALICE_KEY],
)
def test_only_the_issuer_runs_the_lifecycle(
    method: str, args: dict[str, ArgValue], sender: bytes
) -> None:
    ledger = support.Ledger()
    ledger.issue_diploma(CERT, valid_until_ms=support.T0_MS + 10 * support.DAY_MS)
    ledger.reject(sender, f"certificates.{method}", args, "permission_denied")


# --- verification records ------------------------------------------------------------------


def test_verification_records_are_visible_to_holder_and_auditors() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    args: dict[str, ArgValue] = {
        **C,
        "verification_id": "VER-0000001",
        "result": "passed",
        "purpose": "窗口核验 counter check",
        "fields": '["degree", "graduation_date"]',
    }
    result = ledger.call(support.NOTARY, "certificates.record_verification", args)
    (event,) = result.events
    assert event.name == "certificate.verified"
    assert event.subjects == (support.ALICE, CERT, support.NOTARY.id, "VER-0000001")
    assert dict(event.attrs)["cert_status"] == "valid"
    assert dict(event.attrs)["fields"] == "degree,graduation_date"
    by_holder = ledger.query("certificates", "verifications", {"holder": support.ALICE})
    by_cert = ledger.query("certificates", "verifications", C)
    assert by_holder == by_cert
    assert by_cert[0]["verifier"] == support.NOTARY.id
    ledger.reject(support.NOTARY, "certificates.record_verification", args, "already_exists")
    for sender in (support.UNIVERSITY.public_key, support.ALICE_KEY):
        ledger.reject(
            sender,
            "certificates.record_verification",
            {**args, "verification_id": "VER-0000002"},
            "permission_denied",
        )
    for bad in ({"result": "maybe"}, {"fields": '["nickname"]'}, {"fields": "[]"}):
        ledger.reject(
            support.NOTARY,
            "certificates.record_verification",
            {**args, "verification_id": "VER-0000003", **bad},
            "invalid_argument",
        )
    with pytest.raises(ContractError):
        ledger.query("certificates", "verifications", {})
