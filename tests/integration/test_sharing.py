"""`trustledger share` on a running devnet (issue 13, Guangdong): the bank applies to the
education bureau for a graduate's diploma fields, the bureau approves, the graduate grants
the bank consent in her wallet, the bureau executes the share under it and the bank rates
it; an application to market regulation is refused with its reason. Every step is in
`audit trace` (proven) and in `audit report --org`; a share without the holder's consent
is refused and changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cli.devnet import Devnet
from tests.integration.helpers import (
    DIPLOMA,
    answer,
    bank_requests,
    cli,
    cli_fails,
    cli_issue,
    new_holder,
)


@pytest.fixture(scope="module")
def start(net: Devnet) -> int:
    with net.client() as client:
        return int(client.status().height) + 1


def test_apply_approve_consent_share_rate(net: Devnet, start: int, tmp_path: Path) -> None:
    holder, token = new_holder(net)
    diploma = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    applied = cli(
        net, "share", "apply", "--org", "bank", "--owner", "edu", "--item", "diploma",
        "--field", "degree", "--field", "major", "--purpose-code", "002",
        "--legal-basis", "《个人贷款管理办法》第十八条", "--days", "10", "--holder", holder,
    )  # fmt: skip
    app_id = applied["application_id"]
    status = cli(net, "share", "status", "--application", app_id)
    assert (status["state"], status["applicant"], status["owner"], status["fields"]) == (
        "pending",
        "bank",
        "edu",
        ["degree", "major"],
    )
    cli(net, "share", "approve", "--org", "edu", "--application", app_id)

    extract = tmp_path / "extract.json"
    extract.write_text('{"degree": "学士", "major": "计算机科学与技术"}', encoding="utf-8")
    # Personal data: without the holder's consent the share is refused, nothing changes.
    out = cli_fails(
        net, "share", "execute", "--org", "edu", "--application", app_id, "--file", str(extract)
    )
    assert "the holder's consent is required" in out
    assert cli(net, "share", "status", "--application", app_id)["state"] == "approved"

    request = bank_requests(net, holder, diploma, "loan review")["request_id"]
    assert answer(net, holder, token, request, "grant").status_code == 200
    shared = cli(
        net, "share", "execute", "--org", "edu", "--application", app_id,
        "--file", str(extract), "--consent", request,
    )  # fmt: skip
    assert shared["content_hash"] == hashlib.sha256(extract.read_bytes()).hexdigest()
    consent = cli(net, "consent", "status", "--request-id", request)
    assert consent["uses_left"] == 0  # the share used the one use granted

    cli(net, "share", "rate", "--org", "bank", "--application", app_id, "--rating", "4",
        "--comment", "数据及时准确")  # fmt: skip
    again = cli_fails(
        net, "share", "rate", "--org", "bank", "--application", app_id,
        "--rating", "1", "--comment", "again",
    )  # fmt: skip
    assert "already_exists" in again and "nothing changed" in again
    status = cli(net, "share", "status", "--application", app_id)
    assert (status["state"], status["rating"], status["consent_request_id"]) == (
        "shared",
        4,
        request,
    )
    assert status["content_hash"] == shared["content_hash"]
    ratings = cli(net, "share", "ratings", "--owner", "edu")
    assert (ratings["count"], ratings["average"]) == (1, 4.0)
    assert ratings["ratings"][0]["comment"] == "数据及时准确"

    trace = cli(net, "audit", "trace", "--subject", app_id)
    assert trace["unproven"] == []
    actions = [(e["actor"], e["action"]) for e in trace["entries"]]
    assert actions == [
        ("bank", "sharing.applied"),
        ("edu", "sharing.approved"),
        ("edu", "sharing.execute REJECTED"),
        ("edu", "sharing.shared"),
        ("bank", "sharing.rated"),
        ("bank", "sharing.rate REJECTED"),
    ]
    holder_trace = cli(net, "audit", "trace", "--subject", holder)
    assert "sharing.shared" in {e["action"] for e in holder_trace["entries"]}
    for value in DIPLOMA.values():  # only the hash of what was shared reached the chain
        assert value not in str(trace) and value not in str(holder_trace)


def test_a_refused_application_and_the_report(net: Devnet, start: int) -> None:
    applied = cli(
        net, "share", "apply", "--org", "bank", "--owner", "amr",
        "--item", "business_licence", "--purpose-code", "008",
        "--legal-basis", "《优化营商环境条例》",
    )  # fmt: skip
    app_id = applied["application_id"]
    out = cli_fails(net, "share", "approve", "--org", "bank", "--application", app_id)
    assert "permission_denied" in out  # the applicant cannot approve its own application
    cli(net, "share", "refuse", "--org", "amr", "--application", app_id,
        "--reason", "不属于共享目录")  # fmt: skip
    status = cli(net, "share", "status", "--application", app_id)
    assert (status["state"], status["reason"]) == ("refused", "不属于共享目录")
    out = cli_fails(
        net, "share", "execute", "--org", "amr", "--application", app_id,
        "--content-hash", "ab" * 32,
    )  # fmt: skip
    assert "is refused, not approved" in out

    amr = cli(net, "audit", "report", "--org", "amr", "--since", str(start))
    assert (amr["share_applications_received"], amr["share_refusals"], amr["shares"]) == (
        1,
        1,
        0,
    )
    bank = cli(net, "audit", "report", "--org", "bank", "--since", str(start))
    assert bank["share_applications"] == 2
    assert bank["shares_received"] == 1
    edu = cli(net, "audit", "report", "--org", "edu", "--since", str(start))
    assert (edu["share_approvals"], edu["shares"], edu["share_ratings"]) == (1, 1, 1)
    assert edu["share_rating_average"] == 4.0


def test_bad_input_ends_with_a_clear_error(net: Devnet, tmp_path: Path) -> None:
    missing = cli_fails(net, "share", "status", "--application", "share-nosuchapplication")
    assert "no share application share-nosuchapplication on the chain" in missing
    both = cli_fails(
        net, "share", "execute", "--org", "edu", "--application", "share-x",
        "--file", str(tmp_path / "none"), "--content-hash", "ab" * 32,
    )  # fmt: skip
    assert "give exactly one of --file and --content-hash" in both
    unreadable = cli_fails(
        net, "share", "execute", "--org", "edu", "--application", "share-x",
        "--file", str(tmp_path / "none"),
    )  # fmt: skip
    assert "cannot read" in unreadable
    narrow = cli_fails(net, "share", "narrow", "--org", "edu", "--application", "share-x")
    assert "give --field or --days" in narrow
    days = cli_fails(
        net, "share", "apply", "--org", "bank", "--owner", "edu", "--item", "diploma",
        "--purpose-code", "002", "--legal-basis", "x", "--days", "0",
    )  # fmt: skip
    assert "--days must be at least 1" in days
