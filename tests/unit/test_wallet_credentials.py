"""The wallet and open credentials (docs/credentials.md): an issuer delivers the VC and the
SD-JWT VC with the document; the wallet keeps them only if they verify under the issuer's key
on the chain and state exactly the delivered document; a holder exports the VC as issued or
an SD-JWT VC with only the fields they choose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.chain.crypto import KeyPair
from node.sdk.credentials import (
    CertificateClaims,
    IssuerKey,
    issue_sd_jwt,
    issue_vc_jwt,
    split_sd_jwt,
)

from .wallet_support import Org, Wallet, diploma, record_on_chain, running_wallet

CERT_ID = "cert-credential-0001"
EDU = KeyPair(bytes(range(32)))
OTHER = KeyPair(bytes(range(1, 33)))


@dataclass
class World:
    wallet: Wallet
    edu: Org
    holder: str
    doc: dict[str, Any]

    def credentials(self, key: KeyPair = EDU, **changes: Any) -> dict[str, str]:
        claims = CertificateClaims(
            cert_id=self.doc["cert_id"],
            cert_type=self.doc["cert_type"],
            holder=self.holder,
            fields=changes.pop("fields", self.doc["fields"]),
            issued_at_s=1_767_225_600,
            status_base_url="http://node.example",
            status_index=7,
        )
        issuer = IssuerKey(self.wallet.ledger.chain_id, "edu", key)
        return {"vc_jwt": issue_vc_jwt(issuer, claims), "sd_jwt": issue_sd_jwt(issuer, claims)}

    def deliver(self, credentials: dict[str, str] | None) -> httpx.Response:
        body: dict[str, Any] = {"document": self.doc}
        if credentials is not None:
            body["credentials"] = credentials
        creds = self.edu.issue("issuer", self.wallet.clock.now())
        path = f"/v1/holders/{self.holder}/certificates"
        return self.wallet.http.signed(creds, "POST", path, self.wallet.clock.now_ms(), json=body)

    def export(self, body: dict[str, Any]) -> httpx.Response:
        token = self.wallet.sign_in(self.holder).json()["token"]
        return self.wallet.http.request(
            "POST",
            f"/v1/holders/{self.holder}/certificates/{CERT_ID}/credential",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with running_wallet(tmp_path) as wallet:
        edu = Org.make("edu", wallet.clock.now() - dt.timedelta(days=10))
        wallet.ledger.cas = {"edu": edu.ca_pem}
        wallet.ledger.members["edu"] = {"id": "edu", "public_key": EDU.public_key.hex()}
        holder = wallet.new_holder()
        doc = diploma(CERT_ID)
        record_on_chain(wallet.ledger, doc, "edu", holder)
        yield World(wallet, edu, holder, doc)


def test_delivered_credentials_are_kept_sealed_and_exported(world: World) -> None:
    issued = world.credentials()
    resp = world.deliver(issued)
    assert resp.status_code == 201 and resp.json()["credentials"] is True, resp.text
    sealed = world.wallet.store.get_credentials(world.holder, CERT_ID)
    assert sealed is not None and issued["vc_jwt"].encode() not in sealed
    whole = world.export({"format": "vc+jwt"})
    assert whole.status_code == 200 and whole.json()["credential"] == issued["vc_jwt"]
    chosen = world.export({"format": "dc+sd-jwt", "fields": ["degree"]})
    assert chosen.status_code == 200, chosen.text
    jwt, disclosures, kb = split_sd_jwt(chosen.json()["credential"])
    assert jwt == issued["sd_jwt"].split("~")[0] and len(disclosures) == 1 and kb == ""


def test_credentials_not_signed_by_the_issuers_key_on_the_chain_are_refused(
    world: World,
) -> None:
    resp = world.deliver(world.credentials(OTHER))
    assert resp.status_code == 422 and "unknown_kid" in resp.json()["detail"]
    assert world.wallet.store.get_document(world.holder, CERT_ID) is None


def test_credentials_of_another_document_are_refused(world: World) -> None:
    other = {**world.doc["fields"], "degree": "Doctor of Philosophy"}
    resp = world.deliver(world.credentials(fields=other))
    assert resp.status_code == 422 and "not the delivered document" in resp.json()["detail"]
    assert world.wallet.store.get_credentials(world.holder, CERT_ID) is None


def test_a_document_without_credentials_drops_the_old_ones(world: World) -> None:
    assert world.deliver(world.credentials()).status_code == 201
    resp = world.deliver(None)
    assert resp.status_code == 201 and resp.json()["credentials"] is False
    assert world.export({"format": "vc+jwt"}).status_code == 404


def test_exports_refuse_fields_the_format_cannot_take(world: World) -> None:
    assert world.deliver(world.credentials()).status_code == 201
    assert world.export({"format": "vc+jwt", "fields": ["degree"]}).status_code == 422
    assert world.export({"format": "dc+sd-jwt"}).status_code == 422
    missing = world.export({"format": "dc+sd-jwt", "fields": ["blood_type"]})
    assert missing.status_code == 422 and "no field blood_type" in missing.json()["detail"]
    assert world.export({"format": "mdoc"}).status_code == 422
