"""Crash faults on real processes: with f = 1, three validators go on while the fourth is
down; after `kill -9` and restart, the fourth catches up to an identical ledger.

At most one validator (f) is down at any moment: each restarted replica catches up before
the next is killed, so the other three always form a quorum.
"""

from __future__ import annotations

import time

from cli import devnet
from cli.cert import issue_certificate
from cli.devnet import Devnet
from tests.integration.helpers import (
    ID_CARD,
    agreed_view,
    block_hashes,
    new_holder,
    org_key,
    wait_all_at,
)


def test_replica_killed_and_restarted_catches_up(net: Devnet) -> None:
    victim = "val-3"
    psb = org_key(net, "psb")
    holder, _ = new_holder(net)
    with net.client() as client:
        issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
        devnet.stop_process(net.dir, victim, hard=True)  # kill -9
        assert victim not in devnet.running(net.dir)

        # Three of four validators (2f+1) keep committing.
        heights = []
        for _ in range(5):
            _, committed = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
            heights.append(committed.height)
        assert heights == sorted(heights) and len(set(heights)) == 5

        devnet.start_validator(net, victim)
        wait_all_at(net, heights[-1], timeout_s=30)
        # New blocks after the restart include it again.
        _, committed = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
        wait_all_at(net, committed.height, timeout_s=30)

    reference = block_hashes(net, net.addresses["val-0"], committed.height)
    for vid, address in net.addresses.items():
        assert block_hashes(net, address, committed.height) == reference, vid


def test_killed_at_random_moments_under_load_keeps_identical_ledger(net: Devnet) -> None:
    """Kill a backup -9 while transactions flow, several times; the ledgers never diverge."""
    psb = org_key(net, "psb")
    holder, _ = new_holder(net)
    last = 0
    with net.client() as client:
        for round_ in range(3):
            victim = ("val-1", "val-2", "val-3")[round_]
            for i in range(4):
                if i == 1 + round_ % 3:
                    devnet.stop_process(net.dir, victim, hard=True)
                _, committed = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
                last = committed.height
            devnet.start_validator(net, victim)
            wait_all_at(net, last, timeout_s=30)
    reference = block_hashes(net, net.addresses["val-0"], last)
    for address in net.addresses.values():
        assert block_hashes(net, address, last) == reference


def test_primary_killed_under_load_is_replaced(net: Devnet) -> None:
    """PBFT view change on real processes: the primary is SIGKILLed while transactions flow;
    the others time out, elect the next primary and go on committing."""
    psb = org_key(net, "psb")
    holder, _ = new_holder(net)
    view, primary = agreed_view(net)
    survivor = next(a for v, a in net.addresses.items() if v != primary)
    with net.client(survivor, timeout_s=60) as client:
        _, before = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
        devnet.stop_process(net.dir, primary, hard=True)
        started = time.monotonic()
        _, after = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
        elapsed = time.monotonic() - started
    new_view, new_primary = agreed_view(net)  # the three survivors
    assert after.height > before.height
    assert new_view > view
    assert new_primary != primary
    assert elapsed < 60
    # The old primary comes back, catches up and agrees on every block.
    devnet.start_validator(net, primary)
    wait_all_at(net, after.height, timeout_s=60)
    reference = block_hashes(net, survivor, after.height)
    for address in net.addresses.values():
        assert block_hashes(net, address, after.height) == reference
