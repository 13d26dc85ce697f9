"""`trustledger audit anomalies` on a real devnet: the demo's story raises nothing; each
anomaly, seeded through the real APIs (a validator's conflicting votes through the peer
service, with its own key and certificate), is found; `--watch` prints and POSTs an alert
for a block made after it started, and ends cleanly on Ctrl-C."""

from __future__ import annotations

import http.server
import json
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest

from cli import devnet, identities
from cli.cert import issue_certificate
from cli.demo import play
from cli.devnet import VALIDATOR_IDS, VALIDATOR_OPERATORS, Devnet, passphrase
from cli.identities import ca_paths
from consensus.messages import Prepare
from consensus.signing import prepare_sign_bytes
from node.chain.crypto import load_key_file
from node.chain.ids import new_id
from node.chain.wire import message_to_proto
from node.sdk.client import TransactionRejected
from node.sdk.tls import ClientTls
from proto import node_pb2, node_pb2_grpc
from tests.integration.helpers import (
    DIPLOMA,
    ID_CARD,
    agreed_view,
    answer,
    cli,
    issue_and_deliver,
    issued_diploma,
    new_holder,
    org_key,
    sdk_bank_grant,
    sdk_bank_request,
    wait_all_at,
)

RULES = """\
[rules.refused-accesses]
refusals_min = 3

[rules.verification-burst]
orgs_min = 2

[rules.view-change-burst]
view_changes_min = 1
"""
"""Thresholds low enough to seed on a devnet in seconds (the defaults are for a city)."""


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def tip(net: Devnet) -> int:
    with net.client() as client:
        return int(client.status().height)


