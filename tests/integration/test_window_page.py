"""The window clerk's page (`/window/`, issue 12) in Debian's Chromium, against a real devnet.

The devnet runs the bank's window service (window/). A citizen signs up on her page and
shows a QR; the clerk, signed in at the bank's window, uploads a screenshot of that QR and
sees 有效; the citizen's 使用记录 then lists the verification; the issuer revokes; the same
QR again says 已被使用 (the nonce was used up at the first scan: window/verification.py says
why the nonce wins) with the certificate's current status 已吊销 beside it, and a new QR
says 已吊销. Replayed, expired, altered and other-verifier presentations are refused with
their reason; every form refuses bad input plainly and changes nothing; English and the
large-type mode render; axe-core finds no serious violation on any screen; the camera path
reads a QR code filmed by Chromium's fake capture device. Screenshots of
the screens go to `$TRUSTLEDGER_SHOTS` (and the main ones to `$TRUSTLEDGER_DOC_SHOTS`).

The clerk's browser is a counter's screen (1280 x 800); the citizen's is a phone (360 x 740).
Every request the clerk's page makes goes to the window service itself.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from cli.cert import issue_certificate
from cli.devnet import WINDOW_CLERK, WINDOW_CLERK_PASSPHRASE, Devnet
from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from node.sdk import presentation
from suites import ED25519_SHA256
from tests.integration import page_support
from tests.integration.helpers import DIPLOMA, cli, org_key, wallet_presents
from tests.integration.page_support import (
    CHROMIUM,
    browser_context,
    show_qr,
    signed_up_with_a_diploma,
    tab,
    watched_page,
)

DOC_SHOTS = {"w1-sign-in", "w2-valid", "w3-replayed-revoked", "w4-refused", "w5-english-large"}


def look(page: Page, name: str) -> None:
    page_support.look(page, name, DOC_SHOTS)


@pytest.fixture
def clerk(browser: Browser, net: Devnet) -> Iterator[Page]:
    """The clerk's browser at the bank's counter, on the window page, not signed in."""
    assert net.window_url, "the devnet runs no window service"
    context = browser_context(browser, 1280, 800)
    with watched_page(
        context, net.window_url, "the window page reached outside its service"
    ) as opened:
        opened.goto(net.window_page_url)
        yield opened


@pytest.fixture
def phone(browser: Browser, net: Devnet) -> Iterator[Page]:
    """The citizen's phone: 360 x 740 CSS pixels at 3 device pixels each, as a phone's
    screenshot is (at 1 device pixel a module of her QR code is 3.3 pixels, too few for
    zxing-cpp to read from a screenshot of the whole screen)."""
    context = browser_context(browser, 360, 740, axe=False, device_scale_factor=3, is_mobile=True)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, passphrase: str = WINDOW_CLERK_PASSPHRASE) -> None:
    page.get_by_label("工号").fill(WINDOW_CLERK)
    page.get_by_label("口令").fill(passphrase)
    page.get_by_role("button", name="登录").click()


def signed_in(page: Page) -> None:
    sign_in(page)
    expect(page.locator("#screen-title")).to_have_text("核验亮证")
    page.get_by_label("申请事由", exact=True).select_option("002")


def paste(page: Page, text: str) -> None:
    page.get_by_label("二维码内容（TLP1. 或 TLP2. 开头）").fill(text)
    page.get_by_role("button", name="核验", exact=True).click()


def upload(page: Page, image: Path) -> None:
    page.get_by_label("二维码照片或截图").set_input_files(str(image))
    page.get_by_role("button", name="核验图片").click()


def verdict(page: Page) -> Any:
    return page.locator("#verdict")


def records_count(page: Page) -> int:
    """Rows of the records list once the page's last load of it is in."""
    expect(page.locator("#records")).not_to_have_attribute("aria-busy", "true")
    return page.locator("#records tbody tr").count()


