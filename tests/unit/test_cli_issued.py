"""The issuer's register of the documents it issued (cli/issued.py): sealed to the
organisation's own key, private files, one record per certificate that no other stands in
for; what `cert renew` re-signs credentials from (tests/integration/test_credentials.py)."""

from __future__ import annotations

import json
from pathlib import Path

from cli.issued import keep_issued, load_issued, record_path
from node.chain.crypto import KeyPair
from suites import ED25519_SHA256

EDU = KeyPair(bytes([9]) * 32)
DOC = {
    "cert_id": "DIP-2012-000001",
    "cert_type": "diploma",
    "fields": {"degree": "硕士"},
    "salt": "ab" * 16,
}


def test_a_kept_document_opens_only_for_its_organisation_and_certificate(tmp_path: Path) -> None:
    keep_issued(tmp_path, "edu", EDU, ED25519_SHA256, DOC)
    path = record_path(tmp_path, "edu", DOC["cert_id"])
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert "硕士".encode() not in path.read_bytes() and b"ab" * 16 not in path.read_bytes()
    assert load_issued(tmp_path, "edu", EDU, ED25519_SHA256, DOC["cert_id"]) == DOC

    other = KeyPair(bytes([8]) * 32)
    assert load_issued(tmp_path, "edu", other, ED25519_SHA256, DOC["cert_id"]) is None
    assert load_issued(tmp_path, "edu", EDU, ED25519_SHA256, "DIP-2012-000002") is None
    # a record copied over another certificate's does not open as that one
    moved = record_path(tmp_path, "edu", "DIP-2012-000002")
    moved.write_text(path.read_text())
    assert load_issued(tmp_path, "edu", EDU, ED25519_SHA256, "DIP-2012-000002") is None
    moved.write_text(json.dumps({"cert_id": "x", "sealed": "zz"}))
    assert load_issued(tmp_path, "edu", EDU, ED25519_SHA256, "DIP-2012-000002") is None


def test_a_new_version_replaces_the_record(tmp_path: Path) -> None:
    keep_issued(tmp_path, "edu", EDU, ED25519_SHA256, DOC)
    amended = {**DOC, "fields": {"degree": "博士"}}
    keep_issued(tmp_path, "edu", EDU, ED25519_SHA256, amended)
    assert load_issued(tmp_path, "edu", EDU, ED25519_SHA256, DOC["cert_id"]) == amended
    assert [p.name for p in (tmp_path / "issued" / "edu").iterdir()] == [f"{DOC['cert_id']}.json"]
