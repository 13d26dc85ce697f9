"""The quorum rule: how many member organisations must approve a proposal.

The rule is state, set in genesis (default: more than two-thirds of the organisations) and
changed only by a ``set_quorum`` proposal.

State:

- ``membership/quorum`` -> ``{"numerator": n, "denominator": d}``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from contracts.framework import arguments, limits
from contracts.framework.interface import StateReader
from contracts.framework.records import Record

QUORUM_KEY: Final = b"membership/quorum"


@dataclass(frozen=True, slots=True)
class QuorumRule(Record):
    """A proposal passes when approvals x denominator > organisations x numerator."""

    numerator: int
    """With ``denominator``, the fraction of organisations that must be exceeded."""

    denominator: int
    """1 to ``QUORUM_DENOMINATOR_MAX``."""

    def get_approvals_needed(self, organisations: int) -> int:
        """Fewest approvals that pass a proposal among ``organisations`` members."""
        return organisations * self.numerator // self.denominator + 1

    def is_reached(self, approvals: int, organisations: int) -> bool:
        """Whether ``approvals`` of ``organisations`` members pass a proposal."""
        return approvals * self.denominator > organisations * self.numerator


DEFAULT_QUORUM: Final = QuorumRule(2, 3)
"""More than two-thirds of the member organisations."""


def get_quorum_problem(rule: QuorumRule) -> str | None:
    """Why ``rule`` is not an acceptable quorum, or None.

    The fraction is at least one half, so two disjoint minorities can never both pass
    proposals, and below one, so a quorum is reachable.
    """
    numerator: object = rule.numerator
    denominator: object = rule.denominator
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        return "quorum numerator and denominator must be integers"
    if isinstance(numerator, bool) or isinstance(denominator, bool):
        return "quorum numerator and denominator must be integers"
    if not 1 <= denominator <= limits.QUORUM_DENOMINATOR_MAX:
        return f"quorum denominator must be 1 to {limits.QUORUM_DENOMINATOR_MAX}"
    if not (2 * numerator >= denominator and numerator < denominator):
        return "quorum fraction must be at least one half and less than one"
    return None


def get_quorum(state: StateReader) -> QuorumRule:
    """The quorum rule in force (the default if genesis stored none)."""
    value = state.get(QUORUM_KEY)
    return DEFAULT_QUORUM if value is None else QuorumRule.decode(value)


def genesis_writes(quorum: QuorumRule | None) -> dict[bytes, bytes]:
    """The quorum rule of genesis; raises ``invalid_argument`` if it is not acceptable."""
    rule = DEFAULT_QUORUM if quorum is None else quorum
    if not isinstance(rule, QuorumRule):
        raise arguments.invalid("the genesis quorum must be a QuorumRule")
    problem = get_quorum_problem(rule)
    if problem is not None:
        raise arguments.invalid(problem)
    return {QUORUM_KEY: rule.encode()}
