"""`make mutate`: mutation testing of the core with mutmut, one module at a time.

For each module listed in mutation/modules.toml this builds a scratch folder
`.mutation/<module>/` (links to the module's package, tests/ and mutation/, plus a copy of
pyproject.toml with a generated `[tool.mutmut]` section), runs `mutmut run` there, reads the
verdicts, subtracts the equivalent mutants listed in mutation/equivalent.txt and writes the
module's row of the table in docs/mutation.md. A scratch folder per module keeps runs of
different modules (and their mutmut caches) apart; it is deleted before every run, so no
verdict is ever carried over from an earlier run.

Usage: python -m mutation.run [MODULE ...] [--jobs N] [--list-message-only] [--no-table]
       python -m mutation.run --selftest
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from mutation.undecorate import undecorate

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
MODULES_FILE = ROOT / "mutation" / "modules.toml"
EQUIVALENT_FILE = ROOT / "mutation" / "equivalent.txt"
TABLE_FILE = ROOT / "docs" / "mutation.md"
TABLE_START = "<!-- mutation-table:start -->"
TABLE_END = "<!-- mutation-table:end -->"

# Lines whose mutants would only change a human-readable message. mutmut skips every
# expression that starts on a line matching one of these (its `do_not_mutate_patterns`), so
# such mutants are never generated; their count is what the same file yields without the
# patterns minus what it yields with them. Error codes, kinds and return values are never on
# such a line alone: each pattern admits only a string literal (or the variable `problem`,
# itself a message) as the whole payload. `--list-message-only` prints the lines matched.
MESSAGE_ONLY_PATTERNS = [
    # raise SomeError("text") / raise SomeError(f"text") / raise SomeError(problem)
    r'^\s*raise [\w.]+\((f?"[^"]*"|problem)\)( from \w+)?\s*(#.*)?$',
    # raise ValueError(  <- its arguments on the next lines: the whole call is skipped, so only
    # for errors whose one argument is a message (the contracts' helpers are named after their
    # code); tests/unit/test_mutation_tooling.py checks each such call holds only strings
    r"^\s*raise (ValueError|TypeError|RuntimeError|ConsensusError|InvalidCertificate|"
    r"(arguments\.)?invalid|permission_denied|failed_precondition|already_exists|not_found|"
    r"MissingNodeError|ProofFormatError)\($",
    # log.warning(  <- a log line (node/ only; consensus/ and contracts/ do not log): the whole
    # call is skipped. Its level is not mutated either way (mutmut never renames a method);
    # its arguments are text and the values shown in it, plain names and arithmetic (checked
    # by tests/unit/test_mutation_tooling.py)
    r"^\s*log\.(debug|info|warning|error)\(",
    # return "a sentence" / return None, "a sentence" (a problem description: it has a space,
    # which no kind or identifier returned as data has)
    r'^\s*return (None, )?f?"[^"]* [^"]*"\s*(#.*)?$',
]

MESSAGE_ONLY_REASON = "message-only:"
"""An equivalent.txt reason that starts with this marks a survivor that changes only a message
on a line the patterns above cannot skip (the line also does something): it is counted with the
skipped lines in the message-only column, not as equivalent. Both are left out of the score."""

KILLED = {"killed", "timeout", "segfault"}
"""mutmut verdicts that mean a test noticed the mutant (a timeout: the mutant hung a test)."""


@dataclass(frozen=True)
class Equivalent:
    module: str
    mutant: str
    """mutmut's name of the mutant without the module prefix (`xǁClassǁmethod__mutmut_3`)."""
    changed_line: str
    """The mutant's changed line (stripped), so a renumbered mutant is noticed."""
    reason: str


@dataclass(frozen=True)
class Row:
    module: str
    mutants: int
    killed: int
    survived: int
    equivalent: int
    message_only: int
    wall_s: float

    @property
    def score(self) -> float:
        counted = self.mutants - self.equivalent - self.message_only
        return 100.0 * self.killed / counted if counted else 100.0


def load_modules() -> dict[str, list[str]]:
    data = tomllib.loads(MODULES_FILE.read_text("utf-8"))
    return {name: list(entry["tests"]) for name, entry in data["modules"].items()}


