"""A holder's certificate as an open credential (docs/credentials.md): the W3C VC its issuer
signed, or an SD-JWT VC presentation with only the fields the holder chooses."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from node.chain.crypto import KeyPair
from node.sdk.credentials import SD_JWT_TYP, VC_TYP, present_sd_jwt
from wallet import limits
from wallet.deps import CertIdPath, CurrentHolder, HolderIdPath, Store, WalletClock
from wallet.store import P_CREDENTIALS

router = APIRouter(prefix="/v1", tags=["credentials"])


class CredentialIn(BaseModel):
    format: Literal["vc+jwt", "dc+sd-jwt"] = Field(
        description="vc+jwt: the whole VC 2.0 as issued; dc+sd-jwt: only the chosen fields"
    )
    fields: list[str] = Field(
        default_factory=list,
        max_length=limits.DOCUMENT_FIELDS_MAX,
        description="for dc+sd-jwt: the fields to disclose (the others stay out)",
    )
    audience: str = Field(
        default="",
        max_length=limits.KB_TEXT_MAX,
        description="for dc+sd-jwt: the verifier's id (aud); with it or a nonce, a key-binding"
        " JWT signed with the holder's key is appended",
    )
    nonce: str = Field(
        default="",
        max_length=limits.KB_TEXT_MAX,
        description="for dc+sd-jwt: the nonce the verifier gave (key binding)",
    )


@router.post("/holders/{holder_id}/certificates/{cert_id}/credential")
def export_credential(
    holder_id: HolderIdPath,
    cert_id: CertIdPath,
    body: CredentialIn,
    session: CurrentHolder,
    store: Store,
    clock: WalletClock,
) -> dict[str, Any]:
    """The certificate as an open credential signed by its issuing organisation, for a
    verifier outside the chain's clients: the VC as issued (every field), or an SD-JWT VC
    that carries the disclosures of the chosen fields only, followed, when the verifier gave
    an audience or a nonce, by a key-binding JWT signed with the holder's key (its public key
    in the KB-JWT's header: the verifier checks it against the holder id the issuer signed).
    Certificates issued before credentials were delivered have none (404)."""
    sealed = store.get_credentials(holder_id, cert_id)
    if sealed is None:
        raise HTTPException(404, "this wallet holds no credentials for that certificate")
    issued = json.loads(
        store.open_document(holder_id, cert_id, session.seed, sealed, P_CREDENTIALS)
    )
    if body.format == VC_TYP:
        if body.fields or body.audience or body.nonce:
            raise HTTPException(
                422, "a vc+jwt shows every field, unbound: choose dc+sd-jwt to select or bind"
            )
        return {
            "format": VC_TYP,
            "media_type": "application/vc+jwt",
            "credential": issued["vc_jwt"],
        }
    if not body.fields:
        raise HTTPException(422, "choose at least one field to disclose")
    try:
        bound = bool(body.audience or body.nonce)
        text = present_sd_jwt(
            issued["sd_jwt"],
            body.fields,
            holder=KeyPair(session.seed) if bound else None,
            audience=body.audience,
            nonce=body.nonce,
            now_s=clock.now_ms() // 1000,
            with_jwk=bound,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {
        "format": SD_JWT_TYP,
        "media_type": "application/dc+sd-jwt",
        "credential": text,
        "key_bound": bound,
    }
