"""Issue 16 item 6: the wallet serves HTTPS only, TLS 1.3 at least, with a certificate from
its organisation's CA; plain HTTP only behind an explicit development flag and only on a
loopback address. Real TLS over loopback (uvicorn as the service configures it, httpx and
ssl as a caller), no mocks."""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from node.sdk.https import https_context, is_loopback
from node.sdk.wallet_requests import WalletCaller
from wallet.https import ListenRefused, server_config
from wallet.settings import WalletSettings

from .files_support import run_refused_start
from .wallet_https_support import HttpsFiles, free_port, make_https_files, serving
from .wallet_support import Org, running_wallet


@pytest.fixture
def files(tmp_path: Path) -> HttpsFiles:
    return make_https_files(tmp_path / "tls")


@pytest.fixture
def https_wallet(tmp_path: Path, files: HttpsFiles) -> Iterator[str]:
    """The URL of a wallet serving HTTPS on 127.0.0.1."""
    overrides = files.settings(host="127.0.0.1", port=free_port())
    with (
        running_wallet(tmp_path / "data", **overrides) as wallet,
        serving(wallet.app, wallet.app.state.settings) as url,
    ):
        yield url


def handshake(url: str, context: ssl.SSLContext) -> str | None:
    """The TLS version a handshake with the server at `url` agrees on."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=parts.hostname) as tls,
    ):
        return tls.version()


def test_the_wallet_serves_tls_1_3_with_its_organisations_certificate(
    https_wallet: str, files: HttpsFiles
) -> None:
    resp = httpx.get(f"{https_wallet}/v1/health", verify=files.client_context())
    assert resp.status_code == 200
    offer_all = ssl.create_default_context(cafile=str(files.ca))  # 1.2 and 1.3
    assert handshake(https_wallet, offer_all) == "TLSv1.3"


def test_a_client_capped_at_tls_1_2_is_refused(https_wallet: str, files: HttpsFiles) -> None:
    capped = ssl.create_default_context(cafile=str(files.ca))
    capped.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{https_wallet}/v1/health", verify=capped)
    with pytest.raises(ssl.SSLError):  # the server hangs up in the handshake
        handshake(https_wallet, capped)


def test_a_certificate_from_another_ca_is_not_trusted(https_wallet: str, tmp_path: Path) -> None:
    other = make_https_files(tmp_path / "other", org="psb")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{https_wallet}/v1/health", verify=other.client_context())


def test_the_certificate_names_the_host_dialled(tmp_path: Path, files: HttpsFiles) -> None:
    """A certificate for other hosts only is refused by the caller's host name check."""
    elsewhere = make_https_files(tmp_path / "elsewhere", hosts=("wallet.example",))
    overrides = elsewhere.settings(host="127.0.0.1", port=free_port())
    with (
        running_wallet(tmp_path / "data", **overrides) as wallet,
        serving(wallet.app, wallet.app.state.settings) as url,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        httpx.get(f"{url}/v1/health", verify=elsewhere.client_context())


def test_plain_http_is_not_answered_on_the_https_port(https_wallet: str) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(https_wallet.replace("https://", "http://") + "/v1/health")


@pytest.mark.parametrize("host", ["0.0.0.0", "10.77.0.20", "::", "wallet"])
def test_plain_http_off_loopback_is_refused(host: str) -> None:
    settings = WalletSettings(insecure_http=True, host=host)
    with pytest.raises(ListenRefused, match="loopback") as refused:
        server_config(lambda *_: None, settings)  # type: ignore[arg-type]
    assert "TRUSTLEDGER_WALLET_INSECURE_HTTP" in str(refused.value)


def test_without_the_flag_https_is_required(tmp_path: Path) -> None:
    """No development flag: no plain HTTP even on loopback; a missing certificate is named."""
    missing = tmp_path / "nowhere.pem"
    settings = WalletSettings(host="127.0.0.1", https_cert_path=missing)
    with pytest.raises(ListenRefused, match=str(missing)):
        server_config(lambda *_: None, settings)  # type: ignore[arg-type]


def test_plain_http_with_the_flag_on_loopback_is_served(tmp_path: Path) -> None:
    overrides = {"insecure_http": True, "host": "127.0.0.1", "port": free_port()}
    with (
        running_wallet(tmp_path, **overrides) as wallet,
        serving(wallet.app, wallet.app.state.settings) as url,
    ):
        assert url.startswith("http://")
        resp = httpx.get(f"{url}/v1/health")
        assert resp.status_code == 200
        assert "Strict-Transport-Security" not in resp.headers  # HSTS is for HTTPS only


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_wallet_process_refuses_plain_http_off_loopback_with_one_line(
    tmp_path: Path,
) -> None:
    stderr = run_refused_start(
        ["wallet"],
        {
            **os.environ,
            "TRUSTLEDGER_WALLET_DATA_DIR": str(tmp_path / "data"),
            "TRUSTLEDGER_WALLET_INSECURE_HTTP": "true",
            "TRUSTLEDGER_WALLET_HOST": "0.0.0.0",
        },
    )
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wallet: cannot start: plain HTTP"), lines


def test_a_wallet_client_context_offers_tls_1_3_only(files: HttpsFiles) -> None:
    context = https_context([files.ca])
    assert context.minimum_version == ssl.TLSVersion.TLSv1_3
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED


def test_health_answers_over_https_to_the_healthcheck(
    https_wallet: str, files: HttpsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m wallet.healthcheck` (docker/compose.yaml) reaches it with the CA."""
    from wallet import healthcheck

    port = https_wallet.rsplit(":", 1)[1]
    monkeypatch.setenv("TRUSTLEDGER_WALLET_HOST", "0.0.0.0")  # as in the container
    monkeypatch.setenv("TRUSTLEDGER_WALLET_PORT", port)
    assert healthcheck.main(["--ca", str(files.ca)]) == 0
    other = make_https_files(files.ca.parent.parent / "other", org="psb")
    assert healthcheck.main(["--ca", str(other.ca)]) == 1


def test_an_agencys_signed_request_goes_over_https_checked_against_the_wallets_ca(
    https_wallet: str, files: HttpsFiles
) -> None:
    now = dt.datetime.now(dt.UTC)
    edu = Org.make("edu", now)
    cert, key = edu.issue("issuer", now)
    url = f"{https_wallet}/v1/holders/hd{'0' * 40}/certificates"
    # The wallet's CA: the request arrives (and is refused there: edu's CA is not on the
    # fake chain), so TLS and the host name checked.
    caller = WalletCaller(cert, key, files.client_context())
    assert caller.request("POST", url, json={"document": {}}).status_code == 401
    # The system's CAs do not know the wallet's organisation.
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        WalletCaller(cert, key).request("POST", url, json={"document": {}})