def load_equivalents() -> list[Equivalent]:
    """mutation/equivalent.txt: `module | mutant | changed line | reason`, `#` comments (a
    reason never contains ` | `)."""
    found = []
    for number, line in enumerate(EQUIVALENT_FILE.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) < 4:
            raise SystemExit(f"{EQUIVALENT_FILE}:{number}: expected 4 fields separated by ' | '")
        # the changed line may itself hold " | " (a type `str | None`); the others never do
        fields = (parts[0], parts[1], " | ".join(parts[2:-1]), parts[-1])
        if not all(fields):
            raise SystemExit(f"{EQUIVALENT_FILE}:{number}: an empty field")
        found.append(Equivalent(*fields))
    return found


def dotted(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def prepare(module: str, tests: list[str], *, clear_caches: bool = True, tag: str = "") -> Path:
    """A fresh scratch folder for `module` with its `[tool.mutmut]` configuration."""
    work = WORK / (module.replace("/", "_").removesuffix(".py") + tag)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    package = module.split("/")[0]
    for name in sorted({"tests", "mutation"} - {package}):
        (work / name).symlink_to(ROOT / name)
    source = (ROOT / module).read_text("utf-8")
    rewritten = undecorate(source)
    if rewritten == source:
        (work / package).symlink_to(ROOT / package)
    else:  # a copy of the package, whose module under test has its decorations moved
        shutil.copytree(
            ROOT / package, work / package, ignore=shutil.ignore_patterns("__pycache__")
        )
        (work / module).write_text(rewritten, "utf-8")
    existing = [t for t in tests if (ROOT / t).exists()]
    for missing in sorted(set(tests) - set(existing)):
        print(f"  note: {missing} does not exist (yet); not used")
    settings = {
        "source_paths": [package],
        "only_mutate": [module],
        "also_copy": ["mutation"],
        "pytest_add_cli_args_test_selection": existing,
        "pytest_add_cli_args": [
            *(["-p", "mutation.pytest_plugin"] if clear_caches else []),
            "-p",
            "no:cacheprovider",
        ],
        "do_not_mutate_patterns": MESSAGE_ONLY_PATTERNS,
        # each file is checked against our own list only, never against git history
        "use_git_change_detection": False,
    }
    section = "\n[tool.mutmut]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text("utf-8") + section)
    return work


@contextmanager
def mutmut_in(work: Path) -> Iterator[None]:
    """mutmut's configuration and relative paths, as `mutmut` run in `work` sees them."""
    from mutmut import configuration

    before = Path.cwd()
    os.chdir(work)
    configuration.reset_config()
    try:
        yield
    finally:
        configuration.reset_config()
        os.chdir(before)


def count_mutants(work: Path, module: str, patterns: list[str]) -> int:
    """How many mutants mutmut makes of `module` with these skip patterns."""
    from mutmut import configuration
    from mutmut.mutation.file_mutation import mutate_file_contents

    with mutmut_in(work):
        configuration._config = replace(configuration.config(), do_not_mutate_patterns=patterns)
        source = Path(module).read_text("utf-8")
        return len(mutate_file_contents(module, source).mutant_names)


def message_only_lines(module: str) -> list[str]:
    import re

    lines = (ROOT / module).read_text("utf-8").splitlines()
    return [
        f"{module}:{i}: {line.strip()}"
        for i, line in enumerate(lines, 1)
        if any(re.search(p, line) for p in MESSAGE_ONLY_PATTERNS)
    ]


def verdicts(work: Path, module: str) -> dict[str, str]:
    from mutmut.stats import status_by_exit_code

    meta = json.loads((work / "mutants" / f"{module}.meta").read_text("utf-8"))
    return {k: status_by_exit_code[v] for k, v in meta["exit_code_by_key"].items()}


def diff_of(work: Path, module: str, mutant: str) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    with mutmut_in(work):
        return get_diff_for_mutant(mutant, path=module)


def changed_lines(diff: str) -> list[str]:
    return [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and ln[1:2] != "+"]


def run_mutmut(work: Path, module: str, jobs: int) -> float:
    """Run mutmut in `work`; its wall time in seconds."""
    started = time.monotonic()
    log = work / "mutmut.log"
    with log.open("w") as out:
        code = subprocess.call(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs)],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wall_s = time.monotonic() - started
    if code != 0:
        print((log.read_text("utf-8", errors="replace"))[-3000:])
        raise SystemExit(f"mutmut failed on {module} (exit {code}); log: {log}")
    return wall_s


