"""`python -m wallet.healthcheck --ca ca.pem`: is this wallet serving?

For container health checks (docker/compose.yaml), run beside the wallet with its
TRUSTLEDGER_WALLET_* settings: asks ``/v1/health`` on the wallet's own port over HTTPS,
checking the wallet's certificate against `--ca` (its organisation's CA certificate) and
the name ``localhost`` when the wallet listens on every interface, as any caller would.
Exit code 0 when it answers 200, 1 otherwise, 2 when the CA file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

from node.sdk.https import https_context
from node.sdk.tls import TlsFilesError
from wallet.settings import WalletSettings

TIMEOUT_S = 3.0


def local_url(settings: WalletSettings) -> str:
    """The URL of the wallet's health route as seen from its own host."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    scheme = "http" if settings.insecure_http else "https"
    return f"{scheme}://{host}:{settings.port}/v1/health"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wallet.healthcheck", description=__doc__)
    parser.add_argument(
        "--ca", type=Path, action="append", default=[], help="CA certificate of the wallet"
    )
    ns = parser.parse_args(argv)
    settings = WalletSettings()
    url = local_url(settings)
    try:
        verify = https_context(ns.ca) if not settings.insecure_http else False
    except TlsFilesError as exc:
        print(f"wallet health: {exc}", file=sys.stderr)
        return 2
    try:
        resp = httpx.get(url, timeout=TIMEOUT_S, verify=verify)
    except httpx.HTTPError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    if resp.status_code != 200:
        print(f"{url}: {resp.status_code}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
