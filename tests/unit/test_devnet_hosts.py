"""`init_devnet(hosts=...)` and the start prefix, without namespaces: what tests/netns relies
on, checked where it cannot run (no root)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cli import devnet
from node.config import NodeConfig
from tests.netns.network import HOSTS as NETNS_HOSTS

HOSTS = {host: address for host, address in NETNS_HOSTS.items() if host != "client"}
"""The netns test mode's address plan (tests/netns/network.py), without its client."""


def test_each_process_listens_on_and_is_dialled_at_its_host(tmp_path: Path) -> None:
    net = devnet.init_devnet(tmp_path, 0, hosts=HOSTS)
    assert net.addresses == {vid: f"{HOSTS[vid]}:{devnet.DOCKER_PORT}" for vid in net.addresses}
    assert net.wallet_url == f"https://10.77.0.20:{devnet.DOCKER_WALLET_PORT}"
    assert net.node_address == net.addresses["val-0"]  # the wallet's node
    for vid in devnet.VALIDATOR_IDS:
        cfg = NodeConfig.load(tmp_path / "nodes" / vid / "node.json")
        assert cfg.listen == net.addresses[vid]
        assert cfg.metrics_listen == f"{HOSTS[vid]}:{devnet.DOCKER_METRICS_PORT}"
        assert cfg.peers == {p: a for p, a in net.addresses.items() if p != vid}
    assert net.metrics["val-2"] == f"http://10.77.0.12:{devnet.DOCKER_METRICS_PORT}/metrics"


@pytest.mark.parametrize(
    ("hosts", "docker"),
    [({k: v for k, v in HOSTS.items() if k != "wallet"}, False), (HOSTS, True)],
    ids=["a host missing", "with docker"],
)
def test_hosts_must_name_every_process_and_exclude_docker(
    tmp_path: Path, hosts: dict[str, str], docker: bool
) -> None:
    with pytest.raises(ValueError, match="hosts needs an address"):
        devnet.init_devnet(tmp_path, 0, docker=docker, hosts=hosts)
    assert not (tmp_path / "devnet.json").exists()


def test_the_wallet_binds_the_host_of_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = devnet.init_devnet(tmp_path, 0, hosts=HOSTS)
    calls: list[dict[str, Any]] = []

    def record(dir: Path, name: str, argv: list[str], env: dict[str, str], **kw: Any) -> int:
        calls.append({"name": name, "env": env, **kw})
        return 0

    monkeypatch.setattr(devnet, "start_process", record)
    devnet.start_wallet(net, prefix=["ip", "netns", "exec", "tl-wallet"])
    (call,) = calls
    assert call["env"]["TRUSTLEDGER_WALLET_HOST"] == "10.77.0.20"
    assert call["env"]["TRUSTLEDGER_WALLET_PORT"] == str(devnet.DOCKER_WALLET_PORT)
    assert call["env"]["TRUSTLEDGER_WALLET_NODE_ADDRESS"] == net.addresses["val-0"]
    assert call["prefix"] == ["ip", "netns", "exec", "tl-wallet"]


def test_a_prefix_runs_before_the_command_and_the_pid_is_the_commands(tmp_path: Path) -> None:
    pid = devnet.start_process(
        tmp_path,
        "echo",
        [sys.executable, "-c", "import os; print(os.environ['SEEN'], os.getpid())"],
        {},
        prefix=["env", "SEEN=from-the-prefix"],  # env execs the command in place
    )
    log = tmp_path / "logs" / "echo.log"
    deadline = time.monotonic() + 30
    while not log.read_text().strip():
        if time.monotonic() > deadline:
            raise AssertionError("the command printed nothing within 30 s")
        time.sleep(0.05)
    assert log.read_text().split() == ["from-the-prefix", str(pid)]
    assert json.loads((tmp_path / "pids.json").read_text()) == {"echo": pid}
    devnet.stop_process(tmp_path, "echo")
