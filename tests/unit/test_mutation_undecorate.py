"""mutation/undecorate.py: decorated functions become mutable, and nothing else changes."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mutation.undecorate import undecorate

ROOT = Path(__file__).resolve().parents[2]

SOURCE = textwrap.dedent(
    """
    calls = []

    def tag(name):
        calls.append(("made", name))
        def wrap(function):
            calls.append(("applied", name, function.__name__))
            return lambda *a: (name, function(*a))
        return wrap

    @tag("outer")
    @tag(
        "inner",
    )
    def handler(x):
        return x + 1

    @tag("after")
    def later(x):
        return handler(x)

    def plain(x):
        return x
    """
)


def _run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<test>", "exec"), namespace)
    return namespace


def test_the_rewritten_source_decorates_the_same_way_once() -> None:
    before, after = _run(SOURCE), _run(undecorate(SOURCE))
    assert after["handler"](1) == before["handler"](1) == ("outer", ("inner", 2))
    assert after["later"](1) == before["later"](1)
    # Every decorator is applied once, innermost first, as the syntax does (the decorator
    # expressions are evaluated after the body now, which only reorders the "made" entries).
    applied = [c for c in after["calls"] if c[0] == "applied"]
    assert applied == [c for c in before["calls"] if c[0] == "applied"]
    assert sorted(after["calls"]) == sorted(before["calls"])


def test_no_decorated_function_is_left_and_the_others_are_untouched() -> None:
    rewritten = undecorate(SOURCE)
    functions = [n for n in ast.parse(rewritten).body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == ["tag", "handler", "later", "plain"]
    assert all(not f.decorator_list for f in functions)
    assert "def plain(x):\n    return x\n" in rewritten
    assert undecorate("def f():\n    return 1\n") == "def f():\n    return 1\n"


def _top_level_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


@pytest.mark.parametrize(
    "module",
    sorted(
        str(p.relative_to(ROOT))
        for folder in ("consensus", "contracts")
        for p in (ROOT / folder).rglob("*.py")
    ),
)
def test_every_core_module_keeps_its_names(module: str) -> None:
    source = (ROOT / module).read_text("utf-8")
    rewritten = undecorate(source)
    assert _top_level_names(rewritten) == _top_level_names(source)
    assert not any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.decorator_list
        for n in ast.parse(rewritten).body
    )
