"""Governance actions on governance itself: contract versions and the quorum rule."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.framework import arguments, limits
from contracts.framework.errors import failed_precondition
from contracts.framework.interface import CallContext, StateReader, make_event
from contracts.framework.signature import Arg, Kind, integer
from contracts.governance import versions
from contracts.governance.events import GovernanceEvent
from contracts.governance.plans import Action, Params, Plan, Writes
from contracts.governance.quorum import QUORUM_KEY, QuorumRule, get_quorum_problem

CONTRACT_ACTIVATION_DELAY: Final = limits.CONTRACT_ACTIVATION_DELAY


def _read_contract(args: arguments.Args, name: str) -> str:
    return arguments.get_choice(args, name, tuple(versions.get_shipped_versions()))


CONTRACT_NAME: Final = Kind("text", "the name of a shipped contract", 32)
"""The ``contract`` argument (names are looked up when read: see ``_read_contract``)."""


def _check_version_shipped(params: Params) -> None:
    contract: str = params["contract"]
    shipped = versions.get_shipped_versions()[contract]
    if params["version"] not in shipped:
        raise arguments.invalid(
            f"version must be one shipped for {contract}: {', '.join(str(v) for v in shipped)}"
        )


def _plan_activate_contract_version(
    state: StateReader, ctx: CallContext, pid: str, params: Params
) -> Plan:
    contract: str = params["contract"]
    version: int = params["version"]
    schedule = versions.get_schedule(state, contract)
    if versions.get_version_at(schedule, None) == version:
        raise failed_precondition(f"{contract} version {version} is already the scheduled version")
    activation_height = ctx.height + CONTRACT_ACTIVATION_DELAY
    kept = tuple(entry for entry in schedule if entry[0] < activation_height)
    changed = (*kept, (activation_height, version))
    event = make_event(
        GovernanceEvent.CONTRACT_VERSION_SCHEDULED,
        (contract, pid),
        {
            "activation_height": activation_height,
            "contract": contract,
            "decided_height": ctx.height,
            "proposal_id": pid,
            "version": version,
        },
    )
    writes: Writes = {versions.get_schedule_key(contract): versions.encode_schedule(changed)}
    return Plan(writes, [event], activation_height)


def _check_quorum(params: Params) -> None:
    problem = get_quorum_problem(QuorumRule(params["numerator"], params["denominator"]))
    if problem is not None:
        raise arguments.invalid(problem)


def _plan_set_quorum(state: StateReader, ctx: CallContext, pid: str, params: Params) -> Plan:
    rule = QuorumRule(params["numerator"], params["denominator"])
    event = make_event(
        GovernanceEvent.QUORUM_SET,
        (pid,),
        {"denominator": rule.denominator, "numerator": rule.numerator, "proposal_id": pid},
    )
    return Plan({QUORUM_KEY: rule.encode()}, [event], ctx.height)


ACTIONS: Final[Mapping[str, Action]] = MappingProxyType(
    {
        "activate_contract_version": Action(
            (Arg("contract", _read_contract, CONTRACT_NAME), integer("version", 1, 1_000_000)),
            _plan_activate_contract_version,
            check=_check_version_shipped,
        ),
        "set_quorum": Action(
            (integer("numerator", 0, 1_000), integer("denominator", 1, 1_000)),
            _plan_set_quorum,
            check=_check_quorum,
        ),
    }
)
"""Governance's own actions, by name."""
