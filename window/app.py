"""The window service: `create_app(settings)` builds it; nothing is built at import time.

Routes (the page's; all answers JSON, errors as ``{"code", "detail"}``):

    GET  /window/                    the page (window/static/window)
    POST /api/signin                 {clerk, passphrase} -> session cookie
    POST /api/signout
    GET  /api/me                     the clerk, the organisation
    GET  /api/catalogue              the purposes (申请事由) and certificate types, from the chain
    POST /api/verify/paste           {payload, purpose_code, purpose?}
    POST /api/verify/image           an image body (PNG, JPEG, WebP); ?purpose_code=&via=
                                     (upload or camera); the purpose text in X-Purpose
    GET  /api/records                验证记录: the newest verifications of this window
    GET  /api/records/{id}           one, for its receipt

Every POST needs the header ``X-Window: 1`` besides the SameSite=Strict cookie: a form or
an image on another site cannot set it, so it cannot make a clerk's browser verify or sign
out. No citizen's data is ever in a URL (a record is asked for by its random id) or a log
line (uvicorn's access log shows paths only; the app logs nothing about a scan).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from node.chain.crypto import load_key_file
from node.genesis import Genesis
from node.sdk.bodylimit import BodyLimit, BodyTooLarge
from node.sdk.client import LedgerClient
from node.sdk.field_labels import serve_labels
from node.sdk.tls import ClientTls, find_ca_files
from window import limits
from window.archive import Archive
from window.clerks import Clerk, LockedOut, SignInGuard, authenticate, load_clerks
from window.decode import NotDecoded, read_qr_text
from window.headers import SecurityHeaders
from window.sessions import ClerkSession, SessionEnded, Sessions, SessionsFull
from window.settings import WindowSettings
from window.verification import BadRequest, ChainNode, Node, NodeUnavailable, Window

STATIC_DIR = Path(__file__).parent / "static" / "window"
VIA = ("upload", "camera")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")


class Refused(HTTPException):
    def __init__(self, status: int, code: str, detail: str, **headers: str) -> None:
        super().__init__(status, detail, headers=headers or None)
        self.code = code


def attach(
    app: FastAPI,
    settings: WindowSettings,
    node: Node,
    archive: Archive,
    clerks: dict[str, Clerk],
    now_s: Callable[[], float] = time.monotonic,
    org_names: dict[str, str] | None = None,
) -> None:
    """Give the routes what they use: the one wiring, shared by the service and tests
    (which pass a fake node and a clock they move)."""
    app.state.settings = settings
    app.state.window = Window(node, archive, settings.org)
    app.state.archive = archive
    app.state.clerks = clerks
    app.state.sessions = Sessions(settings.session_idle_s, settings.session_lifetime_s, now_s)
    app.state.guard = SignInGuard(now_s)
    app.state.org_names = org_names or {}


def current_session(request: Request) -> ClerkSession:
    try:
        session: ClerkSession = request.app.state.sessions.get(
            request.cookies.get(limits.COOKIE_NAME)
        )
    except SessionEnded as exc:
        raise Refused(401, "signed_out", exc.reason) from None
    if request.method == "POST" and request.headers.get("x-window") != "1":
        raise Refused(403, "forbidden", "a POST needs the header X-Window: 1")
    return session


CurrentClerk = Annotated[ClerkSession, Depends(current_session)]


async def read_json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > limits.JSON_BODY_BYTES_MAX:
        raise Refused(
            413, "too_large", f"a JSON body is at most {limits.JSON_BODY_BYTES_MAX} bytes"
        )
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        raise Refused(400, "bad_json", "the body is not JSON") from None
    if not isinstance(doc, dict):
        raise Refused(400, "bad_json", "the body is a JSON object")
    return doc


def text_of(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name, "")
    if not isinstance(value, str):
        raise Refused(400, "bad_json", f"{name} is a string")
    return value


def shown(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the page gets it: without the presentation's text."""
    return {k: v for k, v in record.items() if k != "presentation"}


def verify(
    request: Request, clerk: ClerkSession, text: str, via: str, code: str, purpose: str
) -> dict[str, Any]:
    window: Window = request.app.state.window
    try:
        record = window.verify(
            text, via=via, clerk=clerk.clerk_id, purpose_code=code, purpose_text=purpose
        )
    except BadRequest as exc:
        raise Refused(400, exc.code, str(exc)) from None
    except NodeUnavailable as exc:
        raise Refused(503, "node", str(exc)) from None
    return shown(record)


