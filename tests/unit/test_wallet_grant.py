"""A grant narrowed in the wallet (issue 12): an end later than the request asks is refused
before anything is sealed or signed. The narrowed grants themselves go to a real chain in
tests/integration/test_citizen_page.py."""

from __future__ import annotations

import json
from pathlib import Path

from node.chain.crypto import KeyPair
from node.sdk.annotation import make_annotation
from node.sdk.sealing import seal_to
from tests.unit.wallet_support import Wallet, running_wallet

REQUEST_ID = "req-grant-000001"
CERT_ID = "DIP-2012-000001"


def ask_for_the_degree(wallet: Wallet, holder: str) -> None:
    """The holder keeps a sealed diploma; the bank (a member) asks, pending, for its degree."""
    public_key = bytes.fromhex(wallet.store.get_holder(holder)["public_key"])
    doc = {"cert_id": CERT_ID, "cert_type": "diploma", "fields": {"degree": "硕士"}}
    wallet.store.put_document(holder, CERT_ID, seal_to(public_key, json.dumps(doc).encode()))
    wallet.ledger.members["bank"] = {"id": "bank", "public_key": "11" * 32}
    wallet.ledger.requests[REQUEST_ID] = {
        "request_id": REQUEST_ID,
        "holder": holder,
        "agency": "bank",
        "cert_id": CERT_ID,
        "scope": [{"cert_id": CERT_ID, "fields": ["degree"]}],
        "purpose": "学历核验",
        "status": "pending",
        "expires_at_ms": wallet.clock.now_ms() + 86_400_000,
    }


def test_a_grant_may_end_earlier_never_later(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        ends = wallet.clock.now_ms() + 86_400_000
        wallet.ledger.requests[REQUEST_ID] = {
            "request_id": REQUEST_ID,
            "holder": holder,
            "agency": "bank",
            "cert_id": CERT_ID,
            "purpose": "贷款审核",
            "status": "pending",
            "expires_at_ms": ends,
        }
        wallet.store.put_document(holder, CERT_ID, b"sealed")
        later = wallet.grant(token, holder, REQUEST_ID, expires_at_ms=ends + 1)
        assert later.status_code == 422, later.text
        assert "earlier" in later.json()["detail"]
        assert wallet.store.get_share(REQUEST_ID) is None  # nothing sealed for the agency
        for bad in (0, -5, "tomorrow"):
            resp = wallet.grant(token, holder, REQUEST_ID, expires_at_ms=bad)
            assert resp.status_code == 422, bad
        assert wallet.store.get_share(REQUEST_ID) is None


def test_chosen_fields_are_not_released_without_commitments_to_check_them(
    tmp_path: Path,
) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        wallet.ledger.certificates[CERT_ID] = {
            "cert_id": CERT_ID,
            "holder": holder,
            "field_hashes": {},
        }
        ask_for_the_degree(wallet, holder)
        resp = wallet.grant(token, holder, REQUEST_ID)
        assert resp.status_code == 409, resp.text
        assert "commitments" in resp.json()["detail"]
        assert wallet.store.get_share(REQUEST_ID) is None  # nothing released


def test_a_released_copy_is_listed_with_the_line_its_annotation_prints(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        wallet.ledger.members["bank"] = {"id": "bank", "name": "某某银行"}
        for request_id, status in ((REQUEST_ID, "granted"), ("req-grant-000002", "pending")):
            wallet.ledger.requests[request_id] = {
                "request_id": request_id,
                "holder": holder,
                "agency": "bank",
                "cert_id": CERT_ID,
                "purpose": "助学贷款审核",
                "purpose_code": "002",
                "status": status,
                "expires_at_ms": 1_767_225_600_000,
            }
        annotation = make_annotation(
            KeyPair(bytes(range(32))),
            cert_id=CERT_ID,
            document_hash="ab" * 32,
            agency="bank",
            purpose="助学贷款审核",
            purpose_code="002",
            request_id=REQUEST_ID,
            expires_at_ms=1_767_225_600_000,  # 2026-01-01 08:00 in China
        )
        wallet.store.put_share(REQUEST_ID, {"agency": "bank", "annotation": annotation})
        resp = wallet.in_session(token, "GET", f"/v1/holders/{holder}/requests")
        assert resp.status_code == 200, resp.text
        lines = {r["request_id"]: r.get("annotation_text") for r in resp.json()}
        assert lines == {
            REQUEST_ID: "仅供 某某银行 办理 金融信贷审核（助学贷款审核） 使用，有效期至 2026年1月1日",
            "req-grant-000002": None,  # nothing released for a pending request
        }


def test_a_grant_narrows_fields_never_adds_one(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        ask_for_the_degree(wallet, holder)
        wider = wallet.grant(token, holder, REQUEST_ID, fields=["major"])
        assert wider.status_code == 422, wider.text
        assert wider.json()["detail"] == "fields may narrow the request's fields, never add one"
        for bad in ([], ["Degree"], ["x" * 49], "degree"):
            resp = wallet.grant(token, holder, REQUEST_ID, fields=bad)
            assert resp.status_code == 422, bad
        assert wallet.store.get_share(REQUEST_ID) is None  # nothing released
