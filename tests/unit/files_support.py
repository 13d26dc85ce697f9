"""What the private-files tests of a validator (test_node_files.py) and of the wallet
(test_wallet_files.py, test_wallet_https.py) share: a path's mode, the refusal of a path
other users can reach, and a process that refuses to start."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from node.files import ExposedPathError

START_TIMEOUT_S = 120


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def refusal_once_loosened(check: Callable[[], None], path: Path, loose: int) -> ExposedPathError:
    """`check` accepts the files as they are, and refuses them once `path` (a folder, made
    here if missing) has mode `loose`: that refusal, whose text names the fix."""
    check()  # private: accepted
    if not path.exists():
        path.mkdir()
    path.chmod(loose)
    with pytest.raises(ExposedPathError) as refused:
        check()
    return refused.value


def run_refused_start(argv: list[str], env: Mapping[str, str]) -> str:
    """`python -m ARGV` with `env`, which must refuse to start (exit code 2): its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", *argv],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    return done.stderr