def alerts_since(net: Devnet, start: int, *config: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = cli(
        net, "audit", "anomalies", "--from-height", str(start), *config
    )["alerts"]
    return found


def of_rule(alerts: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [a for a in alerts if a["rule"] == rule]


def test_the_demo_story_raises_no_anomaly(net: Devnet) -> None:
    """First in this module: the story plays on a fresh chain, judged by the defaults."""
    play(net)
    doc = cli(net, "audit", "anomalies")
    assert doc["tip_height"] > 0 and doc["from_height"] == 1
    assert doc["alerts"] == [] and doc["evidence_unread"] == []


def test_repeated_refused_accesses_by_one_organisation(net: Devnet, rules_file: Path) -> None:
    start = tip(net) + 1
    bank = org_key(net, "bank")
    with net.client() as client:
        holder, _, cert_id, _ = issued_diploma(net, client)
        request_id = sdk_bank_request(net, client, holder, cert_id, "loan review")
        for _ in range(3):  # before the holder answers: no grant in force
            with pytest.raises(TransactionRejected):
                client.call(bank, "consent", "access", {"request_id": request_id})
    found = of_rule(alerts_since(net, start, "--config", str(rules_file)), "refused-accesses")
    assert [a["subject"] for a in found] == ["bank"]
    assert len(found[0]["evidence"]) == 3 and "no grant in force" in found[0]["summary"]
    # With the defaults (5 refusals), three are no anomaly.
    assert of_rule(alerts_since(net, start), "refused-accesses") == []


def test_an_access_attempt_after_the_holder_revoked_the_grant(
    net: Devnet, rules_file: Path
) -> None:
    start = tip(net) + 1
    with net.client() as client:
        holder, token, cert_id, _ = issued_diploma(net, client)
        request_id = sdk_bank_grant(net, client, holder, token, cert_id, "loan")
        assert answer(net, holder, token, request_id, "revoke").status_code == 200
        with pytest.raises(TransactionRejected):
            client.call(org_key(net, "bank"), "consent", "access", {"request_id": request_id})
    found = of_rule(alerts_since(net, start, "--config", str(rules_file)), "access-after-end")
    assert len(found) == 1 and found[0]["subject"] == "bank"
    assert request_id in found[0]["summary"] and "revoked at block time" in found[0]["summary"]


def test_use_outside_a_grants_scope_and_purpose(net: Devnet, rules_file: Path) -> None:
    start = tip(net) + 1
    bank = org_key(net, "bank")
    with net.client() as client:
        holder, token, granted, _ = issued_diploma(net, client)
        other = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)["cert_id"]
        request_id = sdk_bank_grant(net, client, holder, token, granted, "loan")
        with pytest.raises(TransactionRejected) as refused:  # another certificate of hers
            client.call(bank, "consent", "access", {"request_id": request_id, "cert_id": other})
        assert "not in scope" in refused.value.message
        for code in ("002", "005"):  # the grant's purpose (loan review), then another
            client.call(
                bank,
                "certificates",
                "record_verification",
                {
                    "cert_id": granted,
                    "verification_id": new_id("ver"),
                    "result": "passed",
                    "purpose": "checking",
                    "purpose_code": code,
                },
            )
    found = of_rule(alerts_since(net, start, "--config", str(rules_file)), "out-of-scope")
    assert [a["subject"] for a in found] == ["bank", "bank"]
    assert "granted scope" in found[0]["summary"]
    assert "for purpose 005" in found[1]["summary"] and request_id in found[1]["summary"]


def _make_bdc_a_verifier(net: Devnet) -> None:
    proposal = cli(
        net, "governance", "propose", "--org", "psb", "--action", "set_roles",
        "--param", "org_id=bdc", "--param", 'roles=["validator_operator","verifier"]',
    )  # fmt: skip
    answers = [
        cli(net, "governance", "approve", "--org", org, "--proposal-id", proposal["proposal_id"])
        for org in ("edu", "amr", "hrss", "bdc", "civil")
    ]
    assert answers[-1]["status"] == "applied"


def test_many_organisations_verifying_one_holder(net: Devnet, rules_file: Path) -> None:
    _make_bdc_a_verifier(net)
    start = tip(net) + 1
    with net.client() as client:
        holder, _, cert_id, _ = issued_diploma(net, client)
        for org in ("bank", "bdc"):
            client.call(
                org_key(net, org),
                "certificates",
                "record_verification",
                {
                    "cert_id": cert_id,
                    "verification_id": new_id("ver"),
                    "result": "passed",
                    "purpose": "checking",
                    "purpose_code": "002",
                },
            )
    found = of_rule(alerts_since(net, start, "--config", str(rules_file)), "verification-burst")
    assert [a["subject"] for a in found] == [holder]
    assert "2 organisations (bank, bdc)" in found[0]["summary"]


def _verify_revoked(net: Devnet) -> str:
    """A certificate issued, revoked by its issuer, then verified by the bank; its id."""
    holder, _ = new_holder(net)
    with net.client() as client:
        doc, _ = issue_certificate(
            client, org_key(net, "psb"), "resident_id_card", holder, ID_CARD, org_id="psb"
        )
        cert_id = str(doc["cert_id"])
        client.call(
            org_key(net, "psb"), "certificates", "revoke", {"cert_id": cert_id, "reason": "lost"}
        )
        client.call(
            org_key(net, "bank"),
            "certificates",
            "record_verification",
            {
                "cert_id": cert_id,
                "verification_id": new_id("ver"),
                "result": "failed",
                "purpose": "account opening",
                "purpose_code": "002",
            },
        )
    return cert_id


def test_a_verification_of_a_revoked_certificate(net: Devnet) -> None:
    start = tip(net) + 1
    cert_id = _verify_revoked(net)
    found = of_rule(alerts_since(net, start), "revoked-verified")
    assert len(found) == 1 and found[0]["subject"] == "bank" and cert_id in found[0]["summary"]


def _metric(net: Devnet, vid: str, sender: str) -> float:
    text = httpx.get(net.metrics[vid], timeout=5).text
    for line in text.splitlines():
        if (
            line.startswith("trustledger_consensus_equivocations_total{")
            and f'validator="{sender}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_validators_conflicting_votes(net: Devnet) -> None:
    """A backup's two prepares for one slot, each validly signed with its own key and sent
    over its own certificate, as a faulty or compromised validator would."""
    view, primary = agreed_view(net)
    sender, receiver = [v for v in VALIDATOR_IDS if v != primary][:2]
    height = tip(net) + 2  # ahead of the chain, within the window
    key = load_key_file(net.dir / "keys" / "validators" / f"{sender}.json", passphrase())
    cert, tls_key = identities.cert_paths(net.dir, VALIDATOR_OPERATORS[sender], sender)
    tls = ClientTls.load(cert, tls_key, ca_paths(net.dir))
    prepares = [
        Prepare(
            view,
            height,
            digest,
            sender,
            key.sign(prepare_sign_bytes(net.chain_id, view, height, digest)),
        )
        for digest in (b"\x01" * 32, b"\x02" * 32)
    ]
    envelope = node_pb2.PeerEnvelope(
        from_validator=sender, messages=[message_to_proto(p) for p in prepares]
    )
    with grpc.secure_channel(net.addresses[receiver], tls.credentials(), tls.options()) as channel:
        node_pb2_grpc.PeerStub(channel).Deliver(envelope, timeout=10)
    # The receiver steps delivered messages at once and counts refusals when its loop next
    # drains the replica: a block it commits afterwards (its answer to a waiting client)
    # comes after that.
    holder, _ = new_holder(net)
    with net.client(net.addresses[receiver]) as client:
        issue_certificate(client, org_key(net, "psb"), "resident_id_card", holder, ID_CARD)
    assert _metric(net, receiver, sender) >= 1
    found = of_rule(alerts_since(net, 1), "equivocation")
    assert [a["subject"] for a in found if f"counted by {receiver}" in a["summary"]] == [sender]
    assert "Prepare" in found[0]["summary"]


def test_a_view_change(net: Devnet, rules_file: Path) -> None:
    """The primary is stopped; the others time out, change view and go on: one view change,
    found in the next block's commit certificate (the defaults want 5 in 10 minutes)."""
    start = tip(net) + 1
    view, primary = agreed_view(net)
    survivor = next(a for v, a in net.addresses.items() if v != primary)
    holder, _ = new_holder(net)
    with net.client(survivor, timeout_s=60) as client:
        devnet.stop_process(net.dir, primary, hard=True)
        try:
            _, after = issue_certificate(
                client, org_key(net, "psb"), "resident_id_card", holder, ID_CARD, org_id="psb"
            )
        finally:
            devnet.start_validator(net, primary)
    wait_all_at(net, after.height, timeout_s=60)
    found = of_rule(alerts_since(net, start, "--config", str(rules_file)), "view-change-burst")
    assert [a["height"] for a in found] == [after.height]
    assert found[0]["subject"] == "consensus" and f"now view {view + 1}" in found[0]["summary"]
    assert of_rule(alerts_since(net, start), "view-change-burst") == []


class _Collector(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        server.posted.put(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


class _Server(http.server.ThreadingHTTPServer):
    posted: queue.Queue[dict[str, Any]]


@pytest.fixture
def collector() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Collector)
    server.posted = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_watch_prints_and_posts_an_alert_of_a_new_block(net: Devnet, collector: _Server) -> None:
    url = f"http://127.0.0.1:{collector.server_address[1]}/alerts"
    trustledger = Path(sys.executable).with_name("trustledger")
    watching = subprocess.Popen(
        [str(trustledger), "audit", "anomalies", "--watch", "--post", url,
         "--interval-s", "0.2", "--dir", str(net.dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    try:
        assert watching.stderr is not None and watching.stdout is not None
        started = ""
        while "watching for alerts after block" not in started:
            started = watching.stderr.readline()
            assert started, "the watch ended before it started watching"
        since = int(started.split("after block ")[1].split()[0])
        cert_id = _verify_revoked(net)
        printed: dict[str, Any] = {}
        while printed.get("rule") != "revoked-verified":
            line = watching.stdout.readline()
            assert line, "the watch ended without printing the alert"
            printed = json.loads(line)
        assert printed["height"] > since and cert_id in printed["summary"]
        posted: dict[str, Any] = {}
        while posted.get("rule") != "revoked-verified":
            posted = collector.posted.get(timeout=60)
        assert posted == printed
    finally:
        watching.send_signal(signal.SIGINT)
        _, err = watching.communicate(timeout=30)
    assert watching.returncode == 0 and "stopped" in err
