"""The wallet's API pages work on a network without internet: /docs (Swagger UI) and
/redoc load every script, style sheet and icon from the wallet itself (the assets bundled
by fastapi-offline), never from a public CDN or font service."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from .wallet_support import Wallet


class Assets(HTMLParser):
    """The URLs a page makes the browser load: script src, link href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.urls.append(value)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_pages_load_everything_from_the_wallet(wallet: Wallet, page: str) -> None:
    resp = wallet.http.request("GET", page)
    assert resp.status_code == 200
    assets = Assets()
    assets.feed(resp.text)
    assert any(u.endswith(".js") for u in assets.urls), assets.urls  # the page has its UI
    for url in assets.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), f"{page} loads {url} from elsewhere"
        served = wallet.http.request("GET", url)
        assert served.status_code == 200 and served.content, url
    assert "http://" not in resp.text and "https://" not in resp.text
    assert "/openapi.json" in resp.text


def test_swagger_ui_does_not_send_the_schema_to_a_public_validator(wallet: Wallet) -> None:
    assert '"validatorUrl": null' in wallet.http.request("GET", "/docs").text
