"""A real devnet for integration tests: 4 validator processes and the wallet on 127.0.0.1.

One devnet per test module (starting one takes a few seconds); each test creates its own
holders and certificates, so tests do not depend on each other's order. Every test in this
folder carries the `integration` marker, set here once so a new module cannot forget it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.devnet import Devnet
from tests.integration.helpers import running_devnet
from tests.integration.page_support import browser, page  # noqa: F401 (the page tests' fixtures)

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    with running_devnet(tmp_path_factory.mktemp("devnet")) as started:
        yield started
