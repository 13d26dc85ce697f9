"""The citizen's page and attestations (issue 13, docs/attestations.md): civil affairs
proposes a property attestation for a holder who signed up on the page; both sources confirm
through the CLI; the holder finds it in 请求 and confirms it, and it is issued on the chain;
通知 tells the holder, and the other party in their own wallet, how it ended (双告知). A
second one the holder refuses in 请求, with the chain saying refused. In Debian's Chromium,
each screen checked with axe-core (tests/integration/page_support.py)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from cli.devnet import Devnet
from tests.integration.attest_support import confirm, define, files, propose, status
from tests.integration.helpers import new_holder, wallet
from tests.integration.page_support import look, open_from_me, sign_up, tab


def test_the_owner_confirms_one_attestation_and_refuses_another_in_the_page(
    page: Page, net: Devnet, tmp_path: Path
) -> None:
    owner = sign_up(page, net)
    other, other_token = new_holder(net)
    found = files(tmp_path)
    define(net)
    first = propose(net, found, owner, other)
    second = propose(net, found, owner, other)
    for att in (first, second):
        confirm(net, "amr", att, found["amr"])
        confirm(net, "psb", att, found["psb"])

    tab(page, "请求")
    expect(page.locator("#screen-title")).to_have_text("请求")
    card = page.locator(f'[data-attestation="{first["attestation_id"]}"]')
    expect(card.locator("h3")).to_have_text("不动产权属证明")
    expect(card).to_contain_text("待权利人确认")
    expect(card).to_contain_text("amr：已核对一致")
    expect(card).to_contain_text("psb：已核对一致")
    expect(page.locator("[data-attestation]")).to_have_count(2)
    look(page, "20-attestation-to-confirm")
    status_line = page.get_by_role("status")

    card.get_by_role("button", name="确认出具").click()
    expect(status_line).to_have_text("已确认，证明已出具并上链", timeout=30_000)
    assert status(net, first)["status"] == "issued"
    expect(page.locator("[data-attestation]")).to_have_count(1)

    second_card = page.locator(f'[data-attestation="{second["attestation_id"]}"]')
    second_card.get_by_role("button", name="拒绝").click()
    expect(status_line).to_have_text("已拒绝，已上链", timeout=30_000)
    refused = status(net, second)
    assert (refused["status"], refused["reason"]) == ("refused", "refused by the owner")
    expect(page.locator("[data-attestation]")).to_have_count(0)

    # 通知 tells the owner how both ended; the other party's wallet tells them too.
    open_from_me(page, "通知")
    told = page.locator('[data-kind="attestation"]')
    expect(told).to_have_count(2)
    expect(page.locator('[data-kind="attestation"] [data-status="issued"]')).to_have_text("已出具")
    expect(page.locator('[data-kind="attestation"] [data-status="refused"]')).to_have_text(
        "未出具（已拒绝）"
    )
    look(page, "21-attestation-notices")
    resp = wallet("GET", net, f"/v1/holders/{other}/notifications", other_token)
    assert resp.status_code == 200, resp.text
    notices = {n["attestation_id"]: (n["role"], n["status"]) for n in resp.json()}
    assert notices == {
        first["attestation_id"]: ("other_party", "issued"),
        second["attestation_id"]: ("other_party", "refused"),
    }
