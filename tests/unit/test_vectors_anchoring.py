"""The anchoring receipt is checkable without our Python: a Node.js script with no package
(tests/vectors/anchor_receipt.mjs) recomputes docs/anchoring.md's vector from the documented
formulas, and tests/unit/test_vectors_checkers.py runs it on the real page and on altered
copies where it must fail. Here our Python must make exactly the documented block, so the
page cannot drift from the code."""

from __future__ import annotations

from suites import SM2_SM3
from tests.unit import anchor_vector
from tests.unit.vectors_support import ROOT, vector_block

DOC = ROOT / "docs" / "anchoring.md"


def test_our_python_makes_exactly_the_documented_vectors() -> None:
    assert vector_block(DOC, "anchor-vector") == anchor_vector.vector_text()
    assert vector_block(DOC, "anchor-vector-sm2-sm3") == anchor_vector.vector_text(SM2_SM3)
