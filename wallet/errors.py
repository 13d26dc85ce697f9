"""Refusals of malformed requests that repeat nothing the caller sent.

FastAPI's default 422 lists each error with the rejected ``input``: a passphrase too short,
or a whole body whose other field is missing, came back in the answer (and anything that
logs answers would keep it). A lone surrogate in that input could not even be encoded, so
the answer became a 500 whose traceback, with the input in it, went to the log. Here each
error keeps its type, location and message only, made encodable: the caller learns what
to fix, and no secret leaves in an answer or a log line.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from suites import SealError
from wallet.passphrases import RecordUnreadable


def get_safe_text(value: object) -> str | int:
    """`value` as JSON can carry it: an int as is, anything else as valid UTF-8 text."""
    if isinstance(value, int):
        return value
    return str(value).encode("utf-8", "replace").decode("utf-8")


def get_safe_error(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error without the input it rejected."""
    return {
        "type": get_safe_text(error.get("type", "")),
        "loc": [get_safe_text(part) for part in error.get("loc", ())],
        "msg": get_safe_text(error.get("msg", "")),
    }


async def refuse_invalid(request: Request, exc: Exception) -> JSONResponse:
    """The 422 for a request that failed validation."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": [get_safe_error(e) for e in errors]}, status_code=422)


async def refuse_unopened(request: Request, exc: Exception) -> JSONResponse:
    """A 500 that says what failed when a document this wallet keeps does not open as the
    copy it is stored as (moved from another certificate, holder or part, damaged, or sealed
    with another suite: node/sdk/sealing.py), rather than a bare traceback. Nothing is
    changed by the route that met it; the message names no content."""
    return JSONResponse(
        {"detail": f"a sealed document kept here does not open as this copy: {exc}"},
        status_code=500,
    )


async def refuse_unreadable_record(request: Request, exc: Exception) -> JSONResponse:
    """A 500 that says what failed when a holder's stored record does not open although
    the passphrase matched its verifier (its sealed key altered or truncated, a box or
    parameters no wallet writes): the store is damaged, not the caller wrong. Nothing is
    changed (the record is re-sealed only after it opened); no secret is named."""
    return JSONResponse(
        {"detail": f"this holder's stored key does not open: {exc}"}, status_code=500
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, refuse_invalid)
    app.add_exception_handler(SealError, refuse_unopened)
    app.add_exception_handler(RecordUnreadable, refuse_unreadable_record)
    document_refusals(app)


def document_refusals(app: FastAPI) -> None:
    """Say in the OpenAPI schema what a 422 carries: the list of validation errors above, or
    one message when a route refuses what it validated (a delegate who is the principal, a
    contract's invalid_argument). The default schema allowed only the list, so those 422s
    did not match it (found by schemathesis, fuzz/api.py)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
            if error is not None:
                listed = error["properties"]["detail"]
                error["properties"]["detail"] = {
                    "title": "Detail",
                    "anyOf": [
                        {k: v for k, v in listed.items() if k != "title"},
                        {"type": "string"},
                    ],
                }
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]
