"""Sign-in: creating a holder identity, unlocking it with the passphrase, signing out.

The passphrase is checked with a slow KDF (`wallet.passphrases`), behind per-holder lockout
and per-address limits (`wallet.signin`); sessions expire (`wallet.sessions`).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from wallet import limits
from wallet.deps import Kdf, SessionsDep, SignIn, Store
from wallet.passphrases import WrongPassphrase
from wallet.signin import SignInRefused

router = APIRouter(prefix="/v1", tags=["holders"])

Passphrase = Field(min_length=limits.PASSPHRASE_CHARS_MIN, max_length=limits.PASSPHRASE_CHARS_MAX)


class CreateHolder(BaseModel):
    passphrase: str = Passphrase


class OpenSession(BaseModel):
    holder_id: str = Field(pattern=r"^hd[0-9a-f]{40}$")
    passphrase: str = Field(min_length=1, max_length=limits.PASSPHRASE_CHARS_MAX)


class SessionOut(BaseModel):
    holder_id: str
    public_key: str
    token: str
    expires_in_s: int


@router.post("/holders", response_model=SessionOut, status_code=201)
def create_holder(body: CreateHolder, store: Store, sessions: SessionsDep, kdf: Kdf) -> SessionOut:
    """Create a holder identity. The private key is sealed under the passphrase (scrypt,
    `wallet.passphrases`)."""
    keypair = KeyPair.generate()
    holder_id = holder_id_for(keypair.public_key)
    store.put_holder(
        holder_id,
        {
            "public_key": keypair.public_key.hex(),
            "passphrase": kdf.seal(keypair.seed, body.passphrase),
            "created_ms": int(time.time() * 1000),
        },
    )
    token = sessions.open(holder_id, keypair.seed)
    return SessionOut(
        holder_id=holder_id,
        public_key=keypair.public_key.hex(),
        token=token,
        expires_in_s=sessions.ttl_s,
    )


@router.post(
    "/sessions",
    response_model=SessionOut,
    responses={
        401: {"description": "wrong passphrase"},
        429: {
            "description": "locked after repeated failures, or too many sign-ins from this"
            " address: retry after the Retry-After header's seconds"
        },
    },
)
def open_session(
    body: OpenSession,
    request: Request,
    store: Store,
    sessions: SessionsDep,
    kdf: Kdf,
    signin: SignIn,
) -> SessionOut:
    """Unlock a wallet with its passphrase; returns a bearer token. Repeated failures lock
    the holder with a growing delay (`wallet.signin`); a locked sign-in is refused before
    the passphrase is checked. A record sealed with older parameters (or before scrypt) is
    re-sealed with the current ones."""
    client = request.client.host if request.client else "unknown"
    try:
        with signin.attempt(body.holder_id, client) as attempt:
            record = store.get_holder(body.holder_id)
            if record is None:
                attempt.failed(holder_exists=False)
                raise HTTPException(404, "no such holder in this wallet")
            try:
                seed = kdf.open(record, body.passphrase)
            except WrongPassphrase:
                attempt.failed()
                raise HTTPException(401, "wrong passphrase") from None
            if kdf.needs_upgrade(record):
                upgraded = {k: v for k, v in record.items() if k != "sealed_seed"}
                upgraded["passphrase"] = kdf.seal(seed, body.passphrase)
                store.put_holder(body.holder_id, upgraded)
            attempt.succeeded()
    except SignInRefused as exc:
        raise HTTPException(
            429, exc.reason, headers={"Retry-After": str(exc.retry_after_s)}
        ) from None
    token = sessions.open(body.holder_id, seed)
    return SessionOut(
        holder_id=body.holder_id,
        public_key=record["public_key"],
        token=token,
        expires_in_s=sessions.ttl_s,
    )


@router.delete("/sessions", status_code=204)
def close_session(
    sessions: SessionsDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Sign out: the bearer token is refused from now on."""
    token = (authorization or "").removeprefix("Bearer ").strip()
    if not token or not sessions.close(token):
        raise HTTPException(
            401, "no open session for this token", headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(status_code=204)
