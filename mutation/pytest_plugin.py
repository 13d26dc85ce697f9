"""Loaded into pytest only under `make mutate` (`-p mutation.pytest_plugin`).

mutmut runs the suite once with the original code to learn which tests reach which function,
then forks one worker per mutant from that warmed process. A `functools.cache` (or
`lru_cache`) filled during that first run would hand each mutant results computed by the
original code: a prepared ledger cached this way once made two mutants look alive. So every
pytest session in a worker starts by emptying every such cache in the process.

Hypothesis is made deterministic and memoryless here too: its example database would replay
inputs that failed under one mutant when testing the next (state shared across mutants), and
random generation would let the same mutant be killed in one run and survive the next.
"""

from __future__ import annotations

import functools
import gc

import pytest


def clear_function_caches() -> int:
    """Empty every `functools.cache` / `lru_cache` in the process; how many there were."""
    cleared = 0
    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper):
            obj.cache_clear()
            cleared += 1
    return cleared


HYPOTHESIS_PROFILE = "mutation"


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import settings

    settings.register_profile(HYPOTHESIS_PROFILE, derandomize=True, database=None)
    settings.load_profile(HYPOTHESIS_PROFILE)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    clear_function_caches()
