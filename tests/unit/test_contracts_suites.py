"""The contracts on each suite (issue 18): holder ids, field commitments, document hashes and
CA digests are the chain's hash; the keys a chain registers are its suite's. An
``ed25519-sha256`` chain computes exactly what it did before suites (SHA-256, checked here
against the formulas written out), an ``sm2-sm3`` chain the same with SM3."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from contracts.certificates.commitments import (
    DOCUMENT_DOMAIN,
    FIELD_COMMITMENT_DOMAIN,
    compute_document_hash,
    compute_field_commitment,
    compute_field_commitments,
    derive_field_salt,
    encode_field_hashes,
    verify_disclosure,
)
from contracts.framework.identity import HOLDER_ID_DOMAIN, holder_id_for
from contracts.membership import trust
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_governance import V
from tests.unit.test_contracts_membership_trust import PSB_CA

BOTH = pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
FIELDS = support.ALICE_DIPLOMA_FIELDS
SALT = support.salt_for("s")


def sm_key(name: str) -> bytes:
    """A fixed SM2 public key per name (the scalar a digest of it)."""
    return KeyPair(hashlib.sha256(b"sm-test-key/" + name.encode()).digest(), SM2_SM3).public_key


def sm_organisations() -> tuple[Organisation, ...]:
    """The test consortium with SM2 keys, as an ``sm2-sm3`` genesis holds it."""
    return tuple(dataclasses.replace(o, public_key=sm_key(o.id)) for o in support.ORGANISATIONS)


def test_an_ed25519_chain_hashes_exactly_as_before_suites() -> None:
    """The formulas of every chain made before issue 18, written out with SHA-256."""
    key = support.ALICE_KEY
    legacy_holder = "hd" + hashlib.sha256(HOLDER_ID_DOMAIN + key).hexdigest()[:40]
    assert holder_id_for(key, ED25519_SHA256) == legacy_holder
    assert trust.get_pem_digest(PSB_CA, ED25519_SHA256) == (
        hashlib.sha256(PSB_CA.encode("ascii")).hexdigest()
    )
    assert trust.get_pem_digest_attr(PSB_CA, ED25519_SHA256) == {
        "ca_sha256": hashlib.sha256(PSB_CA.encode("ascii")).hexdigest()
    }
    salt = derive_field_salt(SALT, "degree", suite=ED25519_SHA256)
    framed = b"".join(
        len(p).to_bytes(4, "big") + p
        for p in (b"diploma", b"degree", salt, FIELDS["degree"].encode("utf-8"))
    )
    assert compute_field_commitment(
        "diploma", "degree", salt, FIELDS["degree"], suite=ED25519_SHA256
    ) == (hashlib.sha256(FIELD_COMMITMENT_DOMAIN + framed).hexdigest())
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    listed = [[n, commitments[n]] for n in sorted(commitments)]
    body = support.canonical_json({"cert_type": "diploma", "fields": listed})
    assert compute_document_hash("diploma", FIELDS, SALT, suite=ED25519_SHA256) == (
        hashlib.sha256(DOCUMENT_DOMAIN + body).hexdigest()
    )


def test_an_sm_chain_hashes_with_sm3() -> None:
    key = sm_key("wallet/alice")
    assert holder_id_for(key, SM2_SM3) == "hd" + SM2_SM3.hash(HOLDER_ID_DOMAIN + key).hex()[:40]
    assert holder_id_for(key, SM2_SM3) != holder_id_for(key, ED25519_SHA256)
    assert trust.get_pem_digest_attr(PSB_CA, SM2_SM3) == {
        "ca_sm3": SM2_SM3.hash(PSB_CA.encode("ascii")).hex()
    }
    sm = compute_document_hash("diploma", FIELDS, SALT, suite=SM2_SM3)
    assert sm != compute_document_hash("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    assert len(sm) == 64


@BOTH
def test_a_disclosure_checks_with_the_suite_it_was_made_with(suite: Suite) -> None:
    other = SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=suite)
    doc_hash = compute_document_hash("diploma", FIELDS, SALT, suite=suite)
    disclosed = {"degree": (FIELDS["degree"], derive_field_salt(SALT, "degree", suite=suite))}
    assert verify_disclosure("diploma", commitments, disclosed, suite=suite, doc_hash=doc_hash)
    assert not verify_disclosure("diploma", commitments, disclosed, suite=other, doc_hash=doc_hash)
    other_salt = {"degree": (FIELDS["degree"], derive_field_salt(SALT, "degree", suite=other))}
    assert not verify_disclosure("diploma", commitments, other_salt, suite=suite)


def test_an_sm_chain_runs_issuance_consent_and_its_ca_with_sm2_keys_and_sm3() -> None:
    orgs = {o.id: o for o in sm_organisations()}
    ledger = support.Ledger(tuple(orgs.values()), SM2_SM3)
    alice_key = sm_key("wallet/alice")
    alice = holder_id_for(alice_key, SM2_SM3)
    university = orgs[support.UNIVERSITY.id]
    commitments = compute_field_commitments("diploma", FIELDS, SALT, suite=SM2_SM3)
    issue = {
        "cert_id": "DIP-2012-000001",
        "cert_type": "diploma",
        "holder": alice,
        "doc_hash": compute_document_hash("diploma", FIELDS, SALT, suite=SM2_SM3),
        "field_hashes": encode_field_hashes(commitments),
        "valid_until_ms": 0,
    }
    # SHA-256 commitments do not hash to an SM3 document hash: refused, nothing written.
    sha = compute_field_commitments("diploma", FIELDS, SALT, suite=ED25519_SHA256)
    error = ledger.reject(
        university,
        "certificates.issue",
        {**issue, "field_hashes": encode_field_hashes(sha)},
        "invalid_argument",
    )
    assert "do not hash to doc_hash" in error.message
    ledger.call(university, "certificates.issue", issue)
    status = ledger.query("certificates", "status", {"cert_id": "DIP-2012-000001"})
    assert status["holder"] == alice and status["field_hashes"] == commitments
    # The holder signs with her SM2 key: the contract names her by the SM3 holder id.
    bank = orgs[support.BANK.id]
    ledger.call(
        bank.public_key,
        "consent.request",
        support.request_args("REQ-0000001", "DIP-2012-000001", alice, 3, ledger.time_ms + 10**9),
    )
    granted = ledger.call(alice_key, "consent.grant", {"request_id": "REQ-0000001"})
    assert granted.events and alice in granted.events[0].subjects
    # Someone else's SM2 key is not Alice.
    ledger.reject(
        sm_key("nobody"), "consent.revoke", {"request_id": "REQ-0000001"}, "permission_denied"
    )
    # A CA set on an SM chain is named by its SM3 digest.
    result = ledger.call(orgs[support.PSB.id], "membership.set_ca", {"ca_certificate": PSB_CA})
    attrs = dict(result.events[0].attrs)
    assert attrs["ca_sm3"] == SM2_SM3.hash(PSB_CA.encode("ascii")).hex()
    assert "ca_sha256" not in attrs


def sm_ledger_with_validators() -> tuple[support.Ledger, dict[str, Organisation]]:
    """An ``sm2-sm3`` chain: the SM consortium and four SM2 genesis validators."""
    orgs = {o.id: o for o in sm_organisations()}
    ledger = support.Ledger(tuple(orgs.values()), SM2_SM3)
    validators = tuple(V(f"val-{i}", sm_key(f"validator/{i}")) for i in range(4))
    ledger.state = support.MemoryState(
        support.genesis_writes(tuple(orgs.values()), validators, suite=SM2_SM3)
    )
    return ledger, orgs


SM_REFUSED = "must be a sm2-sm3 public key (65 bytes)"


@pytest.mark.parametrize(
    "action",
    [
        {
            "action": "add_org",
            "org_id": "weihai-bigdata",
            "name": "威海市大数据中心",
            "roles": support.json_arg(["verifier"]),
        },
        {"action": "rotate_org_key", "org_id": support.NOTARY.id},
        {"action": "add_validator", "validator_id": "val-4", "operator": support.AUDITOR.id},
        {"action": "rotate_validator_key", "validator_id": "val-1"},
    ],
    ids=["add_org", "rotate_org_key", "add_validator", "rotate_validator_key"],
)
def test_an_sm_chain_registers_sm2_keys_only(action: dict[str, str]) -> None:
    ledger, orgs = sm_ledger_with_validators()
    psb = orgs[support.PSB.id]
    base = {"proposal_id": "PROP-KEY-0001", **action}
    for key, refused in (
        (support.key_of("ed25519-key"), SM_REFUSED),  # 32 bytes: the other suite's length
        (b"\x04" + b"\x01" * 64, "a point of its curve"),  # 65 bytes, off the curve
    ):
        error = ledger.reject(
            psb, "membership.propose", {**base, "public_key": key.hex()}, "invalid_argument"
        )
        assert refused in error.message
    result = ledger.call(psb, "membership.propose", {**base, "public_key": sm_key("new").hex()})
    assert result.events


def test_an_ed25519_chain_refuses_an_sm2_key_and_takes_any_32_bytes_as_before() -> None:
    ledger = support.Ledger()
    base = {
        "proposal_id": "PROP-KEY-0001",
        "action": "rotate_org_key",
        "org_id": support.NOTARY.id,
    }
    error = ledger.reject(
        support.PSB,
        "membership.propose",
        {**base, "public_key": sm_key("new").hex()},
        "invalid_argument",
    )
    assert "must be a ed25519-sha256 public key (32 bytes)" in error.message
    # Any 32 bytes, as every chain before suites took (its history replays the same).
    not_a_point = next(
        k
        for k in (support.key_of(f"n/{i}") for i in range(64))
        if not ED25519_SHA256.is_public_key(k)
    )
    result = ledger.call(
        support.PSB, "membership.propose", {**base, "public_key": not_a_point.hex()}
    )
    assert result.events
