"""The devnet over a real (virtual) network: each validator and the wallet a host of its own.

What 127.0.0.1 cannot show: every process listens on and is dialled at its own address,
and a host can be cut off from the others while it keeps running, as when a cable is
pulled or a switch port fails, which is not the same as a crash: the cut-off process goes
on, with its connections half-open, and must find its way back alone once the link returns.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cli.devnet import DOCKER_PORT, DOCKER_WALLET_PORT
from tests.netns import network
from tests.netns.client import ClientHost

pytestmark = pytest.mark.netns

LAN = ipaddress.ip_network("10.77.0.0/24")
PARTITION_COMMITS = 2
CATCH_UP_TIMEOUT_S = 60.0
PARTITION_S_MIN = 5.0
"""A partition lasts at least this long: beyond the peers' send timeout (3 s) and the view
change timeout (2 s), so the others have given up on the host's connections, not merely
waited, by the time it returns. (Held 40 s, a returning primary took ~25 s to catch up.)"""


@contextmanager
def partitioned(host: str) -> Iterator[None]:
    """`host` cut off for the block; the link is back up however the block ends."""
    network.cut(host)
    started = time.monotonic()
    try:
        yield
        time.sleep(max(0.0, started + PARTITION_S_MIN - time.monotonic()))
    finally:
        network.heal(host)


def assert_same_ledger(client: ClientHost, tip: int) -> None:
    """Every validator holds the same blocks at heights 1..tip."""
    hashes = client.block_hashes(tip)
    reference = hashes["val-0"]
    assert isinstance(reference, list) and len(reference) == tip, hashes
    for vid, theirs in hashes.items():
        assert theirs == reference, f"{vid} differs from val-0: {hashes}"


def survivor_of(client: ClientHost, excluded: str) -> str:
    return next(vid for vid in client.net.addresses if vid != excluded)


def commit_while_cut(client: ClientHost, holder: str, via: str) -> list[dict[str, object]]:
    """Certificates issued through `via` while a host is cut off; the wallet may be cut
    off from its node too, so nothing is delivered."""
    issued = [client.issue(holder, node=via, deliver=False) for _ in range(PARTITION_COMMITS)]
    heights = [int(str(doc["height"])) for doc in issued]
    assert heights == sorted(heights) and len(set(heights)) == len(heights), heights
    return issued


def heal_and_check(
    client: ClientHost, returning: str, holder: str, issued: list[dict[str, object]]
) -> None:
    """After the heal: `returning` catches up by itself and takes submissions again (the
    wallet, delivered to, checks with val-0), what was committed during the partition is
    on it, and no ledger differs from another up to the tip."""
    last = int(str(issued[-1]["height"]))
    client.wait_all_at(last, timeout_s=CATCH_UP_TIMEOUT_S)
    after = client.issue(holder, node=returning)
    tip = int(str(after["height"]))
    client.wait_all_at(tip, timeout_s=CATCH_UP_TIMEOUT_S)
    seen = client.verify(str(issued[0]["cert_id"]), node=returning)
    assert seen["status"] == "valid" and seen["issued_height"] == issued[0]["height"], seen
    assert_same_ledger(client, tip)  # so every block of the partition is on `returning` too


def test_each_process_on_its_own_host_commits_and_agrees(client: ClientHost, holder: str) -> None:
    # The test process has no address on the LAN: all it does there goes through tl-client.
    assert not [a for a in network.root_addresses() if ipaddress.ip_interface(a).ip in LAN]
    for vid, address in client.net.addresses.items():
        assert address == f"{network.HOSTS[vid]}:{DOCKER_PORT}"
    assert client.net.wallet_url == f"https://{network.HOSTS['wallet']}:{DOCKER_WALLET_PORT}"
    # The `holder` fixture signed up in the wallet from the client host.
    issued = client.issue(holder)  # the CLI to val-0; the wallet checks it with val-0
    assert issued["delivered"] is True
    height = int(issued["height"])
    client.wait_all_at(height)
    assert client.verify(issued["cert_id"], node="val-3")["status"] == "valid"
    assert_same_ledger(client, height)


def test_backup_cut_off_rejoins_without_help(client: ClientHost, holder: str) -> None:
    view, primary = client.agreed_view(whole=True)
    # Neither the primary nor val-0 (the wallet's node and the CLI's default).
    victim = next(v for v in reversed(list(client.net.addresses)) if v not in (primary, "val-0"))

    with partitioned(victim):
        issued = commit_while_cut(client, holder, via=primary)
        st = client.status()
        row = next(r for r in st["validators"] if r["validator"] == victim)
        assert row["up"] is False, st  # really unreachable, not merely slow
        assert st["consensus"] == {"view": view, "primary": primary}, st  # no view change

    heal_and_check(client, victim, holder, issued)


def test_primary_cut_off_is_replaced_and_rejoins(client: ClientHost, holder: str) -> None:
    view, primary = client.agreed_view(whole=True)
    survivor = survivor_of(client, primary)

    with partitioned(primary):
        # The first submission waits for the three others to time out and change view.
        issued = commit_while_cut(client, holder, via=survivor)
        new_view, new_primary = client.agreed_view()
        assert new_view > view and new_primary != primary, (view, primary, new_view)

    heal_and_check(client, primary, holder, issued)
