"""删除 in the wallet (docs/erasure.md): erasing a certificate destroys its per-document keys,
the documents, credentials and shares, asks the chain's agencies for theirs, and leaves
nothing readable of it in the store's files after the compaction."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.chain.crypto import KeyPair
from node.sdk.client import TransactionRejected
from node.sdk.credentials import CertificateClaims, IssuerKey, issue_sd_jwt, issue_vc_jwt
from node.sdk.sealing import seal_to
from suites import ED25519_SHA256
from wallet.store import P_DOC, P_DOC_KEY, WalletStore

from .wallet_support import Org, Wallet, diploma, record_on_chain, running_wallet

CERT_ID = "cert-erasure-000001"
REQUEST_ID = "req-erasure-000001"
EDU = KeyPair(bytes(range(32)))


@dataclass
class Committed:
    tx_hash: bytes
    height: int


class Calls:
    """What the wallet submitted, answered as committed."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, key: KeyPair, contract: str, method: str, args: dict[str, Any]) -> Any:
        self.made.append((contract, method, args))
        return Committed(b"\x01" * 32, 7)


def store_files(wallet_dir: Path) -> bytes:
    """Every file of the LevelDB store, concatenated."""
    return b"".join(p.read_bytes() for p in sorted((wallet_dir / "db").iterdir()) if p.is_file())


def deliver(wallet: Wallet, holder: str, doc: dict[str, Any]) -> None:
    edu = Org.make("edu", wallet.clock.now() - dt.timedelta(days=10))
    wallet.ledger.cas = {"edu": edu.ca_pem}
    wallet.ledger.members["edu"] = {"id": "edu", "public_key": EDU.public_key.hex()}
    record_on_chain(wallet.ledger, doc, "edu", holder)
    claims = CertificateClaims(
        cert_id=CERT_ID,
        cert_type="diploma",
        holder=holder,
        fields=doc["fields"],
        issued_at_s=1_767_225_600,
        status_base_url="http://node.example",
        status_index=7,
    )
    issuer = IssuerKey(wallet.ledger.chain_id, "edu", EDU)
    body = {
        "document": doc,
        "credentials": {
            "vc_jwt": issue_vc_jwt(issuer, claims),
            "sd_jwt": issue_sd_jwt(issuer, claims),
        },
    }
    creds = edu.issue("issuer", wallet.clock.now())
    path = f"/v1/holders/{holder}/certificates"
    resp = wallet.http.signed(creds, "POST", path, wallet.clock.now_ms(), json=body)
    assert resp.status_code == 201, resp.text


