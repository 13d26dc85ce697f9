"""Attestations off chain (issue 13, docs/attestations.md): the salted hashes an issuer
proposes and a source organisation recomputes from the record it holds.

The chain holds only digests. The issuer hashes the attestation document and, for each
source, the record it expects that source to hold, each with a fresh salt: the salt makes a
digest reveal nothing about a record one could guess (an address, a property number). The
issuer gives each source its salt off chain, with the attestation id; the source hashes the
record it holds with that salt and confirms the digest, and a different record gives a
different digest, which refuses the attestation. Each digest is domain-separated, so a record
hash can never be taken for a document hash, nor for a certificate's.
"""

from __future__ import annotations

import os
from typing import Any, Final

from contracts.attest.records import Attestation, compute_status
from suites import Suite

SALT_BYTES: Final = 16
"""Random bytes salting one document or record before it is hashed."""

RECORD_DOMAIN: Final = b"trustledger/attest/record\x00"
DOCUMENT_DOMAIN: Final = b"trustledger/attest/document\x00"


class AttestationInputInvalid(ValueError):
    """A salt that is not hex of at least :data:`SALT_BYTES` bytes."""


def new_salt() -> str:
    """A fresh salt, in hex."""
    return os.urandom(SALT_BYTES).hex()


def _salt_bytes(salt_hex: str) -> bytes:
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        raise AttestationInputInvalid("a salt must be hexadecimal") from None
    if len(salt) < SALT_BYTES:
        raise AttestationInputInvalid(f"a salt must be at least {SALT_BYTES} bytes")
    return salt


def compute_record_hash(suite: Suite, salt_hex: str, record: bytes) -> str:
    """The digest a source confirms: the chain's hash of the domain, the salt and the record's
    bytes exactly as held (no normalisation: a different byte is a different record)."""
    return suite.hash(RECORD_DOMAIN + _salt_bytes(salt_hex) + record).hex()


def compute_document_hash(suite: Suite, salt_hex: str, document: bytes) -> str:
    """The digest of the attestation document itself, as the chain holds it."""
    return suite.hash(DOCUMENT_DOMAIN + _salt_bytes(salt_hex) + document).hex()


def get_status_at(record: dict[str, Any], now_ms: int) -> str:
    """An attestation's status at ``now_ms`` from its stored record (proven state), by the
    contract's own rule: an open one past its deadline has timed out."""
    return compute_status(Attestation.from_json(record), now_ms)
