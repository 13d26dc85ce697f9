"""The citizen's page, the screens under 我的 (issue 12): 我的档案, 委托 with acting for a
delegator, 通知 with counts on the tabs, and the tab bar at 360 px in 长辈模式.

Departments, registrars and banks act through the CLI and SDK as in test_story.py; the
holder acts only through the page, in Debian's Chromium, and each answer is checked on the
chain through the wallet's REST API. Fixtures: tests/integration/page_support.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from cli.devnet import Devnet
from node.sdk import presentation
from tests.integration.helpers import (
    DIPLOMA,
    bank_requests,
    bank_requests_records,
    cli,
    cli_issue,
    hrss_appends,
    hrss_resolves,
    issue_and_deliver,
    new_holder,
    sdk_bank_grant,
    sdk_bank_request,
    wallet,
    wallet_store_files,
)
from tests.integration.page_support import look, open_from_me, sign_up, tab


def signed_up_with_a_record(
    page: Page, net: Devnet, content: Path, text: str, *more: str
) -> tuple[str, str]:
    """A new holder signs up on the page and the social security bureau files a record of
    ``text`` (written to ``content``) in her file (``more``: ``--deliver`` also hands its
    content to her wallet): the holder and the record id."""
    holder = sign_up(page, net)
    content.write_text(text)
    filed = hrss_appends(net, holder, "社保中心", "--content-file", str(content), *more)
    record_id: str = filed["record_id"]
    return holder, record_id


def record_in_my_file(page: Page, net: Devnet, content: Path) -> tuple[str, Locator]:
    """A record with ``content`` (120 months) filed for a new holder, who opens 我的档案: the
    holder and the record's card."""
    holder, record_id = signed_up_with_a_record(page, net, content, '{"months": 120}')
    open_from_me(page, "我的档案")
    return holder, page.locator(f'[data-record="{record_id}"]')


def delete_from_my_file(page: Page, record_id: str, warning: str) -> Locator:
    """删除 on the record's card in 我的档案, the page's `warning` read, then 确认删除: the
    card."""
    open_from_me(page, "我的档案")
    card = page.locator(f'[data-record="{record_id}"]')
    card.get_by_role("button", name="删除", exact=True).click()
    expect(card.get_by_role("alert")).to_have_text(warning)
    card.get_by_role("button", name="确认删除").click()
    return card


def test_archive_claim_and_a_correction_followed_until_the_source_answers(
    page: Page, net: Devnet, tmp_path: Path
) -> None:
    content = tmp_path / "contributions.json"
    holder, card = record_in_my_file(page, net, content)
    expect(card.locator("h3")).to_have_text("社保")
    expect(card).to_contain_text("hrss · 社保中心")
    expect(card.locator("[data-claim]")).to_have_text("尚未认领")
    status = page.get_by_role("status")

    card.get_by_role("button", name="认领").click()
    expect(status).to_have_text("已认领，已上链", timeout=30_000)
    expect(card.locator("[data-claim]")).to_contain_text("已认领（区块")
    expect(card.get_by_role("button", name="认领")).to_have_count(0)

    # A correction without a reason, or with personal data in it, changes nothing.
    card.get_by_role("button", name="申请纠错").click()
    reason = card.get_by_label("哪里有误")
    expect(reason).to_be_focused()
    card.get_by_role("button", name="提交纠错申请").click()
    expect(status).to_have_text("请写明哪里有误")
    reason.fill("请致电 13800138000 核实")
    card.get_by_role("button", name="提交纠错申请").click()
    expect(status).to_contain_text("似乎有个人信息", timeout=30_000)
    expect(card.locator(".correction")).to_have_count(0)
    look(page, "10-archive-personal-data-refused")
    path = f"/v1/holders/{holder}/archive/corrections"
    assert wallet("GET", net, path, _token(page)).json() == []

    reason.fill("2019 年少了两个月的缴费")
    with page.expect_response(lambda r: r.url.endswith("/corrections")) as asked:
        card.get_by_role("button", name="提交纠错申请").click()
    first = asked.value.json()["correction_id"]
    expect(status).to_have_text("纠错申请已提交，已上链", timeout=30_000)
    pending = page.locator(f'[data-correction="{first}"]')
    expect(pending).to_have_attribute("data-state", "pending")
    expect(pending).to_contain_text("纠错处理中")
    expect(pending).to_contain_text("2019 年少了两个月的缴费")
    expect(card.get_by_role("button", name="申请纠错")).to_have_count(0)
    look(page, "10-archive-correction-pending")

    # The source refuses: the notification says so, and the file shows its answer.
    hrss_resolves(net, first, "refused", "2019 年记录完整")
    open_from_me(page, "通知")
    expect(page.locator('[data-kind="correction"]')).to_contain_text("纠错未被采纳")
    page.locator('[data-kind="correction"]').get_by_role("button", name="我的档案").click()
    refused = page.locator(f'[data-correction="{first}"]')
    expect(refused).to_have_attribute("data-state", "refused")
    expect(refused).to_contain_text("未予更正")
    expect(refused).to_contain_text("部门答复：2019 年记录完整")

    # Asked again, it is corrected: a second version, the first kept in the history.
    card.get_by_role("button", name="申请纠错").click()
    reason.fill("2019 年 3 月和 4 月缺缴费")
    with page.expect_response(lambda r: r.url.endswith("/corrections")) as asked:
        card.get_by_role("button", name="提交纠错申请").click()
    second = asked.value.json()["correction_id"]
    expect(status).to_have_text("纠错申请已提交，已上链", timeout=30_000)
    content.write_text('{"months": 122}')
    hrss_resolves(net, second, "corrected", "已补录", "--content-file", str(content))
    open_from_me(page, "我的档案")
    corrected = page.locator(f'[data-correction="{second}"]')
    expect(corrected).to_have_attribute("data-state", "corrected")
    expect(corrected).to_contain_text("更正后为第 2 版")
    expect(card).to_contain_text("版本第 2 版")
    card.get_by_text("历史版本").click()
    expect(card.locator('[data-version="1"]')).to_contain_text("经纠错更正：已补录")
    expect(card.locator('[data-version="2"]')).to_contain_text("当前版本")
    look(page, "11-archive-corrected")


