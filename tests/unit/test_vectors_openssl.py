"""The wallet's signed-request layout is checkable without our Python: a shell script using
only OpenSSL and coreutils (tests/vectors/wallet_requests.sh) rebuilds the signed bytes of
docs/wallet-requests.md's vectors from the documented layout and verifies the signatures.
Here it runs on the real document, and on altered copies where it must fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.vectors_support import ROOT, fails_on_altered, needs_openssl, passes_on

SCRIPT = "wallet_requests.sh"
DOC = ROOT / "docs" / "wallet-requests.md"
pytestmark = needs_openssl


def test_openssl_verifies_every_documented_vector() -> None:
    printed = passes_on(SCRIPT, DOC)
    assert printed.count("Verified OK") == 2
    assert "2 vectors checked" in printed


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("timestamp: 1767225600000", "timestamp: 1767225600001", "other bytes"),
        ("method: POST", "method: PUT", "other bytes"),
        ("signature: MEYCIQCa2", "signature: MEYCIQCb2", "Verification failure"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    failed = fails_on_altered(SCRIPT, DOC, tmp_path, old, new)
    assert says in failed.stdout + failed.stderr
