"""Sign-in: creating a holder identity, unlocking it with the passphrase, signing out.

The passphrase is checked with a slow KDF (`wallet.passphrases`), behind per-holder lockout
and per-address limits (`wallet.signin`); sessions expire (`wallet.sessions`). Every
refusal is a status and a reason that quote nothing the caller sent; a holder id this wallet
does not keep is answered like a wrong passphrase, after the same derivation.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

from contracts.framework.identity import holder_id_for
from wallet import limits
from wallet.deps import Kdf, SessionsDep, SignIn, Store
from wallet.passphrases import KdfBusy, PassphraseInvalid, PassphraseKdf, WrongPassphrase
from wallet.sessions import Sessions, SessionsFull
from wallet.signin import SignInGuard, SignInRefused
from wallet.store import WalletStore

router = APIRouter(prefix="/v1", tags=["holders"])

WRONG_CREDENTIALS = "wrong holder id or passphrase"


# A lone surrogate (from a JSON escape) is refused by pydantic as `string_unicode` (422,
# without the input: `wallet.errors`); the KDF refuses it too (`PassphraseInvalid`).
class CreateHolder(BaseModel):
    passphrase: str = Field(
        min_length=limits.PASSPHRASE_CHARS_MIN, max_length=limits.PASSPHRASE_CHARS_MAX
    )


class OpenSession(BaseModel):
    holder_id: str = Field(pattern=r"^hd[0-9a-f]{40}$")
    passphrase: str = Field(min_length=1, max_length=limits.PASSPHRASE_CHARS_MAX)


class SessionOut(BaseModel):
    holder_id: str
    public_key: str
    token: str
    expires_in_s: int


def too_many(exc: SignInRefused | KdfBusy | SessionsFull) -> HTTPException:
    """429 for a limit on this caller, 503 for the wallet's own capacity; Retry-After."""
    status = 429 if isinstance(exc, SignInRefused) else 503
    return HTTPException(status, exc.reason, headers={"Retry-After": str(exc.retry_after_s)})


BUSY_RESPONSES: dict[int | str, dict[str, object]] = {
    429: {
        "description": "locked after repeated failures, or too many sign-ins or new holders"
        " from this address: retry after the Retry-After header's seconds"
    },
    503: {
        "description": "too many passphrases being checked, or the session table full:"
        " retry after the Retry-After header's seconds"
    },
}


@contextmanager
def sign_in_refusals() -> Iterator[None]:
    """A refusal on the way to a session, answered alike by both routes that open one: a
    limit (`too_many`: 429 or 503 with Retry-After), or 422 for a passphrase the KDF refuses."""
    try:
        yield
    except (SignInRefused, KdfBusy, SessionsFull) as exc:
        raise too_many(exc) from None
    except PassphraseInvalid as exc:
        raise HTTPException(422, str(exc)) from None


@dataclass(frozen=True, slots=True)
class SignInDesk:
    """What creating a holder and unlocking one both work with."""

    client: str
    """The caller's address: the per-address limits of `wallet.signin` count by it."""
    store: WalletStore
    sessions: Sessions
    kdf: PassphraseKdf
    guard: SignInGuard

    def open_session(self, holder_id: str, public_key_hex: str, seed: bytes) -> SessionOut:
        """A session for the holder whose key `seed` is, as both routes answer it."""
        token = self.sessions.open(holder_id, seed)
        return SessionOut(
            holder_id=holder_id,
            public_key=public_key_hex,
            token=token,
            expires_in_s=self.sessions.ttl_s,
        )


def sign_in_desk(
    request: Request, store: Store, sessions: SessionsDep, kdf: Kdf, signin: SignIn
) -> SignInDesk:
    client = request.client.host if request.client else "unknown"
    return SignInDesk(client, store, sessions, kdf, signin)


Desk = Annotated[SignInDesk, Depends(sign_in_desk)]


@router.post("/holders", response_model=SessionOut, status_code=201, responses=BUSY_RESPONSES)
def create_holder(body: CreateHolder, desk: Desk) -> SessionOut:
    """Create a holder identity. The private key is sealed under the passphrase (scrypt,
    `wallet.passphrases`); each address may create a few per window (`wallet.signin`)."""
    suite = desk.store.suite  # the chain's suite: documents seal to it
    keypair = suite.generate_keypair()
    holder_id = holder_id_for(keypair.public_key, suite)
    with sign_in_refusals():
        desk.guard.admit_creation(desk.client)
        sealed = desk.kdf.seal(keypair.private_key, body.passphrase)
        # The session before the record: no orphan record when the session table is full.
        opened = desk.open_session(holder_id, keypair.public_key.hex(), keypair.private_key)
    desk.store.put_holder(
        holder_id,
        {
            "public_key": keypair.public_key.hex(),
            "passphrase": sealed,
            "created_ms": int(time.time() * 1000),
        },
    )
    return opened


@router.post(
    "/sessions",
    response_model=SessionOut,
    responses={401: {"description": WRONG_CREDENTIALS}, **BUSY_RESPONSES},
)
def open_session(body: OpenSession, desk: Desk) -> SessionOut:
    """Unlock a wallet with its passphrase; returns a bearer token. Repeated failures lock
    the holder with a growing delay (`wallet.signin`); a locked sign-in is refused before
    the passphrase is checked. A holder id this wallet does not keep costs the same
    derivation and gets the same answer as a wrong passphrase. A record sealed with older
    parameters (or before scrypt) is re-sealed with the current ones."""
    with sign_in_refusals():
        with desk.guard.attempt(body.holder_id, desk.client) as attempt:
            record = desk.store.get_holder(body.holder_id)
            try:
                if record is None:
                    desk.kdf.check_unknown(body.passphrase)
                seed = desk.kdf.open(record, body.passphrase)
            except WrongPassphrase:
                attempt.failed()
                raise HTTPException(401, WRONG_CREDENTIALS) from None
            upgrade(desk.store, desk.kdf, body.holder_id, record, seed, body.passphrase)
            attempt.succeeded()
        return desk.open_session(body.holder_id, record["public_key"], seed)


def upgrade(
    store: WalletStore,
    kdf: PassphraseKdf,
    holder_id: str,
    record: dict[str, Any],
    seed: bytes,
    passphrase: str,
) -> None:
    """Re-seal a record made with weaker parameters (or before scrypt) with the current
    ones; when the KDF queue is full it waits for the holder's next sign-in."""
    if not kdf.needs_upgrade(record):
        return
    try:
        sealed = kdf.seal(seed, passphrase)
    except KdfBusy:
        return
    upgraded = {k: v for k, v in record.items() if k != "sealed_seed"}
    upgraded["passphrase"] = sealed
    store.put_holder(holder_id, upgraded)


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
