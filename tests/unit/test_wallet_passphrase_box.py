"""The box that seals a holder's key under their passphrase is the chain's suite's
(wallet/passphrases.py, suites/boxes.py): SM4-GCM on an ``sm2-sm3`` chain, XSalsa20-Poly1305 on
``ed25519-sha256``. The stored entry names its box, so a record written before SM4 (no
``box``, XSalsa20-Poly1305) still opens on either chain, and an SM chain's is re-sealed with
SM4 at the holder's next sign-in. A wrong passphrase, an altered or a truncated box, or a box
no wallet writes: a clear error, and the stored record stays as it was."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nacl.secret
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from contracts.framework.identity import holder_id_for
from suites import (
    ED25519_SHA256,
    SM2_SM3,
    SM4_GCM,
    XSALSA20_POLY1305,
    InvalidKeyError,
    SealError,
    SecretBox,
    Suite,
    SuiteError,
    get_secret_box,
)
from wallet import passphrases
from wallet.passphrases import PassphraseKdf, RecordUnreadable, WrongPassphrase

from .wallet_support import PASSPHRASE, Wallet, running_wallet

SUITES = [ED25519_SHA256, SM2_SM3]
BOX_OF = {ED25519_SHA256.name: "xsalsa20-poly1305", SM2_SM3.name: "sm4-gcm"}


@pytest.fixture(params=SUITES, ids=lambda s: s.name)
def suite(request: pytest.FixtureRequest) -> Suite:
    chosen: Suite = request.param
    return chosen


@pytest.fixture
def wallet(tmp_path: Path, suite: Suite) -> Iterator[Wallet]:
    with running_wallet(tmp_path, suite) as w:
        yield w


def kdf_of(suite: Suite) -> PassphraseKdf:
    return PassphraseKdf(passphrases.MINIMAL, 1, suite=suite)


def sealed_record(suite: Suite, passphrase: str = "pw") -> tuple[bytes, dict[str, Any]]:
    keys = suite.generate_keypair()
    entry = kdf_of(suite).seal(keys.private_key, passphrase)
    return keys.private_key, {"public_key": keys.public_key.hex(), "passphrase": entry}


def record_of_today(suite: Suite, passphrase: str) -> tuple[bytes, dict[str, Any]]:
    """A record as the wallet wrote it before SM4, on either chain, written out from that
    format (not by the code under test): scrypt's 64 bytes, the verifier, then the key sealed
    by libsodium's secretbox under the last 32, and no ``box`` named."""
    keys = suite.generate_keypair()
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(passphrase.encode(), salt=salt, n=2**4, r=1, p=1, dklen=64)
    sealed = bytes(nacl.secret.SecretBox(derived[32:]).encrypt(keys.private_key))
    entry = {
        "kdf": "scrypt",
        "n": 2**4,
        "r": 1,
        "p": 1,
        "dklen": 64,
        "salt": salt.hex(),
        "verifier": derived[:32].hex(),
        "sealed_seed": sealed.hex(),
    }
    return keys.private_key, {"public_key": keys.public_key.hex(), "passphrase": entry}


# ---------------------------------------------------------------- the boxes themselves


@pytest.mark.parametrize("box", [SM4_GCM, XSALSA20_POLY1305], ids=lambda b: b.name)
def test_a_box_opens_what_it_sealed_and_nothing_else(box: SecretBox) -> None:
    key, other = secrets.token_bytes(box.key_bytes), secrets.token_bytes(box.key_bytes)
    boxed = box.seal(key, b"a holder's key")
    assert len(boxed) == len(b"a holder's key") + box.overhead_bytes
    assert box.open(key, boxed) == b"a holder's key"
    assert box.seal(key, b"a holder's key") != boxed  # a fresh nonce each time
    altered = [boxed[:-1] + bytes([boxed[-1] ^ 1]), bytes([boxed[0] ^ 1]) + boxed[1:]]
    for bad in [*altered, boxed[: box.overhead_bytes - 1], b""]:
        with pytest.raises(SealError):
            box.open(key, bad)
    with pytest.raises(SealError):
        box.open(other, boxed)
    for wrong_key in (key[:-1], key + b"\x00", "text"):
        with pytest.raises(InvalidKeyError, match=f"{box.key_bytes} bytes"):
            box.seal(wrong_key, b"x")  # type: ignore[arg-type]
        with pytest.raises(InvalidKeyError):
            box.open(wrong_key, boxed)  # type: ignore[arg-type]


