"""The wallet over a real socket on loopback, as the service serves it (`server_config`):
certificates from an organisation CA made with `node.chain.pki`, uvicorn in a thread,
and clients with real TLS contexts."""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from node.chain import pki
from node.genesis import Genesis
from node.sdk.https import https_context
from wallet.https import server_config
from wallet.settings import WalletSettings

STOP_WAIT_S = 30.0


def write_private(path: Path, data: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


@dataclass(frozen=True)
class HttpsFiles:
    """A wallet organisation's CA and the HTTPS certificate it issued, on disk."""

    ca: Path
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        return https_context([self.ca])

    def settings(self, **overrides: Any) -> dict[str, Any]:
        return {"https_cert_path": self.cert, "https_key_path": self.key, **overrides}


def make_https_files(
    folder: Path, org: str = "bdc", hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> HttpsFiles:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)  # the handshake checks validity against the real clock
    ca_pem, ca_key = pki.make_ca(org, now, 30)
    cert, key = pki.issue(ca_pem, ca_key, org, pki.Role.WALLET, "wallet-https", hosts, now, 30)
    (folder / f"{org}-ca.pem").write_bytes(ca_pem)
    (folder / "wallet-https.pem").write_bytes(cert)
    write_private(folder / "wallet-https.key", key)
    return HttpsFiles(
        folder / f"{org}-ca.pem", folder / "wallet-https.pem", folder / "wallet-https.key"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, settings: WalletSettings) -> Iterator[str]:
    """Serve `app` as `settings` say, on their host and port, until the block ends; yields
    the base URL. The app's start-up is not run (the test attached its parts already)."""
    config = server_config(app, settings, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:  # set by uvicorn once it listens
            if not thread.is_alive():
                raise RuntimeError("the wallet did not start serving")
            time.sleep(0.02)
        scheme = "http" if settings.insecure_http else "https"
        yield f"{scheme}://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(STOP_WAIT_S)


WALLET_START_WAIT_S = 120.0
"""How long `python -m wallet` may take to serve (slack, not a timed assertion)."""


@contextmanager
def wallet_process(tmp_path: Path, genesis: Genesis) -> Iterator[tuple[str, HttpsFiles, Path]]:
    """`python -m wallet` over HTTPS on ``genesis``, with a fresh data folder (created by the
    wallet) and its certificates; yields (URL, HTTPS files, data folder). No validator is
    dialled: the node address is a free port."""
    files = make_https_files(tmp_path / "tls")
    now = dt.datetime.now(dt.UTC)
    client_ca = pki.make_ca("bdc", now, 30)  # any CA will do: no validator is dialled here
    client_cert, client_key = pki.issue(*client_ca, "bdc", pki.Role.WALLET, "wallet", (), now, 30)
    (tmp_path / "cas").mkdir()
    (tmp_path / "cas" / "bdc.pem").write_bytes(files.ca.read_bytes())
    (tmp_path / "client.pem").write_bytes(client_cert)
    write_private(tmp_path / "client.key", client_key)
    genesis.save(tmp_path / "genesis.json")
    data = tmp_path / "data"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "wallet"],
        env={
            **os.environ,
            "TRUSTLEDGER_WALLET_DATA_DIR": str(data),
            "TRUSTLEDGER_WALLET_GENESIS_PATH": str(tmp_path / "genesis.json"),
            "TRUSTLEDGER_WALLET_NODE_ADDRESS": f"127.0.0.1:{free_port()}",
            "TRUSTLEDGER_WALLET_NODE_TIMEOUT_S": "1",
            "TRUSTLEDGER_WALLET_HOST": "127.0.0.1",
            "TRUSTLEDGER_WALLET_PORT": str(port),
            "TRUSTLEDGER_WALLET_TLS_CERT_PATH": str(tmp_path / "client.pem"),
            "TRUSTLEDGER_WALLET_TLS_KEY_PATH": str(tmp_path / "client.key"),
            "TRUSTLEDGER_WALLET_TLS_CA_DIR": str(tmp_path / "cas"),
            "TRUSTLEDGER_WALLET_HTTPS_CERT_PATH": str(files.cert),
            "TRUSTLEDGER_WALLET_HTTPS_KEY_PATH": str(files.key),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WALLET_START_WAIT_S
        while True:  # wait until it serves (not a timed assertion: the deadline is slack)
            try:
                httpx.get(f"{url}/v1/health", verify=files.client_context(), timeout=5)
                break
            except httpx.HTTPError:
                if proc.poll() is not None:
                    assert proc.stderr is not None
                    raise RuntimeError(f"the wallet stopped: {proc.stderr.read()!r}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("the wallet did not start serving") from None
                time.sleep(0.1)
        yield url, files, data
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
