"""No god objects: a class over ~400 lines is a design bug (docs/architecture.md), so the
limit is checked rather than remembered. Counted with `ast`, docstrings included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLASS_LINES_MAX = 400
FOLDERS = ("node", "consensus", "contracts", "wallet", "cli")


def long_classes(folder: Path, root: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > CLASS_LINES_MAX:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name}: {lines}")
    return found


@pytest.mark.parametrize("folder", FOLDERS)
def test_no_class_is_over_the_limit(folder: str) -> None:
    assert long_classes(ROOT / folder, ROOT) == []


def test_a_long_class_is_seen(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(CLASS_LINES_MAX))
    (tmp_path / "big.py").write_text(f"class Big:\n{body}\n\n\nclass Small:\n    pass\n")
    assert long_classes(tmp_path, tmp_path) == [f"big.py:1 Big: {CLASS_LINES_MAX + 1}"]