def test_the_sm4_gcm_box_layout_is_nonce_then_sm4_gcm() -> None:
    """nonce (12) || SM4-GCM ciphertext || tag (16), no associated data: the layout
    docs/sm-suite.md gives, checked with `cryptography`'s SM4 and GCM directly."""
    key = bytes(range(16))
    boxed = SM4_GCM.seal(key, b"0123456789abcdef0123456789abcdef")
    nonce, body, tag = boxed[:12], boxed[12:-16], boxed[-16:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    assert decryptor.update(body) + decryptor.finalize() == b"0123456789abcdef0123456789abcdef"
    assert (SM4_GCM.key_bytes, SM4_GCM.overhead_bytes) == (16, 28)


def test_each_suite_names_its_box_and_boxes_are_found_by_name() -> None:
    assert SM2_SM3.secret_box is SM4_GCM and ED25519_SHA256.secret_box is XSALSA20_POLY1305
    assert get_secret_box("sm4-gcm") is SM4_GCM
    assert get_secret_box("xsalsa20-poly1305") is XSALSA20_POLY1305
    for unknown in ("aes-gcm", "", None):
        with pytest.raises(SuiteError, match="sm4-gcm"):
            get_secret_box(unknown)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the wallet's records


def test_a_record_names_the_box_of_its_chains_suite(suite: Suite) -> None:
    seed, record = sealed_record(suite)
    entry = record["passphrase"]
    assert entry["box"] == BOX_OF[suite.name] == suite.secret_box.name
    assert len(bytes.fromhex(entry["sealed_seed"])) == 32 + suite.secret_box.overhead_bytes
    assert kdf_of(suite).open(record, "pw") == seed
    assert not kdf_of(suite).needs_upgrade(record)


def test_the_sm4_key_is_the_derivations_bytes_after_the_verifier() -> None:
    seed, record = sealed_record(SM2_SM3, "pw")
    entry = record["passphrase"]
    derived = hashlib.scrypt(b"pw", salt=bytes.fromhex(entry["salt"]), n=16, r=1, p=1, dklen=64)
    assert derived[:32].hex() == entry["verifier"]
    assert SM4_GCM.open(derived[32:48], bytes.fromhex(entry["sealed_seed"])) == seed


def test_a_record_of_todays_format_opens_on_either_chain(suite: Suite) -> None:
    seed, record = record_of_today(suite, "pw")
    kdf = kdf_of(suite)
    assert kdf.open(record, "pw") == seed
    with pytest.raises(WrongPassphrase):
        kdf.open(record, "not it")
    # On an SM chain it moves to SM4 at the next sign-in; on the other it stays as it is.
    assert kdf.needs_upgrade(record) is (suite is SM2_SM3)


def test_the_dummy_record_of_an_unknown_holder_has_the_suites_box(suite: Suite) -> None:
    dummy = passphrases.make_dummy_record(passphrases.MINIMAL, suite.secret_box)
    _, real = sealed_record(suite)
    assert dummy["passphrase"].keys() == real["passphrase"].keys()
    assert dummy["passphrase"]["box"] == real["passphrase"]["box"]
    sizes = [len(r["passphrase"]["sealed_seed"]) for r in (dummy, real)]
    assert sizes[0] == sizes[1]
    with pytest.raises(WrongPassphrase):
        kdf_of(suite).check_unknown("pw")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda s: s[:-2], "does not open"),  # truncated by a byte
        (lambda s: s[:20], "does not open"),  # shorter than nonce and tag
        (lambda s: s[:-2] + format(int(s[-2:], 16) ^ 1, "02x"), "does not open"),  # altered
    ],
    ids=["truncated", "shorter-than-overhead", "altered"],
)
def test_an_altered_or_truncated_box_is_refused(suite: Suite, change: Any, says: str) -> None:
    _, record = sealed_record(suite)
    entry = record["passphrase"]
    bad = {**record, "passphrase": {**entry, "sealed_seed": change(entry["sealed_seed"])}}
    with pytest.raises(RecordUnreadable, match=f"{says} \\({suite.secret_box.name}"):
        kdf_of(suite).open(bad, "pw")


def test_a_box_no_wallet_writes_or_another_box_is_refused(suite: Suite) -> None:
    _, record = sealed_record(suite)
    other = "xsalsa20-poly1305" if suite is SM2_SM3 else "sm4-gcm"
    for name, says in (("aes-gcm", "stored passphrase box"), (other, "does not open")):
        bad = {**record, "passphrase": {**record["passphrase"], "box": name}}
        with pytest.raises(RecordUnreadable, match=says):
            kdf_of(suite).open(bad, "pw")


# ---------------------------------------------------------------- through the wallet's API


def test_sign_in_answers_each_failure_clearly_and_changes_nothing(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    stored = wallet.store.get_holder(holder)
    assert stored is not None and stored["passphrase"]["box"] == BOX_OF[wallet.store.suite.name]
    assert wallet.sign_in(holder, "wrong passphrase").status_code == 401
    assert wallet.store.get_holder(holder) == stored
    sealed = stored["passphrase"]["sealed_seed"]
    for bad in (sealed[:-8], sealed[:-2] + ("00" if sealed[-2:] != "00" else "01")):
        broken = {**stored, "passphrase": {**stored["passphrase"], "sealed_seed": bad}}
        wallet.store.put_holder(holder, broken)
        resp = wallet.sign_in(holder)
        assert resp.status_code == 500
        assert "this holder's stored key does not open" in resp.json()["detail"]
        assert PASSPHRASE not in resp.text
        assert wallet.store.get_holder(holder) == broken  # nothing re-sealed or changed
    wallet.store.put_holder(holder, stored)
    assert wallet.sign_in(holder).status_code == 200
    assert wallet.store.get_holder(holder) == stored


def test_a_holder_of_todays_format_signs_in_and_keeps_their_key(wallet: Wallet) -> None:
    suite = wallet.store.suite
    seed, record = record_of_today(suite, PASSPHRASE)
    holder = holder_id_for(bytes.fromhex(record["public_key"]), suite=suite)
    wallet.store.put_holder(holder, record)
    assert wallet.sign_in(holder, "wrong passphrase").status_code == 401
    assert wallet.store.get_holder(holder) == record
    resp = wallet.sign_in(holder)
    assert resp.status_code == 200 and resp.json()["public_key"] == record["public_key"]
    after = wallet.store.get_holder(holder)
    assert after is not None
    # An SM chain's record is re-sealed with SM4-GCM, the same key inside; the other kept.
    assert after["passphrase"].get("box") == ("sm4-gcm" if suite is SM2_SM3 else None)
    assert wallet.app.state.kdf.open(after, PASSPHRASE) == seed
    assert wallet.sign_in(holder).status_code == 200