def _token(page: Page) -> str:
    token = page.evaluate("sessionStorage.getItem('tl.token')")
    assert isinstance(token, str) and token
    return token


def test_a_guardian_accepts_then_answers_for_the_elder_under_a_banner_saying_whose_data(
    page: Page, net: Devnet
) -> None:
    me = sign_up(page, net)
    elder, elder_token = new_holder(net)
    appoint = f"/v1/holders/{elder}/delegations"
    body = {"kind": "guardian", "delegate": me, "actions": ["consent"], "valid_days": 365}
    both = {**body, "actions": ["consent", "archives"]}
    first = wallet("POST", net, appoint, elder_token, json=both).json()["delegation_id"]
    second = wallet("POST", net, appoint, elder_token, json=body).json()["delegation_id"]
    status = page.get_by_role("status")

    # Two appointments to answer: counted under 我的 and on its 委托 entry.
    tab(page, "我的")
    expect(page.locator("main [data-go=delegations] .count")).to_contain_text("2")
    expect(page.locator('#tabs [data-count="me"]')).to_be_visible()
    open_from_me(page, "委托")
    accepted = page.locator(f'[data-delegation="{first}"]')
    expect(accepted).to_have_attribute("data-state", "dlg_pending")
    expect(accepted).to_contain_text(elder)
    accepted.get_by_role("button", name="接受委托").click()
    expect(status).to_have_text("已接受委托，已上链", timeout=30_000)
    expect(accepted).to_have_attribute("data-state", "dlg_active")
    declined = page.locator(f'[data-delegation="{second}"]')
    declined.get_by_role("button", name="拒绝").click()
    expect(status).to_have_text("已拒绝委托，已上链", timeout=30_000)
    expect(declined).to_have_attribute("data-state", "dlg_declined")
    expect(declined.get_by_role("button", name="代对方办理")).to_have_count(0)
    look(page, "13-delegations")

    # The elder's certificate reaches the guardian's wallet as a copy; the bank asks her.
    with net.client() as client:
        doc = issue_and_deliver(net, client, "edu", "diploma", elder, DIPLOMA)
        request_id = sdk_bank_request(net, client, elder, doc["cert_id"], "养老金资格认证", 2)
        my_doc = issue_and_deliver(net, client, "edu", "diploma", me, DIPLOMA)

    whose = page.locator("#whose")
    expect(whose).to_be_hidden()
    accepted.get_by_role("button", name="代对方办理").click()
    expect(whose).to_be_visible()
    expect(whose).to_contain_text(f"您正在以监护人身份代 {elder} 办理")
    expect(whose).to_contain_text("下面的内容是对方的，不是您本人的")
    expect(page.locator("html")).to_have_class("acting")
    card = page.locator(f'[data-request="{request_id}"]')
    expect(card).to_contain_text("养老金资格认证")
    look(page, "12-acting-for")
    card.get_by_role("button", name="同意", exact=True).click()
    expect(status).to_have_text("已授权，已上链", timeout=30_000)
    answered = wallet("GET", net, f"/v1/holders/{elder}/requests", elder_token).json()
    assert [(r["request_id"], r["status"]) for r in answered] == [(request_id, "granted")]
    tab(page, "授权管理")
    expect(page.locator(f'[data-request="{request_id}"]')).to_contain_text("生效中")
    expect(whose).to_be_visible()

    # The elder's file, under the same band: she claims a record for the elder.
    record_id = hrss_appends(net, elder, "社保中心", "--content-hash", "cd" * 32)["record_id"]
    open_from_me(page, "对方的档案")
    expect(whose).to_be_visible()
    record = page.locator(f'[data-record="{record_id}"]')
    record.get_by_role("button", name="认领").click()
    expect(status).to_have_text("已认领，已上链", timeout=30_000)
    expect(record.locator("[data-claim]")).to_contain_text("已认领")
    file = wallet("GET", net, f"/v1/holders/{elder}/archive", elder_token).json()
    assert [(r["record_id"], r["claimed_by"]) for r in file] == [(record_id, me)]
    look(page, "12-acting-for-their-file")

    # The elder's certificates, from the copy her wallet keeps: shown and presented as the
    # elder's, under the band.
    tab(page, "我的证照")
    expect(page.get_by_role("heading", name="对方的证照")).to_be_visible()
    theirs = page.locator(f'[data-cert="{doc["cert_id"]}"]')
    expect(theirs.locator(".badge")).to_have_text("有效")
    expect(page.locator(f'[data-cert="{my_doc["cert_id"]}"]')).to_have_count(0)
    theirs.get_by_role("button", name="亮证").click()
    page.get_by_label("学位").check()
    with page.expect_response(lambda r: r.url.endswith("/presentation")) as made:
        page.get_by_role("button", name="生成二维码").click()
    shown_for = presentation.read_presentation(made.value.json()["presentation"])
    assert (shown_for.cert_id, shown_for.holder) == (doc["cert_id"], me)  # signed by her
    expect(whose).to_be_visible()

    # Her own screens are not mixed with the elder's: back to her own, the banner goes.
    tab(page, "使用记录")
    expect(page.locator("main")).to_contain_text(
        "代办时只能在委托范围内处理对方的证照、请求、授权和档案"
    )
    page.locator("#back-to-me").click()
    expect(whose).to_be_hidden()
    expect(page.locator("html")).not_to_have_class("acting")
    tab(page, "请求")
    expect(page.locator("main")).to_contain_text("暂无待处理的请求。")
    assert page.evaluate("sessionStorage.getItem('tl.acting')") is None

    # She asks the elder to be her own guardian (a wrong id first), then revokes it.
    open_from_me(page, "委托")
    form = page.locator("#appoint")
    form.get_by_label("对方的钱包编号").fill("hd1234")
    form.get_by_role("button", name="发出委托").click()
    expect(status).to_have_text("钱包编号应为 hd 加 40 位数字或小写字母")
    form.get_by_label("对方的钱包编号").fill(me)
    form.get_by_role("button", name="发出委托").click()
    expect(status).to_have_text("不能委托给自己，请填写对方的钱包编号")
    expect(page.locator("#given li")).to_have_count(0)
    form.get_by_label("对方的钱包编号").fill(elder)
    form.get_by_role("button", name="发出委托").click()
    expect(status).to_have_text("委托已发出，等对方接受", timeout=30_000)
    given = page.locator("#given li")
    expect(given).to_have_count(1)
    expect(given).to_have_attribute("data-state", "dlg_pending")
    expect(page.get_by_role("button", name="把我的证照副本交给受托人")).to_have_count(0)

    # Once the elder accepts, she gives the elder a copy of her certificate to answer with.
    mine = given.get_attribute("data-delegation")
    accept = f"/v1/holders/{elder}/delegations/{mine}/accept"
    assert wallet("POST", net, accept, elder_token).status_code == 200
    open_from_me(page, "委托")
    expect(given).to_have_attribute("data-state", "dlg_active")
    page.get_by_role("button", name="把我的证照副本交给受托人").click()
    expect(status).to_have_text("已交给受托人 1 份证照副本", timeout=30_000)
    shown = f"/v1/holders/{elder}/certificates/{my_doc['cert_id']}/presentation"
    body = {"fields": ["degree"]}
    assert wallet("POST", net, shown, elder_token, json=body).status_code == 200

    # Revoked, the delegation ends and the copy is withdrawn.
    given.get_by_role("button", name="撤销委托").click()
    expect(status).to_have_text("已撤销委托，已上链", timeout=30_000)
    expect(page.locator("#given li")).to_have_attribute("data-state", "dlg_revoked")
    listed = wallet("GET", net, f"/v1/holders/{elder}/delegations", elder_token).json()
    assert {d["status"] for d in listed if d["principal"] == me} == {"revoked"}
    assert wallet("POST", net, shown, elder_token, json=body).status_code == 404


