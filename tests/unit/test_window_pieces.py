"""The window service's pieces (window/): clerk accounts and the guard against guessing,
sessions, the archive, the image decoder, the limits, and the verification path over a
fake node (what is recorded on-chain, what is shown, what is archived)."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
import segno
from PIL import Image

from node.chain.crypto import KeyPair
from node.sdk.client import ClientError
from node.sdk.presentation import QR_CHARACTERS_MAX
from suites import ED25519_SHA256, SUITES, Suite
from tests.unit.window_support import (
    DOC,
    Clock,
    FakeNode,
    accepted,
    presentation_text,
    refused,
)
from window import limits
from window.archive import Archive
from window.clerks import (
    ClerksFileError,
    LockedOut,
    SignInGuard,
    authenticate,
    load_clerks,
    make_clerk,
    save_clerk,
)
from window.decode import NotDecoded, read_qr_text
from window.sessions import SessionEnded, Sessions, SessionsFull
from window.verification import BadRequest, Window, check_purpose, decide

FAST_N = 2**10
"""scrypt cost for tests (the service's is 2^15)."""


# ---- clerk accounts -------------------------------------------------------------------------


def test_a_clerks_file_keeps_only_a_salted_hash_in_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "w" / "clerks.json"
    save_clerk(path, make_clerk("clerk-01", "王芳", "counter passphrase 1", FAST_N))
    save_clerk(path, make_clerk("clerk-02", "", "counter passphrase 2", FAST_N))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "counter passphrase" not in path.read_text(encoding="utf-8")
    clerks = load_clerks(path)
    assert sorted(clerks) == ["clerk-01", "clerk-02"]
    assert clerks["clerk-02"].name == "clerk-02"
    assert authenticate(clerks, "clerk-01", "counter passphrase 1") == clerks["clerk-01"]
    assert authenticate(clerks, "clerk-01", "counter passphrase 2") is None
    assert authenticate(clerks, "nobody", "counter passphrase 1") is None


def test_bad_clerk_ids_short_passphrases_and_planted_costs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="clerk id"):
        make_clerk("Clerk One", "", "long enough passphrase", FAST_N)
    with pytest.raises(ValueError, match="10 to 256"):
        make_clerk("clerk-01", "", "short", FAST_N)
    path = tmp_path / "clerks.json"
    save_clerk(path, make_clerk("clerk-01", "", "long enough passphrase", FAST_N))
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["clerks"]["clerk-01"]["scrypt"]["n"] = 2**24  # 16 GiB per sign-in
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ClerksFileError, match="out of range"):
        load_clerks(path)
    with pytest.raises(ClerksFileError, match="add-clerk"):
        load_clerks(tmp_path / "missing.json")


def test_wrong_passphrases_lock_a_clerk_id_and_an_address_out_for_longer_each_time() -> None:
    clock = Clock()
    guard = SignInGuard(clock)
    for _ in range(limits.SIGNIN_FAILURES_FREE - 1):
        guard.failed("clerk-01", "10.0.0.1")
    guard.check("clerk-01", "10.0.0.1")  # still free
    guard.failed("clerk-01", "10.0.0.1")
    with pytest.raises(LockedOut) as first:
        guard.check("clerk-01", "10.0.0.2")  # the clerk id, from anywhere
    assert first.value.retry_after_s == limits.SIGNIN_LOCKOUT_S_MIN + 1
    with pytest.raises(LockedOut):
        guard.check("clerk-02", "10.0.0.1")  # the address, for any clerk id
    clock.now += limits.SIGNIN_LOCKOUT_S_MIN + 1
    guard.check("clerk-01", "10.0.0.2")
    guard.failed("clerk-01", "10.0.0.2")
    with pytest.raises(LockedOut) as second:
        guard.check("clerk-01", "10.0.0.3")
    assert second.value.retry_after_s == 2 * limits.SIGNIN_LOCKOUT_S_MIN + 1
    clock.now += 10 * limits.SIGNIN_LOCKOUT_S_MAX
    guard.succeeded("clerk-01")
    guard.failed("clerk-01", "10.0.0.9")
    guard.check("clerk-01", "10.0.0.9")  # the count started again
    assert clock.now > 0


# ---- sessions -------------------------------------------------------------------------------


def test_a_session_ends_when_idle_at_its_lifetime_and_at_sign_out() -> None:
    clock = Clock()
    sessions = Sessions(idle_s=60, lifetime_s=150, now=clock, sessions_max=2)
    token = sessions.open("clerk-01", "王芳")
    assert sessions.get(token).clerk_id == "clerk-01"
    clock.now += 59
    assert sessions.get(token).name == "王芳"  # used: idle time restarts
    clock.now += 59
    sessions.get(token)
    clock.now += 59  # 177 s after sign-in: past its lifetime, however busy
    with pytest.raises(SessionEnded, match="sign in again"):
        sessions.get(token)
    idle = sessions.open("clerk-01", "王芳")
    clock.now += 61
    with pytest.raises(SessionEnded):
        sessions.get(idle)
    closed = sessions.open("clerk-02", "")
    sessions.close(closed)
    with pytest.raises(SessionEnded, match="please sign in"):
        sessions.get(closed)
    with pytest.raises(SessionEnded):
        sessions.get(None)


