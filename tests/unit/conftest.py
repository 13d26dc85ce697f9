"""The one fixture the unit tests of the wallet's routes share: `wallet`, the wallet app on a
fake ledger (tests/unit/wallet_support.py), one per test. A module that needs other settings
defines its own `wallet`, which pytest prefers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.unit.wallet_support import Wallet


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    # Imported here, not above: every unit test run loads this file, and most never start
    # the wallet app (the consensus tests, or mutation runs of them, would pay for it).
    from tests.unit.wallet_support import running_wallet

    with running_wallet(tmp_path) as w:
        yield w
