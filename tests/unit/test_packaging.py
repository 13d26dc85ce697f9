"""The wheel lists its packages explicitly (tests/ stays out); every sub-package of a
shipped package must be listed, or a non-editable install (the Docker image) loses it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_and_tests_are_not() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    tops = {p.split(".")[0] for p in listed}
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in tops
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found == listed
    assert not any(p.split(".")[0] in ("tests", "bench") for p in listed)
