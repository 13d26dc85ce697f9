"""Organisations' public keys over plain HTTP(S) (issue 14): what an outside verifier needs to
check a signature of a member organisation without a node, a client certificate or our SDK.

Each organisation's Ed25519 signing key, as the chain's membership contract holds it (the
key its transactions, and the credentials it issues, are signed with), served as a JWK Set
(RFC 7517, the OKP key type of RFC 8037) and as a `did:web` DID document whose verification
method carries the same key. The wallet reads the membership from its node at each request:
a key changed on-chain is served from the next block on. Read only; no secret is involved.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request

from wallet.chain_calls import node_query
from wallet.deps import Ledger

router = APIRouter(tags=["organisations"])

OrgPath = Annotated[str, Path(pattern=r"^[a-z0-9-]{2,32}$", description="organisation id")]


def get_jwk(org_id: str, public_key_hex: str) -> dict[str, str]:
    """The organisation's key as an OKP Ed25519 JWK; 409 for an SM2 key (an ``sm2-sm3``
    chain's), which JOSE has no registered key type or algorithm for."""
    raw = bytes.fromhex(public_key_hex)
    if len(raw) != 32:
        raise HTTPException(
            409, "JOSE has no registered SM2 key: an sm2-sm3 chain's organisations publish no JWK"
        )
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"),
        "kid": f"{org_id}#signing",
        "use": "sig",
        "alg": "EdDSA",
    }


def get_did(request: Request, org_id: str) -> str:
    """did:web of the organisation on this host (a port is written %3A, per the method)."""
    host = request.url.hostname or "localhost"
    if request.url.port is not None:
        host = f"{host}%3A{request.url.port}"
    return f"did:web:{host}:orgs:{org_id}"


def _organisation(ledger: Ledger, org_id: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = node_query(ledger, "membership", "get", org_id=org_id)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise HTTPException(404, f"{org_id} is not a member organisation") from None
        raise
    return found


@router.get("/orgs/{org_id}/jwks.json")
def jwks(org_id: OrgPath, ledger: Ledger) -> dict[str, Any]:
    """The organisation's signing key as a JWK Set."""
    org = _organisation(ledger, org_id)
    return {"keys": [get_jwk(org_id, str(org["public_key"]))]}


@router.get("/orgs/{org_id}/did.json")
def did_document(org_id: OrgPath, request: Request, ledger: Ledger) -> dict[str, Any]:
    """The organisation's DID document (did:web), its signing key as the assertion key."""
    org = _organisation(ledger, org_id)
    did = get_did(request, org_id)
    method = {
        "id": f"{did}#signing",
        "type": "JsonWebKey2020",
        "controller": did,
        "publicKeyJwk": get_jwk(org_id, str(org["public_key"])),
    }
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "alsoKnownAs": [f"trustledger:org:{org_id}"],
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
        "authentication": [method["id"]],
    }
