"""Attestations off chain (node/sdk/attestations.py): the salted, domain-separated hashes an
issuer proposes and a source recomputes, on both suites; bad salts refused; an attestation's
status read from its stored record by the contract's own rule."""

from __future__ import annotations

import pytest

from node.sdk import attestations
from node.sdk.attestations import (
    DOCUMENT_DOMAIN,
    RECORD_DOMAIN,
    AttestationInputInvalid,
    compute_document_hash,
    compute_record_hash,
    get_status_at,
    new_salt,
)
from suites import ED25519_SHA256, SM2_SM3, Suite

SALT = "00112233445566778899aabbccddeeff"
RECORD = "户籍登记 环翠区 1 号".encode()


@pytest.mark.parametrize("suite", [ED25519_SHA256, SM2_SM3], ids=lambda s: s.name)
def test_hashes_are_the_suites_over_domain_salt_and_bytes(suite: Suite) -> None:
    salt = bytes.fromhex(SALT)
    assert (
        compute_record_hash(suite, SALT, RECORD) == suite.hash(RECORD_DOMAIN + salt + RECORD).hex()
    )
    assert compute_document_hash(suite, SALT, RECORD) == (
        suite.hash(DOCUMENT_DOMAIN + salt + RECORD).hex()
    )
    # A record hash is never a document hash, another salt or byte gives another hash.
    assert compute_record_hash(suite, SALT, RECORD) != compute_document_hash(suite, SALT, RECORD)
    assert compute_record_hash(suite, "ff" + SALT[2:], RECORD) != compute_record_hash(
        suite, SALT, RECORD
    )
    assert compute_record_hash(suite, SALT, RECORD + b" ") != compute_record_hash(
        suite, SALT, RECORD
    )
    assert len(compute_record_hash(suite, SALT, RECORD)) == 64


@pytest.mark.parametrize("salt", ["", "zz" * 16, "00" * 15, "0" * 33])
def test_a_salt_must_be_hex_of_sixteen_bytes_or_more(salt: str) -> None:
    with pytest.raises(AttestationInputInvalid):
        compute_record_hash(ED25519_SHA256, salt, RECORD)
    with pytest.raises(AttestationInputInvalid):
        compute_document_hash(ED25519_SHA256, salt, RECORD)


def test_fresh_salts_are_sixteen_random_bytes() -> None:
    first, second = new_salt(), new_salt()
    assert len(bytes.fromhex(first)) == attestations.SALT_BYTES == 16
    assert first != second
    assert compute_record_hash(ED25519_SHA256, "00" * 16, b"") != ""


def test_the_status_of_a_stored_record_follows_the_contract() -> None:
    record = {
        "attestation_id": "att-0000001",
        "type_id": "address_attestation",
        "issuer": "civil",
        "holder": "hd" + "1" * 40,
        "other_party": "",
        "doc_hash": "ab" * 32,
        "sources": [{"org": "psb", "record_hash": "cd" * 32, "answer": "", "height": 0}],
        "deadline_ms": 1000,
        "status": "awaiting_sources",
        "reason": "",
        "decided_by": "",
        "proposed_height": 3,
        "decided_height": 0,
    }
    assert get_status_at(record, 1000) == "awaiting_sources"
    assert get_status_at(record, 1001) == "timed_out"
    assert get_status_at({**record, "status": "issued"}, 1001) == "issued"
