"""The security headers on every answer of the wallet (issue 16 item 6).

A citizen's browser talks to the wallet; what it may do with an answer is set here, once,
for every route, including errors and the static files of the API pages:

- ``Strict-Transport-Security`` (HTTPS only: over plain HTTP a browser ignores it, and the
  development mode that serves plain HTTP must not pin a loopback name to HTTPS);
- ``Content-Security-Policy``: an API answer is data, never a page, so ``default-src
  'none'``. The citizen's page under ``/app/`` may load its own scripts, styles and images
  from the wallet and call the wallet, nothing else and nothing inline. The API pages (/docs, /redoc and Swagger UI's OAuth2 redirect) get their own
  policy: scripts only from the wallet itself and the page's inline bootstrap, allowed by
  the SHA-256 of each inline script (never ``'unsafe-inline'`` for scripts); the bundled
  Swagger UI and ReDoc set styles at run time, so styles may be inline (a style runs no
  code); the schema is fetched from the wallet (``connect-src 'self'``); ReDoc's search
  runs in a worker made from a blob. Every policy forbids framing (``frame-ancestors
  'none'``), ``<base>`` and form posts;
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY`` (frame-ancestors for browsers without CSP level 2);
- ``Cache-Control: no-store`` on every /v1 answer: they carry tokens, documents and
  activity, which no browser or proxy cache may keep.

The page hashes are computed from the page as served. That is safe only because the pages
are built from the app's own settings, never from the request (fastapi-offline renders
them from the title, the schema URL and Swagger UI's parameters); a page that echoed input
must not be added to `PAGES`.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""For everything but the API pages: nothing may load, run or frame it."""
APP_PREFIX = "/app/"
"""The citizen's page (wallet/page.py): static files of the wallet itself."""
APP_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none';"
    " form-action 'none'"
)
"""For the citizen's page: its own scripts, styles and images only, no inline script or
style, and it talks only to the wallet (a government network has no CDN, and the page
handles a holder's documents)."""
PAGES = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
"""The HTML pages that run scripts (fastapi-offline's Swagger UI and ReDoc)."""
PAGE_BYTES_MAX = 64 * 1024
"""An API page is a few kilobytes; a larger one is not hashed and gets `API_POLICY`."""
INTERNAL_ERROR = b'{"detail":"internal error"}'
"""The body of the answer to a bug: nothing about the request or the error."""
INTERNAL_ERROR_START: Message = {
    "type": "http.response.start",
    "status": 500,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(INTERNAL_ERROR)).encode()),
    ],
}
INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)


def get_inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions (``'sha256-...'``) of the page's inline scripts: the bytes
    between ``<script>`` and ``</script>`` of each script without ``src``, as the browser
    hashes them (the page is UTF-8)."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(html):
        if b"src=" in match["attrs"]:
            continue
        digest = base64.b64encode(hashlib.sha256(match["body"]).digest()).decode("ascii")
        hashes.append(f"'sha256-{digest}'")
    return list(dict.fromkeys(hashes))


def get_page_policy(html: bytes) -> str:
    """The policy of an API page: its own scripts and inline bootstrap, nothing else."""
    scripts = " ".join(["'self'", *get_inline_script_hashes(html)])
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src blob:;"
        " frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def get_common_headers(scope: Scope, hsts_max_age_s: int) -> dict[str, str]:
    """The headers every answer carries (the CSP is set per answer)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    if scope.get("scheme") == "https":
        headers["Strict-Transport-Security"] = f"max-age={hsts_max_age_s}"
    if str(scope.get("path", "")).startswith("/v1/"):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    """Wraps an ASGI app: sets the headers above on every HTTP answer."""

    def __init__(self, app: ASGIApp, hsts_max_age_s: int) -> None:
        self.app = app
        self.hsts_max_age_s = hsts_max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        common = get_common_headers(scope, self.hsts_max_age_s)
        if scope.get("path") in PAGES:
            await self._page(scope, receive, send, common)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in common.items():
                    headers[name] = value
                in_app = str(scope.get("path", "")).startswith(APP_PREFIX)
                headers["Content-Security-Policy"] = APP_POLICY if in_app else API_POLICY
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's outermost error middleware would answer a bug with a bare 500
            # without these headers; answer it here, then re-raise so it is still logged.
            if not started:
                await send_with_headers(dict(INTERNAL_ERROR_START))
                await send_with_headers({"type": "http.response.body", "body": INTERNAL_ERROR})
            raise

    async def _page(
        self, scope: Scope, receive: Receive, send: Send, common: dict[str, str]
    ) -> None:
        """Hold an API page's answer until its body is complete, to hash its scripts."""
        start: Message | None = None
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False) and len(body) <= PAGE_BYTES_MAX:
                return
            headers = MutableHeaders(scope=start)
            for name, value in common.items():
                headers[name] = value
            whole = not message.get("more_body", False) and len(body) <= PAGE_BYTES_MAX
            headers["Content-Security-Policy"] = (
                get_page_policy(bytes(body)) if whole else API_POLICY
            )
            await send(start)
            await send({**message, "body": bytes(body)})
            start = None  # the rest, if any, passes through
            body.clear()

        await self.app(scope, receive, hold)