def test_notifications_count_expiring_certificates_requests_and_what_is_new(
    page: Page, net: Devnet
) -> None:
    holder = sign_up(page, net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA, "--valid-days", "10")["cert_id"]
    bank_requests(net, holder, cert_id, "助学贷款审核")
    tab(page, "我的证照")
    expect(page.locator(f'[data-cert="{cert_id}"] .badge')).to_have_text("即将到期")
    expect(page.locator('#tabs [data-count="requests"]')).to_have_text("1（1 条新）")
    requests_tab = page.locator('#tabs [data-screen="requests"]')
    expect(requests_tab).to_have_accessible_name(re.compile(r"^请求\s*1\s*（1 条新）$"))
    expect(page.locator('#tabs [data-count="me"]')).to_be_visible()

    open_from_me(page, "通知")
    expiring = page.locator('[data-kind="expiring"]')
    expect(expiring).to_contain_text("即将到期")
    expect(expiring).to_contain_text("还剩 9 天")
    expect(page.locator('[data-kind="requests"]')).to_contain_text("1 个请求待您处理")
    expect(page.locator('[data-kind="requests"]')).to_contain_text("bank")
    expect(page.locator('[data-kind="activity"]')).to_contain_text("机构申请使用您的数据")
    look(page, "14-notifications")

    # Seen in 使用记录, the activity is no longer new; the request stays until answered.
    page.locator('[data-kind="activity"]').get_by_role("button", name="使用记录").click()
    expect(page.locator("li.entry").first).to_be_visible()
    expect(page.locator('#tabs [data-count="activity"]')).to_be_hidden()
    # What the device keeps of that visit: a block height, nothing personal.
    kept = page.evaluate(
        "Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))"
    )
    assert set(kept) == {"tl.holder", "tl.seen_height"} and int(kept["tl.seen_height"]) >= 2
    open_from_me(page, "通知")
    expect(page.locator('[data-kind="activity"]')).to_have_count(0)
    expect(page.locator('[data-kind="requests"]')).to_have_count(1)