def test_erasure_leaves_nothing_readable_in_the_store_files(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        doc = diploma(CERT_ID)
        deliver(wallet, holder, doc)
        # The bank was granted the certificate: the wallet keeps the share sealed to it.
        wallet.ledger.requests[REQUEST_ID] = {
            "request_id": REQUEST_ID,
            "holder": holder,
            "agency": "bank",
            "cert_id": CERT_ID,
            "scope": [{"cert_id": CERT_ID}],
            "granted_scope": [{"cert_id": CERT_ID}],
            "status": "granted",
        }
        share = seal_to(KeyPair(bytes(range(2, 34))).public_key, json.dumps(doc).encode())
        wallet.store.put_share(REQUEST_ID, {"agency": "bank", "sealed": share.hex()})
        calls = Calls()
        wallet.ledger.call = calls  # type: ignore[attr-defined]

        listed = wallet.http.request("GET", f"/v1/holders/{holder}/certificates", headers=auth)
        assert listed.json()[0]["document"] == doc  # readable through its own key
        sealed_doc = wallet.store.get_document(holder, CERT_ID)
        sealed_vc = wallet.store.get_credentials(holder, CERT_ID)
        wrapped = wallet.store._db.get(P_DOC_KEY + f"d/{holder}/{CERT_ID}".encode())
        assert sealed_doc is not None and sealed_vc is not None and wrapped is not None
        secrets = [sealed_doc, sealed_vc, wrapped, share.hex().encode(), doc["salt"].encode()]
        secrets += [value.encode() for value in doc["fields"].values()]
        wallet.store.compact()
        before = store_files(tmp_path)
        # The scan finds what is there: the sealed rows (field values never are in clear).
        assert [secret in before for secret in secrets[:4]] == [True] * 4

        resp = wallet.http.request(
            "POST", f"/v1/holders/{holder}/certificates/{CERT_ID}/erase", headers=auth
        )
        assert resp.status_code == 200, resp.text
        out = resp.json()
        assert out["chain"] == {"tx_hash": "01" * 32, "height": 7}
        assert out["rows_deleted"] == 5  # two keys, the document, the credentials, the share
        ((contract, method, args),) = calls.made
        assert (contract, method, args["cert_id"]) == ("consent", "erase", CERT_ID)
        assert args["erasure_id"] == out["erasure_id"]

        assert wallet.store.get_document(holder, CERT_ID) is None
        assert wallet.store.get_credentials(holder, CERT_ID) is None
        assert wallet.store.get_share(REQUEST_ID) is None
        after = store_files(tmp_path)
        assert [secret for secret in secrets if secret in after] == []
        listed = wallet.http.request("GET", f"/v1/holders/{holder}/certificates", headers=auth)
        assert listed.json()[0]["document"] is None


def test_a_never_released_certificate_is_erased_in_the_wallet_only(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        token = wallet.sign_in(holder).json()["token"]
        deliver(wallet, holder, diploma(CERT_ID))

        def refuse(key: KeyPair, contract: str, method: str, args: dict[str, Any]) -> Any:
            raise TransactionRejected("failed_precondition", "not released", b"\x02" * 32, 8)

        wallet.ledger.call = refuse  # type: ignore[attr-defined]
        resp = wallet.http.request(
            "POST",
            f"/v1/holders/{holder}/certificates/{CERT_ID}/erase",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status_code == 200, resp.text
        assert (resp.json()["chain"], resp.json()["erasure_id"]) == (None, None)
        assert wallet.store.get_document(holder, CERT_ID) is None


def test_only_the_holders_certificate_is_erased(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder, other = wallet.new_holder(), wallet.new_holder()
        deliver(wallet, holder, diploma(CERT_ID))
        token = wallet.sign_in(other).json()["token"]
        resp = wallet.http.request(
            "POST",
            f"/v1/holders/{other}/certificates/{CERT_ID}/erase",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status_code == 404
        assert wallet.store.get_document(holder, CERT_ID) is not None


def test_documents_sealed_before_per_document_keys_stay_readable(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder = wallet.new_holder()
        doc = diploma(CERT_ID)
        record_on_chain(wallet.ledger, doc, "edu", holder)
        public_key = bytes.fromhex(wallet.store.get_holder(holder)["public_key"])  # type: ignore[index]
        wallet.store.put_document(holder, CERT_ID, seal_to(public_key, json.dumps(doc).encode()))
        token = wallet.sign_in(holder).json()["token"]
        listed = wallet.http.request(
            "GET",
            f"/v1/holders/{holder}/certificates",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert listed.json()[0]["document"] == doc


def test_an_archive_record_erasure_is_only_asked_on_the_chain(tmp_path: Path) -> None:
    with running_wallet(tmp_path) as wallet:
        holder, other = wallet.new_holder(), wallet.new_holder()
        records = {"SS-2024-000001": holder, "SS-2024-000002": other}
        answer = wallet.ledger.query

        def query(contract: str, method: str, **args: Any) -> Any:
            if (contract, method) == ("archives", "get"):
                return {"record_id": args["record_id"], "subject": records[args["record_id"]]}
            return answer(contract, method, **args)

        wallet.ledger.query = query  # type: ignore[method-assign]
        calls = Calls()
        wallet.ledger.call = calls  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {wallet.sign_in(holder).json()['token']}"}
        path = f"/v1/holders/{holder}/archive/SS-2024-000001/erase"
        resp = wallet.http.request("POST", path, headers=auth)
        assert resp.status_code == 200, resp.text
        ((contract, method, args),) = calls.made
        assert (contract, method) == ("consent", "erase")
        assert args == {"erasure_id": resp.json()["erasure_id"], "record_id": "SS-2024-000001"}
        other_path = f"/v1/holders/{holder}/archive/SS-2024-000002/erase"
        assert wallet.http.request("POST", other_path, headers=auth).status_code == 404
        assert len(calls.made) == 1


def test_shares_recorded_for_the_certificate_go_even_if_the_chain_lists_no_request(
    tmp_path: Path,
) -> None:
    with running_wallet(tmp_path) as wallet:
        wallet.store.put_share("req-a", {"agency": "bank", "cert_id": CERT_ID, "sealed": "00"})
        wallet.store.put_share("req-b", {"agency": "bank", "cert_id": "other", "sealed": "00"})
        wallet.store.put_share("req-c", {"agency": "bank", "sealed": "00"})
        assert wallet.store.erase_certificate(CERT_ID, ["req-c"]) == 2
        assert wallet.store.get_share("req-a") is None and wallet.store.get_share("req-c") is None
        assert wallet.store.get_share("req-b") is not None


def test_a_document_erased_before_any_flush_leaves_nothing_in_the_files(tmp_path: Path) -> None:
    # Delivered and erased while both still sit in LevelDB's memtable: flushed together, the
    # value and its tombstone would share a table the compaction never rewrites (store.compact).
    store = WalletStore(tmp_path / "db", ED25519_SHA256)
    try:
        holder = KeyPair(bytes([5]) * 32)
        for cert_id in (CERT_ID, "cert-erasure-000002"):
            sealed = store.seal_document("hd-a", cert_id, holder.public_key, b"plain", P_DOC)
            store.put_document("hd-a", cert_id, sealed)
            if cert_id == CERT_ID:
                erased = sealed
        assert store.erase_certificate(CERT_ID, []) == 2
        assert erased not in store_files(tmp_path)
        assert store.get_document("hd-a", "cert-erasure-000002") is not None
    finally:
        store.close()
