"""A presentation is checkable without our Python: a Node.js script with no package
(tests/vectors/presentation.mjs; OpenSSL's command line for SM2) reads docs/presentations.md's
vectors (TLP1 of ``ed25519-sha256``, TLP2 of ``sm2-sm3``) with the documented layouts,
verifies the holder's signature, the SM holder id and each field against its commitment. It
runs on the real page and on altered copies it must refuse; and our Python must make exactly
the documented Ed25519 vector (deterministic) and exactly the SM vector's signed bytes (SM2
signs with a fresh nonce), so the page cannot drift from the code."""

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
    needs_node,
    needs_openssl,
    passes_on,
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
def test_node_js_checks_the_documented_vectors() -> None:
    out = passes_on(SCRIPT, DOC)
    assert "ed25519-sha256 presentation of cert-diploma-0001" in out
    assert "sm2-sm3 presentation of cert-diploma-0001" in out
    assert out.count("signature and 2 fields verified") == 2


@needs_node
@needs_openssl
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("verifier: bank", "verifier: bonk", "another verifier"),
        ("expires_at_ms: 1767225780000", "expires_at_ms: 1767225780001", "another expires_at_ms"),
        ("nonce: 0011", "nonce: 0012", "another nonce"),
        ("Master of Science\n", "Master of Arts\n", "field 1 differs"),
        ("ef23f34b", "ef23f34c", "field degree does not match its commitment"),
        ("TLP1.dHJ1", "TLP1.dHJ2", "wrong domain"),
        # the SM block (its lines come after the Ed25519 block's)
        ("TLP2.dHJ1", "TLP2.dHJ2", "presentation-vector-sm: wrong domain"),
        (
            "TLP2.dHJ1c3RsZWRnZXIvcHJlc2VudGF0aW9uL3YyAAdzbTI",
            "TLP2.dHJ1c3RsZWRnZXIvcHJlc2VudGF0aW9uL3YyAAdzbTM",
            "unknown suite sm3-sm3",
        ),
        ("suite: sm2-sm3", "suite: sm2-sm4", "the signed bytes name another suite"),
        ("holder: hd8404", "holder: hd8405", "the holder key gives holder id hd8404"),
        ("holder_public_key: 0446", "holder_public_key: 0447", "another holder key"),
        ("f456ed1c", "f456ed1d", "field university does not match its commitment"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert says in fails_on_altered(SCRIPT, DOC, tmp_path, old, new).stdout


@needs_node
@needs_openssl
@pytest.mark.parametrize("block", ["presentation-vector", "presentation-vector-sm"])
def test_a_flipped_signature_byte_fails(tmp_path: Path, block: str) -> None:
    text = vector_block(DOC, block).splitlines()[0].removeprefix("presentation: ")
    last = text[-2]
    flipped = text[:-2] + ("A" if last != "A" else "B") + text[-1]
    out = fails_on_altered(SCRIPT, DOC, tmp_path, text, flipped).stdout
    assert f"{block}: bad holder signature" in out