def test_the_five_tabs_fit_at_360_px_in_large_text_in_both_languages(
    page: Page, net: Devnet
) -> None:
    sign_up(page, net)
    page.get_by_role("button", name="长辈模式").click()
    expect(page.locator("html")).to_have_class("large")
    for language in ("zh", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        tab(page, "我的" if language == "zh" else "Me")
        buttons = page.locator("#tabs button")
        expect(buttons).to_have_count(5)
        boxes = [buttons.nth(i).bounding_box() for i in range(5)]
        assert all(b is not None for b in boxes)
        for box in boxes:
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360
            assert box["height"] >= 56  # 长辈模式's touch target
        # No label is cut or broken inside a word: each fits its button.
        fits = page.evaluate(
            "[...document.querySelectorAll('#tabs button > span:first-child')]"
            ".map(s => s.scrollWidth <= s.parentElement.clientWidth"
            " && s.getClientRects().length === 1)"
        )
        assert fits == [True] * 5, language
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        look(page, f"15-large-{language}")
    page.get_by_role("main").get_by_role("button", name="My file").click()
    expect(page.locator("#screen-title")).to_have_text("My file")
    look(page, "16-archive-en-large")
    tab(page, "Me")
    page.get_by_role("main").get_by_role("button", name="Delegations").click()
    look(page, "17-delegations-en-large")


def test_delete_on_a_certificates_detail_confirms_then_shows_the_erasure_progress(
    page: Page, net: Devnet
) -> None:
    holder = sign_up(page, net)
    token = page.evaluate("sessionStorage.getItem('tl.token') ?? localStorage.getItem('tl.token')")
    with net.client(org="edu") as client:
        doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
    with net.client(org="bank") as client:
        sdk_bank_grant(net, client, holder, token, doc["cert_id"], "学历核验")
    tab(page, "我的证照")
    page.locator(f'[data-cert="{doc["cert_id"]}"]').get_by_role("button", name="查看详情").click()
    page.get_by_role("button", name="删除", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "删除后无法恢复；已提供给 1 家机构的副本将要求其删除。"
    )
    look(page, "erase-confirm")
    page.get_by_role("button", name="确认删除").click()
    expect(page.get_by_role("status")).to_have_text("已删除，删除要求已上链")
    expect(page.locator(".erasure-progress")).to_have_text("删除要求：1 家机构中已有 0 家确认删除")
    expect(page.get_by_role("button", name="删除", exact=True)).to_have_count(0)
    erasures = wallet("GET", net, f"/v1/holders/{holder}/erasures", token).json()
    assert [e["cert_id"] for e in erasures] == [doc["cert_id"]]


def test_delete_on_an_archive_record_never_released_asks_nothing_of_the_chain(
    page: Page, net: Devnet, tmp_path: Path
) -> None:
    holder, card = record_in_my_file(page, net, tmp_path / "contributions.json")
    card.get_by_role("button", name="删除", exact=True).click()
    # Never released: nothing for the chain to ask (it would refuse), so no 确认删除; a
    # released record's 删除 is the next test.
    expect(card.get_by_role("alert")).to_have_text("这份档案未提供给任何机构，没有需要删除的副本。")
    expect(card.get_by_role("button", name="确认删除")).to_have_count(0)
    token = page.evaluate("sessionStorage.getItem('tl.token')")
    assert wallet("GET", net, f"/v1/holders/{holder}/erasures", token).json() == []


def test_a_record_kept_in_the_wallet_but_never_released_is_erased_from_it(
    page: Page, net: Devnet, tmp_path: Path
) -> None:
    content = tmp_path / "contributions.json"
    holder, record_id = signed_up_with_a_record(
        page, net, content, '{"months": 48, "employer": "历下区某商店"}', "--deliver"
    )
    delete_from_my_file(
        page,
        record_id,
        "这份档案未提供给任何机构；本钱包中的副本将被删除，档案本身仍由来源部门保存。",
    )
    expect(page.get_by_role("status")).to_have_text("已删除本钱包中的副本", timeout=30_000)
    token = page.evaluate("sessionStorage.getItem('tl.token')")
    assert wallet("GET", net, f"/v1/holders/{holder}/erasures", token).json() == []
    held = wallet("GET", net, f"/v1/holders/{holder}/archive", token).json()
    assert [r["held"] for r in held] == [False]
    assert "历下区某商店".encode() not in wallet_store_files(net)


def test_a_record_granted_on_the_page_is_read_then_erased_leaving_nothing_readable(
    page: Page, net: Devnet, tmp_path: Path
) -> None:
    content = tmp_path / "contributions.json"
    holder, record_id = signed_up_with_a_record(
        page, net, content, '{"months": 126, "employer": "济南齐鲁软件园"}', "--deliver"
    )
    asked = bank_requests_records(net, holder)
    status = page.get_by_role("status")

    # 请求: the bank asks for the file's 社保 records; the holder grants it as asked.
    tab(page, "请求")
    request = page.locator(f'[data-request="{asked["request_id"]}"]')
    expect(request.locator("h3")).to_have_text(re.compile(r"· 我的档案$"))
    expect(request).to_contain_text("档案记录：社保（当前版本）")
    request.get_by_role("button", name="同意", exact=True).click()
    expect(status).to_have_text("已授权，已上链", timeout=30_000)

    # The bank reads the record with one access on the chain: the content as filed.
    read_to = tmp_path / "read.json"
    read = cli(
        net, "consent", "access", "--request-id", asked["request_id"], "--record-id", record_id,
        "--out", str(read_to),
    )  # fmt: skip
    assert (read["category"], read_to.read_bytes()) == ("social_security", content.read_bytes())

    # 删除 from 我的档案: the bank is asked on the chain, the wallet's copy goes.
    card = delete_from_my_file(
        page,
        record_id,
        "已提供给 1 家机构的档案副本将要求其删除，本钱包中的副本随即删除；档案本身仍由来源部门保存。",
    )
    expect(status).to_have_text("删除要求已上链", timeout=30_000)
    expect(card.locator(".erasure-progress")).to_have_text("删除要求：1 家机构中已有 0 家确认删除")
    pending = cli(net, "consent", "erasures", "--as", "bank")["erasures"]
    (asked_of_bank,) = [e for e in pending if e["record_id"] == record_id]
    cli(net, "consent", "erase-ack", "--request", asked_of_bank["erasure_id"], "--as", "bank")
    open_from_me(page, "我的档案")
    expect(card.locator(".erasure-progress")).to_have_text("删除要求：1 家机构中已有 1 家确认删除")
    files = wallet_store_files(net)
    assert [v for v in ("济南齐鲁软件园", '"months"') if v.encode() in files] == []
    assert content.read_bytes() not in files
