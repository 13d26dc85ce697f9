"""Reading and checking call arguments; every failure is an ``invalid_argument`` error.

Error messages name the argument and the rule it broke but never echo a rejected value:
a caller's mistake must not put personal data into logs or the audit index.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

from contracts import formats, limits
from contracts.errors import INVALID_ARGUMENT, ContractError
from contracts.identity import is_holder_id
from contracts.interface import ArgValue

Args = Mapping[str, ArgValue]
"""The arguments of one call, by name."""

NO_ARGS: Final[frozenset[str]] = frozenset()


def invalid(message: str) -> ContractError:
    """Return an ``invalid_argument`` error (for the caller to raise)."""
    return ContractError(INVALID_ARGUMENT, message)


def check_arg_names(
    args: Args, required: Collection[str], optional: Collection[str] = NO_ARGS
) -> None:
    """Check that ``args`` has every required name, and no name outside required/optional."""
    if len(args) > limits.ARGS_COUNT_MAX:
        raise invalid(f"too many arguments (at most {limits.ARGS_COUNT_MAX})")
    for name in sorted(args, key=repr):
        if not isinstance(name, str) or (name not in required and name not in optional):
            allowed = ", ".join(sorted([*required, *optional])) or "none"
            raise invalid(f"unexpected argument (allowed: {allowed})")
    for name in sorted(required):
        if name not in args:
            raise invalid(f"missing argument {name!r}")


def get_str(args: Args, name: str) -> str:
    """Return the string argument ``name``."""
    value = args.get(name)
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    return value


def get_int(args: Args, name: str, *, minimum: int, maximum: int = limits.INT_ARG_MAX) -> int:
    """Return the integer argument ``name``, checked to lie in ``minimum..maximum``."""
    value = args.get(name)
    # bool is a subclass of int in Python; True is not a number of uses.
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid(f"{name} must be an integer")
    if not minimum <= value <= maximum:
        raise invalid(f"{name} must be between {minimum} and {maximum}")
    return value


def get_optional_int(
    args: Args, name: str, *, minimum: int, maximum: int = limits.INT_ARG_MAX
) -> int | None:
    """Return the integer argument ``name`` if present (see :func:`get_int`), else None."""
    if name not in args:
        return None
    return get_int(args, name, minimum=minimum, maximum=maximum)


def get_holder_id(args: Args, name: str) -> str:
    """Return a holder id argument ("hd" + 40 lowercase hex digits)."""
    value = get_str(args, name)
    if not is_holder_id(value):
        raise invalid(f"{name} must be a holder id ('hd' followed by 40 lowercase hex digits)")
    return value


def get_org_id(args: Args, name: str) -> str:
    """Return an organisation id argument."""
    value = get_str(args, name)
    if not formats.is_org_id(value):
        raise invalid(
            f"{name} must be {limits.ORG_ID_LENGTH_MIN} to {limits.ORG_ID_LENGTH_MAX}"
            " characters of [a-z0-9-]"
        )
    return value


def get_cert_id(args: Args, name: str) -> str:
    """Return a certificate id argument."""
    value = get_str(args, name)
    if not formats.is_cert_id(value):
        raise invalid(
            f"{name} must be {limits.CERT_ID_LENGTH_MIN} to {limits.CERT_ID_LENGTH_MAX}"
            " characters of [A-Za-z0-9._:-]"
        )
    return value


def get_request_id(args: Args, name: str) -> str:
    """Return a consent request id argument."""
    value = get_str(args, name)
    if not formats.is_request_id(value):
        raise invalid(
            f"{name} must be {limits.REQUEST_ID_LENGTH_MIN} to {limits.REQUEST_ID_LENGTH_MAX}"
            " characters of [A-Za-z0-9._:-]"
        )
    return value


def get_doc_hash(args: Args, name: str) -> str:
    """Return a document hash argument (SHA-256, lowercase hex)."""
    value = get_str(args, name)
    if not formats.is_doc_hash(value):
        raise invalid(f"{name} must be {limits.DOC_HASH_HEX_LENGTH} lowercase hex digits")
    return value


def get_free_text(args: Args, name: str, *, length_max: int) -> str:
    """Return a free-text argument that may be stored on-chain (see ``get_text_problem``)."""
    value = get_str(args, name)
    problem = formats.get_text_problem(value, length_max=length_max)
    if problem is not None:
        raise invalid(f"{name} {problem}")
    return value


def get_list_limit(args: Args) -> int:
    """Return the optional ``limit`` argument of a list query."""
    limit = get_optional_int(args, "limit", minimum=1, maximum=limits.LIST_LIMIT_MAX)
    return limits.LIST_LIMIT_DEFAULT if limit is None else limit
