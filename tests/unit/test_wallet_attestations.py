"""Attestations in the wallet (issue 13): the holder's list, the notices told to the owner
and to the other party (双告知), and the owner's answer refused for an attestation that is
not theirs (the answer itself runs on a devnet: tests/integration/test_attestations.py)."""

from __future__ import annotations

from typing import Any

from wallet.attestations import attestation_notice, attestation_view

from .wallet_support import START_MS, Wallet


def attestation(attestation_id: str, holder: str, other: str, status: str) -> dict[str, Any]:
    """An attestation as the contract's `get` answers it."""
    return {
        "attestation_id": attestation_id,
        "type_id": "property_attestation",
        "issuer": "civil",
        "holder": holder,
        "other_party": other,
        "doc_hash": "ab" * 32,
        "sources": [
            {"org": "amr", "record_hash": "cd" * 32, "answer": "confirmed", "height": 5},
            {"org": "psb", "record_hash": "ef" * 32, "answer": "", "height": 0},
        ],
        "deadline_ms": START_MS + 86_400_000,
        "status": status,
        "recorded_status": status,
        "reason": "地址不符" if status == "refused" else "",
        "decided_by": "",
        "proposed_height": 3,
        "decided_height": 0,
        "waiting_for": ["psb"] if status == "awaiting_sources" else [],
    }


def get(wallet: Wallet, holder: str, path: str) -> Any:
    token = wallet.sign_in(holder).json()["token"]
    resp = wallet.http.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_views_and_notices_tell_the_owner_and_the_other_party() -> None:
    record = attestation("att-0000001", "hd" + "1" * 40, "hd" + "2" * 40, "awaiting_owner")
    owner = attestation_view(record, "hd" + "1" * 40)
    assert (owner["role"], owner["action_needed"]) == ("holder", True)
    assert owner["sources"] == [
        {"org": "amr", "answer": "confirmed"},
        {"org": "psb", "answer": "pending"},
    ]
    other = attestation_view(record, "hd" + "2" * 40)
    assert (other["role"], other["action_needed"]) == ("other_party", False)
    notice = attestation_notice(record, "hd" + "2" * 40)
    assert notice is not None
    assert (notice["kind"], notice["status"], notice["role"]) == (
        "attestation",
        "awaiting_owner",
        "other_party",
    )
    assert attestation_notice({**record, "status": "unknown"}, "hd" + "2" * 40) is None
    refused = attestation_notice({**record, "status": "refused", "reason": "x"}, "hd" + "1" * 40)
    assert refused is not None
    assert (refused["action_needed"], refused["reason"]) == (False, "x")


def test_the_holder_lists_attestations_and_is_notified(wallet: Wallet) -> None:
    owner, other, stranger = wallet.new_holder(), wallet.new_holder(), wallet.new_holder()
    wallet.ledger.attestations = {
        "att-0000001": attestation("att-0000001", owner, other, "refused"),
        "att-0000002": attestation("att-0000002", owner, other, "awaiting_owner"),
        "att-0000003": attestation("att-0000003", other, "", "awaiting_sources"),
    }
    listed = get(wallet, owner, f"/v1/holders/{owner}/attestations")
    assert [(a["attestation_id"], a["action_needed"]) for a in listed] == [
        ("att-0000001", False),
        ("att-0000002", True),
    ]
    listed = get(wallet, owner, f"/v1/holders/{owner}/attestations?open=true")
    assert [a["attestation_id"] for a in listed] == ["att-0000002"]
    notices = get(wallet, owner, f"/v1/holders/{owner}/notifications")
    assert [(n["attestation_id"], n["action_needed"]) for n in notices] == [
        ("att-0000002", True),
        ("att-0000001", False),
    ]
    # The other party is told of both of the owner's, and of its own.
    notices = get(wallet, other, f"/v1/holders/{other}/notifications")
    assert sorted((n["attestation_id"], n["role"]) for n in notices) == [
        ("att-0000001", "other_party"),
        ("att-0000002", "other_party"),
        ("att-0000003", "holder"),
    ]
    assert get(wallet, stranger, f"/v1/holders/{stranger}/notifications") == []


def test_only_the_owner_answers_and_only_their_own(wallet: Wallet) -> None:
    owner, other = wallet.new_holder(), wallet.new_holder()
    wallet.ledger.attestations = {
        "att-0000002": attestation("att-0000002", owner, other, "awaiting_owner"),
    }
    token = wallet.sign_in(other).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for action in ("confirm", "refuse"):
        resp = wallet.http.request(
            "POST", f"/v1/holders/{other}/attestations/att-0000002/{action}", headers=auth
        )
        assert resp.status_code == 404, resp.text
        resp = wallet.http.request(
            "POST", f"/v1/holders/{other}/attestations/att-0000009/{action}", headers=auth
        )
        assert resp.status_code == 404, resp.text
        resp = wallet.http.request(
            "POST", f"/v1/holders/{owner}/attestations/att-0000002/{action}", headers=auth
        )
        assert resp.status_code == 403, resp.text
    resp = wallet.http.request(
        "POST",
        f"/v1/holders/{other}/attestations/att-0000002/refuse",
        headers=auth,
        json={"reason": ""},
    )
    assert resp.status_code == 422, resp.text
