"""A devnet spread over network namespaces: each validator and the wallet on a host of its
own (tests/netns/network.py has the address plan), driven from a client host.

One LAN and one devnet for the module; each test leaves the LAN whole again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cli import devnet
from tests.netns import network
from tests.netns.client import ClientHost

READY_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClientHost]:
    try:
        network.probe()
    except network.NetnsUnavailable as exc:
        pytest.skip(f"network namespaces cannot be created here: {exc}")
    folder = tmp_path_factory.mktemp("netns-devnet")
    hosts = {host: address for host, address in network.HOSTS.items() if host != "client"}
    with network.lan():
        net = devnet.init_devnet(folder, 0, hosts=hosts)
        try:
            for vid in net.addresses:
                devnet.start_validator(net, vid, prefix=network.exec_prefix(vid))
            devnet.start_wallet(net, prefix=network.exec_prefix("wallet"))
            host = ClientHost(net)
            host.wait_ready(READY_TIMEOUT_S)
            yield host
        finally:
            devnet.down(folder)


@pytest.fixture(scope="module")
def holder(client: ClientHost) -> str:
    """A holder signed up in the wallet from the client host, shared by the module's tests
    (each CLI or probe call is a process start, ~1-2 s on a loaded machine)."""
    return client.new_holder()
