"""Tests that check something, and properties whose every example reaches a check.

A test passes for the right reason only if it checks an outcome: "nothing raised" lets a
removed check through (issue 19 found six such tests). A hypothesis property is weaker
than it looks when its examples end early: one state-proof round trip returned before its
assertion in all of 500 examples. So, counted with `ast` over tests/:

- every test function asserts, expects an exception (`pytest.raises` / `pytest.warns`), or
  calls one of the few reviewed helpers below that assert for it;
- a property (`@given`) never ends an example before its checks: no `return`, no
  `assume()`, no `contextlib.suppress`, no `except` that neither re-raises nor asserts, and
  at least one check that is not under an `if`. Generate usable inputs instead, and give
  invalid ones a property of their own; report branch shares with `hypothesis.event()`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ASSERTING_HELPERS: dict[str, tuple[str, str]] = {
    # name: (the file that defines it, what it asserts). Reviewed: keep this list short.
    "reject": ("tests/unit/test_contracts_support.py", "the refusal's code, state unchanged"),
    "check_malformed_call": ("tests/unit/test_contracts_support.py", "state unchanged"),
    "run_on_independent_states": (
        "tests/unit/test_contracts_support.py",
        "two runs on fresh states: the same outcomes, the same state",
    ),
    "_refused": ("tests/unit/test_contracts_screen.py", "the screen finds personal data"),
    "rejected_only": ("tests/unit/test_mutation_normal.py", "refused by name, nothing else"),
}
EXPECTING = frozenset({"raises", "warns"})
CHECKS = EXPECTING | ASSERTING_HELPERS.keys()
Function = ast.FunctionDef | ast.AsyncFunctionDef


def _called(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _is_check(node: ast.AST) -> bool:
    return isinstance(node, ast.Assert) or _called(node) in CHECKS


def _own_nodes(function: Function) -> Iterator[ast.AST]:
    """The function's nodes, not those of functions or classes defined inside it."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def _checks_on_every_path(statements: list[ast.stmt]) -> bool:
    """Some check runs whatever branch is taken: not under an `if`, `match` or handler
    (loop and `with` bodies count; a loop over nothing is what `event()` reports)."""
    for statement in statements:
        if isinstance(statement, ast.If | ast.Match | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(statement, ast.Try | ast.TryStar):
            if _checks_on_every_path(statement.body + statement.finalbody):
                return True
        elif isinstance(statement, ast.For | ast.AsyncFor | ast.While):
            if _checks_on_every_path(statement.body):
                return True
        elif isinstance(statement, ast.With | ast.AsyncWith):
            if any(_is_check(item.context_expr) for item in statement.items):
                return True
            if _checks_on_every_path(statement.body):
                return True
        elif any(_is_check(node) for node in ast.walk(statement)):
            return True
    return False


def _is_property(function: Function) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
        if name == "given":
            return True
    return False


def _early_exits(function: Function) -> list[str]:
    found = []
    for node in sorted(
        _own_nodes(function), key=lambda n: (getattr(n, "lineno", 0), type(n).__name__)
    ):
        if isinstance(node, ast.Return):
            found.append(f"return at line {node.lineno}")
        elif _called(node) in ("assume", "suppress"):
            found.append(f"{_called(node)}() at line {node.lineno}")
        elif isinstance(node, ast.ExceptHandler) and not any(
            isinstance(n, ast.Raise) or _is_check(n) for s in node.body for n in ast.walk(s)
        ):
            found.append(f"except without a check at line {node.lineno}")
    return found


def find_problems(source: str, name: str) -> list[str]:
    """What is wrong with the tests in one file's source, one line per problem."""
    problems = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        where = f"{name}:{node.lineno} {node.name}"
        if node.name.startswith("test") and not any(_is_check(n) for n in ast.walk(node)):
            problems.append(f"{where}: asserts nothing")
        if _is_property(node):
            problems.extend(f"{where}: ends examples early: {exit}" for exit in _early_exits(node))
            if not _checks_on_every_path(node.body):
                problems.append(f"{where}: no check runs on every example")
    return problems


def test_every_test_checks_an_outcome_and_every_property_example_reaches_a_check() -> None:
    problems = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        problems += find_problems(path.read_text(), str(path.relative_to(ROOT)))
    assert problems == []


@pytest.mark.parametrize("helper", sorted(ASSERTING_HELPERS))
def test_the_listed_helpers_assert(helper: str) -> None:
    path, _ = ASSERTING_HELPERS[helper]
    tree = ast.parse((ROOT / path).read_text())
    (definition,) = [
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == helper
    ]
    assert any(isinstance(n, ast.Assert) for n in ast.walk(definition))


SEEN = """
from hypothesis import given, assume


def test_runs_only() -> None:
    run()


def test_expects_a_refusal() -> None:
    with pytest.raises(ValueError):
        run()


def test_through_a_helper() -> None:
    ledger.reject(KEY, "consent.grant", {}, "not_found")


@given(st.binary())
def test_returns_early(raw) -> None:
    try:
        proof = decode(raw)
    except FormatError:
        return
    assert encode(proof) == raw


@given(st.binary())
def test_swallows(raw) -> None:
    try:
        decode(raw)
    except FormatError:
        pass
    assert True


@given(st.tuples(st.integers(), st.integers()))
def test_checks_only_under_an_if(pair) -> None:
    assume(pair[0] != 1)
    if pair[0] != pair[1]:
        assert f(pair[0]) != f(pair[1])


@settings(max_examples=5)
@given(st.lists(st.integers()))
def test_checks_in_a_loop(items) -> None:
    for item in items:
        assert f(item)
"""


def test_the_scan_sees_each_kind_of_problem() -> None:
    assert find_problems(SEEN, "t.py") == [
        "t.py:5 test_runs_only: asserts nothing",
        "t.py:19 test_returns_early: ends examples early: except without a check at line 22",
        "t.py:19 test_returns_early: ends examples early: return at line 23",
        "t.py:28 test_swallows: ends examples early: except without a check at line 31",
        "t.py:37 test_checks_only_under_an_if: ends examples early: assume() at line 38",
        "t.py:37 test_checks_only_under_an_if: no check runs on every example",
    ]
