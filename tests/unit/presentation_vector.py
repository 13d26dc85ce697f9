"""The test vectors of docs/presentations.md, made from fixed inputs by our Python: the page's
blocks must equal what this makes (tests/unit/test_vectors_presentation.py), so the page
cannot drift from the code. `python -m tests.unit.presentation_vector` prints the Ed25519
block (deterministic), `python -m tests.unit.presentation_vector sm` a fresh SM block (SM2
signatures are randomised: the page keeps one, and the test checks that its signed bytes are
exactly what these inputs give and that its signature verifies)."""

from __future__ import annotations

import sys

from contracts.certificates.commitments import compute_field_commitment, derive_field_salt
from node.chain.crypto import KeyPair
from node.sdk.presentation import make_presentation, read_presentation
from suites import ED25519_SHA256, SM2_SM3, Suite
from tests.integration.helpers import DIPLOMA

HOLDER_SEED = bytes(range(1, 33))
DOCUMENT = {
    "cert_id": "cert-diploma-0001",
    "cert_type": "diploma",
    "salt": "5a" * 32,
    "fields": DIPLOMA,  # the diploma the integration tests issue (tests/integration/helpers.py)
}
SHOWN = ["university", "degree"]
NONCE = bytes.fromhex("00112233445566778899aabbccddeeff")
ISSUED_AT_MS = 1767225600000
TTL_MS = 180_000
VERIFIER = "bank"


def make_vector_presentation(suite: Suite) -> str:
    """The fixed inputs' presentation, signed by the holder's key of ``suite``."""
    return make_presentation(
        KeyPair(HOLDER_SEED, suite),
        DOCUMENT,
        SHOWN,
        nonce=NONCE,
        now_ms=ISSUED_AT_MS,
        verifier=VERIFIER,
        ttl_ms=TTL_MS,
    )


def vector_text() -> str:
    """The ``presentation-vector`` block (TLP1, ``ed25519-sha256``)."""
    return block_of(make_vector_presentation(ED25519_SHA256))


def sm_vector_text(text: str | None = None) -> str:
    """The ``presentation-vector-sm`` block (TLP2, ``sm2-sm3``) of ``text``, or of a fresh
    presentation; it names the suite and the SM3 holder id as well."""
    return block_of(text or make_vector_presentation(SM2_SM3), with_holder=True)


def block_of(text: str, *, with_holder: bool = False) -> str:
    p = read_presentation(text)
    salt = bytes.fromhex(str(DOCUMENT["salt"]))
    lines = [f"presentation: {text}"]
    if with_holder:
        lines += [f"suite: {p.suite.name}", f"holder: {p.holder}"]
    lines += [
        f"holder_public_key: {p.holder_public_key.hex()}",
        f"cert_id: {p.cert_id}",
        f"cert_type: {p.cert_type}",
        f"verifier: {p.verifier}",
        f"nonce: {p.nonce.hex()}",
        f"issued_at_ms: {p.issued_at_ms}",
        f"expires_at_ms: {p.expires_at_ms}",
    ]
    for name in SHOWN:
        field_salt = derive_field_salt(salt, name, suite=p.suite)
        value = str(DOCUMENT["fields"][name])  # type: ignore[index]
        commitment = compute_field_commitment(p.cert_type, name, field_salt, value, suite=p.suite)
        lines.append(f"field: {name} {field_salt.hex()} {commitment} {value}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(sm_vector_text() if sys.argv[1:] == ["sm"] else vector_text(), end="")
