"""Archive records in the wallet (wallet/routers/records.py): the source delivers a record's
content, checked against the chain; a grant of its category seals it to the agency for the
request and the record; the agency collects the record its access named; an erasure leaves
nothing of it in the store's files. The same on a real devnet: tests/integration/test_erasure.py
and the page's test_citizen_page_screens.py."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import httpx

from node.chain.crypto import KeyPair
from node.sdk.client import TransactionRejected
from node.sdk.sealing import released_record_aad, unseal
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256

from .test_wallet_erasure import Calls, store_files
from .wallet_support import Org, Wallet, running_wallet

RECORD_ID = "SS-2024-000001"
OTHER_RECORD = "SS-2024-000002"
REQUEST_ID = "req-records-000001"
CONTENT = '{"months": 126, "employer": "济南齐鲁软件园"}'.encode()
BANK = KeyPair(bytes([7]) * 32)


def file_record(wallet: Wallet, record_id: str, subject: str, content: bytes) -> None:
    wallet.ledger.records[record_id] = {
        "record_id": record_id,
        "subject": subject,
        "category": "social_security",
        "source": "hrss",
        "version": 1,
        "content_hash": hashlib.sha256(content).hexdigest(),
    }


ORGS: dict[int, dict[str, Org]] = {}


def org(wallet: Wallet, org_id: str) -> Org:
    """``org_id``'s CA, made once per wallet and on the chain before its first request (the
    wallet caches the chain's CAs for a while)."""
    made = ORGS.setdefault(id(wallet), {})
    if not made:
        for name in ("hrss", "edu", "bank"):
            made[name] = Org.make(name, wallet.clock.now() - dt.timedelta(days=10))
            wallet.ledger.cas[name] = made[name].ca_pem
    return made[org_id]


def deliver(
    wallet: Wallet,
    holder: str,
    record_id: str,
    content: bytes,
    source: str = "hrss",
    role: str = "issuer",
) -> httpx.Response:
    body = {"content": base64.b64encode(content).decode()}
    path = f"/v1/holders/{holder}/archive/{record_id}/content"
    creds = org(wallet, source).issue(role, wallet.clock.now())
    return wallet.http.signed(creds, "POST", path, wallet.clock.now_ms(), json=body)


def ask_for_records(wallet: Wallet, holder: str, *categories: str) -> None:
    wallet.ledger.members["bank"] = {"id": "bank", "public_key": BANK.public_key.hex()}
    wallet.ledger.requests[REQUEST_ID] = {
        "request_id": REQUEST_ID,
        "holder": holder,
        "agency": "bank",
        "cert_id": "",
        "cert_type": "",
        "scope": [{"record_category": c} for c in categories],
        "purpose": "贷款审核",
        "status": "pending",
        "expires_at_ms": wallet.clock.now_ms() + 86_400_000,
    }


def asked_for_a_held_record(wallet: Wallet) -> str:
    """A new holder whose record RECORD_ID (CONTENT) is on the chain and delivered to the
    wallet, and whom the bank asks for its social-security records: the holder."""
    holder = wallet.new_holder()
    file_record(wallet, RECORD_ID, holder, CONTENT)
    assert deliver(wallet, holder, RECORD_ID, CONTENT).status_code == 201
    ask_for_records(wallet, holder, "social_security")
    return holder


def session(wallet: Wallet, holder: str) -> str:
    """A fresh session token of ``holder`` (its routes take a session)."""
    token: str = wallet.sign_in(holder).json()["token"]
    return token


