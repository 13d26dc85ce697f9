"""Dependencies shared by the routers (`Annotated` aliases, as FastAPI recommends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar, cast

from fastapi import Depends, Header, HTTPException, Path, Request
from starlette.concurrency import run_in_threadpool

from node.chain.pki import Identity
from node.sdk.client import LedgerClient
from wallet.callers import CallerRefused, SignedRequests
from wallet.clock import Clock, SystemClock
from wallet.passphrases import PassphraseKdf
from wallet.sessions import Session, SessionEnded, Sessions
from wallet.signin import SignInGuard
from wallet.store import WalletStore

HOLDER_ID_PATTERN = r"^hd[0-9a-f]{40}$"
ID_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"
CERT_ID_PATTERN = r"^[A-Za-z0-9._:-]{8,96}$"
"""A certificate id: a local id or a GB/T 36904 identifier (up to 94 characters); the chain
checks an identifier's parts and check character."""

T = TypeVar("T")


def _from_state(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency returning what the app's start-up put in `app.state.<name>`."""

    def get(request: Request) -> T:
        # Not checked with isinstance: unit tests put duck-typed fakes there.
        return cast(T, getattr(request.app.state, name))

    get.__name__ = f"get_{name}"
    return get


get_store = _from_state("store", WalletStore)
get_ledger = _from_state("ledger", LedgerClient)
get_sessions = _from_state("sessions", Sessions)
get_kdf = _from_state("kdf", PassphraseKdf)
get_signin = _from_state("signin", SignInGuard)
get_clock = _from_state("clock", SystemClock)

Store = Annotated[WalletStore, Depends(get_store)]
Ledger = Annotated[LedgerClient, Depends(get_ledger)]
SessionsDep = Annotated[Sessions, Depends(get_sessions)]
Kdf = Annotated[PassphraseKdf, Depends(get_kdf)]
SignIn = Annotated[SignInGuard, Depends(get_signin)]
WalletClock = Annotated[Clock, Depends(get_clock)]
HolderIdPath = Annotated[str, Path(pattern=HOLDER_ID_PATTERN, description="holder pseudonym")]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
CertIdPath = Annotated[str, Path(pattern=CERT_ID_PATTERN)]


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
    try:
        session = sessions.get(authorization.removeprefix("Bearer ").strip())
    except SessionEnded as exc:
        raise HTTPException(
            401, exc.reason, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None
    if session.holder_id != holder_id:
        raise HTTPException(403, "this session belongs to another holder")
    return session


CurrentHolder = Annotated[Session, Depends(current_session)]


def refusal(exc: CallerRefused) -> HTTPException:
    """The HTTP error for a refused service request."""
    headers = {"WWW-Authenticate": "TrustLedger-Signature"} if exc.status_code == 401 else None
    return HTTPException(exc.status_code, exc.reason, headers=headers)


@contextmanager
def caller_refusals() -> Iterator[None]:
    """A caller's refusal (``CallerRefused``: unsigned, of the wrong role or organisation)
    raised inside becomes the HTTP error `refusal` gives it, the same for every route."""
    try:
        yield
    except CallerRefused as exc:
        raise refusal(exc) from None


def request_target(request: Request) -> str:
    """The request target as the caller sent it and signed it: raw path, "?" and query."""
    raw = request.scope.get("raw_path") or request.url.path.encode("ascii")
    query = request.scope.get("query_string", b"")
    return (raw + (b"?" + query if query else b"")).decode("ascii", "replace")


async def signed_caller(request: Request, ledger: Ledger) -> Identity:
    """The organisation a service request is signed by (401 if none acceptable); the
    checks read the chain, so they run off the event loop."""
    checks: SignedRequests = request.app.state.signed_requests
    body = await request.body()
    with caller_refusals():
        return await run_in_threadpool(
            checks.check, ledger, request.method, request_target(request), request.headers, body
        )


SignedCaller = Annotated[Identity, Depends(signed_caller)]