def install_routes(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(_request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse(
            {"code": exc.code, "detail": exc.detail}, exc.status_code, headers=exc.headers
        )

    @app.exception_handler(BodyTooLarge)
    async def too_large(_request: Request, exc: BodyTooLarge) -> JSONResponse:
        # A streamed body cut off while a route reads it: the same answer as BodyLimit's.
        return JSONResponse(
            {"code": "too_large", "detail": exc.detail}, exc.status_code, headers=exc.headers
        )

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/window/")

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/signin")
    async def signin(request: Request, response: Response) -> dict[str, Any]:
        if request.headers.get("x-window") != "1":
            raise Refused(403, "forbidden", "a POST needs the header X-Window: 1")
        doc = await read_json(request)
        clerk_id, passphrase = text_of(doc, "clerk").strip(), text_of(doc, "passphrase")
        if not clerk_id or not passphrase:
            raise Refused(400, "empty", "enter the clerk id and the passphrase")
        if (
            len(clerk_id) > limits.CLERK_ID_CHARS_MAX
            or len(passphrase) > limits.PASSPHRASE_CHARS_MAX
        ):
            raise Refused(400, "too_long", "the clerk id or the passphrase is too long")
        address = request.client.host if request.client else ""
        guard: SignInGuard = request.app.state.guard
        try:
            guard.check(clerk_id, address)
        except LockedOut as exc:
            raise Refused(
                429, "locked", str(exc), **{"Retry-After": str(exc.retry_after_s)}
            ) from None
        clerk = await run_in_threadpool(
            authenticate, request.app.state.clerks, clerk_id, passphrase
        )
        if clerk is None:
            guard.failed(clerk_id, address)
            raise Refused(401, "wrong_passphrase", "wrong clerk id or passphrase")
        guard.succeeded(clerk_id)
        try:
            token = request.app.state.sessions.open(clerk.clerk_id, clerk.name)
        except SessionsFull as exc:
            raise Refused(503, "busy", str(exc)) from None
        response.set_cookie(
            limits.COOKIE_NAME,
            token,
            httponly=True,
            secure=not request.app.state.settings.insecure_http,
            samesite="strict",
            path="/",
        )
        return me_of(request, clerk.clerk_id, clerk.name)

    @app.post("/api/signout")
    def signout(request: Request, response: Response) -> dict[str, bool]:
        request.app.state.sessions.close(request.cookies.get(limits.COOKIE_NAME))
        response.delete_cookie(limits.COOKIE_NAME, path="/")
        return {"signed_out": True}

    @app.get("/api/me")
    def me(request: Request, clerk: CurrentClerk) -> dict[str, Any]:
        return me_of(request, clerk.clerk_id, clerk.name)

    @app.get("/api/catalogue")
    def catalogue(request: Request, _clerk: CurrentClerk) -> dict[str, Any]:
        """The purposes a clerk may choose (in force) and the certificate types' names, as
        the chain states them."""
        window: Window = request.app.state.window
        try:
            purposes = window.node.purposes()
            types = window.node.type_names()
        except NodeUnavailable as exc:
            raise Refused(503, "node", str(exc)) from None
        return {
            "purposes": [
                {k: p[k] for k in ("id", "name_zh", "name_en")}
                for p in purposes
                if not p.get("retired_height")
            ],
            "types": types,
        }

    @app.post("/api/verify/paste")
    async def verify_paste(request: Request, clerk: CurrentClerk) -> dict[str, Any]:
        doc = await read_json(request)
        payload, code = text_of(doc, "payload"), text_of(doc, "purpose_code")
        return await run_in_threadpool(
            verify, request, clerk, payload, "paste", code, text_of(doc, "purpose")
        )

    @app.post("/api/verify/image")
    async def verify_image(
        request: Request, clerk: CurrentClerk, purpose_code: str = "", via: str = "upload"
    ) -> dict[str, Any]:
        if via not in VIA:
            raise Refused(400, "bad_json", f"via is one of {VIA}")
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in IMAGE_TYPES:
            raise Refused(415, "not_image", "send a PNG, JPEG or WebP image")
        body = await request.body()
        try:
            text = await run_in_threadpool(read_qr_text, body)
        except NotDecoded as exc:
            raise Refused(422, "no_qr" if body else "empty_image", str(exc)) from None
        purpose = unquote(request.headers.get("x-purpose", ""))
        return await run_in_threadpool(verify, request, clerk, text, via, purpose_code, purpose)

    @app.get("/api/records")
    def records(request: Request, _clerk: CurrentClerk) -> list[dict[str, Any]]:
        archive: Archive = request.app.state.archive
        return [shown(r) for r in archive.latest(limits.RECORDS_LISTED_MAX)]

    @app.get("/api/records/{record_id}")
    def record(request: Request, record_id: str, _clerk: CurrentClerk) -> dict[str, Any]:
        found = request.app.state.archive.get(record_id[:64])
        if found is None:
            raise Refused(404, "not_found", "no such record")
        return shown(found)


def me_of(request: Request, clerk_id: str, name: str) -> dict[str, Any]:
    settings: WindowSettings = request.app.state.settings
    return {
        "clerk": clerk_id,
        "name": name,
        "org": settings.org,
        "org_name": settings.org_name or settings.org,
        "orgs": request.app.state.org_names,
    }


def create_app(settings: WindowSettings, passphrase: str = "") -> FastAPI:
    """The service as run (`python -m window serve`): the node client, the organisation's
    key (opened with `passphrase`), the archive and the clerk accounts open at start."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        genesis = Genesis.load(settings.genesis_path)
        client = LedgerClient(
            settings.node_address,
            genesis.chain_id,
            ClientTls.load(
                settings.tls_cert_path, settings.tls_key_path, find_ca_files(settings.tls_ca_dir)
            ),
            settings.node_timeout_s,
            suite=genesis.suite,
        )
        archive = Archive(settings.data_dir / "archive")
        keypair = load_key_file(settings.org_key_path, passphrase)
        attach(
            app,
            settings,
            ChainNode(client, keypair, genesis.validators),
            archive,
            load_clerks(settings.clerks_path),
            org_names={o.id: o.name for o in genesis.organisations},
        )
        try:
            yield
        finally:
            client.close()
            archive.close()

    app = build_app(lifespan)
    return app


def build_app(lifespan: Any = None) -> FastAPI:
    """The app without its wiring (tests call `attach` on it)."""
    app = FastAPI(
        title="TrustLedger window",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(BodyLimit, bytes_max=limits.BODY_BYTES_MAX, code="too_large")
    app.add_middleware(SecurityHeaders)  # outermost: a refused body gets the headers too
    install_routes(app)
    serve_labels(app, "/window")
    app.mount("/window", StaticFiles(directory=STATIC_DIR, html=True), name="window")
    return app
