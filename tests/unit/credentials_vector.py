"""The fixed inputs of docs/credentials.md's test vectors, and the values our Python makes
from them (tests/unit/test_vectors_credentials.py compares them with the page)."""

from __future__ import annotations

from node.chain.credentials import encode_bitstring
from node.chain.crypto import KeyPair
from node.sdk.credentials import (
    CertificateClaims,
    IssuerKey,
    disclosure_digest,
    issue_sd_jwt,
    issue_vc_jwt,
    make_disclosure,
)

SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
"""RFC 8032's first Ed25519 test key (section 7.1, TEST 1)."""
KEY = IssuerKey("trustledger-vectors", "edu", KeyPair(bytes.fromhex(SEED_HEX)))
CLAIMS = CertificateClaims(
    cert_id="cert-vector-0001",
    cert_type="diploma",
    holder="hd0123456789abcdef0123456789abcdef012345",
    fields={"degree": "Master of Science", "major": "Statistics"},
    issued_at_s=1_767_225_600,
    valid_until_s=1_798_761_600,
    status_base_url="https://node.example",
    status_index=4242,
)
SALTS = {"degree": bytes(range(16)), "major": bytes(range(16, 32))}
SET_BITS = (0, 9, 4242, 131_071)


def vc_jws() -> str:
    return issue_vc_jwt(KEY, CLAIMS)


def sd_jwt() -> str:
    return issue_sd_jwt(KEY, CLAIMS, salts=SALTS)


def degree_disclosure() -> tuple[str, str]:
    d = make_disclosure(SALTS["degree"], "degree", CLAIMS.fields["degree"])
    return d, disclosure_digest(d)


def encoded_list() -> str:
    return encode_bitstring(SET_BITS)
