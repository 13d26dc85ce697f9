"""The window service's HTTP surface (window/app.py) over a fake node: the session cookie,
the header every POST needs, wrong passphrases locked out, ended sessions, body limits,
security headers, and what the page gets of a record (never the presentation's text)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from fastapi import FastAPI

from tests.unit.window_support import Clock, FakeNode, accepted, presentation_text
from window import limits
from window.app import attach, build_app
from window.archive import Archive
from window.clerks import make_clerk
from window.settings import WindowSettings

PASSPHRASE = "counter passphrase 1"
POST = {"X-Window": "1"}


class Browserish:
    """The app in-process over ASGI, as https://testserver, keeping its cookies."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("10.0.0.1", 50000))
            async with httpx.AsyncClient(
                transport=transport, base_url="https://testserver", cookies=self.cookies
            ) as c:
                resp = await c.request(method, path, **kw)
                self.cookies = c.cookies
                return resp

        return asyncio.run(send())

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)


@pytest.fixture
def node() -> FakeNode:
    return FakeNode(retired=("011",))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path: Path, node: FakeNode, clock: Clock) -> Iterator[Browserish]:
    app = build_app()
    archive = Archive(tmp_path / "archive")
    attach(
        app,
        WindowSettings(org="bank", org_name="威海市商业银行", session_idle_s=60),
        node,
        archive,
        {"clerk-01": make_clerk("clerk-01", "王芳", PASSPHRASE, 2**10)},
        now_s=clock,
        org_names={"edu": "Education Bureau 教育局"},
    )
    yield Browserish(app)
    archive.close()


def sign_in(client: Browserish, passphrase: str = PASSPHRASE) -> int:
    resp = client.post(
        "/api/signin", json={"clerk": "clerk-01", "passphrase": passphrase}, headers=POST
    )
    return resp.status_code


def test_sign_in_sets_a_private_cookie_and_the_page_learns_who_and_the_purposes(
    client: Browserish,
) -> None:
    resp = client.post(
        "/api/signin", json={"clerk": "clerk-01", "passphrase": PASSPHRASE}, headers=POST
    )
    assert resp.status_code == 200
    cookie = resp.headers["set-cookie"].lower()
    for part in ("tl_window=", "httponly", "secure", "samesite=strict", "path=/"):
        assert part in cookie
    me = client.get("/api/me").json()
    assert (me["clerk"], me["name"], me["org"], me["org_name"]) == (
        "clerk-01",
        "王芳",
        "bank",
        "威海市商业银行",
    )
    assert me["orgs"]["edu"].endswith("教育局")
    listed = client.get("/api/catalogue").json()
    assert "002" in {p["id"] for p in listed["purposes"]}
    assert "011" not in {p["id"] for p in listed["purposes"]}  # retired on the chain
    assert listed["types"]["diploma"]["name_zh"]
    assert client.post("/api/signout", headers=POST).status_code == 200
    assert client.get("/api/me").json()["code"] == "signed_out"


def test_a_post_without_the_window_header_is_refused(client: Browserish) -> None:
    refused = client.post("/api/signin", json={"clerk": "clerk-01", "passphrase": PASSPHRASE})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert sign_in(client) == 200
    forged = client.post("/api/verify/paste", json={"payload": "TLP1.x", "purpose_code": "002"})
    assert forged.status_code == 403


def test_wrong_passphrases_are_locked_out_and_say_when_to_retry(client: Browserish) -> None:
    assert [sign_in(client, "wrong passphrase!") for _ in range(5)] == [401] * 5
    locked = client.post(
        "/api/signin", json={"clerk": "clerk-01", "passphrase": PASSPHRASE}, headers=POST
    )
    assert (locked.status_code, locked.json()["code"]) == (429, "locked")
    assert int(locked.headers["retry-after"]) == limits.SIGNIN_LOCKOUT_S_MIN + 1
    empty = client.post("/api/signin", json={"clerk": "", "passphrase": ""}, headers=POST)
    assert empty.json()["code"] == "empty"


def test_an_idle_session_ends_and_the_page_is_told_to_sign_in_again(
    client: Browserish, clock: Clock
) -> None:
    assert sign_in(client) == 200
    clock.now += 61
    ended = client.get("/api/records")
    assert (ended.status_code, ended.json()["code"]) == (401, "signed_out")


