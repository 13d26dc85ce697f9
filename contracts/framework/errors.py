"""The one exception type every contract raises for an invalid call.

A rejected call never has effects: the runtime returns writes only when a call succeeds, so
raising a :class:`ContractError` anywhere during execution leaves state as it was.
Validation never uses ``assert`` (which ``python -O`` strips).
"""

from __future__ import annotations

from typing import Final

INVALID_ARGUMENT: Final = "invalid_argument"
"""An argument is missing, of the wrong type, badly formatted or out of range."""

NOT_FOUND: Final = "not_found"
"""The organisation, certificate or consent request named by the call does not exist."""

PERMISSION_DENIED: Final = "permission_denied"
"""The sender may not make this call (wrong role, not the issuer, not the holder, no grant)."""

ALREADY_EXISTS: Final = "already_exists"
"""The id the call would create is taken."""

FAILED_PRECONDITION: Final = "failed_precondition"
"""The state does not allow the call now (e.g. revoking an already revoked certificate)."""

UNKNOWN_METHOD: Final = "unknown_method"
"""No such contract, or no such transaction or query in the contract."""

ERROR_CODES: Final = frozenset(
    {
        INVALID_ARGUMENT,
        NOT_FOUND,
        PERMISSION_DENIED,
        ALREADY_EXISTS,
        FAILED_PRECONDITION,
        UNKNOWN_METHOD,
    }
)
"""Every code a :class:`ContractError` may carry."""


class ContractError(Exception):
    """A contract call was rejected; ``code`` says why in one word, ``message`` in a sentence."""

    code: str
    """One of :data:`ERROR_CODES`."""

    message: str
    """A human-readable explanation, safe to show to the caller (never personal data)."""

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            # A programming error inside contracts/, not a rejected call: fail loudly.
            raise ValueError(f"unknown contract error code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def not_found(message: str) -> ContractError:
    """A ``not_found`` error for the caller to raise (as ``arguments.invalid`` for bad input)."""
    return ContractError(NOT_FOUND, message)


def permission_denied(message: str) -> ContractError:
    """A ``permission_denied`` error for the caller to raise."""
    return ContractError(PERMISSION_DENIED, message)


def already_exists(message: str) -> ContractError:
    """An ``already_exists`` error for the caller to raise."""
    return ContractError(ALREADY_EXISTS, message)


def failed_precondition(message: str) -> ContractError:
    """A ``failed_precondition`` error for the caller to raise."""
    return ContractError(FAILED_PRECONDITION, message)
