"""Security headers on every answer of the window service (its request body limit is
node/sdk/bodylimit.py's, shared with the wallet).

The page (`/window/`) may load its own scripts, styles and images, call its own service,
and use the camera of the counter's device (``Permissions-Policy: camera=(self)``; a
camera stream is shown from a ``blob:``/``mediastream:`` source); nothing inline, nothing
from outside, no framing. API answers (`/api/`) are data: ``default-src 'none'`` and
``Cache-Control: no-store`` (they carry citizens' fields).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_PREFIX = "/window/"
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
    " media-src 'self' blob: mediastream:; connect-src 'self'; manifest-src 'self';"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS_MAX_AGE_S = 365 * 86_400


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
                page = path.startswith(PAGE_PREFIX)
                headers["Content-Security-Policy"] = PAGE_POLICY if page else API_POLICY
                if not page:
                    headers["Cache-Control"] = "no-store"
                if scope.get("scheme") == "https":
                    headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_S}"
            await send(message)

        await self.app(scope, receive, send_with_headers)
