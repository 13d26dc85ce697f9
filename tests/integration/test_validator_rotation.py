"""Rotating a validator's key and removing a validator, on real processes.

`val-1` gets a new key through governance (`trustledger devnet rotate-validator-key`): its
node holds both keys and signs with the old one below the activation height and with the
new one from it, which the SDK checks against the validator sets it follows from genesis.
Then a fifth validator joins and an original one is removed (`devnet add-validator`,
`devnet remove-validator`); past the removal's activation height the removed process is
stopped (`devnet retire-validator`), commits go on and the remaining ledgers are identical.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import devnet
from cli.cert import issue_certificate
from cli.devnet import Devnet
from consensus.crypto import verify_ed25519
from consensus.signing import commit_sign_bytes
from node.chain.crypto import KeyPair
from node.config import NodeConfig
from node.sdk.client import LedgerClient
from node.sdk.finality import FinalityError, check_finality
from proto import ledger_pb2
from tests.integration.helpers import (
    ID_CARD,
    block_hashes,
    cli,
    cli_fails,
    new_holder,
    org_key,
    wait_all_at,
)


def vote_of(block: ledger_pb2.Block, vid: str) -> bytes | None:
    for vote in block.commit.votes:
        if vote.validator == vid:
            return bytes(vote.signature)
    return None


def signed_by(chain_id: str, block: ledger_pb2.Block, public_key: bytes, vid: str) -> bool:
    """Whether `vid`'s vote in the block's commit certificate verifies under `public_key`."""
    signature = vote_of(block, vid)
    assert signature is not None
    commit = block.commit
    msg = commit_sign_bytes(chain_id, commit.view, commit.height, bytes(commit.block_hash))
    return verify_ed25519(public_key, msg, signature)


class Traffic:
    """Certificate issues, one block each, to carry the chain to a height."""

    def __init__(self, net: Devnet) -> None:
        self.net = net
        self.psb: KeyPair = org_key(net, "psb")
        self.holder, _ = new_holder(net)
        self.height = 0

    def issue(self, client: LedgerClient) -> int:
        _, committed = issue_certificate(client, self.psb, "resident_id_card", self.holder, ID_CARD)
        self.height = max(self.height, int(committed.height))
        return self.height

    def past(self, client: LedgerClient, height: int) -> int:
        for _ in range(height + 10):  # one block per issue at least: bounded by blocks
            if self.height > height:
                break
            self.issue(client)
        assert self.height > height
        return self.height


def test_bad_requests_change_nothing(net: Devnet) -> None:
    devnet_json = (net.dir / "devnet.json").read_text(encoding="utf-8")
    node_json = (net.dir / "nodes" / "val-1" / "node.json").read_text(encoding="utf-8")
    keys = sorted((net.dir / "keys" / "validators").iterdir())
    with net.client() as client:
        proposals = client.query("membership", "proposals")
    for args, message in (
        (("rotate-validator-key", "--id", "val 1"), "validator id must be"),
        (("rotate-validator-key", "--id", "val-9"), "val-9 is not in the validator set"),
        (("rotate-validator-key", "--id", "val-1", "--org", "nobody"), "nobody is not a member"),
        (("rotate-validator-key", "--id", "val-1", "--org", "Not An Org"), "--org must be"),
        (("remove-validator", "--id", "val-9"), "val-9 is not in the validator set"),
        (("retire-validator", "--id", "val-2"), "val-2 still signs"),
        (("retire-validator", "--id", "val-9"), "has no validator val-9"),
    ):
        out = cli_fails(net, "devnet", *args)
        assert message in " ".join(out.split()), out
    assert (net.dir / "devnet.json").read_text(encoding="utf-8") == devnet_json
    assert (net.dir / "nodes" / "val-1" / "node.json").read_text(encoding="utf-8") == node_json
    assert sorted((net.dir / "keys" / "validators").iterdir()) == keys
    assert set(devnet.running(net.dir)) >= {"val-0", "val-1", "val-2", "val-3"}
    with net.client() as client:
        assert client.query("membership", "proposals") == proposals


@pytest.mark.parametrize(
    ("next_key", "message"),
    [
        ("val-3.json", "holds the key of validator 'val-3', not of 'val-2'"),
        ("missing.json", "key file not found"),
    ],
)
def test_a_node_with_a_wrong_next_key_refuses_to_start(
    net: Devnet, tmp_path: Path, next_key: str, message: str
) -> None:
    """One clear line and exit code 2 (no traceback, nothing to restart in a loop)."""
    config = NodeConfig.load(net.dir / "nodes" / "val-2" / "node.json")
    bad = config.model_copy(
        update={
            "home": tmp_path,  # its own database: the running val-2 holds the real one
            "next_key_paths": [(net.dir / "keys" / "validators" / next_key).resolve()],
        }
    )
    bad.save(tmp_path / "node.json")
    done = subprocess.run(
        [sys.executable, "-m", "node", "--config", str(tmp_path / "node.json")],
        env={**os.environ, "TRUSTLEDGER_KEY_PASSPHRASE": devnet.passphrase()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "cannot start" in done.stderr and "Traceback" not in done.stderr


def test_rotate_a_key_then_add_and_remove_validators(net: Devnet) -> None:
    genesis = net.genesis.validators
    old_member = genesis.get("val-1")
    assert old_member is not None
    old_key = old_member.public_key
    traffic = Traffic(net)

    # --- val-1's key rotates; genesis validators have no operator: a member proposes.
    rotated = cli(net, "devnet", "rotate-validator-key", "--id", "val-1")
    activation = rotated["activation_height"]
    decided = rotated["decided_height"]
    assert activation == decided + 16
    assert rotated["old_public_key"] == old_key.hex()
    new_key = bytes.fromhex(rotated["public_key"])
    assert new_key != old_key
    config = NodeConfig.load(net.dir / "nodes" / "val-1" / "node.json")
    assert config.next_key_paths == [Path(rotated["key_path"]).resolve()]
    assert config.key_path.name == "val-1.json"  # the old key stays until the new one is used

    with net.client() as client:
        # Traffic carries the chain past the activation height, until val-1's vote is in a
        # certificate above it (a certificate holds any quorum of votes).
        traffic.past(client, activation)
        for _ in range(30):
            after = [client.get_block(h).block for h in range(activation, traffic.height + 1)]
            if any(vote_of(b, "val-1") is not None for b in after):
                break
            traffic.issue(client)
        before = [client.get_block(h).block for h in range(decided + 1, activation)]

        schedule = client.get_validator_schedule(genesis)
        assert schedule.at(activation - 1) == genesis
        assert schedule.at(activation).get("val-1").public_key == new_key  # type: ignore[union-attr]

        # From the activation height on, val-1 signs with the new key: certificates hold,
        # checked against the schedule; the old key verifies none of its signatures there.
        signed_after = [b for b in after if vote_of(b, "val-1") is not None]
        assert signed_after, "val-1 signed no block after the activation height"
        for block in after:
            check_finality(
                net.chain_id, schedule, block.header, block.commit, suite=net.genesis.suite
            )
        for block in signed_after:
            assert signed_by(net.chain_id, block, new_key, "val-1")
            assert not signed_by(net.chain_id, block, old_key, "val-1")
            with pytest.raises(FinalityError, match="bad signature from validator 'val-1'"):
                check_finality(
                    net.chain_id, genesis, block.header, block.commit, suite=net.genesis.suite
                )
        # Below it, the restarted node (holding both keys) signed with the old key.
        for block in before:
            check_finality(
                net.chain_id, schedule, block.header, block.commit, suite=net.genesis.suite
            )
            if vote_of(block, "val-1") is not None:
                assert signed_by(net.chain_id, block, old_key, "val-1")
                assert not signed_by(net.chain_id, block, new_key, "val-1")

    # val-1 restarts after the activation: it finds the rotation in its state and signs
    # with the new key (no decision is committed meanwhile to hand it the key again).
    devnet.stop_process(net.dir, "val-1", hard=True)
    devnet.start_validator(net, "val-1")
    wait_all_at(net, traffic.height, timeout_s=60)
    restarted_at = traffic.height
    with net.client() as client:
        for _ in range(30):
            traffic.issue(client)
            blocks = [
                client.get_block(h).block for h in range(restarted_at + 1, traffic.height + 1)
            ]
            if any(vote_of(b, "val-1") is not None for b in blocks):
                break
    signed = [b for b in blocks if vote_of(b, "val-1") is not None]
    assert signed, "val-1 signed no block after its restart"
    for block in signed:
        check_finality(net.chain_id, schedule, block.header, block.commit, suite=net.genesis.suite)
        assert signed_by(net.chain_id, block, new_key, "val-1")

    # --- a fifth validator joins, then val-3 (an original) is removed.
    added = cli(net, "devnet", "add-validator", "--id", "val-4", "--operator", "hrss")
    removed = cli(net, "devnet", "remove-validator", "--id", "val-3")
    assert removed["validators_after"] == 4
    assert removed["proposer"] == "hrss"  # val-3's operator, named in genesis
    removal = removed["activation_height"]
    assert removal > added["activation_height"]
    five = Devnet.load(net.dir)
    # Still signing below the activation height: it may not be retired yet.
    out = cli_fails(five, "devnet", "retire-validator", "--id", "val-3")
    assert "val-3 still signs" in " ".join(out.split())
    assert "val-3" in devnet.running(net.dir)

    with five.client() as client:
        traffic.past(client, removal)
        schedule = client.get_validator_schedule(genesis)
    ids = [v.id for v in schedule.at(removal - 1).validators]
    assert ids == ["val-0", "val-1", "val-2", "val-3", "val-4"]
    four = schedule.at(removal)
    assert [v.id for v in four.validators] == ["val-0", "val-1", "val-2", "val-4"]
    assert four.get("val-1").public_key == new_key  # type: ignore[union-attr]
    assert four.quorum == 3

    retired = cli(five, "devnet", "retire-validator", "--id", "val-3")
    assert retired["height"] >= removal
    assert "val-3" not in devnet.running(net.dir)
    remaining = Devnet.load(net.dir)
    assert sorted(remaining.addresses) == ["val-0", "val-1", "val-2", "val-4"]

    # Commits go on without val-3; certificates of the four hold, with val-1's new key.
    with remaining.client() as client:
        start = traffic.height
        for _ in range(30):
            traffic.issue(client)
            blocks = [client.get_block(h).block for h in range(start + 1, traffic.height + 1)]
            if len(blocks) >= 3 and any(vote_of(b, "val-1") for b in blocks):
                break
    assert traffic.height > start
    for block in blocks:
        assert vote_of(block, "val-3") is None
        check_finality(net.chain_id, schedule, block.header, block.commit, suite=net.genesis.suite)
    assert any(signed_by(net.chain_id, b, new_key, "val-1") for b in blocks if vote_of(b, "val-1"))

    # Identical ledgers on every remaining validator.
    wait_all_at(remaining, traffic.height, timeout_s=60)
    reference = block_hashes(net, remaining.addresses["val-0"], traffic.height)
    for vid, address in remaining.addresses.items():
        assert block_hashes(net, address, traffic.height) == reference, vid
