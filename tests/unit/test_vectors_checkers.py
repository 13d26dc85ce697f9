"""Every documented vector is checkable without our Python: each checker of tests/vectors/ (a
shell script with OpenSSL and coreutils, or a Node.js script with no package) rebuilds its
page's vectors from the documented layouts. Here each runs on its page, where it must print
exactly what tests/vectors/checkers.toml says, and on every altered copy the table lists,
which it must refuse, saying why. The copies altered from the page's own values (a randomised
SM2 vote, a line cut) and the checks that our Python makes exactly each page stand beside the
page's other tests, in tests/unit/test_vectors_<page>.py."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.unit.vectors_support import ROOT, fails_on_altered, needs_node, needs_openssl, passes_on

VECTORS = ROOT / "tests" / "vectors"
CHECKERS: dict[str, dict[str, Any]] = tomllib.loads(
    (VECTORS / "checkers.toml").read_text(encoding="utf-8")
)
SHARED = {"lib.sh", "vector_blocks.mjs"}  # sourced or imported by the checkers, not run
NEEDS = {"node": needs_node, "openssl": needs_openssl}


def _needs(script: str) -> list[pytest.MarkDecorator]:
    return [NEEDS[command] for command in CHECKERS[script]["needs"]]


def test_every_checker_has_its_entry_in_the_table() -> None:
    scripts = {p.name for p in VECTORS.iterdir() if p.suffix in {".sh", ".mjs"}} - SHARED
    assert set(CHECKERS) == scripts
    assert all((ROOT / checker["page"]).is_file() for checker in CHECKERS.values())


@pytest.mark.parametrize("script", [pytest.param(s, marks=_needs(s)) for s in CHECKERS])
def test_a_checker_prints_exactly_its_entry_on_its_page(script: str) -> None:
    checker = CHECKERS[script]
    assert passes_on(script, ROOT / checker["page"]) == checker["prints"]


@pytest.mark.parametrize(
    ("script", "old", "new", "says"),
    [
        pytest.param(script, *row, marks=_needs(script))
        for script, checker in CHECKERS.items()
        for row in checker.get("refuses", [])
    ],
)
def test_a_checker_refuses_each_altered_copy_of_its_entry(
    tmp_path: Path, script: str, old: str, new: str, says: str
) -> None:
    failed = fails_on_altered(script, ROOT / CHECKERS[script]["page"], tmp_path, old, new)
    # A Node.js checker says why on stdout (stderr would hold a crash); a shell checker's own
    # lines are on stdout and OpenSSL's on stderr.
    said = failed.stdout if script.endswith(".mjs") else failed.stdout + failed.stderr
    assert says in said
