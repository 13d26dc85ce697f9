"""What a governance action is: the arguments it takes and the effects it plans.

Every kind of change the consortium can decide (an organisation added, a validator removed,
a contract version activated…) is an :class:`Action`. The proposal machinery
(:mod:`contracts.governance.proposals`) reads an action's arguments when it is proposed and
asks for its :class:`Plan` then (to refuse what is impossible already) and again when the
quorum is reached (to apply it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.framework.interface import CallContext, Event, StateReader
from contracts.framework.signature import Arg, Values

Params = dict[str, Any]
"""An action's checked arguments, as stored in its proposal."""

Writes = dict[bytes, bytes | None]


@dataclass(frozen=True, slots=True)
class Plan:
    """What applying an action would write and announce."""

    writes: Writes
    events: list[Event]
    effective_height: int

    def then(self, other: Plan) -> Plan:
        """This plan followed by ``other``, effective when this one is."""
        return Plan(
            {**self.writes, **other.writes}, [*self.events, *other.events], self.effective_height
        )


def _no_check(params: Params) -> None:
    return None


def _anyone(state: StateReader, proposer: str, params: Params) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of governance change."""

    args: tuple[Arg[Any], ...]
    """Its arguments (besides proposal_id, action and expires_at_ms), in the order read."""

    plan: Callable[[StateReader, CallContext, str, Params], Plan]
    """Checks the state allows it and returns its effects (given the proposal id)."""

    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Parameters an optional argument takes when left out (none: left out of the params)."""

    check: Callable[[Params], None] = _no_check
    """Checks the arguments together, once each is read (raises ``invalid_argument``)."""

    check_proposer: Callable[[StateReader, str, Params], None] = _anyone
    """Checks that the proposing organisation (by id) may propose it (raises
    ``permission_denied``); any member may, unless the action says otherwise."""

    def read_params(self, values: Values) -> Params:
        """The action's parameters from a call's arguments (lists stored as JSON arrays)."""
        params: Params = dict(self.defaults)
        for arg in self.args:
            if arg in values:
                value = values[arg]
                params[arg.name] = list(value) if isinstance(value, tuple) else value
        self.check(params)
        return params
