"""Dependencies point one way, and this is where the rules are written down.

    cli, wallet, window  ->  node.sdk (+ node.chain, node.genesis, node.files; cli also
                            node.config)
    node         ->  consensus, contracts  ->  suites  ->  the standard library and a few
                                                          pure packages (and crypto libraries)

- consensus/ and contracts/ are pure: they import nothing of node/, wallet/, cli/ or proto/,
  and no module that does I/O, threads, sockets or reads the clock.
- suites/ (the chain's crypto suites) is pure in the same way and imports neither consensus/
  nor contracts/ (they import it); its one source of fresh randomness is suites/randomness.py.
- node/sdk/ is what agencies, the wallet and the CLI import: it imports no server code
  (node.ledger, node.transport, node.services, the driver, the runtime...).
- node/chain/ holds the formats both sides agree on; it imports no server code either.
- cli/, wallet/ and window/ (an agency's window service) import the node only through its
  public surface, never its internals; wallet/ and window/ import no other of the three
  (the CLI imports window.clerks, to make a devnet's clerk account).

Every import statement of every module is read with `ast` (imports inside functions too).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PURE_FORBIDDEN_TOPS = {
    "node",
    "wallet",
    "window",
    "cli",
    "proto",
    "asyncio",
    "socket",
    "threading",
    "time",
    "random",
    "os",
    "subprocess",
    "grpc",
    "plyvel",
    "pathlib",
    "datetime",
    "secrets",
}
"""What consensus/, contracts/ and suites/ may not import (I/O, clock, randomness, other
layers)."""

RANDOMNESS_MODULE = "suites/randomness.py"
"""The one module of the pure packages that draws fresh random bytes (`secrets`), for key
generation and sealing (suites/base.py says which calls)."""

NODE_PUBLIC = ("node.sdk", "node.chain", "node.genesis", "node.limits", "node.files")
"""The node's surface for clients: the SDK, the shared formats, the genesis document, and
the private-files checks (node/files.py: the wallet refuses exposed files as a node does)."""

CLIENT_SIDE_ALLOWED = {
    "cli": (*NODE_PUBLIC, "node.config"),  # `devnet` writes validators' configs
    "wallet": NODE_PUBLIC,
    "window": NODE_PUBLIC,
}
FORBIDDEN_SIBLINGS = {
    "cli": ("wallet",),
    "wallet": ("cli", "window"),
    "window": ("cli", "wallet"),
}
"""Which of the client-side packages may not import which."""

SERVER_ONLY = (
    "node.ledger",
    "node.transport",
    "node.services",
    "node.driver",
    "node.runtime",
    "node.admission",
    "node.blocks",
    "node.catchup",
    "node.validators",
    "node.mempool",
    "node.metrics",
    "node.config",
)


def imports_of(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in a file; `from . import x` is resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from node import limits` imports node.limits
                yield node.lineno, f"{module}.{alias.name}"


def is_within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(folder: str, bad: Callable[[str], bool], root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for line, module in imports_of(path, root):
            if bad(module):
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("folder", ["consensus", "contracts", "suites"])
def test_the_core_is_pure(folder: str) -> None:
    found = violations(folder, lambda m: m.split(".")[0] in PURE_FORBIDDEN_TOPS)
    drawing = f"{RANDOMNESS_MODULE}:"
    assert [f for f in found if not (f.startswith(drawing) and f.endswith("imports secrets"))] == []


def test_the_suites_sit_below_consensus_and_contracts() -> None:
    assert violations("suites", lambda m: m.split(".")[0] in {"consensus", "contracts"}) == []


def test_only_the_randomness_module_draws_randomness() -> None:
    found = violations("suites", lambda m: m.split(".")[0] in PURE_FORBIDDEN_TOPS)
    assert [f.split(":")[0] for f in found] == [RANDOMNESS_MODULE]


@pytest.mark.parametrize("folder", ["node/sdk", "node/chain"])
def test_client_side_code_imports_no_server_code(folder: str) -> None:
    assert violations(folder, lambda m: is_within(m, SERVER_ONLY)) == []


@pytest.mark.parametrize("folder", ["cli", "wallet", "window"])
def test_clients_use_the_public_surface_only(folder: str) -> None:
    allowed = CLIENT_SIDE_ALLOWED[folder]

    def bad(module: str) -> bool:
        if module.split(".")[0] in FORBIDDEN_SIBLINGS[folder]:
            return True
        if module == "node" or not module.startswith("node."):
            return False
        return not is_within(module, allowed)

    assert violations(folder, bad) == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The rules above would fail on a forbidden import (guards against a checker that
    reads nothing): every form of import statement is seen."""
    sample = tmp_path / "node" / "sdk" / "probe.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "import node.ledger.store\n"
        "from node.transport import peers\n"
        "from node import runtime\n"
        "import json\n"
        "def f():\n    from ..services import ledger\n"
    )
    found = violations("node/sdk", lambda m: is_within(m, SERVER_ONLY), root=tmp_path)
    assert {int(f.split(":")[1].split()[0]) for f in found} == {1, 2, 3, 6}
