"""The code mutated by the self-test: each of its mutants changes a result."""


def fee_cents(amount_cents: int) -> int:
    return amount_cents * 2


def net_cents(amount_cents: int) -> int:
    return amount_cents - 1
