"""What the netns tests ask of the network that the CLI has no command for, run inside
the client's namespace: `python -m tests.netns.probe <what> --dir DEVNET`; one JSON line.

It reaches validators only through the devnet folder's own client (`Devnet.client`), as the
CLI does, so it uses whatever credentials the CLI uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from cli.devnet import Devnet
from node.sdk.client import ClientError
from tests.integration import helpers

TIMEOUT_S = 10.0


def wallet_health(net: Devnet) -> dict[str, Any]:
    try:
        resp = httpx.get(f"{net.wallet_url}/v1/health", timeout=TIMEOUT_S, verify=net.wallet_tls())
    except httpx.HTTPError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": resp.status_code == 200, "status_code": resp.status_code}


def new_holder(net: Devnet) -> dict[str, Any]:
    holder_id, _token = helpers.new_holder(net)
    return {"holder_id": holder_id}


def block_hashes(net: Devnet, upto: int) -> dict[str, Any]:
    """Each validator's block hashes at heights 1..upto (hex), or its error."""
    out: dict[str, Any] = {}
    for vid, address in net.addresses.items():
        try:
            with net.client(address) as client:
                out[vid] = [
                    bytes(client.get_block(h).block.commit.block_hash).hex()
                    for h in range(1, upto + 1)
                ]
        except ClientError as exc:
            out[vid] = {"error": exc.code}
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.netns.probe")
    parser.add_argument("what", choices=["wallet-health", "new-holder", "blocks"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--upto", type=int, default=0)
    args = parser.parse_args(argv)
    net = Devnet.load(args.dir)
    if args.what == "wallet-health":
        doc = wallet_health(net)
    elif args.what == "new-holder":
        doc = new_holder(net)
    else:
        doc = block_hashes(net, args.upto)
    print(json.dumps(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
