"""The docs stay true as the code moves: the README stays a front door, links lead
somewhere, and the modules that docs/architecture.md names exist.

A renamed or moved module makes the last test fail with the paths to fix, which is the
point: the walk of a transaction through the code is only useful while it names real files.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"

README_LINES_MAX = 150
"""The issue's bound: what TrustLedger is, the two commands, one picture, where to read next."""

TOP_LEVEL_FOLDERS = (
    "bench",
    "cli",
    "consensus",
    "contracts",
    "docker",
    "docs",
    "node",
    "proto",
    "tests",
    "wallet",
)
"""A backticked word starting with one of these and a slash is a repository path."""

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_REPO_PATH = re.compile(
    r"(?:" + "|".join(TOP_LEVEL_FOLDERS) + r")/(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]*"
)


def doc_pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def get_relative_links(text: str) -> list[str]:
    """Link targets that point into the repository (not URLs, not in-page anchors), without
    their `#fragment`. Links inside fenced code blocks are not links."""
    targets = []
    for match in _LINK.finditer(_FENCE.sub("", text)):
        target = match.group(1)
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        targets.append(target.split("#", 1)[0])
    return targets


def get_repository_paths(text: str) -> list[str]:
    """Every code span (outside fenced blocks) that is exactly a repository path such as
    `node/driver.py` or `node/ledger/`; spans with spaces, placeholders or arguments are
    commands or examples, not paths."""
    paths = []
    for match in _CODE_SPAN.finditer(_FENCE.sub("", text)):
        span = match.group(1).strip()
        if _REPO_PATH.fullmatch(span):
            paths.append(span)
    return paths


def test_readme_is_a_front_door() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES_MAX, (
        f"README.md has {len(lines)} lines; keep it within {README_LINES_MAX} and move "
        "detail into docs/"
    )


def test_the_doc_pages_exist() -> None:
    expected = {
        "architecture.md",
        "operators.md",
        "agencies.md",
        "auditors.md",
        "citizens.md",
        "benchmarks.md",
        "security.md",
    }
    assert expected <= {p.name for p in DOCS.glob("*.md")}
    for name in ("CONTRIBUTING.md", "LICENSE"):
        assert (ROOT / name).is_file(), name


def test_relative_links_point_to_existing_files() -> None:
    broken = []
    checked = 0
    for page in doc_pages():
        for target in get_relative_links(page.read_text(encoding="utf-8")):
            checked += 1
            if not target or not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert checked > 0, "no relative links found: the link pattern is broken"
    assert not broken, "broken links:\n  " + "\n  ".join(broken)


def test_paths_named_in_architecture_exist() -> None:
    paths = sorted(set(get_repository_paths(ARCHITECTURE.read_text(encoding="utf-8"))))
    assert len(paths) >= 20, f"only {len(paths)} paths found: the path pattern is broken"
    missing = [p for p in paths if not (ROOT / p).exists()]
    if missing:
        print("docs/architecture.md names paths that do not exist:")
        for p in missing:
            print(f"  {p}")
    assert not missing, (
        f"{len(missing)} of {len(paths)} paths named in docs/architecture.md do not exist:\n  "
        + "\n  ".join(missing)
    )


def test_the_checks_see_what_they_should() -> None:
    """The helpers find links and paths, and skip URLs, anchors, commands and code blocks."""
    text = (
        "See [a](docs/a.md#x), [b](https://example.org), [c](#here) and `node/driver.py`,\n"
        "`node/ledger/`, `python -m node --config node.json`, `cert-…`, `node.sdk`.\n"
        "```\n[d](not/a/link.md) `node/in_a_block.py`\n```\n"
    )
    assert get_relative_links(text) == ["docs/a.md"]
    assert get_repository_paths(text) == ["node/driver.py", "node/ledger/"]