@dataclass
class Survivors:
    equivalent: int
    message_only: int
    """Survivors listed with a `message-only:` reason."""
    report: list[str]
    """One entry (name, verdict, diff) per survivor that is not listed."""
    warnings: list[str]


def sort_survivors(
    module: str,
    survived: dict[str, str],
    listed: list[Equivalent],
    diff: Callable[[str], str],
) -> Survivors:
    """Split a module's surviving mutants (mutmut name -> verdict) into the listed equivalents,
    the listed message-only ones and the rest. An entry counts only while its mutant survives
    with the same changed line, so a renumbered or killed mutant is reported, never subtracted."""
    prefix = dotted(module) + "."
    entries = {e.mutant: e for e in listed if e.module == module}
    out = Survivors(equivalent=0, message_only=0, report=[], warnings=[])
    for name, status in sorted(survived.items()):
        short = name.removeprefix(prefix)
        text = diff(name)
        entry = entries.pop(short, None)
        if entry is not None and entry.changed_line in changed_lines(text):
            if entry.reason.startswith(MESSAGE_ONLY_REASON):
                out.message_only += 1
            else:
                out.equivalent += 1
            continue
        if entry is not None:
            out.warnings.append(
                f"STALE equivalent entry {short}: its changed line is no longer that one"
            )
        out.report.append(f"# {short}: {status}\n{text}\n")
    for short in entries:
        out.warnings.append(
            f"equivalent entry {short} is killed or gone now: remove it from the list"
        )
    return out


def run_module(module: str, tests: list[str], jobs: int) -> Row:
    work = prepare(module, tests)
    print(f"== {module}: mutmut run in {work.relative_to(ROOT)} (tests: {', '.join(tests)})")
    wall_s = run_mutmut(work, module, jobs)
    found = verdicts(work, module)
    total = count_mutants(work, module, [])
    if count_mutants(work, module, MESSAGE_ONLY_PATTERNS) != len(found):
        raise SystemExit(f"{module}: mutmut ran {len(found)} mutants, expected a different count")
    survivors = sort_survivors(
        module,
        {n: s for n, s in found.items() if s not in KILLED},
        load_equivalents(),
        lambda name: diff_of(work, module, name),
    )
    for line in survivors.warnings:
        print(f"  {line}")
    report = survivors.report
    equivalent = survivors.equivalent
    listed_message_only = survivors.message_only
    (work / "survivors.txt").write_text("\n".join(report), "utf-8")
    killed = sum(1 for s in found.values() if s in KILLED)
    row = Row(
        module=module,
        mutants=total,
        killed=killed,
        survived=len(found) - killed - equivalent - listed_message_only,
        equivalent=equivalent,
        message_only=total - len(found) + listed_message_only,
        wall_s=wall_s,
    )
    print(
        f"  {row.mutants} mutants, {row.killed} killed, {row.survived} survived, "
        f"{row.equivalent} equivalent, {row.message_only} message-only: {row.score:.1f} % "
        f"in {row.wall_s:.0f} s; survivors: {(work / 'survivors.txt').relative_to(ROOT)}"
    )
    return row


def selftest(jobs: int) -> None:
    """Show that the cache clearing is what makes mutants fresh: mutation/selftest's mutants
    of `fee_cents` are reached only through a `functools.cache` and must be killed with the
    clearing and survive without it; those of `net_cents` (reached directly) are killed both
    ways. And that a decorated function (`tax_cents`) is mutated at all (undecorate.py)."""
    module, tests = "mutation/selftest/cached.py", ["mutation/selftest/check_cached.py"]
    for clear, cached_verdict in ((True, "killed"), (False, "survived")):
        work = prepare(module, tests, clear_caches=clear, tag="" if clear else "_noclear")
        run_mutmut(work, module, jobs)
        found = verdicts(work, module)
        print(f"  cache clearing {'on' if clear else 'off'}: {found}")
        fee = {s for k, s in found.items() if "x_fee_cents__" in k}
        net = {s for k, s in found.items() if "x_net_cents__" in k}
        tax = {s for k, s in found.items() if "x_tax_cents__" in k}
        if fee != {cached_verdict} or net != {"killed"}:
            raise SystemExit(f"selftest failed: expected the fee_cents mutants {cached_verdict}")
        if tax != {"killed"}:
            raise SystemExit(f"selftest failed: the decorated tax_cents gave {tax or 'no mutant'}")
    print(
        "selftest passed: mutants behind a functools.cache are killed only with the clearing;"
        " a decorated function is mutated"
    )


