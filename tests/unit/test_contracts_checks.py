"""The checks several contracts' ``process_*`` functions share: a new record's id is free
(:func:`contracts.framework.checks.check_new`), the sender is a member with a role
(:func:`contracts.membership.organisations.get_member_with_role`), a field list argument
(:func:`contracts.consent.scope.get_fields`). Each is checked once here, and through every
transaction that uses it, with the refusal's exact words (they are what a caller reads).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from contracts.archives.records import CORRECTIONS, RECORDS
from contracts.certificates.records import CERTIFICATES, VERIFICATIONS
from contracts.consent import access, scope
from contracts.framework.checks import check_new
from contracts.framework.errors import ContractError
from contracts.framework.interface import ArgValue, CallContext
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import (
    ROLE_AUDITOR,
    ROLE_HOLDERS,
    ROLE_ISSUER,
    ROLE_REGISTRAR,
    ROLE_VERIFIER,
    Organisation,
    get_member_with_role,
)
from contracts.runtime import genesis_writes
from contracts.sharing import applications
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_attest import define_args

CERT = "DIP-2012-000001"

MakeArgs = Callable[[support.Ledger], dict[str, ArgValue]]
"""A transaction's arguments on a given ledger (its time sets expiries)."""


def test_check_new_passes_a_free_id_and_names_a_taken_one() -> None:
    state = MemoryState([(CERTIFICATES.key(CERT), b"{}")])
    assert check_new(state, CERTIFICATES, "DIP-2012-000002") is None
    with pytest.raises(ContractError) as refused:
        check_new(state, CERTIFICATES, CERT)
    assert (refused.value.code, refused.value.message) == (
        "already_exists",
        f"certificate {CERT} already exists",
    )


def test_check_new_looks_only_in_its_own_table() -> None:
    state = MemoryState([(RECORDS.key("SS-2024-000001"), b"{}")])
    assert check_new(state, CORRECTIONS, "SS-2024-000001") is None
    with pytest.raises(ContractError) as refused:
        check_new(state, RECORDS, "SS-2024-000001")
    assert refused.value.message == "archive record SS-2024-000001 already exists"


def _ctx(sender_key: bytes) -> CallContext:
    return CallContext(
        chain_id=support.CHAIN_ID,
        sender_key=sender_key,
        height=2,
        time_ms=support.T0_MS,
        tx_hash=hashlib.sha256(b"tx").digest(),
        suite=ED25519_SHA256,
    )


@pytest.mark.parametrize(
    ("role", "holder", "other"),
    [
        (ROLE_ISSUER, support.UNIVERSITY, support.BANK),
        (ROLE_VERIFIER, support.BANK, support.UNIVERSITY),
        (ROLE_REGISTRAR, support.CIVIL, support.PSB),
    ],
)
def test_member_with_role_is_the_sender_only_with_that_role(
    role: str, holder: Organisation, other: Organisation
) -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    assert get_member_with_role(state, _ctx(holder.public_key), role, "act") == holder
    for key in (other.public_key, support.ALICE_KEY, support.STRANGER_KEY):
        with pytest.raises(ContractError) as refused:
            get_member_with_role(state, _ctx(key), role, "act")
        assert (refused.value.code, refused.value.message) == (
            "permission_denied",
            f"only {ROLE_HOLDERS[role]} may act",
        )


def test_role_holders_are_worded_for_each_role_asked_for() -> None:
    assert dict(ROLE_HOLDERS) == {
        ROLE_ISSUER: "an issuing organisation",
        ROLE_VERIFIER: "a verifying organisation",
        ROLE_REGISTRAR: "a registrar organisation",
    }
    assert ROLE_AUDITOR not in ROLE_HOLDERS


def _verification_args() -> dict[str, ArgValue]:
    return {
        "cert_id": CERT,
        "verification_id": "VER-0000001",
        "result": "passed",
        "purpose": "开户",
        "purpose_code": "002",
    }


def _request_args(ledger: support.Ledger) -> dict[str, ArgValue]:
    return support.request_args("REQ-0000001", CERT, support.ALICE, 3, ledger.time_ms + 1000)


def _delegation_args(ledger: support.Ledger) -> dict[str, ArgValue]:
    return support.delegation_args(
        "DLG-GUARD-0001", "guardian", support.ALICE, support.GUARDIAN, ledger.time_ms + 1000
    )


@pytest.mark.parametrize(
    ("sender", "target", "make_args", "message"),
    [
        (
            support.BANK,
            "certificates.issue",
            lambda ledger: support.issue_args(cert_id="DIP-2012-000002"),
            "only an issuing organisation may issue",
        ),
        (
            support.UNIVERSITY,
            "certificates.record_verification",
            lambda ledger: _verification_args(),
            "only a verifying organisation may record a verification",
        ),
        (
            support.BANK,
            "attest.define_type",
            lambda ledger: define_args(),
            "only an issuing organisation may define an attestation type",
        ),
        (
            support.PSB,
            "delegation.register",
            _delegation_args,
            "only a registrar organisation may register a delegation",
        ),
        (
            support.UNIVERSITY,
            "consent.request",
            _request_args,
            "only a verifying organisation may request consent",
        ),
    ],
)
def test_each_transaction_needing_a_role_words_its_refusal(
    sender: Organisation, target: str, make_args: MakeArgs, message: str
) -> None:
    ledger = support.Ledger.with_diploma(CERT)
    error = ledger.reject(sender, target, make_args(ledger), "permission_denied")
    assert error.message == message


@pytest.mark.parametrize(
    ("target", "make_args", "message"),
    [
        (
            "certificates.issue",
            lambda ledger: support.issue_args(cert_id=CERT),
            f"certificate {CERT} already exists",
        ),
        (
            "consent.request",
            _request_args,
            "consent request REQ-0000001 already exists",
        ),
    ],
)
def test_a_taken_id_is_refused_in_the_tables_words(
    target: str, make_args: MakeArgs, message: str
) -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.request("REQ-0000001", CERT)
    sender = support.UNIVERSITY if target.startswith("certificates") else support.NOTARY
    error = ledger.reject(sender, target, make_args(ledger), "already_exists")
    assert error.message == message


def test_a_taken_verification_id_is_refused() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.call(support.BANK, "certificates.record_verification", _verification_args())
    error = ledger.reject(
        support.NOTARY, "certificates.record_verification", _verification_args(), "already_exists"
    )
    assert error.message == "verification VER-0000001 already exists"
    assert check_new(ledger.state, VERIFICATIONS, "VER-0000002") is None


def test_get_fields_reads_distinct_field_names_sorted() -> None:
    args = {"fields": '["name", "birth_date"]'}
    assert scope.get_fields(args, "fields") == ("birth_date", "name")
    for bad in ('["name", "name"]', "[]", '"name"', "[1]"):
        with pytest.raises(ContractError) as refused:
            scope.get_fields({"fields": bad}, "fields")
        assert refused.value.code == "invalid_argument"
        assert refused.value.message.startswith("fields: ")


def test_both_field_list_arguments_read_through_get_fields() -> None:
    for arg in (access.FIELDS, applications.FIELDS):
        assert arg.name == "fields"
        assert arg.read({"fields": '["b", "a"]'}, "fields") == ("a", "b")