def test_a_pasted_presentation_is_verified_and_its_record_listed_without_its_text(
    client: Browserish, node: FakeNode
) -> None:
    assert sign_in(client) == 200
    node.answers.append(accepted())
    text = presentation_text()
    resp = client.post(
        "/api/verify/paste",
        json={"payload": text, "purpose_code": "002", "purpose": "助学贷款"},
        headers=POST,
    )
    shown = resp.json()
    assert (resp.status_code, shown["verdict"], shown["purpose"]) == (200, "valid", "助学贷款")
    assert "presentation" not in shown
    listed = client.get("/api/records").json()
    assert [r["id"] for r in listed] == [shown["id"]]
    assert text not in client.get(f"/api/records/{shown['id']}").text
    assert client.get("/api/records/scan-none").status_code == 404


def test_an_uploaded_image_is_decoded_and_bad_uploads_say_why(
    client: Browserish, node: FakeNode
) -> None:
    assert sign_in(client) == 200
    node.answers.append(accepted())
    out = io.BytesIO()
    segno.make(presentation_text(), error="m").save(out, kind="png", scale=4)
    resp = client.post(
        "/api/verify/image?purpose_code=002&via=upload",
        content=out.getvalue(),
        headers={**POST, "Content-Type": "image/png", "X-Purpose": "%E5%8A%A9%E5%AD%A6"},
    )
    assert (resp.status_code, resp.json()["verdict"], resp.json()["purpose"]) == (
        200,
        "valid",
        "助学",
    )
    gif = client.post(
        "/api/verify/image?purpose_code=002",
        content=b"GIF89a",
        headers={**POST, "Content-Type": "image/gif"},
    )
    assert (gif.status_code, gif.json()["code"]) == (415, "not_image")
    junk = client.post(
        "/api/verify/image?purpose_code=002",
        content=b"\x89PNG junk",
        headers={**POST, "Content-Type": "image/png"},
    )
    assert (junk.status_code, junk.json()["code"]) == (422, "no_qr")
    via = client.post(
        "/api/verify/image?purpose_code=002&via=fax",
        content=b"x",
        headers={**POST, "Content-Type": "image/png"},
    )
    assert via.status_code == 400


def test_bodies_over_the_limits_are_refused_before_they_are_read(client: Browserish) -> None:
    assert sign_in(client) == 200
    huge = client.post(
        "/api/verify/image?purpose_code=002",
        content=b"\0" * (limits.BODY_BYTES_MAX + 1),
        headers={**POST, "Content-Type": "image/png"},
    )
    assert (huge.status_code, huge.json()["code"]) == (413, "too_large")
    json_body = client.post(
        "/api/verify/paste",
        content=b'{"payload": "' + b"A" * limits.JSON_BODY_BYTES_MAX + b'"}',
        headers={**POST, "Content-Type": "application/json"},
    )
    assert (json_body.status_code, json_body.json()["code"]) == (413, "too_large")
    too_long = client.post(
        "/api/verify/paste",
        json={"payload": "A" * (limits.PAYLOAD_CHARS_MAX + 1), "purpose_code": "002"},
        headers=POST,
    )
    assert (too_long.status_code, too_long.json()["code"]) == (400, "too_long")


def test_a_streamed_body_over_the_limit_is_cut_off_with_the_same_answer(
    client: Browserish,
) -> None:
    """No Content-Length: the body is counted as a route reads it (node/sdk/bodylimit.py)."""
    assert sign_in(client) == 200

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limits.BODY_BYTES_MAX // 65_536 + 2):
            yield b"\0" * 65_536

    streamed = client.post(
        "/api/verify/image?purpose_code=002",
        content=chunks(),
        headers={**POST, "Content-Type": "image/png"},
    )
    assert (streamed.status_code, streamed.json()["code"]) == (413, "too_large")
    assert streamed.headers["connection"] == "close"


def test_the_page_and_the_api_carry_their_security_headers(client: Browserish) -> None:
    page = client.get("/window/")
    assert page.status_code == 200 and "window.js" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["permissions-policy"].startswith("camera=(self)")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    api = client.get("/api/me")
    assert api.headers["content-security-policy"].startswith("default-src 'none'")
    assert api.headers["cache-control"] == "no-store"
    assert api.headers["x-content-type-options"] == "nosniff"
