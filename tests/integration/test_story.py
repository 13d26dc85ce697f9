"""The demo's story through the real APIs: CLI (issuer, bank, auditor), wallet REST
(citizen) and gRPC (verification), on 4 validator processes."""

from __future__ import annotations

import time

import pytest

from cli.devnet import Devnet, node_status
from cli.main import app
from node.sdk.client import TransactionRejected
from tests.integration.helpers import (
    DIPLOMA,
    answer,
    bank_requests,
    cli,
    cli_issue,
    new_holder,
    org_key,
    runner,
    wallet,
)


def test_issue_grant_verify_read_audit_revoke(net: Devnet) -> None:
    holder, token = new_holder(net)

    # The education bureau issues a diploma; the document reaches the wallet.
    issued = cli_issue(net, "edu", "diploma", holder, DIPLOMA)
    cert_id = issued["cert_id"]
    assert issued["delivered"] is True
    listed = wallet("GET", net, f"/v1/holders/{holder}/certificates", token).json()
    assert [c["cert_id"] for c in listed] == [cert_id]
    assert listed[0]["status"] == "valid"
    assert listed[0]["document"]["fields"] == DIPLOMA

    # The bank asks; the citizen sees the pending request and grants it.
    requested = bank_requests(net, holder, cert_id, "mortgage application", "--max-uses", "1")
    request_id = requested["request_id"]
    pending = wallet(
        "GET", net, f"/v1/holders/{holder}/requests", token, params={"status": "pending"}
    ).json()
    assert [(r["request_id"], r["agency"], r["purpose"]) for r in pending] == [
        (request_id, "bank", "mortgage application")
    ]
    granted = answer(net, holder, token, request_id, "grant")
    assert granted.status_code == 200, granted.text
    assert (
        wallet(
            "GET", net, f"/v1/holders/{holder}/requests", token, params={"status": "pending"}
        ).json()
        == []
    )

    # The bank verifies over gRPC (commit certificate checked against genesis) and reads.
    verified = cli(net, "cert", "verify", "--cert-id", cert_id, "--doc-hash", issued["doc_hash"])
    assert verified["status"] == "valid"
    assert verified["issuer"] == "edu"
    assert verified["holder"] == holder
    assert verified["doc_hash_matches"] is True
    assert verified["commit_signatures"] >= 3
    read = cli(net, "consent", "access", "--org", "bank", "--request-id", request_id)
    assert read["document"]["fields"] == DIPLOMA

    # One use was granted: a second read is refused by the contract, and the CLI says why.
    second = runner.invoke(
        app,
        ["consent", "access", "--org", "bank", "--request-id", request_id, "--dir", str(net.dir)],
    )
    assert second.exit_code == 1
    assert "no uses left" in second.output

    # Another organisation tries the bank's grant: the contract refuses it.
    with net.client(org="psb") as client, pytest.raises(TransactionRejected):
        client.call(org_key(net, "psb"), "consent", "access", {"request_id": request_id})

    # 使用知情: the holder sees, in her wallet, who used her data and the bank's refused
    # attempt; not the refusal of a party with no standing on her records (auditors see it).
    activity = wallet("GET", net, f"/v1/holders/{holder}/activity", token).json()
    seen = [(a["actor"], a["action"], a["ok"]) for a in activity]
    assert seen[:2] == [("bank", "consent.access", False), ("bank", "consent.accessed", True)]
    assert "psb" not in {actor for actor, _, _ in seen}
    assert activity[1]["details"]["purpose"] == "mortgage application"
    assert wallet("GET", net, f"/v1/holders/{holder}/activity").status_code == 401

    # The issuer revokes; the next verification says so.
    cli(net, "cert", "revoke", "--org", "edu", "--cert-id", cert_id, "--reason", "issued in error")
    after = cli(net, "cert", "verify", "--cert-id", cert_id)
    assert after["status"] == "revoked"
    assert after["revocation_reason"] == "issued in error"

    # The auditor sees the whole flow, in order, with who did what and in which block.
    trace = cli(net, "audit", "trace", "--subject", holder)["entries"]
    actions = [(e["actor"], e["action"], e["ok"]) for e in trace]
    assert actions == [
        ("edu", "certificate.issued", True),
        ("bank", "consent.requested", True),
        (holder, "consent.granted", True),
        ("bank", "consent.accessed", True),
        ("bank", "consent.access REJECTED", False),
        ("psb", "consent.access REJECTED", False),
        ("edu", "certificate.revoked", True),
    ]
    heights = [e["height"] for e in trace]
    assert heights == sorted(heights)

    # Every validator ends on the same block.
    deadline = time.monotonic() + 20
    while True:
        rows = node_status(net)
        if all(r["up"] for r in rows) and len({(r["height"], r["last_block"]) for r in rows}) == 1:
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)


def test_metrics_are_served_by_every_validator(net: Devnet) -> None:
    import httpx

    from node.sdk.client import TransactionRejected
    from tests.integration.helpers import org_key, wait_all_at

    with net.client() as client, pytest.raises(TransactionRejected) as refused:
        client.call(
            org_key(net, "psb"),
            "certificates",
            "revoke",
            {"cert_id": "cert-missing-1", "reason": "x"},
        )
    wait_all_at(net, refused.value.height)
    for vid, url in net.metrics.items():
        text = httpx.get(url, timeout=10).text
        values = {
            line.split(" ")[0]: float(line.split(" ")[1])
            for line in text.splitlines()
            if line and not line.startswith("#")
        }
        assert values["trustledger_height"] >= refused.value.height, vid
        assert values["trustledger_blocks_committed_total"] >= 1
        assert values['trustledger_txs_committed_total{outcome="rejected"}'] >= 1


def test_devnet_status_reports_all_validators(net: Devnet) -> None:
    status = cli(net, "devnet", "status")
    assert status["chain_id"] == net.chain_id
    assert sorted(r["validator"] for r in status["validators"]) == [
        "val-0",
        "val-1",
        "val-2",
        "val-3",
    ]
    assert all(r["up"] for r in status["validators"])
    assert {r["primary"] for r in status["validators"]} == {"val-0"}
