"""Make decorated functions mutable: the decoration moves below the function.

mutmut 3.8.1 makes no mutant of a decorated function other than a static or class method
(a decorator runs at definition time, and its trampoline copy could run it twice). In the
contracts every transaction and query handler is decorated (`@transaction(...)`,
`@declared(...)`, `@query(...)`), so their bodies, the heart of each contract, were never
mutated. In the scratch copy of the module under test (never in the repository), this
rewrites

    @first(args)
    @second
    def handler(...): ...

into

    def handler(...): ...
    handler = first(args)(second(handler))

which is what the decorator syntax does, in the same order, and only once. The one
difference, that the decorator expressions are evaluated after the body is defined rather
than before, is invisible unless an expression names the function itself (none does; the
test on the real modules checks that the rewritten ones define the same names).
"""

from __future__ import annotations

import ast


def undecorate(source: str) -> str:
    """``source`` with every decorated top-level function rewritten as above."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # (first decorator, def line, end, added)
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.decorator_list:
            continue
        applied = node.name
        for decorator in reversed(node.decorator_list):
            expression = ast.get_source_segment(source, decorator)
            if expression is None:
                raise ValueError(f"no source for a decorator of {node.name}")
            applied = f"({expression})({applied})"
        first = min(d.lineno for d in node.decorator_list)
        def_line = node.lineno
        if node.end_lineno is None:
            raise ValueError(f"no end line for {node.name}")
        edits.append((first, def_line, node.end_lineno, f"{node.name} = {applied}\n"))
    for first, def_line, end, added in reversed(edits):
        lines[end:end] = [added]
        del lines[first - 1 : def_line - 1]
    return "".join(lines)
