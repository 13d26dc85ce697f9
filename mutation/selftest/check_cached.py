"""The self-test's test: it reaches `fee_cents` through a `functools.cache`, like the
prepared-ledger cache of issue 19. Without the cache clearing of mutation/pytest_plugin.py the
value cached by mutmut's first run (original code) is what every forked mutant sees, and both
mutants survive; with it, both are killed."""

import functools

from mutation.selftest.cached import REGISTERED, fee_cents, net_cents, tax_cents


@functools.cache
def prepared_fee() -> int:
    return fee_cents(5_000)


def test_fee_is_twice_the_amount() -> None:
    assert prepared_fee() == 10_000


def test_net_is_one_below_the_amount() -> None:
    """Reached directly (never cached): keeps mutmut's own forced-failure check meaningful."""
    assert net_cents(5_000) == 4_999


def test_tax_is_a_tenth_and_registered_once() -> None:
    assert tax_cents(5_005) == 500
    assert REGISTERED == ["tax_cents"]