def test_the_story_screenshot_of_the_citizens_qr_uploaded_valid_then_revoked(
    phone: Page, clerk: Page, net: Devnet, tmp_path: Path
) -> None:
    page = phone
    # The citizen: signed up on her phone, her diploma delivered, the degree shown as a QR.
    holder, doc = signed_up_with_a_diploma(page, net)
    show_qr(page, doc["cert_id"], "学位")
    screenshot = tmp_path / "qr.png"
    page.screenshot(path=str(screenshot))  # the whole phone screen, as a clerk would get it

    # The clerk: signs in, uploads the screenshot: 有效, the degree, recorded on-chain.
    look(clerk, "w1-sign-in")
    signed_in(clerk)
    upload(clerk, screenshot)
    expect(verdict(clerk)).to_have_text("有效", timeout=30_000)
    result = clerk.locator("#result")
    expect(result).to_contain_text(DIPLOMA["degree"])
    expect(result).to_contain_text("验证记录已上链")
    expect(result).not_to_contain_text(DIPLOMA["university"])  # only what she chose
    expect(clerk.locator("#records tbody tr").first).to_contain_text("有效")
    look(clerk, "w2-valid")
    # The receipt: printed alone (print CSS), the verdict, the fields, the on-chain record.
    clerk.locator("#result").get_by_role("button", name="打印回执").click()
    clerk.emulate_media(media="print")
    receipt = clerk.locator("#receipt")
    expect(receipt).to_be_visible()
    expect(clerk.locator("main")).to_be_hidden()
    for text in ("核验回执", "威海市商业银行", "有效", DIPLOMA["degree"], "验证记录已上链"):
        expect(receipt).to_contain_text(text)
    page_support.shot(clerk, "w2-receipt-printed", DOC_SHOTS)
    clerk.emulate_media(media="screen")
    expect(receipt).to_be_hidden()

    # The citizen's 使用记录 lists the verification.
    tab(page, "使用记录")
    expect(page.locator("li.entry").first).to_be_visible()
    assert "机构核验了您的证照" in " ".join(page.locator("li.entry").all_inner_texts())

    # The issuer revokes; the same QR again: already used, and the status now 已吊销.
    cli(net, "cert", "revoke", "--org", "edu", "--cert-id", doc["cert_id"], "--reason", "x")
    upload(clerk, screenshot)
    expect(verdict(clerk)).to_have_text("已被使用", timeout=30_000)
    expect(clerk.locator("#result")).to_contain_text("证照当前状态已吊销")
    look(clerk, "w3-replayed-revoked")

    # A new presentation of the revoked certificate (the citizen's page offers 亮证 only for
    # a certificate in force; the wallet's API still makes one): 已吊销, no field shown.
    token = page.evaluate("sessionStorage.getItem('tl.token')")
    made = wallet_presents(net, holder, token, doc["cert_id"], ["degree"])
    assert made.status_code == 200, made.text
    paste(clerk, made.json()["presentation"])
    expect(verdict(clerk)).to_have_text("已吊销", timeout=30_000)
    expect(clerk.locator("#result")).not_to_contain_text(DIPLOMA["degree"])


def holder_with_diploma(net: Devnet) -> tuple[KeyPair, dict[str, Any]]:
    """A holder whose key the test holds (to sign presentations the wallet would not make)."""
    keypair = KeyPair.generate()
    with net.client() as client:
        doc, _ = issue_certificate(
            client,
            org_key(net, "edu"),
            "diploma",
            holder_id_for(keypair.public_key, suite=ED25519_SHA256),
            DIPLOMA,
        )
    return keypair, doc


