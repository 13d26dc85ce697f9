"""Organisations' keys over HTTP (wallet/routers/keys.py): the JWK Set and the did:web
document carry exactly the signing key the chain's membership holds, and a signature the
organisation made verifies with the key as an outside verifier reads it (base64url JWK);
an unknown organisation or a malformed id is a clear 404 / 422."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from node.chain.crypto import KeyPair

from .wallet_support import Wallet, running_wallet

EDU = KeyPair(bytes(range(32)))


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with running_wallet(tmp_path) as w:
        w.ledger.members["edu"] = {"id": "edu", "public_key": EDU.public_key.hex()}
        yield w


def _key_of(jwk: dict[str, str]) -> Ed25519PublicKey:
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


def test_the_jwks_carries_the_on_chain_key_and_verifies_its_signatures(wallet: Wallet) -> None:
    resp = wallet.http.request("GET", "/orgs/edu/jwks.json")
    assert resp.status_code == 200, resp.text
    (jwk,) = resp.json()["keys"]
    signed = "毕业证书 diploma".encode()
    _key_of(jwk).verify(EDU.sign(signed), signed)  # raises if it does not verify
    assert jwk["kid"] == "edu#signing"


def test_the_did_document_names_the_same_key_for_assertions(wallet: Wallet) -> None:
    resp = wallet.http.request("GET", "/orgs/edu/did.json")
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    did = doc["id"]
    assert did.startswith("did:web:") and did.endswith(":orgs:edu")
    (method,) = doc["verificationMethod"]
    assert method["controller"] == did and doc["assertionMethod"] == [method["id"]]
    assert _key_of(method["publicKeyJwk"]).public_bytes_raw() == EDU.public_key


def test_an_unknown_or_malformed_organisation_is_refused(wallet: Wallet) -> None:
    assert wallet.http.request("GET", "/orgs/nobody/jwks.json").status_code == 404
    assert wallet.http.request("GET", "/orgs/nobody/did.json").status_code == 404
    assert wallet.http.request("GET", "/orgs/NOT_AN_ID/jwks.json").status_code == 422
