"""An enterprise's agent (经办人) on real processes, through the wallet's REST API and the CLI:
market regulation records the enterprise and its legal representative; the representative
appoints an agent in the wallet; the agent acts for the enterprise only once they accepted
(意愿确认) and until the representative revokes; every step is in the enterprise's audit
trail."""

from __future__ import annotations

from typing import Any

from cli.devnet import Devnet
from tests.integration.helpers import (
    bank_reads,
    bank_requests,
    cli,
    cli_issue,
    new_holder,
    new_holders,
    wallet,
    wallet_presents,
)

BUSINESS_LICENCE = {
    "unified_social_credit_code": "91371000MA3C00000M",
    "company_name": "威海海风贸易有限公司 Weihai Haifeng Trading Co., Ltd.",
    "company_type": "有限责任公司",
    "legal_representative": "李强 Li Qiang",
    "registered_capital": "500万元",
    "establishment_date": "2016-03-01",
    "business_term": "长期",
    "business_scope": "货物进出口 import and export of goods",
    "domicile": "山东省威海市环翠区 1 号",
    "registration_authority": "威海市市场监督管理局",
}


def _delegations(net: Devnet, holder: str, token: str, **params: Any) -> list[dict[str, Any]]:
    resp = wallet("GET", net, f"/v1/holders/{holder}/delegations", token, params=params)
    assert resp.status_code == 200, resp.text
    records: list[dict[str, Any]] = resp.json()
    return records


def _request_status(net: Devnet, request_id: str) -> str:
    status: str = cli(net, "consent", "status", "--request-id", request_id)["status"]
    return status


def _bank_asks(net: Devnet, enterprise: str, cert_id: str) -> str:
    request_id: str = bank_requests(net, enterprise, cert_id, "business loan")["request_id"]
    return request_id


