"""Loaded into pytest only under `make mutate` (`-p mutation.pytest_plugin`).

mutmut runs the suite once with the original code to learn which tests reach which function,
then forks one worker per mutant from that warmed process. A `functools.cache` (or
`lru_cache`) filled during that first run would hand each mutant results computed by the
original code: a prepared ledger cached this way once made two mutants look alive. So every
pytest session in a worker starts by emptying every such cache in the process.
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


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    clear_function_caches()
