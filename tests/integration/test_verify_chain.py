"""`trustledger audit verify-chain` against a real devnet: the honest chain verifies, and a
validator whose LevelDB was tampered with while it was stopped is caught at exactly the
tampered height, with the reason (issue 13, auditor CLI item 1).

One devnet; one validator is stopped, its database kept as it was, and each case tampers a
fresh copy of it, starts the validator on it, points verify-chain at it and stops it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plyvel
import pytest
from typer.testing import CliRunner

from cli.devnet import Devnet
from cli.main import app
from node.chain.statetree import build_tree
from node.ledger.store import META_STATE_ROOT, P_BLOCK, P_STATE, u64
from proto import ledger_pb2
from suites import ED25519_SHA256
from tests.integration.helpers import DIPLOMA, cli_issue, new_holder, wait_all_at
from tests.integration.tamper_support import edit_block, forge_votes, tampered

VICTIM = "val-3"
BAD = 2
"""The height tampered with (a block in the middle of the chain)."""

runner = CliRunner()


def verify(net: Devnet, address: str, *more: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(
        app, ["audit", "verify-chain", "--dir", str(net.dir), "--node", address, "--json", *more]
    )
    doc: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return result.exit_code, doc


def flip_a_byte(db: plyvel.DB) -> None:
    """One byte of the stored block flipped: the last byte of its first transaction's
    signature (a flip elsewhere may leave bytes protobuf cannot read)."""
    key = P_BLOCK + u64(BAD)
    raw = bytearray(db.get(key))
    block = ledger_pb2.Block.FromString(bytes(raw))
    signature = bytes(block.txs[0].signature)
    at = bytes(raw).index(signature) + len(signature) - 1
    raw[at] ^= 0x01
    db.put(key, bytes(raw))


def delete_block(db: plyvel.DB) -> None:
    db.delete(P_BLOCK + u64(BAD))


def swap_a_transaction(db: plyvel.DB) -> None:
    """Block BAD's first transaction replaced by the next block's (signed, but another)."""
    later = ledger_pb2.Block.FromString(db.get(P_BLOCK + u64(BAD + 1)))
    edit_block(db, BAD, lambda b: b.txs[0].CopyFrom(later.txs[0]))


def forge_certificate(db: plyvel.DB) -> None:
    edit_block(db, BAD, forge_votes)


def alter_state_value(db: plyvel.DB) -> None:
    """A state value changed, and the stored root made to match it, so that the node starts
    and serves the altered state (with the root left alone it refuses to start)."""
    key, value = next(iter(db.iterator(prefix=P_STATE)))
    db.put(key, value + b" ")
    state = [(k[len(P_STATE) :], v) for k, v in db.iterator(prefix=P_STATE)]
    db.put(META_STATE_ROOT, build_tree(state, ED25519_SHA256).root)


@pytest.fixture(scope="module")
def chain(net: Devnet) -> int:
    """A few blocks of diplomas; every validator at the tip; the tip's height."""
    holder, _ = new_holder(net)
    for _ in range(4):
        cli_issue(net, "edu", "diploma", holder, DIPLOMA)
    with net.client() as c:
        tip = int(c.status().height)
    wait_all_at(net, tip)
    assert tip >= BAD + 2
    return tip


def test_the_devnet_chain_verifies(net: Devnet, chain: int) -> None:
    code, doc = verify(net, net.addresses[VICTIM])
    assert (code, doc["ok"], doc["fault"]) == (0, True, None)
    assert doc["verified_height"] == doc["tip_height"] >= chain
    assert doc["txs"] >= 4
    assert doc["blocks_per_s"] > 0
    code, doc = verify(net, net.node_address, "--from-all")
    assert (code, doc["fault"], doc["unreachable"]) == (0, None, [])
    assert doc["compared_with"] == ["val-1", "val-2", "val-3"]


@pytest.mark.parametrize(
    ("tamper", "height", "kind", "fork"),
    [
        (flip_a_byte, BAD, "tx-signature", True),
        (delete_block, BAD, "missing-block", True),
        (swap_a_transaction, BAD, "tx-root", True),
        (forge_certificate, BAD, "commit-certificate", False),
        (alter_state_value, None, "node-state", False),
    ],
)
def test_a_tampered_database_is_named_at_its_height(
    net: Devnet,
    chain: int,
    tmp_path: Path,
    tamper: Callable[[plyvel.DB], None],
    height: int | None,
    kind: str,
    fork: bool,
) -> None:
    """`fork`: the tampering also shows from an honest node with --from-all (a forged
    certificate or an altered state leaves the victim's headers and transactions alone)."""
    with tampered(net, VICTIM, tmp_path / "kept", tamper) as tip:
        code, doc = verify(net, net.addresses[VICTIM])
        assert code == 1
        assert doc["ok"] is False
        assert doc["fault"]["kind"] == kind
        assert doc["fault"]["height"] == (tip if height is None else height)
        code, doc = verify(net, net.node_address, "--from-all")
        assert (code, doc["fault"] and doc["fault"]["kind"]) == ((1, "fork") if fork else (0, None))
        if fork:
            assert doc["fault"]["height"] == BAD
            assert VICTIM in doc["fault"]["detail"]
