"""The check a call must pass before a validator admits it: declared arguments only, each
of its declared type and format, nothing personal in any of them.

A transaction is stored in its block even when its contract refuses it, so whatever a
contract would refuse about a call's *arguments* alone must be refused before the mempool,
or it reaches the chain anyway. This module answers from the method's declaration
(:class:`~contracts.framework.signature.Signature`) and the personal-data screen
(:mod:`contracts.framework.screen`), with no state: the node runs it on every submitted and
forwarded transaction. It is admission policy, not the state transition: contracts never
call it, so what it refuses changes no result of a call that reaches a block.

Every refusal names the argument and the rule, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from contracts.framework import identifiers, screen
from contracts.framework.check_characters import is_gb32100_valid
from contracts.framework.contract import SystemContract
from contracts.framework.errors import ContractError
from contracts.framework.interface import ArgValue
from contracts.framework.signature import Arg, Kind, Signature

UNDECLARED: Final = "invalid_argument"
"""The code of a call that names an undeclared method or argument, or has one ill-typed."""

PERSONAL_DATA: Final = "personal_data"
"""The code of a call whose arguments look like they hold personal data."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a call is refused before admission."""

    code: str
    """:data:`UNDECLARED` or :data:`PERSONAL_DATA`."""

    message: str
    """Names the method and the argument, never the value."""


def _wire_name(value: ArgValue) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "text"
    return "bytes"


def get_personal_data_in(kind: Kind, value: ArgValue) -> str | None:
    """What personal data an argument of ``kind`` holds, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return screen.find_personal_number(value)
    if not isinstance(value, str) or kind.random_hex:
        return None
    if kind.organisation_code and is_gb32100_valid(value):
        return None  # a member organisation's code, public (refused below if malformed)
    # A national identifier's serial is screened alone (identifiers.isolate_serials); in
    # JSON (field commitments, scopes), what is not a digest or a holder id.
    value = identifiers.isolate_serials(value)
    if kind.json:
        return screen.find_personal_data_past_digests(value)
    return screen.find_personal_data(value)


def _check_arg(where: str, arg: Arg[object], args: Mapping[str, ArgValue]) -> Refusal | None:
    name, kind, value = arg.name, arg.kind, args[arg.name]
    if _wire_name(value) != kind.wire:
        return Refusal(
            UNDECLARED,
            f"{where}: argument {name!r} must be {kind.wire} ({kind.summary}),"
            f" not {_wire_name(value)}",
        )
    if isinstance(value, str) and len(value) > kind.length_max:
        return Refusal(
            UNDECLARED, f"{where}: argument {name!r} is longer than {kind.length_max} characters"
        )
    found = get_personal_data_in(kind, value)
    if found is not None:
        return Refusal(
            PERSONAL_DATA,
            f"{where}: argument {name!r} looks like it holds {found}: nothing personal goes"
            " on-chain",
        )
    try:
        arg.read(args, name)  # the contract's own check of the value (no state needed)
    except ContractError as error:
        return Refusal(UNDECLARED, f"{where}: {error.message}")
    problem = kind.admit(value) if kind.admit is not None and isinstance(value, str) else None
    if problem is not None:
        return Refusal(UNDECLARED, f"{where}: {name} {problem}")
    return None


def _get_signature(
    system: SystemContract, where: str, method: str, args: Mapping[str, ArgValue]
) -> Signature | Refusal:
    declaration = system.declarations.get(method)
    if declaration is None:
        return Refusal(UNDECLARED, f"{system.name} has no transaction {method!r}")
    try:
        return declaration.get_signature(args)
    except (ContractError, KeyError) as error:
        message = error.message if isinstance(error, ContractError) else "selects no variant"
        return Refusal(UNDECLARED, f"{where}: {message}")


def get_refusal(
    system: SystemContract | None, contract: str, method: str, args: Mapping[str, ArgValue]
) -> Refusal | None:
    """Why the call ``contract.method(args)`` must not be admitted, or None.

    ``system`` is the contract as this build ships it (None if there is no such contract).
    Checked in order: the method is declared; every argument given is declared for it; each
    has its declared wire type, length and format (the contract's own reader, run here on
    the argument alone); nothing in any argument looks like personal data; an argument the
    node requires of new calls (``Arg.node_requires``, e.g. a purpose of use) is given. Other
    missing required arguments are left to the contract: their absence reveals nothing.
    """
    if system is None:
        return Refusal(UNDECLARED, f"there is no contract named {contract!r}")
    where = f"{contract}.{method}"
    signature = _get_signature(system, where, method, args)
    if isinstance(signature, Refusal):
        return signature
    declared = {arg.name: arg for arg in signature.args}
    for name in sorted(args):
        if name not in declared:
            return Refusal(
                UNDECLARED,
                f"{where}: argument {name!r} is not declared"
                f" (it takes: {', '.join(sorted(declared)) or 'nothing'})",
            )
    for name in sorted(args):
        refusal = _check_arg(where, declared[name], args)
        if refusal is not None:
            return refusal
    for arg in signature.args:
        if arg.node_requires and arg.name not in args:
            return Refusal(
                UNDECLARED, f"{where}: argument {arg.name!r} is required ({arg.kind.summary})"
            )
    return None


def get_organisation_code_args(
    system: SystemContract | None, method: str, args: Mapping[str, ArgValue]
) -> frozenset[str]:
    """The arguments of ``method`` that its declaration (the variant ``args`` select) says
    hold a member organisation's credit code: what the screen of every argument
    (``arguments.get_screening_problem``) leaves to admission's own check of that format."""
    declaration = system.declarations.get(method) if system is not None else None
    if declaration is None:
        return frozenset()
    try:
        signature = declaration.get_signature(args)
    except (ContractError, KeyError):
        return frozenset()
    return frozenset(arg.name for arg in signature.args if arg.kind.organisation_code)
