"""How long a validator cut off from the others takes to be heard again once its link is back.

Runs the devnet over network namespaces (tests/netns; needs root), cuts one backup off
for `--partition-s` seconds while certificates are committed through the primary, brings
its link back, and times the heal to the moment it holds every block committed meanwhile
(polled with `devnet status` from the client host, so to about a second). Repeats
`--rounds` times and prints one JSON line. Not a test: it asserts nothing about speed.

Without keepalive pings on the peer links, a connection that was open when the cable went
stays "open" on both sides through the partition, and carries nothing until TCP's
backed-off retransmission fires after the heal (10-25 s after 40 s cut off).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.netns import network
from tests.netns.client import ClientHost, spread_devnet


def measure(client: ClientHost, holder: str, partition_s: float) -> float:
    _, primary = client.agreed_view()
    victim = next(v for v in reversed(list(client.net.addresses)) if v not in (primary, "val-0"))
    network.cut(victim)
    try:
        started = time.monotonic()
        last = 0
        for _ in range(2):
            last = int(client.issue(holder, node=primary, deliver=False)["height"])
        time.sleep(max(0.0, started + partition_s - time.monotonic()))
    finally:
        network.heal(victim)
    healed = time.monotonic()
    client.wait_all_at(last, timeout_s=120.0)
    heard_s = round(time.monotonic() - healed, 1)
    print(
        f"{victim} cut off {partition_s:.0f} s: caught up {heard_s} s after the heal",
        file=sys.stderr,
    )
    return heard_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partition-s", type=float, default=40.0)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()
    network.probe()
    folder = Path(tempfile.mkdtemp(prefix="trustledger-partition-"))
    try:
        with spread_devnet(folder, 60.0) as client:
            holder = client.new_holder()
            heard_s = [measure(client, holder, ns.partition_s) for _ in range(ns.rounds)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(
            {
                "partition_s": ns.partition_s,
                "heal_to_caught_up_s": heard_s,
                "median_s": statistics.median(heard_s),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
