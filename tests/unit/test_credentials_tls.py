"""The open-credential routes over TLS (node/credentials_http.py ``serve_credentials`` with
the node's certificate, TLS 1.3): a verifier that trusts the node's organisation CA reads
them over HTTPS; one that trusts another CA, or speaks plain HTTP to the port, reads nothing.
The devnet serves them so by default: tests/integration/test_credentials.py."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from node.chain import pki
from node.config import NodeConfig
from node.credentials_http import serve_credentials
from node.sdk.credentials import STATUS_UNAVAILABLE, CredentialRefused, HttpCredentialSource
from node.sdk.https import https_context, server_tls_context

from .test_credentials import World

NOW = dt.datetime.now(dt.UTC)  # the TLS handshake checks validity against the clock


def write_ca(folder: Path, org: str) -> tuple[Path, bytes, bytes]:
    ca_pem, ca_key = pki.make_ca(org, NOW - dt.timedelta(days=1), 365)
    path = folder / f"{org}.pem"
    path.write_bytes(ca_pem)
    return path, ca_pem, ca_key


def serving(tmp_path: Path, ask: Callable[[int], Any]) -> Any:
    """Serve a world's routes over TLS with a validator certificate of psb's CA for
    127.0.0.1, and run ``ask(port)`` in a thread (a verifier's blocking client)."""
    _, ca_pem, ca_key = write_ca(tmp_path, "psb")
    cert, key = pki.issue(
        ca_pem, ca_key, "psb", pki.Role.VALIDATOR, "val-0", ["val-0", "127.0.0.1"], NOW, 30
    )
    (tmp_path / "val-0.pem").write_bytes(cert)
    (tmp_path / "val-0.key").write_bytes(key)
    tls = server_tls_context(tmp_path / "val-0.pem", tmp_path / "val-0.key")

    async def scenario() -> Any:
        server = await serve_credentials(World().routes, "127.0.0.1:0", tls)
        port = server.sockets[0].getsockname()[1]
        try:
            return await asyncio.to_thread(ask, port)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(scenario())


def test_a_verifier_trusting_the_nodes_ca_reads_the_routes_over_https(tmp_path: Path) -> None:
    def ask(port: int) -> Any:
        source = HttpCredentialSource(
            f"https://127.0.0.1:{port}", tls=https_context([tmp_path / "psb.pem"])
        )
        return source.get_jwks("edu")

    keys = serving(tmp_path, ask)
    assert [k["kty"] for k in keys["keys"]] == ["OKP"]


def test_another_ca_or_plain_http_reads_nothing(tmp_path: Path) -> None:
    other, _, _ = write_ca(tmp_path, "edu")

    def ask(port: int) -> list[str]:
        reasons = []
        for base, tls in (
            (f"https://127.0.0.1:{port}", https_context([other])),
            (f"http://127.0.0.1:{port}", None),
        ):
            with pytest.raises(CredentialRefused) as refused:
                HttpCredentialSource(base, timeout_s=5.0, tls=tls).get_jwks("edu")
            reasons.append(refused.value.reason)
        return reasons

    assert serving(tmp_path, ask) == [STATUS_UNAVAILABLE, STATUS_UNAVAILABLE]


def test_a_node_names_its_routes_https_unless_the_operator_asks_for_plain_http(
    tmp_path: Path,
) -> None:
    def config(**more: Any) -> NodeConfig:
        return NodeConfig(
            validator_id="val-0",
            home=tmp_path,
            listen="127.0.0.1:1",
            peers={},
            genesis_path=tmp_path / "genesis.json",
            key_path=tmp_path / "key.json",
            tls_cert_path=tmp_path / "val-0.pem",
            tls_key_path=tmp_path / "val-0.key",
            **more,
        )

    assert config().credentials_base_url == ""
    assert config(credentials_listen="127.0.0.1:9").credentials_base_url == "https://127.0.0.1:9"
    plain = config(credentials_listen="127.0.0.1:9", credentials_plain_http=True)
    assert plain.credentials_base_url == "http://127.0.0.1:9"
    behind = config(credentials_listen="0.0.0.0:9", credentials_url="https://vc.example.org")
    assert behind.credentials_base_url == "https://vc.example.org"
