"""Issue 16 item 5, the wallet's part: its data folder (every holder's sealed seed) is 0700
and its files 0600, and it refuses to start on a data folder or key file that other users
can reach, naming the path and the `chmod` that fixes it, as a validator does
(node/files.py, shared)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from node.chain import pki
from node.chain.crypto import KeyPair
from suites import ED25519_SHA256
from wallet.files import check_wallet_files
from wallet.settings import WalletSettings
from wallet.store import WalletStore

from .files_support import mode, refusal_once_loosened, run_refused_start
from .node_support import diploma_genesis
from .wallet_https_support import HttpsFiles, free_port, make_https_files, write_private
from .wallet_support import PASSPHRASE

START_WAIT_S = 120.0


def private_settings(tmp_path: Path) -> WalletSettings:
    """Settings whose data folder is 0700 and whose key files are 0600."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    files = make_https_files(tmp_path / "tls")
    client_key = write_private(tmp_path / "tls" / "wallet.key", b"not read by the check")
    return WalletSettings(data_dir=data, tls_key_path=client_key, **files.settings())


@pytest.mark.parametrize(
    ("target", "loose", "fix"),
    [
        ("data", 0o755, "700"),
        ("db", 0o711, "700"),
        ("tls", 0o644, "600"),
        ("https", 0o640, "600"),
    ],
)
def test_a_reachable_folder_or_key_is_refused_with_the_fix(
    tmp_path: Path, target: str, loose: int, fix: str
) -> None:
    settings = private_settings(tmp_path)
    path = {
        "data": settings.data_dir,
        "db": settings.data_dir / "db",
        "tls": settings.tls_key_path,
        "https": settings.https_key_path,
    }[target]
    refused = refusal_once_loosened(lambda: check_wallet_files(settings), path, loose)
    assert f"chmod {fix} {path}" in str(refused)


def test_a_missing_data_folder_is_created_private(tmp_path: Path) -> None:
    settings = private_settings(tmp_path)
    settings.data_dir = tmp_path / "fresh" / "wallet"
    check_wallet_files(settings)
    assert mode(settings.data_dir) == 0o700


def test_the_store_creates_its_folder_private(tmp_path: Path) -> None:
    store = WalletStore(tmp_path / "db", ED25519_SHA256)
    store.close()
    assert mode(tmp_path / "db") == 0o700


def test_the_wallet_process_refuses_a_readable_data_folder_with_one_line(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    stderr = run_refused_start(["wallet"], {**os.environ, "TRUSTLEDGER_WALLET_DATA_DIR": str(data)})
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("wallet: cannot start: ") and f"chmod 700 {data}" in lines[0]


@pytest.fixture
def wallet_process(tmp_path: Path) -> Iterator[tuple[str, HttpsFiles, Path]]:
    """`python -m wallet` over HTTPS with a fresh data folder (created by the wallet), a
    genesis file and its certificates; yields (URL, HTTPS files, data folder)."""
    files = make_https_files(tmp_path / "tls")
    ca_pem = files.ca.read_bytes()
    now = dt.datetime.now(dt.UTC)
    client_ca = pki.make_ca("bdc", now, 30)  # any CA will do: no validator is dialled here
    client_cert, client_key = pki.issue(*client_ca, "bdc", pki.Role.WALLET, "wallet", (), now, 30)
    (tmp_path / "cas").mkdir()
    (tmp_path / "cas" / "bdc.pem").write_bytes(ca_pem)
    (tmp_path / "client.pem").write_bytes(client_cert)
    write_private(tmp_path / "client.key", client_key)
    diploma_genesis("wallet-files-test", [KeyPair.generate().public_key], KeyPair.generate()).save(
        tmp_path / "genesis.json"
    )
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
        deadline = time.monotonic() + START_WAIT_S
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


def test_what_the_wallet_writes_is_private(
    wallet_process: tuple[str, HttpsFiles, Path],
) -> None:
    url, files, data = wallet_process
    created = httpx.post(
        f"{url}/v1/holders",
        json={"passphrase": PASSPHRASE},
        verify=files.client_context(),
        timeout=60,
    )
    assert created.status_code == 201  # a sealed seed is now on disk
    written = [data, *data.rglob("*")]
    assert len(written) > 3, written  # the LevelDB's folder and files
    for path in written:
        want = 0o700 if path.is_dir() else 0o600
        assert mode(path) == want, f"{path}: {mode(path):o}"