def table_counts() -> dict[str, int]:
    """The mutants each row of docs/mutation.md was measured over, by module."""
    rest = TABLE_FILE.read_text("utf-8").partition(TABLE_START)[2].partition(TABLE_END)[0]
    counts = {}
    for line in rest.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 8:
            counts[cells[0].strip("`")] = int(cells[1])
    return counts


def count_mutants_now(module: str) -> int:
    """How many mutants mutmut would make of `module` as it is now (its decorations moved, as
    `prepare` does), without a scratch folder or a test run: seconds for the whole list."""
    from mutmut import configuration
    from mutmut.mutation.file_mutation import mutate_file_contents

    work = WORK / "_count"  # mutmut reads its settings from the folder it runs in
    work.mkdir(parents=True, exist_ok=True)
    (work / "pyproject.toml").write_text('[tool.mutmut]\nsource_paths = ["."]\n', "utf-8")
    with mutmut_in(work):
        configuration._config = replace(configuration.config(), do_not_mutate_patterns=[])
        source = undecorate((ROOT / module).read_text("utf-8"))
        return len(mutate_file_contents(module, source).mutant_names)


def rows_behind_their_module() -> list[str]:
    """Rows whose module now makes another number of mutants than the row was measured over:
    the module changed after its row was run, so the row's score is not the module's. (A
    change that keeps the count slips through; the rule stays: re-run a row you change.)"""
    counts = table_counts()
    behind = []
    for module in load_modules():
        now = count_mutants_now(module)
        if counts.get(module) != now:
            behind.append(f"{module}: row over {counts.get(module)} mutants, module makes {now}")
    return behind


def write_table(rows: list[Row], command: str, wall_s: float) -> None:
    """Replace the rows of the measured modules in docs/mutation.md, keep the others and the
    lines under the table (the record of earlier runs), and add a line for this run."""
    text = TABLE_FILE.read_text("utf-8")
    head, _, rest = text.partition(TABLE_START)
    old_table, _, tail = rest.partition(TABLE_END)
    kept = {}
    runs = []
    for line in old_table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 8:
            kept[cells[0].strip("`")] = line
        elif line.strip() and not line.startswith("|"):
            runs.append(line)
    for row in rows:
        kept[row.module] = (
            f"| `{row.module}` | {row.mutants} | {row.killed} | {row.survived} | "
            f"{row.equivalent} | {row.message_only} | {row.score:.1f} % | {row.wall_s:.0f} s |"
        )
    lines = [
        "",
        "| module | mutants | killed | survived | equivalent | message-only (left out) "
        "| score | wall time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(kept[m] for m in sorted(kept)),
        "",
        *runs,
        f"Run: `{command}`, {wall_s:.0f} s wall time in all.",
        "",
    ]
    TABLE_FILE.write_text(head + TABLE_START + "\n".join(lines) + TABLE_END + tail, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="e.g. consensus/viewchange.py (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--list-message-only", action="store_true")
    parser.add_argument("--no-table", action="store_true", help="do not write docs/mutation.md")
    parser.add_argument("--selftest", action="store_true", help="check the cache clearing")
    parser.add_argument(
        "--behind", action="store_true", help="list rows older than their module (no run)"
    )
    args = parser.parse_args()
    if args.selftest:
        selftest(args.jobs)
        return
    if args.behind:
        behind = rows_behind_their_module()
        print("\n".join(behind) or "every row counts the mutants its module makes now")
        raise SystemExit(1 if behind else 0)
    known = load_modules()
    modules = args.modules or list(known)
    for module in modules:
        if module not in known:
            raise SystemExit(f"{module} is not in {MODULES_FILE.relative_to(ROOT)}")
    if args.list_message_only:
        for module in modules:
            print("\n".join(message_only_lines(module)))
        return
    started = time.monotonic()
    rows = [run_module(m, known[m], args.jobs) for m in modules]
    wall_s = time.monotonic() - started
    command = "make mutate" + (f" MODULE={' '.join(args.modules)}" if args.modules else "")
    if not args.no_table:
        write_table(rows, command, wall_s)
    print(f"done in {wall_s:.0f} s")


if __name__ == "__main__":
    main()
