"""Dependencies shared by the routers (`Annotated` aliases, as FastAPI recommends)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request

from node.sdk.client import LedgerClient
from wallet.sessions import Session, Sessions
from wallet.store import WalletStore

HOLDER_ID_PATTERN = r"^hd[0-9a-f]{40}$"
ID_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"


def get_store(request: Request) -> WalletStore:
    store: WalletStore = request.app.state.store
    return store


def get_ledger(request: Request) -> LedgerClient:
    ledger: LedgerClient = request.app.state.ledger
    return ledger


def get_sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.sessions
    return sessions


Store = Annotated[WalletStore, Depends(get_store)]
Ledger = Annotated[LedgerClient, Depends(get_ledger)]
SessionsDep = Annotated[Sessions, Depends(get_sessions)]
HolderIdPath = Annotated[str, Path(pattern=HOLDER_ID_PATTERN, description="holder pseudonym")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]


def current_session(
    holder_id: HolderIdPath,
    sessions: SessionsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Session:
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(
            401,
            "missing bearer token: open a session with POST /v1/sessions",
            headers={"WWW-Authenticate": "Bearer"},
        )
    session = sessions.get(authorization.removeprefix("Bearer ").strip())
    if session is None:
        raise HTTPException(
            401,
            "session expired or unknown: unlock the wallet again",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if session.holder_id != holder_id:
        raise HTTPException(403, "this session belongs to another holder")
    return session


CurrentHolder = Annotated[Session, Depends(current_session)]
