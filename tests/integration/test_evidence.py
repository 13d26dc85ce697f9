"""`audit trace`, `audit export-evidence` and `audit check-evidence` on a real devnet after
the demo's flow (issue 13, auditor CLI items 2 and 3): every event of the holder proven,
the package checked offline and refused once tampered with; a validator whose stored
certificate was forged has its entries reported as not proven, never as facts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.devnet import Devnet
from cli.main import app
from node.sdk.client import TransactionRejected
from node.sdk.evidence import seal
from proto import ledger_pb2
from tests.integration.helpers import (
    DIPLOMA,
    answer,
    bank_requests,
    cli,
    cli_issue,
    new_holder,
    org_key,
    wait_all_at,
)
from tests.integration.tamper_support import edit_block, forge_votes, tampered

runner = CliRunner()
VICTIM = "val-3"
FLOW = [
    ("edu", "certificate.issued", True),
    ("bank", "consent.requested", True),
    ("holder", "consent.granted", True),
    ("bank", "consent.accessed", True),
    ("psb", "consent.access REJECTED", False),
    ("edu", "certificate.revoked", True),
]


def invoke(*args: str) -> tuple[int, dict[str, Any], str]:
    """The command's exit code, its JSON (when it printed any) and its stderr."""
    result = runner.invoke(app, [*args, "--json"])
    lines = result.stdout.strip().splitlines()
    doc: dict[str, Any] = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return result.exit_code, doc, result.stderr


@pytest.fixture(scope="module")
def story(net: Devnet) -> dict[str, Any]:
    """The demo's flow for one holder; every validator at the tip."""
    holder, token = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    request_id = bank_requests(net, holder, cert_id, "mortgage application")["request_id"]
    assert answer(net, holder, token, request_id, "grant").status_code == 200
    cli(net, "consent", "access", "--org", "bank", "--request-id", request_id)
    with net.client(org="psb") as client, pytest.raises(TransactionRejected):
        client.call(org_key(net, "psb"), "consent", "access", {"request_id": request_id})
    cli(net, "cert", "revoke", "--org", "edu", "--cert-id", cert_id, "--reason", "in error")
    with net.client() as c:
        tip = int(c.status().height)
    wait_all_at(net, tip)
    return {"holder": holder, "cert_id": cert_id, "request_id": request_id}


def actions(entries: list[dict[str, Any]], holder: str) -> list[tuple[str, str, bool]]:
    return [
        ("holder" if e["actor"] == holder else e["actor"], e["action"], e["ok"]) for e in entries
    ]


def test_the_trace_proves_every_event_of_the_flow(net: Devnet, story: dict[str, Any]) -> None:
    holder = story["holder"]
    code, doc, _ = invoke("audit", "trace", "--subject", holder, "--dir", str(net.dir))
    assert (code, doc["unproven"], doc["truncated"]) == (0, [], False)
    assert actions(doc["entries"], holder) == FLOW
    assert doc["validator_sets"][0]["from_height"] == 0
    heights = [e["height"] for e in doc["entries"]]
    since, until = heights[2], heights[3]  # by height, then by the certified block time
    until_time = dt.datetime.fromtimestamp(doc["entries"][3]["time_ms"] / 1000, dt.UTC)
    code, doc, _ = invoke(
        "audit", "trace", "--subject", holder, "--since", str(since),
        "--until", until_time.isoformat(timespec="milliseconds"), "--dir", str(net.dir),
    )  # fmt: skip
    assert code == 0
    assert [e["height"] for e in doc["entries"]] == [since, until]


def test_an_unknown_subject_or_bound_is_an_error(net: Devnet, tmp_path: Path) -> None:
    code, _, err = invoke("audit", "trace", "--subject", "hd" + "0" * 40, "--dir", str(net.dir))
    assert code == 1 and "unknown subject" in err
    out = tmp_path / "none.json"
    code, _, err = invoke(
        "audit", "export-evidence", "--subject", "cert-nobody", "--out", str(out),
        "--dir", str(net.dir),
    )  # fmt: skip
    assert code == 1 and "unknown subject" in err and not out.exists()
    code, _, err = invoke(
        "audit", "trace", "--subject", "x", "--since", "last week", "--dir", str(net.dir)
    )
    assert code == 2 and "neither a block height" in err


def test_exported_evidence_checks_offline_and_refuses_tampering(
    net: Devnet, story: dict[str, Any], tmp_path: Path
) -> None:
    holder = story["holder"]
    out = tmp_path / "evidence.json"
    code, doc, _ = invoke(
        "audit", "export-evidence", "--subject", holder, "--out", str(out), "--dir", str(net.dir)
    )
    assert (code, doc["events"], doc["validator_changes"]) == (0, len(FLOW), 0)
    assert out.stat().st_size == doc["bytes"]
    # No --dir, no node: the file and, as a court would hold it, the chain's genesis.
    genesis = tmp_path / "genesis.json"
    shutil.copy(net.dir / "genesis.json", genesis)
    code, checked, _ = invoke("audit", "check-evidence", str(out), "--genesis", str(genesis))
    assert (code, checked["ok"], checked["genesis_pinned"]) == (0, True, True)
    assert actions(checked["entries"], holder) == FLOW
    _, traced, _ = invoke("audit", "trace", "--subject", holder, "--dir", str(net.dir))
    assert checked["entries"] == traced["entries"]

    raw = out.read_bytes()
    tampered = tmp_path / "tampered.json"
    cases: list[tuple[bytes, str]] = [(raw[: len(raw) // 3], "file"), (b"not json", "file")]
    at = raw.index(b'"events":[') + 200
    cases.append((raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1 :], "manifest"))
    parts = json.loads(raw)
    first = parts["blocks"][0]
    header = ledger_pb2.BlockHeader.FromString(base64.b64decode(first["header"]))
    header.time_ms += 1  # a forger moves the event's time, and reseals the manifest
    first["header"] = base64.b64encode(header.SerializeToString(deterministic=True)).decode()
    cases.append((seal(parts), f"block {first['height']}"))
    for content, part in cases:
        tampered.write_bytes(content)
        code, refused, _ = invoke("audit", "check-evidence", str(tampered))
        assert (code, refused["ok"], refused["part"]) == (1, False, part)


def test_a_forged_certificate_on_one_node_is_reported_not_proven(
    net: Devnet, story: dict[str, Any], tmp_path: Path
) -> None:
    holder = story["holder"]
    _, doc, _ = invoke("audit", "trace", "--subject", holder, "--dir", str(net.dir))
    granted = doc["entries"][2]["height"]
    with tampered(net, VICTIM, tmp_path / "kept", lambda db: edit_block(db, granted, forge_votes)):
        code, doc, _ = invoke(
            "audit", "trace", "--subject", holder, "--node", net.addresses[VICTIM],
            "--dir", str(net.dir),
        )  # fmt: skip
        assert code == 1
        assert granted not in [e["height"] for e in doc["entries"]]
        assert [u["height"] for u in doc["unproven"]] == [granted]
        assert "bad signature" in doc["unproven"][0]["reason"]
        out = tmp_path / "from-victim.json"
        code, _, err = invoke(
            "audit", "export-evidence", "--subject", holder, "--out", str(out),
            "--node", net.addresses[VICTIM], "--dir", str(net.dir),
        )  # fmt: skip
        assert code == 1 and "nothing written" in err and not out.exists()
