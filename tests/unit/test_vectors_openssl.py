"""The wallet's signed-request layout is checkable without our Python: a shell script using
only OpenSSL and coreutils (tests/vectors/wallet_requests.sh) rebuilds the signed bytes of
docs/wallet-requests.md's vectors from the documented layout and verifies the signatures.
Here it runs on the real document, and on altered copies where it must fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "vectors" / "wallet_requests.sh"
DOC = ROOT / "docs" / "wallet-requests.md"

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("bash") is None,
    reason="needs the openssl and bash commands (Debian: openssl, bash)",
)


def run(doc: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), str(doc)], capture_output=True, text=True, timeout=60, check=False
    )


def test_openssl_verifies_every_documented_vector() -> None:
    result = run(DOC)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Verified OK") == 2
    assert "2 vectors checked" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("timestamp: 1767225600000", "timestamp: 1767225600001", "other bytes"),
        ("method: POST", "method: PUT", "other bytes"),
        ("signature: MEYCIQCa2", "signature: MEYCIQCb2", "Verification failure"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert old in text
    altered = tmp_path / "wallet-requests.md"
    altered.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run(altered)
    assert result.returncode != 0
    assert says in result.stdout + result.stderr
