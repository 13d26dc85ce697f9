"""Issue 16 item 5: a validator's data folder is 0700 and its files 0600, and it refuses to
start on a data folder or key file other users can reach, naming the path and the `chmod`
that fixes it; the devnet creates node folders it accepts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli import devnet
from node.chain.crypto import KeyPair, save_key_file
from node.config import NodeConfig
from node.files import (
    ExposedPathError,
    check_private,
    get_exposure,
    set_private_umask,
    write_private_json,
)
from node.ledger.store import Store
from node.ledger.wal import Wal
from node.transport.server import check_node_files
from suites import ED25519_SHA256
from tests.unit.files_support import mode, refusal_once_loosened, run_refused_start
from tests.unit.node_support import config_doc


def private_config(tmp_path: Path) -> NodeConfig:
    """A node.json whose home is 0700 and whose keys are 0600."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    config = NodeConfig.model_validate(config_doc(home, "val-0"))
    save_key_file(config.key_path, KeyPair(b"\x41" * 32), "a long passphrase")
    config.tls_key_path.chmod(0o600)
    config.save(home / "node.json")
    return config


@pytest.mark.parametrize(
    ("target", "loose", "fix"),
    [("home", 0o755, "700"), ("key", 0o644, "600"), ("tls", 0o640, "600"), ("db", 0o711, "700")],
)
def test_a_reachable_folder_or_key_is_refused_with_the_fix(
    tmp_path: Path, target: str, loose: int, fix: str
) -> None:
    config = private_config(tmp_path)
    path = {
        "home": config.home,
        "key": config.key_path,
        "tls": config.tls_key_path,
        "db": config.home / "db",
    }[target]
    refused = refusal_once_loosened(lambda: check_node_files(config), path, loose)
    assert f"chmod {fix} {path}" in str(refused)


def test_a_missing_data_folder_is_created_private(tmp_path: Path) -> None:
    config = private_config(tmp_path)
    config.home = tmp_path / "fresh"
    check_node_files(config)
    assert mode(config.home) == 0o700


def test_the_node_process_refuses_to_start_with_one_clear_line(tmp_path: Path) -> None:
    config = private_config(tmp_path)
    config.home.chmod(0o755)
    stderr = run_refused_start(
        ["node", "--config", str(config.home / "node.json")],
        {**os.environ, "TRUSTLEDGER_KEY_PASSPHRASE": "a long passphrase"},
    )
    assert "cannot start" in stderr and f"chmod 700 {config.home}" in stderr
    assert "Traceback" not in stderr


def test_what_the_node_creates_is_private(tmp_path: Path) -> None:
    """The folders and the WAL by their own modes (under this test process's umask); the
    LevelDB files by the node process's umask."""
    home = tmp_path / "home"
    Store(home / "db", ED25519_SHA256).close()
    Wal(home / "consensus.wal").close()
    assert mode(home / "db") == 0o700
    assert mode(home / "consensus.wal") == 0o600
    old = set_private_umask()  # what `python -m node` does first
    try:
        Store(tmp_path / "other" / "db", ED25519_SHA256).close()
    finally:
        os.umask(old)
    assert {mode(p) for p in (tmp_path / "other" / "db").iterdir()} == {0o600}


def test_the_devnet_creates_node_folders_a_node_accepts(tmp_path: Path) -> None:
    devnet.init_devnet(tmp_path / "net", 0)
    for vid in devnet.VALIDATOR_IDS:
        config = NodeConfig.load(tmp_path / "net" / "nodes" / vid / "node.json")
        assert mode(config.home) == 0o700
        check_node_files(config)


def test_a_private_json_file_holds_the_document_indented_by_two(tmp_path: Path) -> None:
    path, tmp = tmp_path / "doc.json", tmp_path / "doc.json.tmp"
    doc = {"validators": [{"id": "val-0"}], "name": "证照"}
    write_private_json(path, doc, tmp)
    assert path.read_text("utf-8") == json.dumps(doc, indent=2)
    assert mode(path) == 0o600
    assert not tmp.exists()


def test_every_reachable_path_is_named_in_one_refusal(tmp_path: Path) -> None:
    """The operator fixes them all in one go, not one per start."""
    folder, key, fine = tmp_path / "data", tmp_path / "key", tmp_path / "fine"
    folder.mkdir()
    folder.chmod(0o755)
    key.write_bytes(b"k")
    key.chmod(0o644)
    fine.write_bytes(b"f")
    fine.chmod(0o600)
    with pytest.raises(ExposedPathError) as refused:
        check_private([folder, fine, key])
    assert str(refused.value) == f"{get_exposure(folder)}; {get_exposure(key)}"
    assert "chmod 700" in str(get_exposure(folder)) and "chmod 600" in str(get_exposure(key))
