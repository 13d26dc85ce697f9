"""The citizen's page (`/app/`, issue 12) in Debian's Chromium, against a real devnet.

A phone-sized viewport (360 x 740), Chinese by default. Each test creates its own holder
through the page, as a citizen would, and checks what the page shows against the chain:
statuses verified with proofs, a QR presentation carrying only the chosen fields, a request
granted and revoked, every use listed, sign-out clearing what the page kept. Every request
the page makes must go to the wallet itself (offline networks), and no console error or
Content-Security-Policy violation may occur; each screen passes axe-core's accessibility
check (tests/integration/page_support.py). Screenshots go to `$TRUSTLEDGER_SHOTS` when set.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from cli.devnet import Devnet
from node.sdk import presentation
from tests.integration.helpers import DIPLOMA, bank_requests, issue_and_deliver, wallet
from tests.integration.page_support import (
    PAGE_TIMEZONE,
    PASSPHRASE,
    look,
    sign_up,
    signed_up_with_a_diploma,
    tab,
)


def test_sign_up_warns_about_the_passphrase_and_lists_certificates_verified_on_chain(
    page: Page, net: Devnet
) -> None:
    page.goto(net.wallet_app_url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="创建钱包").click()
    expect(page.get_by_role("note")).to_contain_text("无法找回")
    look(page, "01-sign-up")
    page.get_by_role("button", name="返回").click()
    holder = sign_up(page, net)
    look(page, "02-created")
    with net.client() as client:
        doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
    tab(page, "我的证照")
    card = page.locator(f'[data-cert="{doc["cert_id"]}"]')
    expect(card.locator(".badge")).to_have_text("有效")
    expect(card.locator(".proof")).to_contain_text("已于区块")
    height = int(card.locator(".proof").inner_text().split("区块 ")[1].split(" ")[0])
    assert height >= 1
    look(page, "03-certificates")
    card.get_by_role("button", name="查看详情").click()
    expect(page.locator("dl.fields")).to_contain_text(DIPLOMA["university"])
    expect(page.locator("dl.fields")).to_contain_text(doc["cert_id"])
    look(page, "04-detail")


def test_show_makes_a_signed_qr_with_only_the_chosen_field_and_counts_down(
    page: Page, net: Devnet
) -> None:
    holder, doc = signed_up_with_a_diploma(page, net)
    tab(page, "我的证照")
    page.locator(f'[data-cert="{doc["cert_id"]}"]').get_by_role("button", name="亮证").click()
    page.get_by_role("button", name="生成二维码").click()
    expect(page.get_by_role("status")).to_have_text("请至少选择一项信息")
    page.get_by_label("学位").check()
    with page.expect_response(lambda r: r.url.endswith("/presentation")) as answered:
        page.get_by_role("button", name="生成二维码").click()
    made = answered.value.json()
    expect(page.get_by_role("img", name="亮证二维码").locator("svg")).to_be_visible()
    expect(page.locator("#countdown")).to_contain_text("秒后失效")
    shown = presentation.read_presentation(made["presentation"])
    assert [(f.name, f.value) for f in shown.fields] == [("degree", DIPLOMA["degree"])]
    assert (shown.cert_id, shown.holder) == (doc["cert_id"], holder)
    look(page, "05-qr")


def test_a_request_is_granted_with_fewer_uses_then_revoked_and_both_are_listed(
    page: Page, net: Devnet
) -> None:
    holder, doc = signed_up_with_a_diploma(page, net)
    asked = bank_requests(
        net, holder, doc["cert_id"], "助学贷款审核", "--max-uses", "3", "--days", "3"
    )
    request_id = asked["request_id"]
    tab(page, "请求")
    card = page.locator(f'[data-request="{request_id}"]')
    # The purpose of use: its code named from the catalogue, then the agency's words.
    expect(card.locator(".purpose")).to_have_text("002 金融信贷审核 · 助学贷款审核")
    look(page, "06-request")
    # Fewer fields: none ticked is refused on the page; then the degree alone.
    boxes = card.locator(f'input[name="grant-field-{request_id}"]')
    assert boxes.count() == len(DIPLOMA)  # a whole certificate asked: every field, ticked
    for box in boxes.all():
        box.uncheck()
    card.get_by_role("button", name="按所选同意").click()
    expect(page.get_by_role("status")).to_have_text("请至少选择一项信息")
    card.get_by_label("学位").check()
    card.get_by_label("允许使用次数").fill("1")
    # An earlier end: the end of tomorrow on the citizen's phone (the request runs 3 days).
    tomorrow = (dt.datetime.now(ZoneInfo(PAGE_TIMEZONE)) + dt.timedelta(days=1)).date()
    card.get_by_label("授权截止日期").fill(tomorrow.isoformat())
    card.get_by_role("button", name="按所选同意").click()
    expect(page.get_by_role("status")).to_have_text("已授权，已上链", timeout=30_000)
    token = page.evaluate("sessionStorage.getItem('tl.token')")
    (granted,) = [
        r
        for r in wallet(
            "GET", net, f"/v1/holders/{holder}/requests", token, params={"status": "granted"}
        ).json()
        if r["request_id"] == request_id
    ]
    end_of_tomorrow = dt.datetime.combine(
        tomorrow, dt.time(23, 59, 59), tzinfo=ZoneInfo(PAGE_TIMEZONE)
    )
    assert granted["expires_at_ms"] == int(end_of_tomorrow.timestamp() * 1000)
    assert (granted["granted_uses"], granted["max_uses"]) == (1, 3)
    assert granted["granted_scope"] == [{"cert_id": doc["cert_id"], "fields": ["degree"]}]
    tab(page, "授权管理")
    grant = page.locator(f'[data-request="{request_id}"]')
    expect(grant).to_contain_text("生效中")
    expect(grant).to_contain_text("1 / 1")
    # 加注件: the line the copy released to the bank carries (docs/annotated-copies.md).
    with net.client() as client:
        bank_name = client.query("membership", "get", org_id="bank")["name"]
    expect(grant.locator(".annotation")).to_have_text(
        f"仅供 {bank_name} 办理 金融信贷审核（助学贷款审核） 使用，"
        f"有效期至 {tomorrow.year}年{tomorrow.month}月{tomorrow.day}日"
    )
    grant.get_by_role("button", name="撤销授权").click()
    expect(page.get_by_role("status")).to_have_text("已撤销授权，已上链", timeout=30_000)
    expect(page.locator(f'[data-request="{request_id}"]')).to_contain_text("已结束")
    look(page, "07-grants")
    tab(page, "使用记录")
    entries = page.locator("li.entry")
    expect(entries.first).to_be_visible()
    text = " ".join(entries.all_inner_texts())
    for label in ("证照已签发", "机构申请使用您的数据", "您同意了授权", "您撤销了授权"):
        assert label in text
    assert "事由: 002 金融信贷审核 · 助学贷款审核" in text
    look(page, "07-activity-feed")


def test_english_large_text_and_sign_out_clearing_what_the_page_kept(
    page: Page, net: Devnet
) -> None:
    holder = sign_up(page, net)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Large text").click()
    expect(page.locator("html")).to_have_class("large")
    font_px = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert font_px >= 22
    tab(page, "Me")
    expect(page.locator("main")).to_contain_text(holder)
    look(page, "08-english-large")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    look(page, "09-sign-in-english-large")
    kept = page.evaluate(
        "[...Object.keys(localStorage), ...Object.keys(sessionStorage)]"
        ".filter(k => k.startsWith('tl.') && !k.startsWith('tl.pref.'))"
    )
    assert kept == []
    assert page.locator("#holder-id").input_value() == ""


def test_a_wrong_passphrase_and_an_ended_session_are_said_plainly(page: Page, net: Devnet) -> None:
    holder = sign_up(page, net)
    tab(page, "我的")
    page.get_by_role("button", name="退出登录").click()
    # The device remembers nothing after sign-out: the id is typed again.
    page.get_by_label("钱包编号").fill(holder)
    page.get_by_label("口令", exact=True).fill("not the passphrase")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("status")).to_have_text("钱包编号或口令不正确")
    assert page.evaluate("sessionStorage.getItem('tl.token')") is None
    page.get_by_label("口令", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的证照")).to_be_visible()
    # The screen and its tab counts are in: nothing is still asking the wallet.
    expect(page.get_by_role("navigation")).not_to_have_attribute("aria-busy", "true")
    # The session ends on the wallet (idle, or signed out elsewhere): the next screen says so.
    token = page.evaluate("sessionStorage.getItem('tl.token')")
    gone = wallet("DELETE", net, "/v1/sessions", token)
    assert gone.status_code == 204
    tab(page, "请求")
    expect(page.get_by_role("status")).to_have_text("登录已失效，请重新登录")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('tl.token')") is None