def present(keypair: KeyPair, doc: dict[str, Any], **kw: Any) -> str:
    now_ms = kw.pop("now_ms", time.time_ns() // 1_000_000)
    return presentation.make_presentation(
        keypair, doc, ["degree"], nonce=os.urandom(16), now_ms=now_ms, **kw
    )


def test_replayed_expired_altered_and_other_verifier_qrs_are_refused_with_their_reason(
    clerk: Page, net: Devnet
) -> None:
    keypair, doc = holder_with_diploma(net)
    signed_in(clerk)
    good = present(keypair, doc, verifier="bank")
    paste(clerk, good)
    expect(verdict(clerk)).to_have_text("有效", timeout=30_000)
    paste(clerk, good)
    expect(verdict(clerk)).to_have_text("已被使用", timeout=30_000)
    expect(clerk.locator("#result")).to_contain_text("不能重复使用")
    expect(clerk.locator("#result")).not_to_contain_text(DIPLOMA["degree"])
    # Expired: made 11 minutes ago for 3.
    paste(clerk, present(keypair, doc, now_ms=time.time_ns() // 1_000_000 - 660_000))
    expect(verdict(clerk)).to_have_text("已过期", timeout=30_000)
    expect(clerk.locator("#result")).to_contain_text("二维码已过期")
    # Bound to another agency.
    paste(clerk, present(keypair, doc, verifier="psb"))
    expect(verdict(clerk)).to_have_text("非本机构", timeout=30_000)
    # A field altered and signed again by the holder: it no longer matches the chain.
    tampered = present(keypair, {**doc, "fields": {**doc["fields"], "degree": "Doctor of Law"}})
    paste(clerk, tampered)
    expect(verdict(clerk)).to_have_text("内容不符", timeout=30_000)
    expect(clerk.locator("#result")).not_to_contain_text("Doctor of Law")
    # A character of the text changed after signing: the signature no longer holds.
    text = present(keypair, doc)
    flipped = text[:-10] + ("A" if text[-10] != "A" else "B") + text[-9:]
    paste(clerk, flipped)
    expect(verdict(clerk)).to_have_text("签名无效", timeout=30_000)
    # Signed by someone else's key: not the holder's signature.
    paste(clerk, present(KeyPair.generate(), doc))
    expect(verdict(clerk)).to_have_text("签名无效", timeout=30_000)
    look(clerk, "w4-refused")
    tags = clerk.locator("#records tbody tr .tag")
    expected = ["签名无效", "签名无效", "内容不符", "非本机构", "已过期", "已被使用", "有效"]
    for i, tag in enumerate(expected):  # newest first
        expect(tags.nth(i)).to_have_text(tag)
    assert tags.count() >= len(expected)


def test_bad_input_on_each_form_is_said_plainly_and_changes_nothing(
    clerk: Page, net: Devnet, tmp_path: Path
) -> None:
    # Sign-in: empty, then a wrong passphrase.
    clerk.get_by_role("button", name="登录").click()
    expect(clerk.get_by_role("status")).to_have_text("请先填写内容")
    sign_in(clerk, "not the passphrase")
    expect(clerk.get_by_role("status")).to_have_text("工号或口令错误")
    expect(clerk.get_by_role("button", name="登录")).to_be_visible()
    signed_in(clerk)
    before = records_count(clerk)
    # Paste: empty; too long; no purpose chosen.
    clerk.get_by_role("button", name="核验", exact=True).click()
    expect(clerk.get_by_role("status")).to_have_text("请先填写内容")
    paste(clerk, "TLP1." + "A" * 800)
    expect(clerk.get_by_role("status")).to_have_text("内容过长，不是有效的亮证二维码")
    # Upload: nothing chosen; a file that is not an image; an image without a QR code.
    clerk.get_by_role("button", name="核验图片").click()
    expect(clerk.get_by_role("status")).to_have_text("请先选择图片")
    not_image = tmp_path / "notes.png"
    not_image.write_bytes(b"not an image at all")
    upload(clerk, not_image)
    expect(clerk.get_by_role("status")).to_have_text(
        "图片中没有找到二维码，请重拍或上传更清晰的图片"
    )
    blank = tmp_path / "blank.png"
    clerk.screenshot(path=str(blank), clip={"x": 0, "y": 0, "width": 200, "height": 40})
    upload(clerk, blank)
    expect(clerk.get_by_role("status")).to_have_text(
        "图片中没有找到二维码，请重拍或上传更清晰的图片"
    )
    clerk.get_by_label("申请事由", exact=True).select_option("")
    keypair, doc = holder_with_diploma(net)
    paste(clerk, present(keypair, doc))
    expect(clerk.get_by_role("status")).to_have_text("请选择申请事由")
    assert records_count(clerk) == before
    # Double submit: two clicks in a row send one verification.
    clerk.get_by_label("申请事由", exact=True).select_option("099")
    clerk.get_by_label("事由说明（选填；选“其他”时必填）").fill("窗口自测")
    clerk.get_by_label("二维码内容（TLP1. 或 TLP2. 开头）").fill(present(keypair, doc))
    sent: list[str] = []
    clerk.on("request", lambda r: sent.append(r.url) if "/api/verify/" in r.url else None)
    clerk.evaluate("() => { const b = document.querySelector('#paste-go'); b.click(); b.click(); }")
    expect(verdict(clerk)).to_have_text("有效", timeout=30_000)
    expect(clerk.locator("#result")).to_contain_text("099 窗口自测")
    assert len(sent) == 1
    expect(clerk.locator("#records tbody tr")).to_have_count(before + 1)
    # An ended session: the next action says so and asks to sign in again.
    clerk.context.clear_cookies()
    paste(clerk, present(keypair, doc))
    expect(clerk.get_by_role("status")).to_have_text("登录已过期，请重新登录")
    expect(clerk.get_by_role("button", name="登录")).to_be_visible()


def test_english_and_large_type_render_and_pass_the_accessibility_check(clerk: Page) -> None:
    clerk.get_by_role("button", name="English").click()
    expect(clerk.locator("html")).to_have_attribute("lang", "en")
    clerk.get_by_role("button", name="Large type").click()
    expect(clerk.locator("html")).to_have_class("large")
    look(clerk, "w5-sign-in-english-large")
    clerk.get_by_label("Clerk id").fill(WINDOW_CLERK)
    clerk.get_by_label("Passphrase").fill(WINDOW_CLERK_PASSPHRASE)
    clerk.get_by_role("button", name="Sign in").click()
    expect(clerk.locator("#screen-title")).to_have_text("Verify a presentation")
    font_px = clerk.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert font_px >= 22
    clerk.get_by_label("Purpose of use", exact=True).select_option("001")
    clerk.get_by_label("QR code text (starts with TLP1. or TLP2.)").fill("TLP1.notapresentation")
    clerk.get_by_role("button", name="Verify", exact=True).click()
    expect(verdict(clerk)).to_have_text("Unreadable", timeout=30_000)
    look(clerk, "w5-english-large")
    clerk.get_by_role("button", name="Sign out").click()
    expect(clerk.get_by_role("button", name="Sign in")).to_be_visible()


def camera_feed(text: str, path: Path) -> Path:
    """A camera that films a phone showing `text` as a QR code: a Motion-JPEG file that
    Chromium plays as its fake capture device (640 x 480, a few frames)."""
    code = io.BytesIO()
    segno.make(text, error="m").save(code, kind="png", scale=5, border=4)
    frame = Image.new("RGB", (640, 480), (90, 90, 90))
    qr = Image.open(io.BytesIO(code.getvalue())).convert("RGB")
    frame.paste(qr, ((640 - qr.width) // 2, (480 - qr.height) // 2))
    jpeg = io.BytesIO()
    frame.save(jpeg, format="JPEG", quality=92)
    path.write_bytes(jpeg.getvalue() * 5)
    return path


def test_the_camera_path_reads_a_qr_held_up_to_the_counters_camera(
    browser: Browser, net: Devnet, tmp_path: Path
) -> None:
    keypair, doc = holder_with_diploma(net)
    feed = camera_feed(present(keypair, doc, verifier="bank"), tmp_path / "camera.mjpeg")
    # A second Chromium of the same Playwright, its camera the file above.
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={feed}",
        ],
    )
    context = camera.new_context(
        viewport={"width": 1280, "height": 800}, ignore_https_errors=True, locale="zh-CN"
    )
    context.grant_permissions(["camera"], origin=net.window_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(net.window_page_url)
    signed_in(page)
    page.get_by_role("button", name="打开摄像头").click()
    expect(page.get_by_role("button", name="拍照核验")).to_be_visible()
    page.wait_for_function("document.querySelector('#video').videoWidth > 0", timeout=10_000)
    page.get_by_role("button", name="拍照核验").click()
    expect(verdict(page)).to_have_text("有效", timeout=30_000)
    expect(page.locator("#result")).to_contain_text("摄像头")
    page.get_by_role("button", name="关闭摄像头").click()
    expect(page.get_by_role("button", name="打开摄像头")).to_be_visible()
    context.close()
    camera.close()
    assert errors == []
