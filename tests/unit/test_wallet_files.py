"""Issue 16 item 5, the wallet's part: its data folder (every holder's sealed seed) is 0700
and its files 0600, and it refuses to start on a data folder or key file that other users
can reach, naming the path and the `chmod` that fixes it, as a validator does
(node/files.py, shared)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from node.chain.crypto import KeyPair
from suites import ED25519_SHA256
from wallet.files import check_wallet_files
from wallet.settings import WalletSettings
from wallet.store import WalletStore

from .files_support import mode, refusal_once_loosened, run_refused_start
from .node_support import diploma_genesis
from .wallet_https_support import HttpsFiles, make_https_files, write_private
from .wallet_https_support import wallet_process as start_wallet_process
from .wallet_support import PASSPHRASE


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
    genesis = diploma_genesis(
        "wallet-files-test", [KeyPair.generate().public_key], KeyPair.generate()
    )
    with start_wallet_process(tmp_path, genesis) as running:
        yield running


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
