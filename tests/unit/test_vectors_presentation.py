"""A presentation is checkable without our Python: a Node.js script with no package
(tests/vectors/presentation.mjs) reads docs/presentations.md's vector with the documented
layout, verifies the holder's signature and each field against its commitment. It runs on
the real page and on altered copies it must refuse; and our Python must make exactly the
documented vector (Ed25519 is deterministic), so the page cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.presentation_vector import vector_text
from tests.unit.vectors_support import (
    ROOT,
    fails_on_altered,
    needs_node,
    passes_on,
    vector_block,
)

SCRIPT = "presentation.mjs"
DOC = ROOT / "docs" / "presentations.md"


def test_our_python_makes_exactly_the_documented_vector() -> None:
    assert vector_block(DOC, "presentation-vector") == vector_text()


@needs_node
def test_node_js_checks_the_documented_vector() -> None:
    assert "signature and 2 fields verified" in passes_on(SCRIPT, DOC)


@needs_node
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("verifier: bank", "verifier: bonk", "another verifier"),
        ("expires_at_ms: 1767225780000", "expires_at_ms: 1767225780001", "another expires_at_ms"),
        ("nonce: 0011", "nonce: 0012", "another nonce"),
        ("Master of Science\n", "Master of Arts\n", "field 1 differs"),
        ("ef23f34b", "ef23f34c", "field degree does not match its commitment"),
        ("TLP1.dHJ1", "TLP1.dHJ2", "wrong domain"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert says in fails_on_altered(SCRIPT, DOC, tmp_path, old, new).stdout


@needs_node
def test_a_flipped_signature_byte_fails(tmp_path: Path) -> None:
    text = vector_text().splitlines()[0].removeprefix("presentation: ")
    last = text[-2]
    flipped = text[:-2] + ("A" if last != "A" else "B") + text[-1]
    assert "bad holder signature" in fails_on_altered(SCRIPT, DOC, tmp_path, text, flipped).stdout
