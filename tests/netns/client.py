"""The tests' only way onto the LAN: commands run in the client's namespace (tl-client).

The test process itself has no address on the LAN; it runs the `trustledger` CLI with
`--dir` and `--json` (which finds whatever it needs in the devnet folder) and, for the
little the CLI has no command for, `python -m tests.netns.probe`. Every wait has a
deadline and says what it last saw when it runs out.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cli import devnet
from cli.devnet import Devnet
from tests.integration.helpers import ID_CARD, fields_args
from tests.netns import network

REPO = Path(__file__).resolve().parents[2]
TRUSTLEDGER = str(Path(sys.executable).parent / "trustledger")
COMMAND_TIMEOUT_S = 90.0
POLL_S = 0.5


class CommandFailed(AssertionError):
    """A command in the client's namespace exited non-zero."""


class ClientHost:
    def __init__(self, net: Devnet) -> None:
        self.net = net

    def run(self, argv: list[str], timeout_s: float = COMMAND_TIMEOUT_S) -> dict[str, Any]:
        """Run `argv` in tl-client; it must succeed and print JSON last; that JSON."""
        done = network.run_in("client", argv, timeout_s=timeout_s, cwd=REPO)
        if done.returncode != 0:
            raise CommandFailed(
                f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip() or done.stdout}"
            )
        doc: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return doc

    def cli(self, *args: str, timeout_s: float = COMMAND_TIMEOUT_S) -> dict[str, Any]:
        """`trustledger ARGS --dir DIR --json`."""
        return self.run([TRUSTLEDGER, *args, "--dir", str(self.net.dir), "--json"], timeout_s)

    def probe(self, what: str, *more: str) -> dict[str, Any]:
        return self.run(
            [sys.executable, "-m", "tests.netns.probe", what, "--dir", str(self.net.dir), *more]
        )

    def status(self) -> dict[str, Any]:
        """`trustledger devnet status --json`: consensus (view, primary) and each validator."""
        return self.cli("devnet", "status")

    def new_holder(self) -> str:
        return str(self.probe("new-holder")["holder_id"])

    def issue(
        self, holder: str, *, node: str | None = None, deliver: bool = True
    ) -> dict[str, Any]:
        """An ID card issued by psb to `holder` through validator `node` (the devnet's first
        by default); with `deliver`, the wallet checks it against the chain and keeps it."""
        return self.cli(
            "cert",
            "issue",
            "--org",
            "psb",
            "--type",
            "resident_id_card",
            "--holder",
            holder,
            *fields_args(ID_CARD),
            *([] if deliver else ["--no-deliver"]),
            *(["--node", self.net.addresses[node]] if node else []),
        )

    def verify(self, cert_id: str, node: str) -> dict[str, Any]:
        return self.cli("cert", "verify", "--cert-id", cert_id, "--node", self.net.addresses[node])

    def block_hashes(self, upto: int) -> dict[str, Any]:
        return self.probe("blocks", "--upto", str(upto))

    def wait(self, what: str, timeout_s: float, ready: Any) -> dict[str, Any]:
        """Poll `devnet status` until `ready(status)` holds; the status that satisfied it."""
        deadline = time.monotonic() + timeout_s
        while True:
            st = self.status()
            if ready(st):
                return st
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not within {timeout_s} s; last status: {st}")
            time.sleep(POLL_S)

    def wait_all_at(self, height: int, timeout_s: float = 30.0) -> dict[str, Any]:
        return self.wait(
            f"every validator at height {height}",
            timeout_s,
            lambda st: all(r["up"] and r["height"] >= height for r in st["validators"]),
        )

    def agreed_view(self, timeout_s: float = 30.0, *, whole: bool = False) -> tuple[int, str]:
        """Wait until a quorum of validators works in one view (with `whole`, every
        validator answering and in that view); its (view, primary)."""

        def ready(st: dict[str, Any]) -> bool:
            agreed = st["consensus"]
            return bool(agreed) and (
                not whole
                or all(
                    r["up"] and not r["view_changing"] and r["view"] == agreed["view"]
                    for r in st["validators"]
                )
            )

        st = self.wait("validators agreeing on a view", timeout_s, ready)
        return int(st["consensus"]["view"]), str(st["consensus"]["primary"])

    def wait_ready(self, timeout_s: float) -> None:
        """Every validator answers and agrees on a view; the wallet answers its health check."""
        deadline = time.monotonic() + timeout_s
        self.wait(
            "validators ready",
            timeout_s,
            lambda st: st["consensus"] and all(r["up"] for r in st["validators"]),
        )
        while not (health := self.probe("wallet-health"))["ok"]:
            if time.monotonic() > deadline:
                raise AssertionError(f"wallet not ready within {timeout_s} s: {health}")
            time.sleep(POLL_S)


@contextmanager
def spread_devnet(folder: Path, ready_timeout_s: float) -> Iterator[ClientHost]:
    """A devnet made in `folder` with each validator and the wallet on a host of its own
    (network.HOSTS), on a LAN built for it, and the client host that drives it, once every
    validator answers; the devnet is stopped and the LAN torn down on the way out. The
    netns tests and bench/partition.py start the same network this way."""
    hosts = {host: address for host, address in network.HOSTS.items() if host != "client"}
    with network.lan():
        net = devnet.init_devnet(folder, 0, hosts=hosts)
        try:
            for vid in net.addresses:
                devnet.start_validator(net, vid, prefix=network.exec_prefix(vid))
            devnet.start_wallet(net, prefix=network.exec_prefix("wallet"))
            host = ClientHost(net)
            host.wait_ready(ready_timeout_s)
            yield host
        finally:
            devnet.down(folder)
