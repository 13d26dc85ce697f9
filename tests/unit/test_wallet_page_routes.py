"""The routes the citizen's page added for its screens (issue 12): a holder's corrections
(`GET /v1/holders/{id}/archive/corrections`, what 我的档案 follows until the source answers),
the archive record categories (`GET /v1/catalogue/categories`, public, to name records), and
a delegator's file read by a delegate (`on_behalf_of=`): only under a delegation in force
with the archives action, and only the categories it covers."""

from __future__ import annotations

from typing import Any

from contracts.catalogue import CERTIFICATE_TYPES
from contracts.catalogue.purposes import OTHER, PURPOSES

from .wallet_support import Wallet


def _reads(wallet: Wallet, answer: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Make the node answer `answer` to archive reads; the reads it was asked, in order."""
    asked: list[tuple[str, str, dict[str, Any]]] = []
    query = wallet.ledger.query

    def archive_query(contract: str, method: str, **args: Any) -> Any:
        if contract != "archives":
            return query(contract, method, **args)
        asked.append((contract, method, args))
        return answer

    wallet.ledger.query = archive_query  # type: ignore[method-assign]
    return asked


def test_the_holders_corrections_come_from_the_chain_by_subject(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    found = [{"correction_id": "cor-1", "status": "refused", "resolution": "complete"}]
    asked = _reads(wallet, found)
    auth = {"Authorization": f"Bearer {token}"}
    path = f"/v1/holders/{holder}/archive/corrections"
    resp = wallet.http.request("GET", path, headers=auth)
    assert resp.status_code == 200, resp.text
    assert resp.json() == found
    resp = wallet.http.request("GET", f"{path}?status=pending", headers=auth)
    assert resp.status_code == 200, resp.text
    assert asked == [
        ("archives", "corrections_by_subject", {"subject": holder, "limit": 1000}),
        (
            "archives",
            "corrections_by_subject",
            {"subject": holder, "limit": 1000, "status": "pending"},
        ),
    ]


def test_another_holders_corrections_or_a_bad_status_are_refused_before_the_node(
    wallet: Wallet,
) -> None:
    holder, other = wallet.new_holder(), wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    asked = _reads(wallet, [])
    auth = {"Authorization": f"Bearer {token}"}
    resp = wallet.http.request("GET", f"/v1/holders/{other}/archive/corrections", headers=auth)
    assert resp.status_code in (401, 403)
    path = f"/v1/holders/{holder}/archive/corrections?status=answered"
    assert wallet.http.request("GET", path, headers=auth).status_code == 422
    resp = wallet.http.request("GET", f"/v1/holders/{holder}/archive/corrections")
    assert resp.status_code == 401
    assert asked == []


def test_the_categories_are_public_and_the_chains(wallet: Wallet) -> None:
    names = [{"id": "social_security", "name_zh": "社保", "name_en": "Social security"}]
    asked = _reads(wallet, names)
    resp = wallet.http.request("GET", "/v1/catalogue/categories")
    assert resp.status_code == 200, resp.text
    assert resp.json() == names
    assert asked == [("archives", "categories", {})]


RECORDS = [
    {"record_id": "rec-social-1", "category": "social_security"},
    {"record_id": "rec-medical-1", "category": "medical"},
]
CORRECTIONS = [
    {"correction_id": "cor-social-1", "category": "social_security"},
    {"correction_id": "cor-medical-1", "category": "medical"},
]


def _delegate_reads(
    wallet: Wallet, delegations: list[dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """The node answers the delegate's delegations in force and a file of two records; the
    archive reads it was asked, in order."""
    asked: list[tuple[str, dict[str, Any]]] = []
    query = wallet.ledger.query

    def answer(contract: str, method: str, **args: Any) -> Any:
        if (contract, method) == ("delegation", "list_by_holder"):
            assert (args["side"], args["in_force"]) == ("delegate", True)
            return [d for d in delegations if d["delegate"] == args["holder"]]
        if contract != "archives":
            return query(contract, method, **args)
        asked.append((method, args))
        return RECORDS if method == "list_by_subject" else CORRECTIONS

    wallet.ledger.query = answer  # type: ignore[method-assign]
    return asked


def _delegation(principal: str, delegate: str, actions: list[str], **more: Any) -> dict[str, Any]:
    return {"principal": principal, "delegate": delegate, "actions": actions, **more}


def test_a_delegate_reads_the_delegators_file_in_the_categories_delegated(
    wallet: Wallet,
) -> None:
    elder, guardian = wallet.new_holder(), wallet.new_holder()
    token = wallet.sign_in(guardian).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    only_social = _delegation(elder, guardian, ["archives"], record_categories=["social_security"])
    asked = _delegate_reads(wallet, [only_social])
    base = f"/v1/holders/{guardian}/archive"
    resp = wallet.http.request("GET", f"{base}?on_behalf_of={elder}", headers=auth)
    assert resp.status_code == 200, resp.text
    assert [r["record_id"] for r in resp.json()] == ["rec-social-1"]
    resp = wallet.http.request("GET", f"{base}/corrections?on_behalf_of={elder}", headers=auth)
    assert [c["correction_id"] for c in resp.json()] == ["cor-social-1"]
    assert [(m, a["subject"]) for m, a in asked] == [
        ("list_by_subject", elder),
        ("corrections_by_subject", elder),
    ]
    # A delegation naming no category covers them all; one's own file needs none.
    _delegate_reads(wallet, [_delegation(elder, guardian, ["consent", "archives"])])
    resp = wallet.http.request("GET", f"{base}?on_behalf_of={elder}", headers=auth)
    assert [r["record_id"] for r in resp.json()] == ["rec-social-1", "rec-medical-1"]
    asked = _delegate_reads(wallet, [])
    resp = wallet.http.request("GET", f"{base}?on_behalf_of={guardian}", headers=auth)
    assert resp.status_code == 200 and len(resp.json()) == 2
    assert asked[0][1]["subject"] == guardian


def test_a_delegators_file_is_refused_without_the_archives_power(wallet: Wallet) -> None:
    elder, guardian, stranger = wallet.new_holder(), wallet.new_holder(), wallet.new_holder()
    token = wallet.sign_in(guardian).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    asked = _delegate_reads(
        wallet,
        [
            _delegation(elder, guardian, ["consent"]),  # not the file
            _delegation(elder, stranger, ["archives"]),  # someone else's
        ],
    )
    for path in ("archive", "archive/corrections"):
        url = f"/v1/holders/{guardian}/{path}?on_behalf_of={elder}"
        resp = wallet.http.request("GET", url, headers=auth)
        assert resp.status_code == 403, resp.text
        assert "file" in resp.json()["detail"]
    assert asked == []


def test_the_types_are_public_and_named_only(wallet: Wallet) -> None:
    resp = wallet.http.request("GET", "/v1/catalogue/types")  # no session needed
    assert resp.status_code == 200
    listed = {t["id"]: t for t in resp.json()}
    assert listed["diploma"] == {
        "id": "diploma",
        "name_zh": "高校学历",
        "name_en": CERTIFICATE_TYPES["diploma"].name_en,
        "retired_height": 0,
    }
    assert wallet.ledger.catalogue.queries == [("certificates", "types")]


def test_the_purposes_are_public_and_the_chains(wallet: Wallet) -> None:
    resp = wallet.http.request("GET", "/v1/catalogue/purposes")  # no session needed
    assert resp.status_code == 200
    listed = resp.json()
    assert [p["id"] for p in listed] == list(PURPOSES)  # the devnet genesis registers these
    assert listed[1] == {
        "id": "002",
        "name_zh": "金融信贷审核",
        "name_en": "Credit and loan review",
        "retired_height": 0,
    }
    assert listed[-1]["id"] == OTHER
    assert wallet.ledger.catalogue.queries == [("certificates", "purposes")]


def test_anothers_certificates_need_a_consent_delegation_in_force(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    other = "hd" + "ab" * 20
    resp = wallet.http.request(
        "GET",
        f"/v1/holders/{holder}/certificates",
        params={"on_behalf_of": other},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 403, resp.text  # the fake chain lists no delegation
    assert "delegation" in resp.json()["detail"]
