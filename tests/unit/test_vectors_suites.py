"""The suites' documented vectors (docs/sm-suite.md, "The suite object") are checkable without
our Python: tests/vectors/suites.sh hashes with `openssl dgst -sm3` and sha256sum, verifies
the SM2 signatures with OpenSSL (the signer id as `distid`) and the Ed25519 one, and opens the
SM2-sealed document with `openssl pkeyutl -decrypt` and SM4-CTR. Here it runs on the real page
and on altered copies where it must fail; and our Python must agree with every block, so the
page cannot drift from the suites."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from suites import ED25519_SHA256, SM2_SM3, SealError, Sm2Sm3Suite, get_suite
from tests.unit.vectors_support import ROOT, fails_on_altered, needs_openssl, passes_on

SCRIPT = "suites.sh"
DOC = ROOT / "docs" / "sm-suite.md"


def block(name: str) -> dict[str, str]:
    found = re.search(rf"```{name}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found is not None, f"{DOC.name} has no {name} block"
    return dict(line.split(": ", 1) for line in found.group(1).strip().splitlines())


def hexed(vector: dict[str, str], key: str) -> bytes:
    return bytes.fromhex(vector[key])


@needs_openssl
def test_openssl_checks_every_documented_vector() -> None:
    printed = passes_on(SCRIPT, DOC)
    assert printed.count("Signature Verified Successfully") == 3
    assert "SM2 opens the SM4 key, SM4-CTR the body" in printed
    assert "7 vectors checked" in printed


@needs_openssl
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("sm3: 66c7f0f4", "sm3: 66c7f0f5", "SM3 gives"),
        ("sha256: 625b4149", "sha256: 625b414a", "SHA-256 gives"),
        ("signer_id: 1234567812345678", "signer_id: 1234567812345679", "Verification Failure"),
        ("signature: f5a03b06", "signature: f5a03b07", "Verification Failure"),
        ("message_hex: 6d65737361676520646967657374", "message_hex: 6d65737361676520", "Failure"),
        ("signature: c7b0745a", "signature: c7b0745b", "Verification Failure"),
        ("signature: 96599fe1", "signature: 96599fe2", "Verification Failure"),
        ("public_key: 0409f9df", "public_key: 0309f9df", "not 04 || x || y"),
        ("plaintext_hex: 7b226365", "plaintext_hex: 7b226366", "other bytes than plaintext"),
        ("private_key: 3945208f", "private_key: 3945208e", "gives public key"),
        ("sealed: 04333d91", "sealed: 04333d92", "sm2_decrypt"),  # C1 off the curve
        ("323f22332183", "323f22332184", "other bytes than plaintext"),  # the body
        ("```suite-sm2-sealed", "```suite-sm2-seal", "suite-sm2-sealed: not found"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    failed = fails_on_altered(SCRIPT, DOC, tmp_path, old, new)
    assert says in failed.stdout + failed.stderr


@pytest.mark.parametrize("n", [1, 2, 3])
def test_our_python_gives_the_documented_hashes(n: int) -> None:
    vector = block(f"suite-hash-{n}")
    message = hexed(vector, "message_hex")
    assert SM2_SM3.hash(message).hex() == vector["sm3"]
    assert ED25519_SHA256.hash(message).hex() == vector["sha256"]


@pytest.mark.parametrize("n", [1, 2])
def test_our_python_verifies_the_documented_sm2_signatures(n: int) -> None:
    vector = block(f"suite-sm2-signature-{n}")
    suite = Sm2Sm3Suite(signer_id=vector["signer_id"].encode())
    key, message = hexed(vector, "public_key"), hexed(vector, "message_hex")
    assert suite.verify(key, message, hexed(vector, "signature"))
    assert not Sm2Sm3Suite(signer_id=b"another id").verify(key, message, hexed(vector, "signature"))


def test_our_python_signs_exactly_the_documented_ed25519_bytes() -> None:
    vector = block("suite-ed25519-signature")
    seed = hexed(block("suite-ed25519-sealed"), "private_key")
    assert ED25519_SHA256.public_key_from_private(seed) == hexed(vector, "public_key")
    assert ED25519_SHA256.sign(seed, hexed(vector, "message_hex")) == hexed(vector, "signature")


@pytest.mark.parametrize(
    ("suite_name", "name"),
    [("sm2-sm3", "suite-sm2-sealed"), ("ed25519-sha256", "suite-ed25519-sealed")],
)
def test_our_python_opens_the_documented_sealed_documents(suite_name: str, name: str) -> None:
    vector, suite = block(name), get_suite(suite_name)
    sealed, aad = hexed(vector, "sealed"), hexed(vector, "aad_hex")
    opened = suite.open(hexed(vector, "private_key"), sealed, aad)
    assert opened == hexed(vector, "plaintext_hex")
    assert len(sealed) == len(opened) + suite.seal_overhead_bytes
    with pytest.raises(SealError):
        suite.open(hexed(vector, "private_key"), sealed, aad + b"!")
