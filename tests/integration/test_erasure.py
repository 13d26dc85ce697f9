"""删除 on a devnet (docs/erasure.md): the holder erases a certificate released to the bank
through the wallet's REST route; the bank lists the request and acknowledges it with the
CLI; the holder's 使用记录 and the audit trace show both, and nothing of the document is left
in the wallet's store files."""

from __future__ import annotations

import json
from pathlib import Path

from cli.devnet import Devnet
from tests.integration.helpers import (
    DIPLOMA,
    answer,
    cli,
    cli_fails,
    hrss_appends,
    hrss_resolves,
    issue_and_deliver,
    new_holder,
    sdk_bank_grant,
    wallet,
    wallet_store_files,
)


def test_erase_request_acknowledge_and_nothing_left_in_the_wallet(net: Devnet) -> None:
    holder, token = new_holder(net)
    with net.client(org="edu") as client:
        doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
    with net.client(org="bank") as client:
        sdk_bank_grant(net, client, holder, token, doc["cert_id"], "学历核验")
    cert_id = doc["cert_id"]
    sealed = wallet("GET", net, f"/v1/holders/{holder}/certificates", token)
    assert sealed.json()[0]["document"] == doc

    resp = wallet("POST", net, f"/v1/holders/{holder}/certificates/{cert_id}/erase", token)
    assert resp.status_code == 200, resp.text
    erasure_id = resp.json()["erasure_id"]
    assert resp.json()["rows_deleted"] >= 3  # the key, the document, the share
    listed = wallet("GET", net, f"/v1/holders/{holder}/certificates", token).json()
    assert listed[0]["document"] is None
    files = wallet_store_files(net)
    assert [v for v in (*DIPLOMA.values(), doc["salt"]) if v.encode() in files] == []
    assert json.dumps(doc["fields"], ensure_ascii=False).encode() not in files

    pending = cli(net, "consent", "erasures", "--as", "bank")
    assert [e["erasure_id"] for e in pending["erasures"]] == [erasure_id]
    assert cli_fails(net, "consent", "erase-ack", "--request", erasure_id, "--as", "psb")
    done = cli(net, "consent", "erase-ack", "--request", erasure_id, "--as", "bank")
    assert (done["acknowledged"], done["agencies"]) == (1, 1)
    assert cli(net, "consent", "erasures", "--as", "bank")["erasures"] == []
    assert "already acknowledged" in cli_fails(
        net, "consent", "erase-ack", "--request", erasure_id, "--as", "bank"
    )

    erasures = wallet("GET", net, f"/v1/holders/{holder}/erasures", token).json()
    assert [(e["erasure_id"], e["complete"]) for e in erasures] == [(erasure_id, True)]
    feed = wallet("GET", net, f"/v1/holders/{holder}/activity", token).json()
    actions = [entry["action"] for entry in feed]
    assert actions[:2] == ["consent.erasure_acknowledged", "consent.erasure_requested"]
    traced = cli(net, "audit", "trace", "--subject", cert_id)
    assert {"consent.erasure_requested", "consent.erasure_acknowledged"} <= {
        row["action"] for row in traced["entries"]
    }


def test_a_record_released_to_the_bank_is_read_then_erased_leaving_nothing(
    net: Devnet, tmp_path: Path
) -> None:
    holder, token = new_holder(net)
    content = tmp_path / "contributions.json"
    content.write_text('{"months": 126, "employer": "济南齐鲁软件园"}')
    deliver = ("--content-file", str(content), "--deliver")
    record_id = hrss_appends(net, holder, "社保中心", *deliver)["record_id"]
    asked = cli(
        net,
        "consent",
        "request",
        "--org",
        "bank",
        "--holder",
        holder,
        "--record-category",
        "social_security",
        "--purpose",
        "贷款审核",
        "--purpose-code",
        "002",
        "--max-uses",
        "2",
    )
    request_id = asked["request_id"]
    granted = answer(net, holder, token, request_id, "grant")
    assert granted.status_code == 200, granted.text
    assert granted.json()["records"] == [record_id]
    requests = wallet("GET", net, f"/v1/holders/{holder}/requests", token).json()
    assert [r["granted_scope"] for r in requests] == [[{"record_category": "social_security"}]]

    # Read with one on-chain access naming the record; a notary (not granted) reads nothing.
    assert cli_fails(
        net,
        "consent",
        "access",
        "--request-id",
        request_id,
        "--record-id",
        record_id,
        "--org",
        "notary",
    )
    read_to = tmp_path / "read.json"
    read = cli(
        net,
        "consent",
        "access",
        "--request-id",
        request_id,
        "--record-id",
        record_id,
        "--out",
        str(read_to),
    )
    assert (read["category"], read["version"]) == ("social_security", 1)
    assert read_to.read_bytes() == content.read_bytes()

    resp = wallet("POST", net, f"/v1/holders/{holder}/archive/{record_id}/erase", token)
    assert resp.status_code == 200, resp.text
    erasure_id = resp.json()["erasure_id"]
    assert resp.json()["rows_deleted"] == 3  # the key, the content, the share
    files = wallet_store_files(net)
    assert "济南齐鲁软件园".encode() not in files and b'"months"' not in files
    pending = cli(net, "consent", "erasures", "--as", "bank")
    assert [e["record_id"] for e in pending["erasures"]] == [record_id]
    done = cli(net, "consent", "erase-ack", "--request", erasure_id, "--as", "bank")
    assert (done["acknowledged"], done["agencies"]) == (1, 1)
    assert "wallet refused the disclosure (404)" in cli_fails(
        net, "consent", "access", "--request-id", request_id, "--record-id", record_id
    )


def test_a_corrected_record_is_released_as_its_new_version(net: Devnet, tmp_path: Path) -> None:
    holder, token = new_holder(net)
    first, second = tmp_path / "v1.json", tmp_path / "v2.json"
    first.write_text('{"months": 100}')
    second.write_text('{"months": 112}')
    record_id = hrss_appends(net, holder, "社保中心", "--content-file", str(first), "--deliver")[
        "record_id"
    ]
    asked = wallet(
        "POST", net, f"/v1/holders/{holder}/archive/{record_id}/corrections", token,
        json={"reason": "少计了十二个月"},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    hrss_resolves(net, asked.json()["correction_id"], "corrected", "已补录",
                  "--content-file", str(second), "--deliver")  # fmt: skip
    request_id = cli(net, "consent", "request", "--org", "bank", "--holder", holder,
                     "--record-category", "social_security", "--purpose", "贷款审核",
                     "--purpose-code", "002")["request_id"]  # fmt: skip
    assert answer(net, holder, token, request_id, "grant").json()["records"] == [record_id]
    read_to = tmp_path / "read.json"
    read = cli(net, "consent", "access", "--request-id", request_id, "--record-id", record_id,
               "--out", str(read_to))  # fmt: skip
    assert (read["version"], read_to.read_bytes()) == (2, second.read_bytes())
