"""`make mutate`'s own pieces (mutation/): the cache clearing, the message-only patterns and
the committed lists. The full proof that the clearing makes mutants fresh runs mutmut itself
(`python -m mutation.run --selftest`, docs/mutation.md), too slow for `make test`."""

from __future__ import annotations

import ast
import functools
import re
import tomllib
from pathlib import Path

import pytest

from mutation import run
from mutation.pytest_plugin import clear_function_caches

ROOT = Path(__file__).resolve().parents[2]


def test_clear_function_caches_empties_a_filled_cache() -> None:
    calls: list[int] = []

    @functools.cache
    def prepared(x: int) -> int:
        calls.append(x)
        return x * 2

    assert prepared(3) == 6
    assert prepared(3) == 6
    assert calls == [3]
    assert clear_function_caches() >= 1
    assert prepared.cache_info().currsize == 0
    assert prepared(3) == 6
    assert calls == [3, 3]


def _message_only(line: str) -> bool:
    return any(re.search(p, line) for p in run.MESSAGE_ONLY_PATTERNS)


@pytest.mark.parametrize(
    "line",
    [
        '        raise ValueError("validators must be sorted by id")',
        '        raise ValueError(f"validator {v.id!r}: public key must be 32 bytes")',
        "        raise InvalidCertificate(problem)",
        '        return "bad signature"',
        '            return None, "re-proposal payload does not match its digest"',
        '        return f"digest is not {DIGEST_BYTES} bytes"',
    ],
)
def test_message_lines_are_left_out(line: str) -> None:
    assert _message_only(line)


@pytest.mark.parametrize(
    "line",
    [
        '        return "preprepare"',  # a kind returned as data
        '        raise ContractError(UNKNOWN_METHOD, "no such contract")',  # carries a code
        "        return None",
        '        problem = "bad signature"',
        "        raise InvalidCertificate(problem, code)",
        '        return None, "x", 3',
    ],
)
def test_lines_with_behaviour_are_mutated(line: str) -> None:
    assert not _message_only(line)


def test_every_listed_module_and_test_file_exists() -> None:
    modules = tomllib.loads((ROOT / "mutation" / "modules.toml").read_text("utf-8"))["modules"]
    assert modules
    for module, entry in modules.items():
        assert (ROOT / module).is_file(), module
        assert entry["tests"], module
        for test in entry["tests"]:
            assert (ROOT / test).is_file(), test


def test_equivalent_entries_name_listed_modules_and_give_reasons() -> None:
    modules = run.load_modules()
    for entry in run.load_equivalents():
        assert entry.module in modules
        assert "__mutmut_" in entry.mutant
        assert len(entry.reason.split()) >= 4, entry


