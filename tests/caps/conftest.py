"""One real devnet (4 validators and the wallet, on 127.0.0.1) for the attacks of this folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli.devnet import Devnet
from tests.integration.helpers import running_devnet


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    with running_devnet(tmp_path_factory.mktemp("caps-devnet")) as started:
        yield started
