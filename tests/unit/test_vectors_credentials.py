"""docs/credentials.md's test vectors hold without our Python: tests/vectors/credentials.sh
checks the key id, both Ed25519 signatures with OpenSSL, the disclosure digest with sha256sum
and the status list with gzip. tests/unit/test_vectors_checkers.py runs it on the page; here
it runs on copies with one value changed, which it must refuse, and our Python must make
exactly the documented values (Ed25519 signatures are deterministic), so the page cannot drift
from the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit import credentials_vector as v
from tests.unit.vectors_support import (
    ROOT,
    fails_on_altered,
    flipped,
    needs_openssl,
    vector_record,
)

SCRIPT = "credentials.sh"
DOC = ROOT / "docs" / "credentials.md"


def _field(block: str, name: str) -> str:
    return vector_record(DOC, block)[name]


@needs_openssl
@pytest.mark.parametrize(
    ("block", "name", "says"),
    [
        ("credential-vc", "jws", "Signature Verification Failure"),
        ("credential-sd", "jws", "Signature Verification Failure"),
        ("credential-sd", "digest", "digest is"),
        ("credential-key", "kid", "thumbprint gives"),
        ("credential-status", "set_bits", "bits set are"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, block: str, name: str, says: str) -> None:
    value = _field(block, name)
    if name == "jws":  # one character of the payload changed
        head, body, sig = value.split(".")
        altered = ".".join([head, flipped(body, len(body) // 2), sig])
    elif name == "set_bits":
        altered = value.replace("4242", "4243")
    else:
        altered = flipped(value, -1)
    failed = fails_on_altered(SCRIPT, DOC, tmp_path, f"{name}: {value}", f"{name}: {altered}")
    assert says in failed.stdout + failed.stderr


def test_our_python_makes_exactly_the_documented_values() -> None:
    disclosure, digest = v.degree_disclosure()
    assert _field("credential-key", "public_key") == v.KEY.keypair.public_key.hex()
    assert _field("credential-key", "kid") == v.KEY.kid
    assert _field("credential-vc", "jws") == v.vc_jws()
    assert _field("credential-sd", "jws") == v.sd_jwt().split("~")[0]
    assert (_field("credential-sd", "disclosure"), _field("credential-sd", "digest")) == (
        disclosure,
        digest,
    )
    assert _field("credential-status", "encoded_list") == v.encoded_list()
