"""Keys of a suite (issue 18): a `KeyPair` and its key file name the suite they belong to, a
key file of an `ed25519-sha256` key reads and writes as before, and a node given a key of
the other suite than its chain's refuses to start with one line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from consensus.validators import Validator, ValidatorSet
from node.chain.crypto import KeyFileError, KeyPair, load_key_file, save_key_file
from node.config import NodeConfig
from node.genesis import Genesis
from node.ledger.store import Store
from node.runtime import Node
from node.validators import KeyConfigError, KeyRing
from suites import ED25519_SHA256, SM2_SM3, SUITES, Suite
from tests.unit.files_support import run_refused_start
from tests.unit.node_support import config_doc

PASSPHRASE = "a long passphrase"
SUITE_PARAMS = [pytest.param(s, id=s.name) for s in SUITES.values()]


def other_suite(suite: Suite) -> Suite:
    return SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_key_pair_signs_in_its_suite(suite: Suite) -> None:
    key = KeyPair.generate(suite)
    assert key.suite is suite
    assert len(key.seed) == suite.private_key_bytes
    assert len(key.public_key) == suite.public_key_bytes
    assert suite.verify(key.public_key, b"m", key.sign(b"m"))
    assert not other_suite(suite).verify(key.public_key, b"m", key.sign(b"m"))


def test_a_key_pair_without_a_suite_is_ed25519() -> None:
    key = KeyPair(b"\x41" * 32)
    assert key.suite is ED25519_SHA256
    assert key == KeyPair(b"\x41" * 32, ED25519_SHA256)
    assert key.public_key == ED25519_SHA256.public_key_from_private(b"\x41" * 32)
    assert KeyPair.generate().suite is ED25519_SHA256


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_key_file_names_its_suite_and_reads_back(suite: Suite, tmp_path: Path) -> None:
    key = KeyPair.generate(suite)
    path = tmp_path / "k.json"
    save_key_file(path, key, PASSPHRASE, label="val-0")
    doc = json.loads(path.read_text())
    # An Ed25519 key file is written exactly as before issue 18: no suite field.
    assert doc.get("suite") == (None if suite is ED25519_SHA256 else suite.name)
    assert doc["public_key"] == key.public_key.hex()
    assert load_key_file(path, PASSPHRASE) == key


def test_a_key_file_of_an_unknown_or_wrong_suite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key_file(path, KeyPair.generate(SM2_SM3), PASSPHRASE)
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "suite": "rsa-md5"}))
    with pytest.raises(KeyFileError, match="unknown crypto suite 'rsa-md5'"):
        load_key_file(path, PASSPHRASE)
    del doc["suite"]  # an SM2 key read as Ed25519: its public key does not match
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="does not match"):
        load_key_file(path, PASSPHRASE)


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_key_ring_refuses_a_key_of_the_other_suite(suite: Suite) -> None:
    wrong = KeyPair.generate(other_suite(suite))
    with pytest.raises(KeyConfigError) as refused:
        KeyRing("val-0", [wrong], ["keys/val-0.json"], suite)
    assert str(refused.value) == (
        f"keys/val-0.json is a {other_suite(suite).name} key, but this chain's suite is"
        f" {suite.name}"
    )
    right = KeyPair.generate(suite)
    ring = KeyRing("val-0", [right], ["keys/val-0.json"], suite)
    assert ring.signers[right.public_key].sign(b"m") != b""


def genesis_of(suite: Suite) -> Genesis:
    validator = KeyPair.generate(suite)
    return Genesis(
        chain_id=f"chain-{suite.name}",
        genesis_time_ms=1_700_000_000_000,
        validators=ValidatorSet((Validator("val-0", validator.public_key),)),
        organisations=(),
        suite=suite,
    )


def node_home(tmp_path: Path, genesis: Genesis, key: KeyPair) -> NodeConfig:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    config = NodeConfig.model_validate(config_doc(home, "val-0"))
    save_key_file(config.key_path, key, PASSPHRASE)
    config.tls_key_path.chmod(0o600)
    genesis.save(config.genesis_path)
    config.save(home / "node.json")
    return config


def test_a_node_refuses_a_key_of_the_other_suite(tmp_path: Path) -> None:
    """On a default chain (an SM chain's genesis waits for the contracts to take SM2 keys;
    the key ring's refusal is checked both ways above)."""
    suite = ED25519_SHA256
    genesis = genesis_of(suite)
    config = node_home(tmp_path, genesis, KeyPair.generate(other_suite(suite)))
    store = Store(config.home / "db", genesis.suite)
    try:
        with pytest.raises(KeyConfigError, match=f"but this chain's suite is {suite.name}"):
            Node(config, genesis, load_key_file(config.key_path, PASSPHRASE), store)
    finally:
        store.close()


def test_the_node_process_stops_at_start_with_one_line(tmp_path: Path) -> None:
    config = node_home(tmp_path, genesis_of(ED25519_SHA256), KeyPair.generate(SM2_SM3))
    stderr = run_refused_start(
        ["node", "--config", str(config.home / "node.json")],
        {**os.environ, "TRUSTLEDGER_KEY_PASSPHRASE": PASSPHRASE},
    )
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "cannot start" in lines[0]
    assert (
        f"{config.key_path} is a sm2-sm3 key, but this chain's suite is ed25519-sha256"
        in (lines[0])
    )
