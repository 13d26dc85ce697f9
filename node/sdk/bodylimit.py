"""The request body limit, held on the stream: one middleware for the wallet and the
window service (both import the node's public surface, not each other, so it lives here).

A body is refused (413) when its Content-Length says it is over the limit, before a byte
of it is read; a chunked body (no Content-Length) is counted as it arrives and cut off at
the first chunk past the limit, so at most the limit plus one chunk is ever held, however
long the caller goes on sending. The answer says ``Connection: close``: the rest of the
body is never read, so the connection cannot carry another request.

An ASGI middleware rather than a check in each route: every route that reads a body (the
JSON models, and the signed-request check that hashes the raw body) reads it through the
``receive`` wrapped here. A service whose refusals carry a ``code`` (the window's) names
it with `code`; the answer is then ``{"code": code, "detail": ...}``.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from `receive` past the limit. An `HTTPException`, so that FastAPI, which
    turns other errors met while reading a body into 400, answers it as it is."""

    def __init__(self, bytes_max: int) -> None:
        super().__init__(413, refusal_text(bytes_max), headers={"Connection": "close"})


def refusal_text(bytes_max: int) -> str:
    return f"request body over {bytes_max} bytes"


class BodyLimit:
    """Wraps an ASGI app: no request body over `bytes_max` is read. `code`, if given, is
    put in the 413 answer's body beside ``detail``."""

    def __init__(self, app: ASGIApp, bytes_max: int, code: str | None = None) -> None:
        self.app = app
        self.bytes_max = bytes_max
        self.code = code

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.bytes_max):
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.bytes_max:
                    raise BodyTooLarge(self.bytes_max)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            # Once an answer has begun nothing else can be sent; the server closes the
            # connection with the rest of the body unread.
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {"detail": refusal_text(self.bytes_max)}
        if self.code is not None:
            body = {"code": self.code, **body}
        response = JSONResponse(
            body,
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
