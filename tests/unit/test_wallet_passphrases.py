"""A holder's passphrase is checked with scrypt (wallet/passphrases.py): a random salt per
holder, parameters stored with the hash and raised on the next sign-in, a constant-time
compare; records made before (Argon2id `sealed_seed`) still sign in and are upgraded,
with the same key, so no holder loses their wallet."""

from __future__ import annotations

import hmac

import pytest

from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair, seal_secret
from suites import ED25519_SHA256
from wallet import limits, passphrases
from wallet.passphrases import PassphraseKdf, RecordUnreadable, ScryptParams, WrongPassphrase

from .wallet_support import PASSPHRASE, Wallet

STRONGER = ScryptParams(2**5, 1, 1, limits.SCRYPT_DKLEN)


def test_the_record_keeps_a_salted_scrypt_hash_and_its_parameters(wallet: Wallet) -> None:
    first, second = wallet.new_holder(), wallet.new_holder()
    records = [wallet.store.get_holder(h) for h in (first, second)]
    entries = [r["passphrase"] for r in records if r is not None]
    assert len(entries) == 2
    for entry in entries:
        assert entry["kdf"] == "scrypt"
        assert (entry["n"], entry["r"], entry["p"], entry["dklen"]) == (2**4, 1, 1, 64)
        assert len(bytes.fromhex(entry["salt"])) == limits.SCRYPT_SALT_BYTES
        assert len(bytes.fromhex(entry["verifier"])) == 32
        assert PASSPHRASE.encode().hex() not in str(entry)
    assert entries[0]["salt"] != entries[1]["salt"]
    assert entries[0]["verifier"] != entries[1]["verifier"]  # same passphrase, other salt
    assert all("sealed_seed" not in r for r in records if r is not None)


def test_production_parameters_are_the_documented_ones() -> None:
    assert ScryptParams(2**17, 8, 1, 64) == passphrases.PRODUCTION
    assert passphrases.PRODUCTION.get_problem() is None
    kdf = PassphraseKdf(passphrases.PRODUCTION, 1, suite=ED25519_SHA256)
    keypair = KeyPair.generate()
    record = {"public_key": keypair.public_key.hex(), "passphrase": kdf.seal(keypair.seed, "pw")}
    assert kdf.open(record, "pw") == keypair.seed


def test_the_verifier_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(passphrases.hmac, "compare_digest", spy)
    kdf = PassphraseKdf(passphrases.MINIMAL, 1, suite=ED25519_SHA256)
    keypair = KeyPair.generate()
    record = {"public_key": keypair.public_key.hex(), "passphrase": kdf.seal(keypair.seed, "pw")}
    with pytest.raises(WrongPassphrase):
        kdf.open(record, "wrong")
    assert len(compared) == 1 and compared[0][1].hex() == record["passphrase"]["verifier"]


def old_format_holder(wallet: Wallet) -> tuple[str, KeyPair, dict[str, object]]:
    """A holder as the wallet stored them before scrypt: the seed under Argon2id."""
    keypair = KeyPair.generate()
    holder = holder_id_for(keypair.public_key, suite=ED25519_SHA256)
    record: dict[str, object] = {
        "public_key": keypair.public_key.hex(),
        "sealed_seed": seal_secret(keypair.seed, PASSPHRASE),
        "created_ms": 1_700_000_000_000,
    }
    wallet.store.put_holder(holder, record)  # type: ignore[arg-type]
    return holder, keypair, record


def test_an_old_record_signs_in_and_is_upgraded(wallet: Wallet) -> None:
    holder, keypair, old = old_format_holder(wallet)
    assert wallet.sign_in(holder, "wrong passphrase").status_code == 401
    assert wallet.store.get_holder(holder) == old  # a failure changes nothing
    resp = wallet.sign_in(holder)
    assert resp.status_code == 200 and resp.json()["public_key"] == keypair.public_key.hex()
    upgraded = wallet.store.get_holder(holder)
    assert upgraded is not None and "sealed_seed" not in upgraded
    assert upgraded["passphrase"]["kdf"] == "scrypt"
    assert upgraded["public_key"] == old["public_key"]
    assert upgraded["created_ms"] == old["created_ms"]
    assert wallet.app.state.kdf.open(upgraded, PASSPHRASE) == keypair.seed  # same key
    assert wallet.sign_in(holder).status_code == 200
    assert wallet.sign_in(holder, "wrong passphrase").status_code == 401


def test_weaker_parameters_are_raised_at_the_next_sign_in(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    wallet.app.state.kdf = PassphraseKdf(
        STRONGER, 1, suite=ED25519_SHA256
    )  # the limits were raised since
    before = wallet.store.get_holder(holder)
    assert before is not None and before["passphrase"]["n"] == 2**4
    assert wallet.sign_in(holder).status_code == 200
    after = wallet.store.get_holder(holder)
    assert after is not None and after["passphrase"]["n"] == 2**5
    assert after["passphrase"]["salt"] != before["passphrase"]["salt"]
    wallet.app.state.kdf = PassphraseKdf(
        passphrases.MINIMAL, 1, suite=ED25519_SHA256
    )  # lowered: kept stronger
    assert wallet.sign_in(holder).status_code == 200
    assert wallet.store.get_holder(holder) == after


def test_stored_parameters_out_of_bounds_are_refused_before_deriving() -> None:
    kdf = PassphraseKdf(passphrases.MINIMAL, 1, suite=ED25519_SHA256)
    keypair = KeyPair.generate()
    record = {"public_key": keypair.public_key.hex(), "passphrase": kdf.seal(keypair.seed, "pw")}
    for change in ({"n": 2**30}, {"n": 3000}, {"r": 0}, {"dklen": 32}, {"kdf": "md5"}):
        bad = {**record, "passphrase": {**record["passphrase"], **change}}
        with pytest.raises(RecordUnreadable):
            kdf.open(bad, "pw")


def test_a_record_whose_key_is_not_the_holders_is_refused() -> None:
    kdf = PassphraseKdf(passphrases.MINIMAL, 1, suite=ED25519_SHA256)
    record = {
        "public_key": KeyPair.generate().public_key.hex(),
        "passphrase": kdf.seal(KeyPair.generate().seed, "pw"),
    }
    with pytest.raises(RecordUnreadable, match="public key"):
        kdf.open(record, "pw")
