"""An ``sm2-sm3`` devnet end to end (issue 18): `trustledger demo --suite sm2-sm3` starts
validators with SM2 keys on an SM chain and plays the whole story through the wallet and the
bank (issuance, delivery sealed with SM2 + SM4-GCM, consent, a verification proven by SM2
votes over SM3 hashes, the annotated copy, the audit trace, revocation; the holder's key kept
under her passphrase in an SM4-GCM box, and every validator and organisation key file
sealed with SM4-GCM and naming it); a validator given a key of the other suite stops at
start with one line; a devnet is one suite for its life; a presentation (亮证) made by the
wallet on an SM chain (TLP2: SM2, SM3) is accepted by the agency's VerifyPresentation once,
re-checked by the SDK, and an Ed25519 one is refused; and in Chromium, the citizen page's 亮证
QR, screenshotted, says 有效 on the bank's window page, then 已被使用."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plyvel
import pytest
from playwright.sync_api import Browser, expect

from cli import devnet
from cli.demo import LI_NA_PASSPHRASE
from cli.devnet import Devnet
from node.chain.crypto import KeyPair, load_key_file, save_key_file
from node.sdk.presentation import make_presentation, read_presentation
from proto import node_pb2
from suites import ED25519_SHA256, SM2_SM3
from tests.integration.helpers import (
    DIPLOMA,
    cli,
    cli_issue,
    new_holder,
    running_devnet,
    wallet_presents,
)
from tests.integration.page_support import (
    browser_context,
    show_qr,
    signed_up_with_a_diploma,
    watched_page,
)
from tests.integration.test_demo import run_demo
from tests.integration.test_window_page import paste, signed_in, upload, verdict
from tests.unit.files_support import run_refused_start
from wallet import passphrases
from wallet.passphrases import PassphraseKdf
from wallet.store import P_HOLDER


@pytest.fixture(scope="module")
def sm_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    with running_devnet(tmp_path_factory.mktemp("sm-devnet"), SM2_SM3) as started:
        yield started


def test_the_demo_plays_its_story_on_an_sm_chain(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    code, out = run_demo(folder, "--suite", "sm2-sm3")
    assert code == 0, out
    flat = " ".join(out.split())  # rich wraps long lines
    assert "(sm2-sm3) up in" in flat
    assert "demo finished: every step checked against the chain" in flat
    # Verified with the chain's proof (SM2 votes checked against genesis), read through the
    # wallet's sealed delivery, annotated by the holder's SM2 signature, then revoked.
    assert "3 validator signatures checked against genesis" in flat
    assert "the document matches the on-chain hash, and the copy carries the annotation" in flat
    assert "revoked (reason: degree rescinded after review)" in flat
    assert devnet.running(folder) == {}
    genesis = json.loads((folder / "genesis.json").read_text("utf-8"))
    assert genesis["suite"] == "sm2-sm3"
    assert {len(bytes.fromhex(v["public_key"])) for v in genesis["validators"]} == {65}
    assert {len(bytes.fromhex(o["public_key"])) for o in genesis["organisations"]} == {65}
    key = load_key_file(folder / "keys" / "orgs" / "edu.json", devnet.passphrase())
    assert key.suite is SM2_SM3
    # Every validator and organisation key file: an SM2 key sealed with SM4-GCM, named.
    key_files = sorted((folder / "keys").glob("*/*.json"))
    assert {p.parent.name for p in key_files} == {"validators", "orgs"}
    for path in key_files:
        doc = json.loads(path.read_text("utf-8"))
        assert doc["suite"] == "sm2-sm3", path
        assert doc["sealed_seed"]["box"] == "sm4-gcm", path
        assert doc["sealed_seed"]["version"] == 2, path
    # Li Na's wallet record: her SM2 key sealed with SM4-GCM under her passphrase's key.
    (record,) = holder_records(folder / "wallet" / "db")
    assert record["passphrase"]["box"] == "sm4-gcm"
    kdf = PassphraseKdf(passphrases.MINIMAL, 1, suite=SM2_SM3)  # opens with the stored costs
    opened = kdf.open(record, LI_NA_PASSPHRASE)
    assert SM2_SM3.public_key_from_private(opened).hex() == record["public_key"]


def holder_records(db: Path) -> list[dict[str, Any]]:
    """The holder records of a stopped wallet's store, read from its files."""
    store = plyvel.DB(str(db))
    try:
        return [json.loads(v) for _, v in store.iterator(prefix=P_HOLDER)]
    finally:
        store.close()