def test_legal_representative_appoints_an_agent_who_accepts(net: Devnet) -> None:
    enterprise, enterprise_token = new_holder(net)  # the enterprise's own wallet
    (legal_rep, rep_token), (agent, agent_token), (stranger, stranger_token) = new_holders(net, 3)

    # Market regulation opens the enterprise's file (so the chain knows it is an
    # enterprise), registers its legal representative and issues its business licence.
    cli(
        net,
        "archive",
        "append",
        "--org",
        "amr",
        "--subject",
        enterprise,
        "--category",
        "enterprise_registration",
        "--source-department",
        "登记注册科 registration office",
        "--content-hash",
        "ab" * 32,
    )
    registered = cli(
        net,
        "delegation",
        "register",
        "--org",
        "amr",
        "--kind",
        "legal_representative",
        "--principal",
        enterprise,
        "--delegate",
        legal_rep,
        "--actions",
        "consent,appoint_agents",
    )
    cert_id = cli_issue(net, "amr", "business_licence", enterprise, BUSINESS_LICENCE)["cert_id"]
    first_request = _bank_asks(net, enterprise, cert_id)

    # Malformed appointments are refused by the wallet, before the chain.
    base = {
        "kind": "agent",
        "principal": enterprise,
        "delegate": agent,
        "actions": ["consent"],
        "valid_days": 30,
    }
    appoint_path = f"/v1/holders/{legal_rep}/delegations"
    for bad in (
        {**base, "kind": "legal_representative"},
        {**base, "actions": ["appoint_agents"]},
        {**base, "actions": []},
        {**base, "actions": ["consent", "consent"]},
        {**base, "valid_days": 0},
        {**base, "cert_types": ["no_such_type"]},
        {**base, "delegate": "hd1234"},
        {**base, "delegate": enterprise},
        {**base, "delegate": legal_rep},
    ):
        resp = wallet("POST", net, appoint_path, rep_token, json=bad)
        assert resp.status_code == 422, (bad, resp.text)
    # The contract refuses what the wallet cannot know: a guardian for an enterprise.
    resp = wallet("POST", net, appoint_path, rep_token, json={**base, "kind": "guardian"})
    assert resp.status_code == 403, resp.text
    assert "permission_denied" in resp.json()["detail"]
    # None of these left a delegation behind: only the registered representative.
    listed = _delegations(net, enterprise, enterprise_token, side="principal")
    assert [d["delegation_id"] for d in listed] == [registered["delegation_id"]]

    # The legal representative appoints the agent, for the business licence only.
    resp = wallet(
        "POST", net, appoint_path, rep_token, json={**base, "cert_types": ["business_licence"]}
    )
    assert resp.status_code == 201, resp.text
    appointed = resp.json()
    delegation_id = appointed["delegation_id"]
    assert appointed["principal"] == enterprise and appointed["status"] == "pending"
    pending = _delegations(net, agent, agent_token, side="delegate")
    assert [(d["delegation_id"], d["status"], d["in_force"]) for d in pending] == [
        (delegation_id, "pending", False)
    ]
    assert pending[0]["parent"] == registered["delegation_id"]
    assert _delegations(net, agent, agent_token, side="delegate", in_force="true") == []

    # Before accepting, the agent cannot act for the enterprise: the wallet does not list
    # its requests for them and the contract refuses their answer.
    behalf = {"on_behalf_of": enterprise}
    requests_path = f"/v1/holders/{agent}/requests"
    resp = wallet("GET", net, requests_path, agent_token, params=behalf)
    assert resp.status_code == 403, resp.text
    resp = wallet(
        "POST", net, f"{requests_path}/{first_request}/refuse", agent_token, params=behalf
    )
    assert resp.status_code == 403, resp.text
    assert "permission_denied" in resp.json()["detail"]
    assert _request_status(net, first_request) == "pending"

    # A stranger cannot accept (nor decline) someone else's appointment.
    for decision in ("accept", "decline"):
        resp = wallet(
            "POST",
            net,
            f"/v1/holders/{stranger}/delegations/{delegation_id}/{decision}",
            stranger_token,
        )
        assert resp.status_code == 403, resp.text
        assert "permission_denied" in resp.json()["detail"]
    # Nor with the agent's path: the session is the stranger's.
    resp = wallet(
        "POST", net, f"/v1/holders/{agent}/delegations/{delegation_id}/accept", stranger_token
    )
    assert resp.status_code == 403, resp.text
    assert _delegations(net, agent, agent_token, side="delegate")[0]["status"] == "pending"

    # The agent accepts: in force from now on; accepting twice is refused.
    accept_path = f"/v1/holders/{agent}/delegations/{delegation_id}/accept"
    resp = wallet("POST", net, accept_path, agent_token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "active"
    in_force = _delegations(net, agent, agent_token, side="delegate", in_force="true")
    assert [d["delegation_id"] for d in in_force] == [delegation_id]
    resp = wallet("POST", net, accept_path, agent_token)
    assert resp.status_code == 409, resp.text
    assert "failed_precondition" in resp.json()["detail"]

    # The enterprise's wallet shares its licence with its delegates in force (the agent too).
    resp = wallet("POST", net, f"/v1/holders/{enterprise}/delegations/share", enterprise_token)
    assert resp.status_code == 200, resp.text
    assert agent in resp.json()["delegates"]

    # Now the agent sees the bank's request and grants it for the enterprise.
    resp = wallet("GET", net, requests_path, agent_token, params={**behalf, "status": "pending"})
    assert resp.status_code == 200, resp.text
    assert [r["request_id"] for r in resp.json()] == [first_request]
    resp = wallet(
        "POST",
        net,
        f"{requests_path}/{first_request}/grant",
        agent_token,
        params=behalf,
        json={},
    )
    assert resp.status_code == 200, resp.text
    assert _request_status(net, first_request) == "granted"
    with net.client() as client:
        read = bank_reads(net, client, first_request)
    doc = read.document
    assert doc["fields"]["company_name"] == BUSINESS_LICENCE["company_name"]
    # The agent released the copy, so the agent signed its annotation (加注件), for the bank.
    assert (read.annotation.holder, read.annotation.agency) == (agent, "bank")
    resp = wallet_presents(net, agent, agent_token, cert_id, ["company_name"])
    assert resp.status_code == 200, resp.text  # the agent holds the shared copy

    # The legal representative revokes the appointment: the agent can no longer act.
    resp = wallet(
        "POST",
        net,
        f"/v1/holders/{legal_rep}/delegations/{delegation_id}/revoke",
        rep_token,
        json={"reason": "left the company"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "revoked"
    # ... and the wallet withdrew the copy it had sealed to the agent.
    resp = wallet_presents(net, agent, agent_token, cert_id, ["company_name"])
    assert resp.status_code == 404, resp.text
    second_request = _bank_asks(net, enterprise, cert_id)
    resp = wallet(
        "POST", net, f"{requests_path}/{second_request}/refuse", agent_token, params=behalf
    )
    assert resp.status_code == 403, resp.text
    assert _request_status(net, second_request) == "pending"
    resp = wallet("GET", net, requests_path, agent_token, params=behalf)
    assert resp.status_code == 403, resp.text
    assert _delegations(net, agent, agent_token, side="delegate", in_force="true") == []
    resp = wallet("POST", net, accept_path, agent_token)
    assert resp.status_code == 409, resp.text

    # The enterprise's audit trail shows the appointment, acceptance and revocation, and the
    # refused attempts.
    trace = cli(net, "audit", "trace", "--subject", enterprise)["entries"]
    actions = [(e["actor"], e["action"]) for e in trace]
    for expected in (
        ("amr", "delegation.registered"),
        (legal_rep, "delegation.appointed"),
        (agent, "consent.refuse REJECTED"),
        (stranger, "delegation.accept REJECTED"),
        (agent, "delegation.accepted"),
        (agent, "consent.granted"),
        (legal_rep, "delegation.revoked"),
    ):
        assert expected in actions, (expected, actions)
    assert (
        actions.index((legal_rep, "delegation.appointed"))
        < actions.index((agent, "delegation.accepted"))
        < actions.index((agent, "consent.granted"))
        < actions.index((legal_rep, "delegation.revoked"))
    )


def test_holder_appoints_a_guardian_who_declines_or_renounces(net: Devnet) -> None:
    parent, parent_token = new_holder(net)
    child, child_token = new_holder(net)
    path = f"/v1/holders/{parent}/delegations"
    body = {"kind": "guardian", "delegate": child, "actions": ["consent"], "valid_days": 365}

    # Declined: it never comes into force.
    first = wallet("POST", net, path, parent_token, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["principal"] == parent
    first_id = first.json()["delegation_id"]
    resp = wallet("POST", net, f"/v1/holders/{child}/delegations/{first_id}/decline", child_token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "declined"

    # Accepted, then renounced by the delegate (no body: no reason).
    second = wallet("POST", net, path, parent_token, json=body)
    assert second.status_code == 201, second.text
    second_id = second.json()["delegation_id"]
    base = f"/v1/holders/{child}/delegations/{second_id}"
    assert wallet("POST", net, f"{base}/accept", child_token).status_code == 200
    mine = _delegations(net, parent, parent_token, side="principal", in_force="true")
    assert [d["delegation_id"] for d in mine] == [second_id]
    # A reason with personal data is refused before the chain; the delegation stays.
    resp = wallet("POST", net, f"{base}/revoke", child_token, json={"reason": "call 13800138000"})
    assert resp.status_code == 422, resp.text
    assert _delegations(net, parent, parent_token, side="principal", in_force="true") == mine
    resp = wallet("POST", net, f"{base}/revoke", child_token)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "revoked"
    statuses = {d["delegation_id"]: d["status"] for d in _delegations(net, parent, parent_token)}
    assert statuses == {first_id: "declined", second_id: "revoked"}
    # Bad query parameters are refused.
    resp = wallet("GET", net, path, parent_token, params={"side": "both"})
    assert resp.status_code == 422, resp.text
