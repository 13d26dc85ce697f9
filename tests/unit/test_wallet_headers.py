"""Issue 16 item 6: every answer of the wallet carries the headers a browser needs: HSTS
over HTTPS, a strict Content-Security-Policy (nothing at all for API answers; for the API
pages only the wallet's own scripts and their inline bootstrap, by hash), nosniff,
no-referrer, no framing, and no-store on everything under /v1. The API pages still render
the schema under their policy: every script they run is allowed, and the schema they fetch
is reachable and parses."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from wallet.headers import API_POLICY, APP_POLICY, get_inline_script_hashes

from .wallet_https_support import free_port, make_https_files, serving
from .wallet_support import PASSPHRASE, Wallet, running_wallet

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def policy(resp: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    directives: dict[str, list[str]] = {}
    for part in resp.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def check_common(resp: httpx.Response) -> None:
    for name, value in COMMON.items():
        assert resp.headers.get(name) == value, (resp.request.url, name)
    assert policy(resp)["frame-ancestors"] == ["'none'"]


def test_api_answers_carry_the_strict_policy_and_no_store(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    answers = [
        wallet.http.request("GET", "/v1/health"),
        wallet.sign_in(holder),
        wallet.http.request(
            "GET",
            f"/v1/holders/{holder}/certificates",
            headers={"Authorization": f"Bearer {token}"},
        ),
        wallet.sign_in(holder, "a wrong passphrase"),  # 401
        wallet.http.request("POST", "/v1/sessions", json={"passphrase": PASSPHRASE}),  # 422
        wallet.http.request("GET", "/v1/no-such-route"),  # 404
        wallet.http.request("POST", "/v1/holders", content=b"x" * 100_000),  # 413 (BodyLimit)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 422, 404, 413]
    for resp in answers:
        check_common(resp)
        assert resp.headers["content-security-policy"] == API_POLICY
        assert policy(resp)["default-src"] == ["'none'"]
        assert resp.headers["cache-control"] == "no-store", resp.request.url


def test_the_schema_and_static_files_get_headers_too(wallet: Wallet) -> None:
    for path in ("/openapi.json", "/static-offline-docs/swagger-ui.css"):
        resp = wallet.http.request("GET", path)
        assert resp.status_code == 200
        check_common(resp)
        assert resp.headers["content-security-policy"] == API_POLICY


def test_no_hsts_over_plain_http(wallet: Wallet) -> None:
    """Over plain HTTP (the development mode) a browser must not be told to pin HTTPS."""
    assert "strict-transport-security" not in wallet.http.request("GET", "/v1/health").headers


def test_hsts_on_every_https_answer(tmp_path: Path) -> None:
    files = make_https_files(tmp_path / "tls")
    overrides = files.settings(host="127.0.0.1", port=free_port())
    with (
        running_wallet(tmp_path / "data", **overrides) as wallet,
        serving(wallet.app, wallet.app.state.settings) as url,
    ):
        for path in ("/v1/health", "/docs", "/v1/no-such-route"):
            resp = httpx.get(url + path, verify=files.client_context())
            assert resp.headers["strict-transport-security"] == f"max-age={365 * 86_400}"
            check_common(resp)


class Page(HTMLParser):
    """What a browser would run on a page: inline script texts and script URLs, and the
    schema URL the UI is told to fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self.sources: list[str] = []
        self.spec_urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            src = found.get("src")
            if src:
                self.sources.append(src)
            else:
                self._in_script = True
                self.inline.append("")
        if tag == "redoc" and found.get("spec-url"):
            self.spec_urls.append(str(found["spec-url"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline[-1] += data
            self.spec_urls += re.findall(r"url: '([^']+)'", data)


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_pages_run_only_their_own_scripts(wallet: Wallet, path: str) -> None:
    resp = wallet.http.request("GET", path)
    assert resp.status_code == 200
    check_common(resp)
    directives = policy(resp)
    assert directives["default-src"] == ["'none'"]
    scripts = directives["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert [s for s in scripts if not s.startswith("'sha256-")] == ["'self'"]
    page = Page()
    page.feed(resp.text)
    # Every inline script runs (its hash, as a browser computes it, is allowed) and
    # nothing else inline is allowed.
    assert sorted(scripts[1:]) == sorted({sha256_source(text) for text in page.inline})
    for src in page.sources:  # scripts from the wallet itself, which 'self' allows
        assert urlsplit(src)[:2] == ("", ""), src
        assert wallet.http.request("GET", src).status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_pages_still_render_the_schema(wallet: Wallet, path: str) -> None:
    resp = wallet.http.request("GET", path)
    directives = policy(resp)
    page = Page()
    page.feed(resp.text)
    assert page.sources, "the page loads its UI"
    assert page.spec_urls == ["/openapi.json"]
    assert directives["connect-src"] == ["'self'"]  # the UI may fetch it
    schema = wallet.http.request("GET", page.spec_urls[0]).json()
    assert "/v1/sessions" in schema["paths"] and schema["openapi"].startswith("3.")


def test_a_script_injected_into_an_api_answer_could_not_run(wallet: Wallet) -> None:
    """Even if an answer carried markup, the browser runs nothing under the API policy."""
    resp = wallet.http.request("GET", "/v1/no-such-route?<script>alert(1)</script>")
    assert "script-src" not in resp.headers["content-security-policy"]
    assert policy(resp)["default-src"] == ["'none'"]


def test_inline_script_hashes_skip_scripts_loaded_by_url() -> None:
    html = b'<script src="/a.js"></script><script>run()</script><script>run()</script>'
    assert get_inline_script_hashes(html) == [sha256_source("run()")]


def test_a_bug_is_answered_with_the_headers_too() -> None:
    """An exception no handler catches: Starlette's outermost middleware would send a bare
    500; the wallet's header layer answers it first (a JSON 500 that says nothing about the
    request) and re-raises, so the error is still logged."""
    import asyncio

    from fastapi import FastAPI

    from wallet.headers import INTERNAL_ERROR, SecurityHeaders

    app = FastAPI()
    app.add_middleware(SecurityHeaders, hsts_max_age_s=60)

    @app.get("/v1/bug")
    def bug() -> None:
        raise RuntimeError("secret passphrase in a bug")

    async def get(raise_app_exceptions: bool) -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="https://wallet") as client:
            return await client.get("/v1/bug")

    resp = asyncio.run(get(False))
    assert resp.status_code == 500 and resp.content == INTERNAL_ERROR
    check_common(resp)
    assert resp.headers["content-security-policy"] == API_POLICY
    assert resp.headers["strict-transport-security"] == "max-age=60"
    assert resp.headers["cache-control"] == "no-store"
    with pytest.raises(RuntimeError):
        asyncio.run(get(True))  # re-raised: the server still logs it


def test_the_citizen_page_is_served_by_the_wallet_under_its_own_strict_policy(
    wallet: Wallet,
) -> None:
    answers = {
        path: wallet.http.request("GET", path)
        for path in ("/app/", "/app/app.js", "/app/i18n.js", "/app/app.css", "/app/icon.svg")
    }
    assert {path: a.status_code for path, a in answers.items()} == dict.fromkeys(answers, 200)
    for resp in answers.values():
        check_common(resp)
        assert resp.headers["content-security-policy"] == APP_POLICY
        directives = policy(resp)
        assert directives["default-src"] == ["'none'"]
        for name in ("script-src", "style-src", "connect-src"):
            assert directives[name] == ["'self'"], name  # nothing inline, nothing outside
    assert answers["/app/app.js"].headers["content-type"].startswith("text/javascript")
    # Every file the page names is one the wallet serves, from itself.
    html = answers["/app/"].text
    named = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert sorted(named) == ["app.css", "app.js", "icon.svg"]
    script = answers["/app/app.js"].text
    assert re.findall(r'from "([^"]+)"', script) == ["./i18n.js", "./field-labels.js"]
    assert "http://" not in html + script and "https://" not in html + script
    # An API answer keeps the API policy, and a path outside the page is no page.
    assert wallet.http.request("GET", "/v1/health").headers["content-security-policy"] == API_POLICY
    assert wallet.http.request("GET", "/app/no-such-file.js").status_code == 404
