"""Annotated copies are checkable without our Python: tests/vectors/annotated_copy.sh rebuilds
docs/annotated-copies.md's vectors from the documented layout with printf, derives the holder
id with sha256sum and verifies the Ed25519 signatures with OpenSSL;
tests/unit/test_vectors_checkers.py runs it on the real document and on altered copies where
it must fail. Here our Python must sign exactly the documented bytes (Ed25519 signatures are
deterministic), so the page cannot drift. Vectors 3 and 4 are layout v2 (with the purpose
code), 1 and 2 layout v1 (copies released before)."""

from __future__ import annotations

import re

from node.chain.crypto import KeyPair
from node.sdk.annotation import make_annotation
from tests.unit.vectors_support import ROOT, vector_record

DOC = ROOT / "docs" / "annotated-copies.md"


def test_our_python_signs_exactly_the_documented_bytes() -> None:
    seed = re.search(r"Ed25519 seed `([0-9a-f]{64})`", DOC.read_text(encoding="utf-8"))
    assert seed is not None
    vectors = [vector_record(DOC, f"annotation-{n}") for n in (1, 2, 3, 4)]
    assert [v.get("purpose_code") for v in vectors] == [None, None, "002", "099"]
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
