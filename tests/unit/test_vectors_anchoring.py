"""The anchoring receipt is checkable without our Python: a Node.js script with no package
(tests/vectors/anchor_receipt.mjs) recomputes docs/anchoring.md's vector from the documented
formulas. Here it runs on the real page and on altered copies where it must fail; and our
Python must make exactly the documented block, so the page cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from suites import SM2_SM3
from tests.unit import anchor_vector
from tests.unit.vectors_support import ROOT, fails_on_altered, needs_node, passes_on, vector_block

SCRIPT = "anchor_receipt.mjs"
DOC = ROOT / "docs" / "anchoring.md"


def test_our_python_makes_exactly_the_documented_vectors() -> None:
    assert vector_block(DOC, "anchor-vector") == anchor_vector.vector_text()
    assert vector_block(DOC, "anchor-vector-sm2-sm3") == anchor_vector.vector_text(SM2_SM3)


@needs_node
def test_node_js_checks_the_documented_vectors() -> None:
    said = passes_on(SCRIPT, DOC)
    assert "ed25519-sha256: fact 2 of 5: salted hash, path and root verified" in said
    assert "sm2-sm3: fact 2 of 5: salted hash, path and root verified" in said


SM_ROOT = anchor_vector.vector_text(SM2_SM3).split("root: ")[1][:8]


@needs_node
@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("fact: 7b22", "fact: 7b23", "the fact's salted hash is another"),
        ("salt: 03", "salt: 04", "the fact's salted hash is another"),
        ("index: 2", "index: 3", "the path does not lead to the root"),
        ("index: 2", "index: 5", "the index is outside the batch"),
        ("count: 5", "count: 4", "the path is longer than the tree is deep"),
        ("path: 4b", "path: 4c", "the path does not lead to the root"),
        ("leaf: 88", "leaf: 89", "the leaves do not make the root"),
        ("anchor_id: an", "anchor_id: am", "the anchor id is not 'an' + the root"),
        ("suite: ed25519-sha256", "suite: sm2-sm3", "the fact's salted hash is another"),
        ("suite: sm2-sm3", "suite: rot13", "unknown suite rot13"),
        (f"root: {SM_ROOT}", f"root: {SM_ROOT[:-1]}x", "the path does not lead to the root"),
    ],
)
def test_an_altered_vector_fails(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert says in fails_on_altered(SCRIPT, DOC, tmp_path, old, new).stdout


@needs_node
def test_a_path_cut_short_or_a_leaf_left_out_fails(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    last_path = [line for line in text.splitlines() if line.startswith("path: ")][-1]
    result = fails_on_altered(SCRIPT, DOC, tmp_path, last_path + "\n", "")
    assert "the path is shorter than the tree is deep" in result.stdout
    first_leaf = next(line for line in text.splitlines() if line.startswith("leaf: "))
    result = fails_on_altered(SCRIPT, DOC, tmp_path, first_leaf + "\n", "")
    assert "the leaves are not the batch's count" in result.stdout
