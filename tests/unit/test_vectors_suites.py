"""The suites' documented vectors (docs/sm-suite.md, "The suite object") are checkable without
our Python: tests/vectors/suites.sh hashes with `openssl dgst -sm3` and sha256sum, verifies
the SM2 signatures with OpenSSL (the signer id as `distid`) and the Ed25519 one, and opens the
SM2-sealed document with `openssl pkeyutl -decrypt` and SM4-CTR;
tests/unit/test_vectors_checkers.py runs it on the real page and on altered copies where it
must fail. Here our Python must agree with every block, so the page cannot drift from the
suites."""

from __future__ import annotations

import pytest

from suites import ED25519_SHA256, SM2_SM3, SealError, Sm2Sm3Suite, get_suite
from tests.unit.vectors_support import ROOT, vector_record

DOC = ROOT / "docs" / "sm-suite.md"


def hexed(vector: dict[str, str], key: str) -> bytes:
    return bytes.fromhex(vector[key])


@pytest.mark.parametrize("n", [1, 2, 3])
def test_our_python_gives_the_documented_hashes(n: int) -> None:
    vector = vector_record(DOC, f"suite-hash-{n}")
    message = hexed(vector, "message_hex")
    assert SM2_SM3.hash(message).hex() == vector["sm3"]
    assert ED25519_SHA256.hash(message).hex() == vector["sha256"]


@pytest.mark.parametrize("n", [1, 2])
def test_our_python_verifies_the_documented_sm2_signatures(n: int) -> None:
    vector = vector_record(DOC, f"suite-sm2-signature-{n}")
    suite = Sm2Sm3Suite(signer_id=vector["signer_id"].encode())
    key, message = hexed(vector, "public_key"), hexed(vector, "message_hex")
    assert suite.verify(key, message, hexed(vector, "signature"))
    assert not Sm2Sm3Suite(signer_id=b"another id").verify(key, message, hexed(vector, "signature"))


def test_our_python_signs_exactly_the_documented_ed25519_bytes() -> None:
    vector = vector_record(DOC, "suite-ed25519-signature")
    seed = hexed(vector_record(DOC, "suite-ed25519-sealed"), "private_key")
    assert ED25519_SHA256.public_key_from_private(seed) == hexed(vector, "public_key")
    assert ED25519_SHA256.sign(seed, hexed(vector, "message_hex")) == hexed(vector, "signature")


@pytest.mark.parametrize(
    ("suite_name", "name"),
    [("sm2-sm3", "suite-sm2-sealed"), ("ed25519-sha256", "suite-ed25519-sealed")],
)
def test_our_python_opens_the_documented_sealed_documents(suite_name: str, name: str) -> None:
    vector, suite = vector_record(DOC, name), get_suite(suite_name)
    sealed, aad = hexed(vector, "sealed"), hexed(vector, "aad_hex")
    opened = suite.open(hexed(vector, "private_key"), sealed, aad)
    assert opened == hexed(vector, "plaintext_hex")
    assert len(sealed) == len(opened) + suite.seal_overhead_bytes
    with pytest.raises(SealError):
        suite.open(hexed(vector, "private_key"), sealed, aad + b"!")
