"""A presentation is checkable without our Python: a Node.js script with no package
(tests/vectors/presentation.mjs; OpenSSL's command line for SM2) reads docs/presentations.md's
vectors (TLP1 of ``ed25519-sha256``, TLP2 of ``sm2-sm3``) with the documented layouts,
verifies the holder's signature, the SM holder id and each field against its commitment.
tests/unit/test_vectors_checkers.py runs it on the real page and on altered copies it must
refuse, here on copies with a signature byte changed; and our Python must make exactly the
documented Ed25519 vector (deterministic) and exactly the SM vector's signed bytes (SM2 signs
with a fresh nonce), so the page cannot drift from the code."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from node.sdk.presentation import read_presentation
from suites import SM2_SM3
from tests.unit.presentation_vector import make_vector_presentation, sm_vector_text, vector_text
from tests.unit.vectors_support import (
    ROOT,
    fails_on_altered,
    flipped,
    needs_node,
    needs_openssl,
    vector_block,
)

SCRIPT = "presentation.mjs"
DOC = ROOT / "docs" / "presentations.md"


def test_our_python_makes_exactly_the_documented_vector() -> None:
    assert vector_block(DOC, "presentation-vector") == vector_text()


def _signed_bytes(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text[5:] + "=" * (-len(text[5:]) % 4))
    return raw[: -SM2_SM3.signature_bytes]


def test_the_documented_sm_vector_is_what_our_python_signs_and_it_verifies() -> None:
    block = vector_block(DOC, "presentation-vector-sm")
    text = block.splitlines()[0].removeprefix("presentation: ")
    p = read_presentation(text)  # the SM2 signature verifies in our Python
    assert p.suite is SM2_SM3 and text.startswith("TLP2.")
    assert _signed_bytes(text) == _signed_bytes(make_vector_presentation(SM2_SM3))
    assert block == sm_vector_text(text)


@needs_node
@needs_openssl
@pytest.mark.parametrize("block", ["presentation-vector", "presentation-vector-sm"])
def test_a_flipped_signature_byte_fails(tmp_path: Path, block: str) -> None:
    text = vector_block(DOC, block).splitlines()[0].removeprefix("presentation: ")
    out = fails_on_altered(SCRIPT, DOC, tmp_path, text, flipped(text, -2)).stdout
    assert f"{block}: bad holder signature" in out
