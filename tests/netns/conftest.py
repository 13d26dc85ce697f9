"""A devnet spread over network namespaces: each validator and the wallet on a host of its
own (tests/netns/network.py has the address plan), driven from a client host.

One LAN and one devnet for the module; each test leaves the LAN whole again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.netns import network
from tests.netns.client import ClientHost, spread_devnet

READY_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientHost]:
    try:
        network.probe()
    except network.NetnsUnavailable as exc:
        pytest.skip(f"network namespaces cannot be created here: {exc}")
    with spread_devnet(tmp_path_factory.mktemp("netns-devnet"), READY_TIMEOUT_S) as host:
        yield host


@pytest.fixture(scope="module")
def holder(client: ClientHost) -> str:
    """A holder signed up in the wallet from the client host, shared by the module's tests
    (each CLI or probe call is a process start, ~1-2 s on a loaded machine)."""
    return client.new_holder()
