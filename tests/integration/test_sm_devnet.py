"""An ``sm2-sm3`` devnet end to end (issue 18): `trustledger demo --suite sm2-sm3` starts
validators with SM2 keys on an SM chain and plays the whole story through the wallet and the
bank (issuance, delivery sealed with SM2 + SM4-GCM, consent, a verification proven by SM2
votes over SM3 hashes, the annotated copy, the audit trace, revocation; the holder's key kept
under her passphrase in an SM4-GCM box); a validator given a key of the other suite stops at
start with one line; a devnet is one suite for its life."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import plyvel
import pytest

from cli import devnet
from cli.demo import LI_NA_PASSPHRASE
from node.chain.crypto import KeyPair, load_key_file, save_key_file
from suites import ED25519_SHA256, SM2_SM3
from tests.integration.test_demo import run_demo
from tests.unit.files_support import run_refused_start
from wallet import passphrases
from wallet.passphrases import PassphraseKdf
from wallet.store import P_HOLDER


def test_the_demo_plays_its_story_on_an_sm_chain(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    code, out = run_demo(folder, "--suite", "sm2-sm3")
    assert code == 0, out
    flat = " ".join(out.split())  # rich wraps long lines
    assert "(sm2-sm3) up in" in flat
    assert "demo finished: every step checked against the chain" in flat
    # Verified with the chain's proof (SM2 votes checked against genesis), read through the
    # wallet's sealed delivery, annotated by the holder's SM2 signature, then revoked.
    assert "3 validator signatures checked against genesis" in flat
    assert "the document matches the on-chain hash, and the copy carries the annotation" in flat
    assert "revoked (reason: degree rescinded after review)" in flat
    assert devnet.running(folder) == {}
    genesis = json.loads((folder / "genesis.json").read_text("utf-8"))
    assert genesis["suite"] == "sm2-sm3"
    assert {len(bytes.fromhex(v["public_key"])) for v in genesis["validators"]} == {65}
    assert {len(bytes.fromhex(o["public_key"])) for o in genesis["organisations"]} == {65}
    key = load_key_file(folder / "keys" / "orgs" / "edu.json", devnet.passphrase())
    assert key.suite is SM2_SM3
    # Li Na's wallet record: her SM2 key sealed with SM4-GCM under her passphrase's key.
    (record,) = holder_records(folder / "wallet" / "db")
    assert record["passphrase"]["box"] == "sm4-gcm"
    kdf = PassphraseKdf(passphrases.MINIMAL, 1, suite=SM2_SM3)  # opens with the stored costs
    opened = kdf.open(record, LI_NA_PASSPHRASE)
    assert SM2_SM3.public_key_from_private(opened).hex() == record["public_key"]


def holder_records(db: Path) -> list[dict[str, Any]]:
    """The holder records of a stopped wallet's store, read from its files."""
    store = plyvel.DB(str(db))
    try:
        return [json.loads(v) for _, v in store.iterator(prefix=P_HOLDER)]
    finally:
        store.close()


def test_a_validator_with_a_key_of_the_other_suite_stops_at_start(tmp_path: Path) -> None:
    net = devnet.init_devnet(tmp_path / "net", 0, suite=SM2_SM3)
    key_path = net.dir / "keys" / "validators" / "val-0.json"
    save_key_file(key_path, KeyPair.generate(ED25519_SHA256), devnet.passphrase(), label="val-0")
    stderr = run_refused_start(
        ["node", "--config", str((net.dir / "nodes" / "val-0" / "node.json").resolve())],
        {**os.environ, "TRUSTLEDGER_KEY_PASSPHRASE": devnet.passphrase()},
    )
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "is a ed25519-sha256 key, but this chain's suite is sm2-sm3" in lines[0]


def test_a_devnet_keeps_its_suite(tmp_path: Path) -> None:
    folder = tmp_path / "net"
    made = devnet.init_devnet(folder, 0, suite=SM2_SM3)
    assert devnet.init_devnet(folder, 0).genesis.suite is SM2_SM3  # none named: its own
    with pytest.raises(ValueError, match="is a sm2-sm3 chain, not ed25519-sha256"):
        devnet.init_devnet(folder, 0, suite=ED25519_SHA256)
    assert devnet.Devnet.load(folder).chain_id == made.chain_id