def test_multi_line_raises_left_out_hold_only_message_strings() -> None:
    """A `raise X(` line makes mutmut skip the whole call, so no code, kind or number may be
    among its arguments: every line up to the closing bracket must be a string literal."""
    opener = re.compile(run.MESSAGE_ONLY_PATTERNS[1])
    literal = re.compile(r'^\s*[rf]?"[^"]*"\s*$')
    checked = 0
    for package in ("consensus", "contracts", "node"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text("utf-8").splitlines()
            for i, line in enumerate(lines):
                if not opener.search(line):
                    continue
                checked += 1
                j = i + 1
                while lines[j].strip() not in (")", ") from None") and not lines[
                    j
                ].strip().startswith(") from "):
                    assert literal.match(lines[j]), f"{path}:{j + 1}: {lines[j].strip()}"
                    j += 1
    assert checked > 0


def test_hypothesis_runs_derandomized_without_a_database_under_mutation(
    pytestconfig: pytest.Config,
) -> None:
    from hypothesis import settings

    from mutation import pytest_plugin

    try:
        pytest_plugin.pytest_configure(pytestconfig)
        assert settings.default.derandomize is True
        assert settings.default.database is None
    finally:
        settings.load_profile("default")
    assert settings.default.derandomize is False


def test_log_lines_left_out_hold_only_text_and_plain_values() -> None:
    """A `log.warning(` line makes mutmut skip the whole call, so its arguments may only be
    text and the values it shows (names, attributes, literals, arithmetic, len/max/min,
    .hex()): nothing whose mutation could change what the code does."""
    opener = re.compile(run.MESSAGE_ONLY_PATTERNS[2])
    assert opener.search('        log.warning("x %d", n)')
    assert not opener.search('        self.log.append("x")')
    plain = (
        ast.Constant,
        ast.Name,
        ast.Attribute,
        ast.BinOp,
        ast.UnaryOp,
        ast.operator,
        ast.unaryop,
        ast.Load,
        ast.Call,
        ast.keyword,
        ast.JoinedStr,
        ast.FormattedValue,
    )
    checked = 0
    for module in run.load_modules():  # the modules mutated, so the ones the pattern affects
        source = (ROOT / module).read_text("utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call) or not opener.search(lines[node.lineno - 1]):
                continue
            if lines[node.lineno - 1].strip().split("(")[0] != ast.unparse(node.func):
                continue  # another call starting on the log line's own line
            checked += 1
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for part in ast.walk(arg):
                    where = f"{module}:{node.lineno}: {ast.unparse(arg)}"
                    assert isinstance(part, plain), where
                    if isinstance(part, ast.Call):
                        name = ast.unparse(part.func)
                        assert name in ("len", "max", "min") or name.endswith(".hex"), where
    assert checked > 0


def _entry(mutant: str, line: str, reason: str) -> run.Equivalent:
    return run.Equivalent("consensus/x.py", mutant, line, reason)


def test_sort_survivors_counts_listed_message_only_apart_from_equivalents() -> None:
    diffs = {
        "consensus.x.f__mutmut_1": "-    a = 1\n+    a = 2\n",
        "consensus.x.f__mutmut_2": '-    name = "a"\n+    name = "XXaXX"\n',
        "consensus.x.f__mutmut_3": "-    b = 1\n+    b = 0\n",
        "consensus.x.f__mutmut_4": "-    c = 1\n+    c = 5\n",
    }
    listed = [
        _entry("f__mutmut_1", "a = 2", "the value is overwritten before any read"),
        _entry("f__mutmut_2", 'name = "XXaXX"', "message-only: labels an error's text"),
        _entry("f__mutmut_4", "c = 4", "a stale entry: its line changed"),
        _entry("f__mutmut_9", "d = 1", "killed since"),
        run.Equivalent("consensus/y.py", "f__mutmut_3", "b = 0", "another module's entry"),
    ]
    out = run.sort_survivors(
        "consensus/x.py", dict.fromkeys(diffs, "survived"), listed, diffs.__getitem__
    )
    assert (out.equivalent, out.message_only) == (1, 1)
    assert [r.splitlines()[0] for r in out.report] == [
        "# f__mutmut_3: survived",
        "# f__mutmut_4: survived",
    ]
    assert len(out.warnings) == 2
    assert "STALE" in out.warnings[0] and "f__mutmut_4" in out.warnings[0]
    assert "f__mutmut_9" in out.warnings[1]


def test_writing_the_table_keeps_other_rows_and_the_record_of_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "mutation.md"
    page.write_text(
        "intro\n"
        f"{run.TABLE_START}\n"
        "| module | mutants | killed | survived | equivalent | message-only (left out) "
        "| score | wall time |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| `consensus/a.py` | 10 | 9 | 1 | 0 | 0 | 90.0 % | 5 s |\n"
        "| `consensus/b.py` | 4 | 4 | 0 | 0 | 0 | 100.0 % | 3 s |\n"
        "\n"
        "An earlier run, described.\n"
        f"{run.TABLE_END}\n"
        "notes\n",
        "utf-8",
    )
    monkeypatch.setattr(run, "TABLE_FILE", page)
    row = run.Row("consensus/a.py", 10, 10, 0, 0, 0, 7.0)
    run.write_table([row], "make mutate MODULE=consensus/a.py", 8.0)
    text = page.read_text("utf-8")
    assert "| `consensus/a.py` | 10 | 10 | 0 | 0 | 0 | 100.0 % | 7 s |" in text
    assert "| `consensus/b.py` | 4 | 4 | 0 | 0 | 0 | 100.0 % | 3 s |" in text
    assert "90.0 %" not in text
    assert text.index("An earlier run, described.") < text.index(
        "Run: `make mutate MODULE=consensus/a.py`, 8 s"
    )
    assert text.startswith("intro\n") and text.endswith(f"{run.TABLE_END}\nnotes\n")


def test_a_row_older_than_its_module_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = "consensus/crypto.py"
    now = run.count_mutants_now(module)
    page = tmp_path / "mutation.md"
    row = "| `{m}` | {n} | 1 | 0 | 0 | 0 | 100.0 % | 1 s |\n"
    page.write_text(f"{run.TABLE_START}\n{row.format(m=module, n=now + 1)}{run.TABLE_END}\n")
    monkeypatch.setattr(run, "TABLE_FILE", page)
    monkeypatch.setattr(run, "load_modules", lambda: {module: []})
    assert run.table_counts() == {module: now + 1}
    assert run.rows_behind_their_module() == [
        f"{module}: row over {now + 1} mutants, module makes {now}"
    ]
    page.write_text(f"{run.TABLE_START}\n{row.format(m=module, n=now)}{run.TABLE_END}\n")
    assert run.rows_behind_their_module() == []


def test_every_row_was_measured_over_the_mutants_its_module_makes_now() -> None:
    # A measured module changed after its row ran: re-run it (`make mutate MODULE=...`).
    assert run.rows_behind_their_module() == []