def test_a_validator_with_a_key_of_the_other_suite_stops_at_start(tmp_path: Path) -> None:
    net = devnet.init_devnet(tmp_path / "net", 0, suite=SM2_SM3)
    key_path = net.dir / "keys" / "validators" / "val-0.json"
    save_key_file(key_path, KeyPair.generate(ED25519_SHA256), devnet.passphrase(), label="val-0")
    stderr = run_refused_start(
        ["node", "--config", str((net.dir / "nodes" / "val-0" / "node.json").resolve())],
        {**os.environ, "TRUSTLEDGER_KEY_PASSPHRASE": devnet.passphrase()},
    )
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "is a ed25519-sha256 key, but this chain's suite is sm2-sm3" in lines[0]


def test_a_devnet_keeps_its_suite(tmp_path: Path) -> None:
    folder = tmp_path / "net"
    made = devnet.init_devnet(folder, 0, suite=SM2_SM3)
    assert devnet.init_devnet(folder, 0).genesis.suite is SM2_SM3  # none named: its own
    with pytest.raises(ValueError, match="is a sm2-sm3 chain, not ed25519-sha256"):
        devnet.init_devnet(folder, 0, suite=ED25519_SHA256)
    assert devnet.Devnet.load(folder).chain_id == made.chain_id


def test_a_presentation_on_an_sm_chain_is_verified_once_by_the_agency(
    sm_net: Devnet, tmp_path: Path
) -> None:
    holder, token = new_holder(sm_net)
    cert_id = cli_issue(sm_net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    made = wallet_presents(
        sm_net, holder, token, cert_id, ["university", "degree"], verifier="bank"
    )
    assert made.status_code == 200, made.text
    text = made.json()["presentation"]
    shown = read_presentation(text)
    assert text.startswith("TLP2.") and shown.suite is SM2_SM3
    assert len(shown.holder_public_key) == 65 and shown.holder == holder
    with sm_net.client(org="bank") as bank:
        schedule = bank.get_validator_schedule(sm_net.genesis.validators)
        answer = bank.verify_presentation(text, schedule)
        assert (answer.accepted, answer.refusal) == (True, ""), answer.message
        assert answer.signer == holder
        assert dict(answer.fields) == {
            "university": DIPLOMA["university"],
            "degree": DIPLOMA["degree"],
        }
        assert answer.certificate.status == node_pb2.CERTIFICATE_STATUS_VALID
        bank.check_presentation_answer(text, answer, schedule)  # SM2 votes, SM3 proof
        again = bank.verify_presentation(text, schedule)
        assert (again.accepted, again.refusal) == (False, "replayed")
        # An Ed25519 presentation (TLP1) of the same certificate: the other suite's, refused.
        tlp1 = make_presentation(
            KeyPair.generate(ED25519_SHA256),
            {"cert_id": cert_id, "cert_type": "diploma", "salt": "00" * 32, "fields": DIPLOMA},
            ["degree"],
            nonce=os.urandom(16),
            now_ms=time.time_ns() // 1_000_000,
        )
        assert tlp1.startswith("TLP1.")
        other = bank.verify_presentation(tlp1)
        assert (other.accepted, other.refusal) == (False, "format")
        assert "ed25519-sha256 suite (TLP1), and this chain's suite is sm2-sm3" in other.message
    # The CLI's one-shot check reads and checks it with the chain's suite too.
    path = tmp_path / "pres.txt"
    path.write_text(text)
    checked = cli(sm_net, "cert", "check-presentation", "--file", str(path), "--verifier", "bank")
    assert checked["holder"] == holder and checked["status"] == "valid"


def test_the_citizens_qr_on_an_sm_chain_is_checked_by_the_window_page(
    browser: Browser, sm_net: Devnet, tmp_path: Path
) -> None:
    """Both pages in Chromium on the SM devnet: the citizen's 亮证 makes a TLP2 QR on her
    phone; the clerk uploads a screenshot of her screen (a version-19 code, longer than a
    TLP1's) and sees 有效 with the field she chose; the same text pasted: 已被使用."""
    phone = browser_context(browser, 360, 740, axe=False, device_scale_factor=3, is_mobile=True)
    page = phone.new_page()
    holder, doc = signed_up_with_a_diploma(page, sm_net)
    text = show_qr(page, doc["cert_id"], "学位")
    shown = read_presentation(text)
    assert text.startswith("TLP2.") and (shown.suite, shown.holder) == (SM2_SM3, holder)
    screenshot = tmp_path / "qr.png"
    page.screenshot(path=str(screenshot))
    phone.close()

    counter = browser_context(browser, 1280, 800)
    with watched_page(counter, sm_net.window_url, "the window page reached outside") as clerk:
        clerk.goto(sm_net.window_page_url)
        signed_in(clerk)
        upload(clerk, screenshot)
        expect(verdict(clerk)).to_have_text("有效", timeout=30_000)
        expect(clerk.locator("#result")).to_contain_text(DIPLOMA["degree"])
        expect(clerk.locator("#result")).not_to_contain_text(DIPLOMA["university"])
        paste(clerk, text)
        expect(verdict(clerk)).to_have_text("已被使用", timeout=30_000)
    counter.close()
