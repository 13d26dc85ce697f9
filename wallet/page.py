"""The citizen's page (`/app/`): static files of the wallet itself, and what only it needs.

The page is plain HTML, CSS and JavaScript modules in wallet/static/app, written by hand and
served as they are: there is no build step to install, and nothing is fetched from outside
(a government network has no CDN or public font). It talks only to the wallet's /v1 routes
with the session's bearer token; headers.py gives it its own Content-Security-Policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from node.sdk.field_labels import serve_labels
from wallet.chain_calls import node_query
from wallet.deps import Ledger

STATIC_DIR = Path(__file__).parent / "static" / "app"

router = APIRouter(tags=["page"])


@router.get("/v1/catalogue/types")
def certificate_types(ledger: Ledger) -> list[dict[str, Any]]:
    """The certificate types' names (Chinese and English) as the chain states them: public,
    so the page can name a certificate before anyone signs in. Names only: a provincial
    catalogue of 1,000 types is about 900 KB whole (docs/benchmarks.md), ten times the
    page's own weight; fields and rules stay with `trustledger catalogue show`."""
    types: list[dict[str, Any]] = node_query(ledger, "certificates", "types")
    return [{key: t[key] for key in ("id", "name_zh", "name_en", "retired_height")} for t in types]


@router.get("/v1/catalogue/categories")
def record_categories(ledger: Ledger) -> list[dict[str, Any]]:
    """The archive record categories as the chain states them (names in Chinese and
    English), so the page can name the records of a file (我的档案)."""
    categories: list[dict[str, Any]] = node_query(ledger, "archives", "categories")
    return categories


@router.get("/v1/catalogue/purposes")
def purposes(ledger: Ledger) -> list[dict[str, Any]]:
    """The purposes of use (申请事由) by code, as the chain states them (retired ones too,
    with the height they were retired at: a past verification may name one), so the page
    can say why an agency asked or verified."""
    listed: list[dict[str, Any]] = node_query(ledger, "certificates", "purposes")
    return listed


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/app/")


def install(app: FastAPI) -> None:
    """Serve the page at /app/ (index.html for the folder itself)."""
    app.include_router(router)
    serve_labels(app, "/app")
    app.mount("/app", StaticFiles(directory=STATIC_DIR, html=True), name="app")