def as_holder(wallet: Wallet, holder: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A request to the wallet by ``holder``, signed in afresh."""
    return wallet.in_session(session(wallet, holder), method, path, **kwargs)


def grant(wallet: Wallet, holder: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return wallet.grant(session(wallet, holder), holder, REQUEST_ID, **(body or {}))


def erase(wallet: Wallet, holder: str) -> httpx.Response:
    return as_holder(wallet, holder, "POST", f"/v1/holders/{holder}/archive/{RECORD_ID}/erase")


def test_the_source_delivers_content_that_matches_the_chain(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder, other = wallet.new_holder(), wallet.new_holder()
        file_record(wallet, RECORD_ID, holder, CONTENT)
        file_record(wallet, OTHER_RECORD, other, CONTENT)
        refused = {
            "not the source": deliver(wallet, holder, RECORD_ID, CONTENT, source="edu").status_code,
            "not an issuer": deliver(
                wallet, holder, RECORD_ID, CONTENT, role="verifier"
            ).status_code,
            "other content": deliver(wallet, holder, RECORD_ID, CONTENT + b" ").status_code,
            "another's file": deliver(wallet, holder, OTHER_RECORD, CONTENT).status_code,
            "no such record": deliver(wallet, holder, "SS-2024-000009", CONTENT).status_code,
        }
        assert refused == {
            "not the source": 403,
            "not an issuer": 403,
            "other content": 409,
            "another's file": 409,
            "no such record": 404,
        }
        assert wallet.store.get_record(holder, RECORD_ID) is None
        path = f"/v1/holders/{holder}/archive/{RECORD_ID}/content"
        creds = org(wallet, "hrss").issue("issuer", wallet.clock.now())
        for bad in ("not base64!", "QUJDRA", "A" * 60_000):  # not base64, no padding, too big
            resp = wallet.http.signed(
                creds, "POST", path, wallet.clock.now_ms(), json={"content": bad}
            )
            assert resp.status_code == 422, bad
        assert wallet.store.get_record(holder, RECORD_ID) is None
        resp = deliver(wallet, holder, RECORD_ID, CONTENT)
        assert resp.status_code == 201, resp.text
        assert resp.json()["content_hash"] == hashlib.sha256(CONTENT).hexdigest()
        assert CONTENT not in store_files(tmp_path)  # sealed, as documents are
        listed = as_holder(wallet, holder, "GET", f"/v1/holders/{holder}/archive")
        assert [(r["record_id"], r["held"]) for r in listed.json()] == [(RECORD_ID, True)]


def test_a_grant_seals_each_current_record_of_the_categories_to_the_agency(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = asked_for_a_held_record(wallet)
        calls = Calls()
        wallet.ledger.call = calls  # type: ignore[attr-defined]

        for body, status in (
            ({"record_categories": ["medical_insurance"]}, 422),  # not asked for
            ({"fields": ["months"]}, 422),  # fields narrow certificates
        ):
            resp = grant(wallet, holder, body)
            assert resp.status_code == status, (body, resp.text)
        assert wallet.store.get_share(REQUEST_ID) is None and calls.made == []

        resp = grant(wallet, holder, {"record_categories": ["social_security"], "max_uses": 2})
        assert resp.status_code == 200, resp.text
        assert resp.json()["records"] == [RECORD_ID]
        ((contract, method, args),) = calls.made
        assert (contract, method, args["max_uses"]) == ("consent", "grant", 2)
        assert args["scope"] == '[{"record_category": "social_security"}]'
        share = wallet.store.get_share(REQUEST_ID)
        assert share is not None and set(share["records"]) == {RECORD_ID}
        sealed = bytes.fromhex(share["records"][RECORD_ID])
        aad = released_record_aad(REQUEST_ID, RECORD_ID)
        assert unseal(ED25519_SHA256, BANK.seed, sealed, aad) == CONTENT


def test_a_copy_of_an_older_version_is_not_released(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        file_record(wallet, RECORD_ID, holder, CONTENT)
        assert deliver(wallet, holder, RECORD_ID, CONTENT).status_code == 201
        file_record(wallet, RECORD_ID, holder, b'{"months": 127}')  # corrected on the chain
        ask_for_records(wallet, holder, "social_security")
        resp = grant(wallet, holder)
        assert resp.status_code == 409, resp.text
        assert "keeps no record" in resp.json()["detail"]
        assert wallet.store.get_share(REQUEST_ID) is None


def access(wallet: Wallet, record_id: str, target: str = "record") -> bytes:
    """A committed consent.access of the bank under the request, naming ``record_id``."""
    tx_hash = hashlib.sha256(record_id.encode() + target.encode()).digest()
    result = ledger_pb2.TxResult(tx_hash=tx_hash, ok=True, contract="consent", method="access")
    event = ledger_pb2.Event(
        name="consent.accessed", subjects=["hd" + "0" * 40, record_id, "bank", REQUEST_ID]
    )
    event.attrs.append(ledger_pb2.EventAttr(key="target", text=target))
    result.events.append(event)
    wallet.ledger.transactions[tx_hash] = node_pb2.SubmitResponse(
        status=node_pb2.TX_STATUS_COMMITTED, result=result
    )
    return tx_hash


def test_the_agency_collects_the_record_its_access_named(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = asked_for_a_held_record(wallet)
        wallet.ledger.call = Calls()  # type: ignore[attr-defined]
        assert grant(wallet, holder).status_code == 200
        creds = org(wallet, "bank").issue("verifier", wallet.clock.now())

        def collect(tx_hash: bytes) -> httpx.Response:
            path = f"/v1/disclosures/{REQUEST_ID}?access_tx={tx_hash.hex()}"
            return wallet.http.signed(creds, "GET", path, wallet.clock.now_ms())

        read = collect(access(wallet, RECORD_ID))
        assert read.status_code == 200, read.text
        assert read.json()["record_id"] == RECORD_ID
        assert (
            read.json()["sealed_record"] == wallet.store.get_share(REQUEST_ID)["records"][RECORD_ID]
        )  # type: ignore[index]
        assert collect(access(wallet, OTHER_RECORD)).status_code == 404
        assert collect(access(wallet, RECORD_ID, target="certificate")).status_code == 403


def test_erasing_a_record_leaves_nothing_of_it_in_the_store_files(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        other_content = b'{"months": 12, "employer": "other"}'
        file_record(wallet, RECORD_ID, holder, CONTENT)
        file_record(wallet, OTHER_RECORD, holder, other_content)
        assert deliver(wallet, holder, RECORD_ID, CONTENT).status_code == 201
        assert deliver(wallet, holder, OTHER_RECORD, other_content).status_code == 201
        ask_for_records(wallet, holder, "social_security")
        wallet.ledger.call = Calls()  # type: ignore[attr-defined]
        assert grant(wallet, holder).json()["records"] == [RECORD_ID, OTHER_RECORD]
        share = wallet.store.get_share(REQUEST_ID)
        assert share is not None
        released = bytes.fromhex(share["records"][RECORD_ID])
        sealed = wallet.store.get_record(holder, RECORD_ID)
        assert sealed is not None

        resp = erase(wallet, holder)
        assert resp.status_code == 200, resp.text
        assert resp.json()["rows_deleted"] == 3  # the key, the content, the share rewritten
        files = store_files(tmp_path)
        assert [
            n for n, part in (("s", sealed), ("r", released), ("c", CONTENT)) if part in files
        ] == []
        left = wallet.store.get_share(REQUEST_ID)
        assert left is not None and set(left["records"]) == {OTHER_RECORD}
        assert wallet.store.get_record(holder, OTHER_RECORD) is not None


def test_a_record_never_released_is_erased_in_the_wallet_only(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        file_record(wallet, RECORD_ID, holder, CONTENT)
        assert deliver(wallet, holder, RECORD_ID, CONTENT).status_code == 201

        def never_released(*_: Any) -> Any:
            raise TransactionRejected("failed_precondition", "never released", b"\x02" * 32, 8)

        wallet.ledger.call = never_released  # type: ignore[attr-defined]
        resp = erase(wallet, holder)
        assert resp.status_code == 200, resp.text
        assert (resp.json()["chain"], resp.json()["rows_deleted"]) == (None, 2)
        assert wallet.store.get_record(holder, RECORD_ID) is None
