"""Attestations on real processes (issue 13, docs/attestations.md), through the CLI and the
wallet's REST API: civil affairs defines a property attestation whose sources are market
regulation and public security (the devnet's stand-ins for the property and household
registries); each source confirms the record it holds; the owner confirms in the wallet and
it is issued; the other party is told in their wallet (双告知). Then the refusals: a source
refuses with a reason, a source's record differs, the owner refuses; an organisation that is
not a source is refused; every step shows in `audit trace`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli.devnet import Devnet
from tests.integration.attest_support import confirm as _confirm
from tests.integration.attest_support import define as _define
from tests.integration.attest_support import files as _files
from tests.integration.attest_support import propose as _propose
from tests.integration.attest_support import status as _status
from tests.integration.helpers import cli, cli_fails, new_holders, wallet


def _listed(net: Devnet, holder: str, token: str, path: str) -> list[dict[str, Any]]:
    resp = wallet("GET", net, f"/v1/holders/{holder}/{path}", token)
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()
    return found


def test_sources_confirm_then_the_owner_confirms_in_the_wallet(net: Devnet, tmp_path: Path) -> None:
    (owner, owner_token), (other, other_token) = new_holders(net, 2)
    files = _files(tmp_path)
    _define(net)
    att = _propose(net, files, owner, other)
    att_id = att["attestation_id"]
    assert sorted(att["record_hashes"]) == ["amr", "psb"]
    status = _status(net, att)
    assert (status["status"], status["sources"]) == (
        "awaiting_sources",
        {"amr": "pending", "psb": "pending"},
    )

    # An organisation that is not a source is refused; nothing changes.
    refused = cli_fails(
        net,
        "attest",
        "confirm",
        "--org",
        "hrss",
        "--id",
        att_id,
        "--record",
        str(files["psb"]),
        "--salt",
        att["salt"],
    )
    assert "permission_denied" in refused

    # The owner cannot answer before the sources.
    path = f"/v1/holders/{owner}/attestations/{att_id}/confirm"
    resp = wallet("POST", net, path, owner_token)
    assert resp.status_code == 409, resp.text

    assert _confirm(net, "amr", att, files["amr"])["status"] == "awaiting_sources"
    assert _confirm(net, "psb", att, files["psb"])["status"] == "awaiting_owner"

    # The owner sees it to answer; the other party is told of it (双告知).
    (mine,) = _listed(net, owner, owner_token, "attestations?open=true")
    assert (mine["attestation_id"], mine["action_needed"], mine["role"]) == (att_id, True, "holder")
    told = [
        n for n in _listed(net, other, other_token, "notifications") if n["kind"] == "attestation"
    ]
    assert [(n["attestation_id"], n["role"], n["status"]) for n in told] == [
        (att_id, "other_party", "awaiting_owner")
    ]
    # The other party may not answer for the owner.
    resp = wallet("POST", net, f"/v1/holders/{other}/attestations/{att_id}/confirm", other_token)
    assert resp.status_code == 404, resp.text

    resp = wallet("POST", net, path, owner_token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "issued"
    assert _status(net, att)["status"] == "issued"
    told = [
        n for n in _listed(net, other, other_token, "notifications") if n["kind"] == "attestation"
    ]
    assert [(n["attestation_id"], n["status"]) for n in told] == [(att_id, "issued")]

    # Every step is in the attestation's audit trail, proven.
    trace = cli(net, "audit", "trace", "--subject", att_id)["entries"]
    actions = [(e["actor"], e["action"]) for e in trace]
    for expected in (
        ("civil", "attest.proposed"),
        ("hrss", "attest.confirm REJECTED"),
        ("amr", "attest.source_confirmed"),
        ("psb", "attest.source_confirmed"),
        (owner, "attest.issued"),
    ):
        assert expected in actions, (expected, actions)
    assert actions.index(("civil", "attest.proposed")) < actions.index((owner, "attest.issued"))
    assert "attest.issued" in [
        e["action"] for e in cli(net, "audit", "trace", "--subject", other)["entries"]
    ]


def test_refusals_leave_it_unissued_with_the_reason(net: Devnet, tmp_path: Path) -> None:
    (owner, owner_token), (other, _) = new_holders(net, 2)
    files = _files(tmp_path)
    _define(net)

    # A source refuses with a reason.
    first = _propose(net, files, owner, other)
    cli(
        net,
        "attest",
        "refuse",
        "--org",
        "psb",
        "--id",
        first["attestation_id"],
        "--reason",
        "户籍已迁出 household moved out",
    )
    status = _status(net, first)
    assert (status["status"], status["reason"]) == ("refused", "户籍已迁出 household moved out")

    # A source whose record differs refuses it by its answer.
    second = _propose(net, files, owner, other)
    assert _confirm(net, "psb", second, files["other"])["status"] == "refused"
    status = _status(net, second)
    assert (status["status"], status["reason"]) == ("refused", "the source's record does not match")
    assert status["sources"]["psb"] == "mismatch"

    # The owner refuses in the wallet.
    third = _propose(net, files, owner, other)
    _confirm(net, "amr", third, files["amr"])
    _confirm(net, "psb", third, files["psb"])
    path = f"/v1/holders/{owner}/attestations/{third['attestation_id']}/refuse"
    resp = wallet("POST", net, path, owner_token, json={"reason": "地址有误 wrong address"})
    assert resp.status_code == 200, resp.text
    status = _status(net, third)
    assert (status["status"], status["reason"]) == ("refused", "地址有误 wrong address")

    # None of them can be confirmed any more; the owner sees all three refused.
    for att in (first, second, third):
        path = f"/v1/holders/{owner}/attestations/{att['attestation_id']}/confirm"
        resp = wallet("POST", net, path, owner_token)
        assert resp.status_code == 409, resp.text
    mine = {
        a["attestation_id"]: a["status"] for a in _listed(net, owner, owner_token, "attestations")
    }
    for att in (first, second, third):
        assert mine[att["attestation_id"]] == "refused"
