"""`audit graph` and `audit report` on a running devnet (issue 13, items 5 and 6): after a
flow like the demo's, the graph names what happened (DOT read edge by edge, SVG parsed
for the organisations' names) and the bank's report has exactly the figures of what the
test did; bad input ends each command with a clear error and nothing written."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.devnet import Devnet
from cli.main import app
from node.chain.ids import new_id
from node.sdk.client import TransactionRejected
from node.sdk.flows import COUNTS
from tests.integration.helpers import (
    DIPLOMA,
    answer,
    bank_requests,
    cli,
    cli_fails,
    cli_issue,
    hrss_appends,
    new_holder,
    org_key,
)

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def flow(net: Devnet) -> dict[str, str | int]:
    """A holder's story: the education bureau issues her diploma, the HR bureau appends a
    record; the bank asks for the diploma, reads too early (refused), she grants, it reads,
    records a verification; it asks again and she refuses. The ids, and the height before."""
    holder, token = new_holder(net)
    with net.client() as client:
        start = int(client.status().height) + 1
        diploma = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
        record = hrss_appends(net, holder, "社会保险经办处", "--content-hash", "ab" * 32)[
            "record_id"
        ]
        request = bank_requests(net, holder, diploma, "loan review")["request_id"]
        bank = org_key(net, "bank")
        with pytest.raises(TransactionRejected):
            client.call(bank, "consent", "access", {"request_id": request})
        assert answer(net, holder, token, request, "grant").status_code == 200
        client.call(bank, "consent", "access", {"request_id": request})
        client.call(
            bank,
            "certificates",
            "record_verification",
            {
                "cert_id": diploma,
                "verification_id": new_id("ver"),
                "result": "passed",
                "purpose": "loan review",
                "purpose_code": "002",
            },
        )
        second = bank_requests(net, holder, diploma, "second look")["request_id"]
        assert answer(net, holder, token, second, "refuse").status_code == 200
    return {"holder": holder, "diploma": diploma, "record": record, "start": start}


def test_the_graph_draws_what_happened_as_dot_and_svg(
    net: Devnet, flow: dict[str, str | int], tmp_path: Path
) -> None:
    holder = str(flow["holder"])
    dot_file, svg_file = tmp_path / "flows.dot", tmp_path / "flows.svg"
    doc = cli(net, "audit", "graph", "--subject", holder, "--format", "dot", "--out", str(dot_file))
    assert doc["counts"] == {
        "issue": 1,
        "append": 1,
        "grant": 1,
        "verify": 1,
        "access": 1,
        "refused": 1,
    }
    dot = dot_file.read_text()
    edges = set(
        re.findall(
            r'"(?:in|item|holder):([^"]+)" -> "(?:item|out):([^"]+)" \[label="(\w+) ×(\d+)"', dot
        )
    )
    assert edges == {
        ("edu", flow["diploma"], "issue", "1"),
        ("hrss", flow["record"], "append", "1"),
        (flow["diploma"], "bank", "grant", "1"),
        (flow["diploma"], "bank", "access", "1"),
        (flow["diploma"], "bank", "verify", "1"),
        (holder, "bank", "refused", "1"),
    }
    cli(net, "audit", "graph", "--subject", holder, "--format", "svg", "--out", str(svg_file))
    texts = " ".join(t.text or "" for t in ET.parse(svg_file).iter(f"{SVG}text"))
    for name in ("Education Bureau 教育局", "Weihai City Commercial Bank 威海市商业银行", holder):
        assert name in texts
    for value in DIPLOMA.values():  # her document's fields never reach the picture
        assert value not in texts


def test_the_report_has_the_figures_of_what_the_bank_did(
    net: Devnet, flow: dict[str, str | int], tmp_path: Path
) -> None:
    page = tmp_path / "bank.html"
    doc = cli(
        net, "audit", "report", "--org", "bank", "--since", str(flow["start"]), "--html", str(page)
    )
    assert {k: doc[k] for k in COUNTS} == {
        **dict.fromkeys(COUNTS, 0),  # it issued, filed, shared nothing
        "requests": 2,
        "grants": 1,
        "refusals": 1,
        "accesses": 1,
        "rejected": 1,
        "verifications": 1,
    }
    answers = doc["response_times"]["consent_answer_blocks"]
    assert answers["count"] == 2 and answers["median"] >= 1 and answers["p90"] >= answers["median"]
    assert doc["pending_requests"] == 0
    html = page.read_text()
    assert "Weihai City Commercial Bank" in html and "<style>" in html
    for outside in ("<script", "<link", "http://", "https://", "@import", "url("):
        assert outside not in html
    edu = cli(net, "audit", "report", "--org", "edu", "--since", str(flow["start"]))
    assert edu["issued"] == 1 and edu["requests"] == 0


def test_bad_input_is_a_clear_error_and_writes_nothing(
    net: Devnet, flow: dict[str, str | int], tmp_path: Path
) -> None:
    holder = str(flow["holder"])
    assert "unknown organisation 'nosuch'" in cli_fails(net, "audit", "report", "--org", "nosuch")
    stranger = "hd" + "0" * 40
    out = tmp_path / "none.svg"
    said = cli_fails(net, "audit", "graph", "--subject", stranger, "--out", str(out))
    assert "unknown subject" in said and not out.exists()
    said = cli_fails(net, "audit", "graph", "--subject", str(flow["diploma"]), "--out", str(out))
    assert "not a holder id" in said and not out.exists()
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "graph",
            "--subject",
            holder,
            "--format",
            "jpeg",
            "--out",
            str(out),
            "--dir",
            str(net.dir),
        ],
    )
    assert result.exit_code == 2 and "no format" in result.output
    nowhere = tmp_path / "missing" / "flows.svg"
    said = cli_fails(net, "audit", "graph", "--subject", holder, "--out", str(nowhere))
    assert "does not exist" in said and not nowhere.parent.exists()
    said = cli_fails(net, "audit", "graph", "--subject", holder, "--out", str(tmp_path))
    assert "is a folder" in said
    said = cli_fails(net, "audit", "report", "--org", "bank", "--until", "next week")
    assert "neither a block height" in said
