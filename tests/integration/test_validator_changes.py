"""Validator-set changes on real processes: the member organisations add a fifth validator
through governance (`trustledger devnet add-validator`), the running validators learn its
endpoint from the committed decision and connect to it, and from the activation height on
the five of them (n = 5, f = 1, quorum 4) certify blocks, checked by the SDK against the
validator sets it follows from genesis.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import devnet
from cli.cert import issue_certificate
from cli.devnet import Devnet
from cli.main import app
from node.sdk.evidence import seal
from node.sdk.finality import FinalityError, check_finality
from tests.integration.helpers import (
    ID_CARD,
    agreed_view,
    block_hashes,
    cli,
    cli_fails,
    new_holder,
    org_key,
    runner,
    wait_all_at,
)


def test_bad_requests_change_nothing(net: Devnet) -> None:
    devnet_json = (net.dir / "devnet.json").read_text(encoding="utf-8")
    with net.client() as client:
        proposals = client.query("membership", "proposals")
    for args, message in (
        (("--id", "val 5", "--operator", "hrss"), "validator id must be"),
        (("--id", "val-0", "--operator", "hrss"), "already has a validator val-0"),
        (("--id", "val-5", "--operator", "bank"), "does not have the validator_operator role"),
        (("--id", "val-5", "--operator", "nobody"), "holds no key of organisation nobody"),
        (("--id", "val-5", "--operator", "Not An Org"), "operator must be"),
    ):
        out = cli_fails(net, "devnet", "add-validator", *args)
        assert message in " ".join(out.split()), out
    assert (net.dir / "devnet.json").read_text(encoding="utf-8") == devnet_json
    assert not (net.dir / "keys" / "validators" / "val-5.json").exists()
    assert not (net.dir / "nodes" / "val-5").exists()
    with net.client() as client:
        assert client.query("membership", "proposals") == proposals


def test_a_fifth_validator_joins_through_governance(net: Devnet, tmp_path: Path) -> None:
    genesis = net.genesis.validators
    added = cli(net, "devnet", "add-validator", "--id", "val-4", "--operator", "hrss")
    activation = added["activation_height"]
    assert activation == added["decided_height"] + 16
    assert added["height"] >= added["decided_height"]  # it caught up before returning
    five = Devnet.load(net.dir)
    assert five.addresses["val-4"] == added["endpoint"]
    assert json.loads((net.dir / "devnet.json").read_text())["validators"]["val-4"]

    with five.client() as client:
        scheduled = client.query("membership", "validators", height=activation)
        assert [v["id"] for v in scheduled["validators"]] == [f"val-{i}" for i in range(5)]
        assert scheduled["validators"][4]["endpoint"] == added["endpoint"]
        assert [
            v["id"]
            for v in client.query("membership", "validators", height=activation - 1)["validators"]
        ] == [f"val-{i}" for i in range(4)]

        # Traffic carries the chain past the activation height.
        psb = org_key(five, "psb")
        holder, _ = new_holder(five)
        height = 0
        for _ in range(activation + 5):
            if height > activation:
                break
            _, committed = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
            height = committed.height
        assert height > activation

        # The SDK follows the decided sets from genesis; after activation, 5 validators with
        # a quorum of 4 certify each block, before it the genesis set.
        schedule = client.get_validator_schedule(genesis)
        assert schedule.at(activation - 1) == genesis
        five_set = schedule.at(activation)
        assert five_set.n == 5 and five_set.quorum == 4
        assert five_set.get("val-4") is not None
        assert five_set.get("val-4").public_key.hex() == added["public_key"]  # type: ignore[union-attr]
        for h in (activation - 1, activation, height):
            block = client.get_block(h).block
            check_finality(
                five.chain_id, schedule, block.header, block.commit, suite=five.genesis.suite
            )
            assert len(block.commit.votes) >= schedule.at(h).quorum

    # kill -9 one of the original four (not the primary): 4 of 5 go on, val-4 among them.
    _, primary = agreed_view(five)
    victim = next(v for v in ("val-3", "val-2", "val-1") if v != primary)
    survivor = next(a for v, a in five.addresses.items() if v not in (victim, "val-4"))
    devnet.stop_process(five.dir, victim, hard=True)
    assert victim not in devnet.running(five.dir)
    with five.client(survivor, timeout_s=60) as client:
        doc, after = issue_certificate(client, psb, "resident_id_card", holder, ID_CARD)
        assert after.height > height
        block = client.get_block(after.height).block
    voters = [v.validator for v in block.commit.votes]
    assert "val-4" in voters and victim not in voters
    check_finality(five.chain_id, schedule, block.header, block.commit, suite=five.genesis.suite)
    with pytest.raises(FinalityError):  # the genesis set alone does not know val-4
        check_finality(five.chain_id, genesis, block.header, block.commit, suite=five.genesis.suite)
    # An agency's CLI check follows the same sets from genesis.
    verified = cli(five, "cert", "verify", "--cert-id", doc["cert_id"], "--node", survivor)
    assert verified["status"] == "valid" and verified["height"] >= after.height

    # The victim restarts and catches up; all five ledgers are identical.
    devnet.start_validator(five, victim)
    wait_all_at(five, after.height, timeout_s=60)
    reference = block_hashes(five, five.addresses["val-0"], after.height)
    for vid, address in five.addresses.items():
        assert block_hashes(five, address, after.height) == reference, vid

    # The holder's evidence spans the change: the package carries the decision, proven in
    # its block, and is refused without it.
    out = tmp_path / "evidence.json"
    exported = cli(five, "audit", "export-evidence", "--subject", holder, "--out", str(out))
    assert exported["validator_changes"] == 1
    checked = json.loads(runner.invoke(app, ["audit", "check-evidence", str(out), "--json"]).stdout)
    assert [s["from_height"] for s in checked["validator_sets"]] == [0, activation]
    assert checked["validator_sets"][1]["validators"] == [f"val-{i}" for i in range(5)]
    assert {e["height"] for e in checked["entries"]} & {h for h in range(activation, height + 1)}
    parts = json.loads(out.read_bytes())
    parts["validator_changes"] = []
    out.write_bytes(seal(parts))
    refused = runner.invoke(app, ["audit", "check-evidence", str(out), "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["part"] == "validator-history"
