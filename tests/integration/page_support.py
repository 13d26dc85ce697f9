"""What the browser tests of the citizen's page share (tests/integration/test_citizen_page*.py),
and the window clerk's (test_window_page.py) take from them.

Debian's Chromium through Playwright, a phone-sized viewport (360 x 740), Chinese by default.
Every request the page makes must go to the wallet itself (offline networks), and no console
error or Content-Security-Policy violation may occur. `look` checks a screen with axe-core
(tests/pages, installed by `make pages`; injected by the browser before the page's own
scripts, so the page's CSP stays as served) and saves a screenshot to `$TRUSTLEDGER_SHOTS`
when set; with `$TRUSTLEDGER_DOC_SHOTS` set, the screens the docs show are also saved there
at exactly the viewport's size (docs/screenshots).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from cli.devnet import Devnet
from tests.integration.helpers import DIPLOMA, issue_and_deliver

PASSPHRASE = "长城 correct horse 2026"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parents[1] / "pages" / "node_modules" / "axe-core" / "axe.min.js"
DOC_SHOTS = {
    "03-certificates",
    "05-qr",
    "06-request",
    "10-archive-correction-pending",
    "12-acting-for",
    "14-notifications",
}
"""The screens docs/citizens.md shows."""
SERIOUS = ("serious", "critical")
API_REFUSAL = "Failed to load resource: the server responded with a status of 4"


PAGE_TIMEZONE = "Asia/Shanghai"
"""The browser's time zone: a citizen's phone in China (dates the page shows and reads)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, net: Devnet) -> Iterator[Page]:
    # The devnet's wallet certificate comes from its own CA, which this browser profile does
    # not know: the test trusts it as the citizen's phone would trust the agency's CA.
    context = browser_context(browser, 360, 740)
    # A refusal of the API (4xx) is an answer the page shows; Chromium logs each one as
    # "Failed to load resource". Any failure to load the page's own files is a problem.
    with watched_page(
        context, net.wallet_url, "the page reached outside the wallet", api_path="/v1/"
    ) as opened:
        yield opened


def browser_context(
    browser: Browser, width: int, height: int, axe: bool = True, **options: Any
) -> BrowserContext:
    """A context as the page tests open one: `width` x `height` CSS pixels, Chinese, China's
    time zone, the devnet's HTTPS certificates taken (from its own CA, which the browser
    profile does not know), and, with `axe`, axe-core injected before the page's scripts.
    `options`: more of Playwright's, e.g. ``is_mobile=True``."""
    context = browser.new_context(
        viewport={"width": width, "height": height},
        ignore_https_errors=True,
        locale="zh-CN",
        timezone_id=PAGE_TIMEZONE,
        **options,
    )
    if axe:
        assert AXE.is_file(), f"{AXE} is missing: run `make pages`"
        context.add_init_script(path=str(AXE))
    return context


@contextmanager
def watched_page(
    context: BrowserContext, home: str, outside_says: str, api_path: str | None = None
) -> Iterator[Page]:
    """A new page of `context`, which is closed on leaving; then no request of the page may
    have gone anywhere but `home` (else `outside_says`, with the addresses), and no console
    error (an API refusal aside) or page error may have occurred; with `api_path`, no answer
    of 400 or more to a request outside it (the page's own files) either."""
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith(API_REFUSAL)
            else None
        ),
    )
    if api_path is not None:
        opened.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and api_path not in r.url
                else None
            ),
        )
    opened.on("pageerror", lambda e: problems.append(str(e)))
    outside: list[str] = []
    opened.on(
        "request",
        lambda r: None if r.url.startswith(home) else outside.append(r.url),
    )
    yield opened
    context.close()
    assert outside == [], f"{outside_says}: {outside}"
    assert problems == [], f"console errors: {problems}"


def shot(page: Page, name: str, doc_shots: set[str] = DOC_SHOTS) -> None:
    """A screenshot of the whole page to `$TRUSTLEDGER_SHOTS`, and of the viewport to
    `$TRUSTLEDGER_DOC_SHOTS` if `name` is one of the `doc_shots` (the screens docs show)."""
    folder = os.environ.get("TRUSTLEDGER_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    docs = os.environ.get("TRUSTLEDGER_DOC_SHOTS")
    if docs and name in doc_shots:
        Path(docs).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(docs) / f"{name}.png"))


def accessibility_problems(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the screen as it is (WCAG 2.1 AA)."""
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ["violations"] });
          return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        }"""
    )
    return [v for v in found if v["impact"] in SERIOUS]


def look(page: Page, name: str, doc_shots: set[str] = DOC_SHOTS) -> None:
    """The screen passes the accessibility check; its screenshot is kept if asked."""
    expect(page.locator("#screen-title")).to_be_visible()
    assert accessibility_problems(page) == [], name
    shot(page, name, doc_shots)


def tab(page: Page, name: str) -> None:
    """Open a tab by its label (a count may follow it: "请求2（2 条新）")."""
    page.get_by_role("navigation").get_by_role("button", name=label(name)).click()


def label(name: str) -> re.Pattern[str]:
    """A button's accessible name: its label, then maybe a count ("请求 2（2 条新）"), not
    a longer label ("我的" is not "我的证照")."""
    return re.compile("^" + re.escape(name) + r"(?=$|[\s\d])")


def open_from_me(page: Page, name: str) -> None:
    """One of the screens under 我的 (通知, 我的档案, 委托)."""
    tab(page, "我的")
    expect(page.locator("#screen-title")).to_have_text("我的")
    page.locator("main").get_by_role("button", name=label(name)).click()
    expect(page.locator("#screen-title")).to_have_text(name)


def sign_up(page: Page, net: Devnet) -> str:
    """Create a wallet through the page; the holder id it shows."""
    page.goto(net.wallet_app_url)
    page.get_by_role("button", name="创建钱包").click()
    page.get_by_label("口令", exact=True).fill(PASSPHRASE)
    page.get_by_label("再次输入口令").fill(PASSPHRASE)
    page.get_by_role("button", name="创建钱包").click()
    expect(page.get_by_role("status")).to_have_text("请先确认已了解口令遗失的后果")
    page.get_by_label("我已了解口令遗失的后果").check()
    page.get_by_role("button", name="创建钱包").click()
    holder = page.locator("#new-holder-id").inner_text(timeout=30_000)
    assert holder.startswith("hd") and len(holder) == 42
    return holder


def signed_up_with_a_diploma(page: Page, net: Devnet) -> tuple[str, dict[str, Any]]:
    """A holder signed up through the page, with a diploma issued and delivered to her: the
    holder and the document."""
    holder = sign_up(page, net)
    with net.client() as client:
        return holder, issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)


def show_qr(page: Page, cert_id: str, *shown: str) -> str:
    """亮证 on 我的证照 for `cert_id` with the fields labelled `shown` ticked, until the QR is
    drawn: the presentation's text the wallet made."""
    tab(page, "我的证照")
    page.locator(f'[data-cert="{cert_id}"]').get_by_role("button", name="亮证").click()
    for name in shown:
        page.get_by_label(name).check()
    with page.expect_response(lambda r: r.url.endswith("/presentation")) as answered:
        page.get_by_role("button", name="生成二维码").click()
    expect(page.get_by_role("img", name="亮证二维码").locator("svg")).to_be_visible()
    text: str = answered.value.json()["presentation"]
    return text
