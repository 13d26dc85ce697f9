"""What a fuzz target is: a function of one input (bytes) that runs a decoder or entry point
and enforces its contract, with the seeds it starts from.

The contract of every target: no crash, and no exception but the documented error types of
that decoder (`Target.allowed`); for entry points that hold state, a refused input leaves
the state as it was. A one-input function returns the outcome's name ("ok" or the allowed
exception's class name) and lets anything else propagate: that is a finding. A broken
state check raises `Finding`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

OneInput = Callable[[bytes], str]


class Finding(AssertionError):
    """A target's contract does not hold for an input (other than an unexpected exception,
    which is a finding by itself)."""


@dataclass(frozen=True)
class Target:
    name: str
    doc: str
    """What is decoded, and the contract checked."""
    make: Callable[[], OneInput]
    """Builds the target's state (once per process) and returns its one-input function."""
    seeds: Callable[[], list[bytes]]
    """Valid examples of the format (written to fuzz/corpus/<name>/ by `python -m fuzz.seeds`)."""
    allowed: tuple[type[BaseException], ...]
    """The documented error types: any other exception is a finding."""
    modules: tuple[str, ...]
    """The source files whose line coverage the hypothesis-free engine reports."""
    share: int = 1
    """Relative share of `make fuzz`'s inputs (slow targets get fewer)."""
    max_len: int = 4096


def outcome(run: Callable[[], object], allowed: tuple[type[BaseException], ...]) -> str:
    """Run one decode; "ok" or the name of the allowed exception it raised."""
    try:
        run()
    except allowed as exc:
        return type(exc).__name__
    return "ok"


def check(holds: bool, what: str) -> None:
    """Raise `Finding` unless `holds` (not `assert`: `python -O` strips it)."""
    if not holds:
        raise Finding(what)
