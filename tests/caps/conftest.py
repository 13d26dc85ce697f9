"""One real devnet (4 validators and the wallet, on 127.0.0.1) for the attacks of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli import devnet
from cli.devnet import Devnet


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    folder: Path = tmp_path_factory.mktemp("caps-devnet")
    started = devnet.up(folder, base_port=0, show=False)
    try:
        yield started
    finally:
        devnet.down(folder)
