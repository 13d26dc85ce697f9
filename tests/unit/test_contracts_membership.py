"""The membership contract: genesis, lookups, principals."""

from __future__ import annotations

import dataclasses

import pytest

from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import Organisation, principal_of
from contracts.runtime import genesis_writes
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support


def test_genesis_writes_are_sorted_and_canonical() -> None:
    writes = genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256)
    assert list(writes) == sorted(writes)
    membership_writes = [
        k for k, _ in writes if k.startswith((b"membership/org/", b"membership/key/"))
    ]
    assert len(membership_writes) == 2 * len(support.ORGANISATIONS)
    assert genesis_writes(tuple(reversed(support.ORGANISATIONS)), suite=ED25519_SHA256) == writes
    assert (b"membership/key/" + support.PSB.public_key.hex().encode(), b'"jinan-psb"') in writes


def test_get_and_list() -> None:
    ledger = support.Ledger()
    assert ledger.query("membership", "get", {"org_id": "sdu"}) == {
        "id": "sdu",
        "name": "山东大学",
        "public_key": support.UNIVERSITY.public_key.hex(),
        "roles": ["issuer"],
        "cert_types": ["diploma"],
        "record_categories": [],
    }
    listed = ledger.query("membership", "list", {})
    assert [org["id"] for org in listed] == sorted(org.id for org in support.ORGANISATIONS)
    assert len(ledger.query("membership", "list", {"limit": 2})) == 2


def test_get_unknown_or_malformed() -> None:
    ledger = support.Ledger()
    with pytest.raises(ContractError) as info:
        ledger.query("membership", "get", {"org_id": "nobody"})
    assert info.value.code == "not_found"
    with pytest.raises(ContractError) as info:
        ledger.query("membership", "get", {"org_id": "Not An Id"})
    assert info.value.code == "invalid_argument"
    with pytest.raises(ContractError) as info:
        ledger.query("membership", "list", {"limit": 0})
    assert info.value.code == "invalid_argument"


def test_principal_of() -> None:
    state = MemoryState(genesis_writes(support.ORGANISATIONS, suite=ED25519_SHA256))
    assert principal_of(state, support.BANK.public_key) == support.BANK
    assert principal_of(state, support.AUDITOR.public_key) == support.AUDITOR
    assert principal_of(state, support.ALICE_KEY) is None
    assert principal_of(state, b"short") is None


def test_membership_has_no_transactions_yet() -> None:
    ledger = support.Ledger()
    ledger.reject(support.PSB, "membership.add", {"org_id": "new-org"}, "unknown_method")


@pytest.mark.parametrize(
    "change",
    [
        {"id": "Bad_Id"},
        {"id": "x"},
        {"name": ""},
        {"name": "x" * 101},
        {"public_key": b"\x01" * 31},
        {"roles": ()},
        {"roles": ("issuer", "issuer")},
        {"roles": ("king",)},
        {"roles": ["issuer"]},
        {"cert_types": ("passport",)},
        {"cert_types": ("diploma", "diploma")},
        {"cert_types": ["diploma"]},
        {"id": "13805310123"},  # shaped like an organisation id, but a mobile number
        {"name": 5},
        {"public_key": "k" * 32},  # text, not bytes
    ],
)
def test_genesis_rejects_malformed_organisations(change: dict[str, object]) -> None:
    bad = dataclasses.replace(support.UNIVERSITY, **change)  # type: ignore[arg-type]
    with pytest.raises(ContractError) as info:
        genesis_writes((support.PSB, bad), suite=ED25519_SHA256)
    assert info.value.code == "invalid_argument"


def test_genesis_rejects_duplicate_ids_and_keys() -> None:
    twin = Organisation(
        id="sdu", name="Other", public_key=support.key_of("other"), roles=("verifier",)
    )
    with pytest.raises(ContractError, match="twice"):
        genesis_writes((support.UNIVERSITY, twin), suite=ED25519_SHA256)
    same_key = dataclasses.replace(twin, id="other-org")
    same_key = dataclasses.replace(same_key, public_key=support.UNIVERSITY.public_key)
    with pytest.raises(ContractError, match="key"):
        genesis_writes((support.UNIVERSITY, same_key), suite=ED25519_SHA256)
