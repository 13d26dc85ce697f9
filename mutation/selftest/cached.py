"""The code mutated by the self-test: each of its mutants changes a result."""

from collections.abc import Callable


def fee_cents(amount_cents: int) -> int:
    return amount_cents * 2


def net_cents(amount_cents: int) -> int:
    return amount_cents - 1


REGISTERED: list[str] = []


def registered(function: Callable[[int], int]) -> Callable[[int], int]:
    """A decorator that runs at definition time, like the contracts' `@transaction`."""
    REGISTERED.append(function.__name__)
    return function


@registered
def tax_cents(amount_cents: int) -> int:
    """Decorated: mutmut makes no mutant of it unless mutation/undecorate.py moves the
    decoration below it in the scratch copy."""
    return amount_cents // 10
