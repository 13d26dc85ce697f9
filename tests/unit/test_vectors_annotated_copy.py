"""Annotated copies are checkable without our Python: tests/vectors/annotated_copy.sh rebuilds
docs/annotated-copies.md's vectors from the documented layout with printf, derives the holder
id with sha256sum and verifies the Ed25519 signatures with OpenSSL. Here it runs on the real
document and on altered copies where it must fail; and our Python must sign exactly the
documented bytes (Ed25519 signatures are deterministic), so the page cannot drift. Vectors 3
and 4 are layout v2 (with the purpose code), 1 and 2 layout v1 (copies released before)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from node.chain.crypto import KeyPair
from node.sdk.annotation import make_annotation
from tests.unit.vectors_support import ROOT, fails_on_altered, needs_openssl, passes_on

SCRIPT = "annotated_copy.sh"
DOC = ROOT / "docs" / "annotated-copies.md"


@needs_openssl
def test_openssl_verifies_every_documented_vector() -> None:
    printed = passes_on(SCRIPT, DOC)
    assert printed.count("Signature Verified Successfully") == 4
    assert "4 vectors checked" in printed


@needs_openssl
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("expires_at_ms: 1767225600001", "expires_at_ms: 1767225600009", "other bytes"),
        ("purpose: 开立个人账户", "purpose: 开立企业账户", "other bytes"),
        ("agency: bank", "agency: bank2", "other bytes"),
        ("holder: hd83a891f7", "holder: hd83a891f8", "gives holder"),
        ("signature: qJjf6", "signature: qJjf7", "Signature Verification Failure"),
        ("purpose_code: 002", "purpose_code: 005", "other bytes"),
        ("purpose_code: 099", "purpose_code: 99", "not 3 digits"),
        ("purpose: 助学贷款审核", "purpose: 助学贷款审批", "other bytes"),
        ("agency: jinan-social-security", "agency: jinan", "other bytes"),
        ("signature: ft4bc8", "signature: ft4bc9", "Signature Verification Failure"),
        ("\npurpose_code: 002\n", "\n", "other bytes"),
        ("```annotation-4", "```annotation-5", "annotation-4: not found"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    failed = fails_on_altered(SCRIPT, DOC, tmp_path, old, new)
    assert says in failed.stdout + failed.stderr


def _vectors() -> list[dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```annotation-\d\n(.*?)```", text, re.S)
    return [dict(line.split(": ", 1) for line in block.strip().splitlines()) for block in blocks]


def test_our_python_signs_exactly_the_documented_bytes() -> None:
    seed = re.search(r"Ed25519 seed `([0-9a-f]{64})`", DOC.read_text(encoding="utf-8"))
    assert seed is not None
    vectors = _vectors()
    assert [v.get("purpose_code") for v in vectors] == ["002", "099", None, None]
    for vector in vectors:
        made = make_annotation(
            KeyPair(bytes.fromhex(seed.group(1))),
            cert_id=vector["cert_id"],
            document_hash=vector["document_hash"],
            agency=vector["agency"],
            purpose=vector["purpose"],
            purpose_code=vector.get("purpose_code"),
            request_id=vector["request_id"],
            expires_at_ms=int(vector["expires_at_ms"]),
        )
        assert made == {"signed": vector["signed"], "signature": vector["signature"]}