def test_a_full_session_table_refuses_a_sign_in_and_keeps_no_token_in_clear() -> None:
    sessions = Sessions(idle_s=60, lifetime_s=600, now=Clock(), sessions_max=2)
    tokens = [sessions.open("clerk-01", ""), sessions.open("clerk-02", "")]
    with pytest.raises(SessionsFull):
        sessions.open("clerk-03", "")
    assert len(sessions) == 2
    kept = repr(vars(sessions))
    assert all(token not in kept for token in tokens)


# ---- archive --------------------------------------------------------------------------------


def test_the_archive_lists_newest_first_finds_by_id_and_remembers_nonces(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    for i, rid in enumerate(["scan-z", "scan-b", "scan-y", "scan-a", "scan-x"]):
        # Records of the same millisecond keep their order (ids are random).
        archive.add({"id": rid, "time_ms": 1000 + i // 2, "verdict": "valid"}, b"k%d" % i)
    assert [r["id"] for r in archive.latest(3)] == ["scan-x", "scan-a", "scan-y"]
    assert archive.get("scan-b") == {"id": "scan-b", "time_ms": 1000, "verdict": "valid"}
    assert archive.get("scan-9") is None and archive.get("scån") is None
    assert archive.accepted_before(b"k3") == "scan-a"
    assert archive.accepted_before(b"k7") is None
    archive.update({"id": "scan-b", "time_ms": 1000, "verdict": "revoked"})
    archive.close()
    again = Archive(tmp_path / "archive")  # kept on disk, numbering goes on
    assert again.get("scan-b") == {"id": "scan-b", "time_ms": 1000, "verdict": "revoked"}
    again.add({"id": "scan-new", "time_ms": 1, "verdict": "valid"})
    assert [r["id"] for r in again.latest(100)][:2] == ["scan-new", "scan-x"]
    assert len(again.latest(100)) == 6
    again.close()


# ---- decoding images ------------------------------------------------------------------------


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
def test_a_qr_code_is_read_from_a_photo_and_a_presentation_is_preferred(suite: Suite) -> None:
    """A TLP1 of an Ed25519 chain and an SM chain's longer TLP2 alike."""
    text = presentation_text(KeyPair.generate(suite))
    assert text.startswith("TLP1." if suite is ED25519_SHA256 else "TLP2.")
    canvas = Image.new("L", (900, 500), 255)
    for x, content in ((20, "https://example.org/poster"), (460, text)):
        out = io.BytesIO()
        segno.make(content, error="m").save(out, kind="png", scale=4, border=4)
        canvas.paste(Image.open(io.BytesIO(out.getvalue())).convert("L"), (x, 20))
    assert read_qr_text(png(canvas)) == text
    jpeg = io.BytesIO()
    canvas.convert("RGB").save(jpeg, format="JPEG", quality=90)
    assert read_qr_text(jpeg.getvalue()) == text


def test_images_without_a_code_too_large_or_not_images_are_refused() -> None:
    with pytest.raises(NotDecoded, match="no QR code"):
        read_qr_text(png(Image.new("RGB", (300, 300), "white")))
    with pytest.raises(NotDecoded, match="not a PNG"):
        read_qr_text(b"GIF89a" + b"\0" * 100)
    with pytest.raises(NotDecoded, match="empty"):
        read_qr_text(b"")
    with pytest.raises(NotDecoded, match="over 4 MB"):
        read_qr_text(b"\x89PNG" + b"\0" * limits.IMAGE_BYTES_MAX)
    bomb = png(Image.new("1", (6000, 5000)))  # 30 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(NotDecoded, match="too many pixels"):
        read_qr_text(bomb)


def test_the_limits_fit_what_a_wallet_makes() -> None:
    assert limits.PAYLOAD_CHARS_MAX == QR_CHARACTERS_MAX
    assert limits.JSON_BODY_BYTES_MAX >= 4 * (QR_CHARACTERS_MAX + limits.PURPOSE_TEXT_CHARS_MAX)
    assert limits.BODY_BYTES_MAX >= limits.IMAGE_BYTES_MAX
    assert limits.SCRYPT_N <= limits.SCRYPT_N_MAX


# ---- the verification path ------------------------------------------------------------------


def window_over(node: FakeNode, tmp_path: Path) -> Window:
    return Window(node, Archive(tmp_path / "archive"), "bank", now_ms=lambda: 42)


def test_a_valid_presentation_is_recorded_as_passed_with_its_fields_and_archived(
    tmp_path: Path,
) -> None:
    node = FakeNode([accepted()])
    window = window_over(node, tmp_path)
    text = presentation_text()
    record = window.verify(text, via="paste", clerk="clerk-01", purpose_code="002")
    assert (record["verdict"], record["ok"], record["fields"]) == (
        "valid",
        True,
        {"degree": "Master of Science"},
    )
    assert node.recorded == [(DOC["cert_id"], "passed", "金融信贷审核", "002", ["degree"])]
    assert record["onchain"] == {"verification_id": "ver-1", "height": 7, "tx": "ab" * 32}
    assert window.archive.get(record["id"]) == record  # the scan's text kept at the agency
    assert record["presentation"] == text


def test_a_second_scan_is_replayed_even_when_the_node_forgot_the_nonce(tmp_path: Path) -> None:
    keypair = KeyPair.generate()
    text = presentation_text(keypair)
    node = FakeNode([accepted(), accepted()])  # a validator that restarted accepts it again
    window = window_over(node, tmp_path)
    window.verify(text, via="paste", clerk="clerk-01", purpose_code="002")
    again = window.verify(text, via="upload", clerk="clerk-01", purpose_code="002")
    assert (again["verdict"], again["fields"]) == ("replayed", {})
    assert again["status"] == "revoked"  # read again, proven, for the clerk
    assert node.recorded[1][1] == "failed"


def test_refusals_are_recorded_as_failed_without_fields_unless_no_certificate(
    tmp_path: Path,
) -> None:
    node = FakeNode(
        [refused("replayed"), refused("verifier"), refused("format", known=False)],
        status_now="revoked",
    )
    window = window_over(node, tmp_path)
    replay = window.verify(presentation_text(), via="paste", clerk="c", purpose_code="001")
    assert (replay["verdict"], replay["status"], replay["fields"]) == ("replayed", "revoked", {})
    other = window.verify(presentation_text(), via="paste", clerk="c", purpose_code="001")
    assert other["verdict"] == "other_verifier"
    junk = window.verify("TLP1.junk", via="paste", clerk="c", purpose_code="001")
    assert (junk["verdict"], "onchain" in junk) == ("unreadable", False)
    assert [r[1] for r in node.recorded] == ["failed", "failed"]
    assert len(window.archive.latest(10)) == 3


def test_a_revoked_certificate_shows_no_fields_and_a_failed_record_is_kept(
    tmp_path: Path,
) -> None:
    node = FakeNode([accepted("revoked")], record_error=ClientError("UNAVAILABLE", "down"))
    window = window_over(node, tmp_path)
    record = window.verify(presentation_text(), via="camera", clerk="c", purpose_code="002")
    assert (record["verdict"], record["ok"], record["fields"]) == ("revoked", False, {})
    assert record["onchain"]["error"].startswith("UNAVAILABLE")


def test_bad_input_is_refused_before_the_node_is_asked(tmp_path: Path) -> None:
    node = FakeNode([], retired=("011",))
    window = window_over(node, tmp_path)
    for text, code, purpose, problem in (
        ("TLP1.x", "011", "", "purpose"),  # retired by governance
        ("", "002", "", "empty"),
        ("   ", "002", "", "empty"),
        ("T" * (limits.PAYLOAD_CHARS_MAX + 1), "002", "", "too_long"),
        ("TLP1.x", "", "", "purpose"),
        ("TLP1.x", "999", "", "purpose"),
        ("TLP1.x", "099", " ", "purpose_other"),
        ("TLP1.x", "001", "事" * 201, "purpose_long"),
    ):
        with pytest.raises(BadRequest) as info:
            window.verify(text, via="paste", clerk="c", purpose_code=code, purpose_text=purpose)
        assert info.value.code == problem
    assert window.archive.latest(10) == [] and node.recorded == []
    assert check_purpose("099", "  窗口  自测 ", node.purposes()) == "窗口 自测"


def test_each_refusal_has_a_verdict_and_an_accepted_one_its_status() -> None:
    assert decide(accepted("suspended"), replayed_here=False) == "suspended"
    assert decide(accepted(), replayed_here=True) == "replayed"
    assert {
        reason: decide(refused(reason), replayed_here=False)
        for reason in ("signature", "holder", "fields", "expired", "not_yet_valid", "nonsense")
    } == {
        "signature": "bad_signature",
        "holder": "bad_signature",
        "fields": "fields_mismatch",
        "expired": "presentation_expired",
        "not_yet_valid": "not_yet_valid",
        "nonsense": "unreadable",
    }
