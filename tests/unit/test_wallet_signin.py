"""Passphrase sign-in is rate limited (wallet/signin.py): a holder is locked after
consecutive failures, for a delay that doubles up to a cap, and a locked sign-in is refused
(429, Retry-After) before the passphrase is derived; a success resets the count. One client
address cannot spray many holders, or sign in without bound. The clock is the test's."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from wallet import limits, passphrases
from wallet.clock import SystemClock
from wallet.signin import SignInGuard, SignInPolicy, SignInRefused

from .wallet_support import Wallet, running_wallet

WRONG = "not the passphrase"


def count_derivations(wallet: Wallet) -> list[int]:
    """A one-item list counting the passphrase checks the wallet makes from now on."""
    kdf = wallet.app.state.kdf
    calls = [0]
    real_open = kdf.open

    def counting(record: dict[str, Any], passphrase: str) -> bytes:
        calls[0] += 1
        result: bytes = real_open(record, passphrase)
        return result

    kdf.open = counting
    return calls


def fail_times(wallet: Wallet, holder: str, times: int) -> None:
    for _ in range(times):
        assert wallet.sign_in(holder, WRONG).status_code == 401


def test_consecutive_failures_lock_the_holder_without_checking_the_passphrase(
    wallet: Wallet,
) -> None:
    holder = wallet.new_holder()
    derivations = count_derivations(wallet)
    fail_times(wallet, holder, limits.SIGNIN_FAILURES_FREE)
    assert derivations[0] == limits.SIGNIN_FAILURES_FREE
    locked = wallet.sign_in(holder)  # the right passphrase, too late
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == str(limits.SIGNIN_LOCKOUT_S_MIN)
    assert "locked" in locked.json()["detail"]
    assert derivations[0] == limits.SIGNIN_FAILURES_FREE  # not even derived
    wallet.clock.advance(limits.SIGNIN_LOCKOUT_S_MIN - 1)
    assert wallet.sign_in(holder).headers["Retry-After"] == "1"
    wallet.clock.advance(1)
    assert wallet.sign_in(holder).status_code == 200


def test_the_lockout_doubles_with_each_failure_up_to_the_cap(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    fail_times(wallet, holder, limits.SIGNIN_FAILURES_FREE)
    delays = []
    for _ in range(10):
        refused = wallet.sign_in(holder)
        assert refused.status_code == 429
        delay = int(refused.headers["Retry-After"])
        delays.append(delay)
        wallet.clock.advance(delay)
        fail_times(wallet, holder, 1)
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert delays[-1] == limits.SIGNIN_LOCKOUT_S_MAX


def test_a_success_resets_the_count(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    fail_times(wallet, holder, limits.SIGNIN_FAILURES_FREE - 1)
    assert wallet.sign_in(holder).status_code == 200
    fail_times(wallet, holder, limits.SIGNIN_FAILURES_FREE - 1)
    assert wallet.sign_in(holder).status_code == 200  # a fresh count: not locked
    fail_times(wallet, holder, limits.SIGNIN_FAILURES_FREE)
    assert wallet.sign_in(holder).status_code == 429


def test_a_locked_holder_does_not_lock_another(wallet: Wallet) -> None:
    victim, other = wallet.new_holder(), wallet.new_holder()
    fail_times(wallet, victim, limits.SIGNIN_FAILURES_FREE)
    assert wallet.sign_in(victim).status_code == 429
    assert (
        wallet.http.from_host("10.0.0.9")
        .request(
            "POST",
            "/v1/sessions",
            json={"holder_id": other, "passphrase": "correct horse battery staple"},
        )
        .status_code
        == 200
    )


def test_one_address_cannot_spray_many_holders(wallet: Wallet) -> None:
    holders = [wallet.new_holder() for _ in range(limits.CLIENT_SIGNIN_FAILURES_MAX + 1)]
    for holder in holders[:-1]:  # one guess each: no holder comes near its own lockout
        fail_times(wallet, holder, 1)
    refused = wallet.sign_in(holders[-1])
    assert refused.status_code == 429
    assert "address" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) == limits.CLIENT_SIGNIN_WINDOW_S
    elsewhere = wallet.http.from_host("10.0.0.9")
    body = {"holder_id": holders[-1], "passphrase": "correct horse battery staple"}
    assert elsewhere.request("POST", "/v1/sessions", json=body).status_code == 200
    wallet.clock.advance(limits.CLIENT_SIGNIN_WINDOW_S)
    assert wallet.sign_in(holders[-1]).status_code == 200


def test_a_success_does_not_clear_the_address_count(wallet: Wallet) -> None:
    mine = wallet.new_holder()
    others = [wallet.new_holder() for _ in range(limits.CLIENT_SIGNIN_FAILURES_MAX)]
    for holder in others[:-1]:
        fail_times(wallet, holder, 1)
        assert wallet.sign_in(mine).status_code == 200
    fail_times(wallet, others[-1], 1)
    assert wallet.sign_in(mine).status_code == 429


def test_unknown_holders_count_against_the_address(wallet: Wallet) -> None:
    for i in range(limits.CLIENT_SIGNIN_FAILURES_MAX):
        assert wallet.sign_in("hd" + f"{i:040x}", WRONG).status_code == 401
    assert wallet.sign_in("hd" + "f" * 40, WRONG).status_code == 429


def count_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `n` of every scrypt derivation made from now on."""
    real = hashlib.scrypt
    seen: list[int] = []

    def counting(password: bytes, **kw: Any) -> bytes:
        seen.append(kw["n"])
        result: bytes = real(password, **kw)
        return result

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return seen


def test_an_unknown_holder_costs_and_answers_like_a_wrong_passphrase(
    wallet: Wallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which pseudonyms use this wallet is not told: an id it does not keep gets the same
    derivation (same parameters), the same answer, and the same lockout as a known holder
    with a wrong passphrase. (Time is not measured here: the derivation is the cost.)"""
    known, unknown = wallet.new_holder(), "hd" + "ab" * 20
    derivations = count_scrypt(monkeypatch)
    answers = [wallet.sign_in(holder, WRONG) for holder in (known, unknown)]
    assert derivations == [passphrases.MINIMAL.n, passphrases.MINIMAL.n]
    assert [(a.status_code, a.json()) for a in answers] == [
        (401, {"detail": "wrong holder id or passphrase"})
    ] * 2
    for holder in (known, unknown):
        fail_times(wallet, holder, limits.SIGNIN_FAILURES_FREE - 1)
    locked = [wallet.sign_in(holder, WRONG) for holder in (known, unknown)]
    assert [(a.status_code, a.json(), a.headers["Retry-After"]) for a in locked] == [
        (429, locked[0].json(), str(limits.SIGNIN_LOCKOUT_S_MIN))
    ] * 2
    assert len(derivations) == 2 * limits.SIGNIN_FAILURES_FREE


def test_creating_holders_is_limited_per_address(
    wallet: Wallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each new holder costs a derivation and a stored record: one address may create
    `CLIENT_HOLDERS_CREATED_MAX` per window, and a refused creation derives nothing."""
    office = wallet.http.from_host("10.0.0.7")
    body = {"passphrase": "correct horse battery staple"}
    for _ in range(limits.CLIENT_HOLDERS_CREATED_MAX):
        assert office.request("POST", "/v1/holders", json=body).status_code == 201
    derivations = count_scrypt(monkeypatch)
    refused = office.request("POST", "/v1/holders", json=body)
    assert refused.status_code == 429 and "created from this address" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) == limits.CLIENT_SIGNIN_WINDOW_S
    assert derivations == []
    elsewhere = wallet.http.from_host("10.0.0.8")
    assert elsewhere.request("POST", "/v1/holders", json=body).status_code == 201
    wallet.clock.advance(limits.CLIENT_SIGNIN_WINDOW_S)
    assert office.request("POST", "/v1/holders", json=body).status_code == 201


def test_attempts_per_address_are_capped_even_when_they_succeed(wallet: Wallet) -> None:
    holder = wallet.new_holder()
    for _ in range(limits.CLIENT_SIGNIN_ATTEMPTS_MAX):
        assert wallet.sign_in(holder).status_code == 200
    refused = wallet.sign_in(holder)
    assert refused.status_code == 429 and "address" in refused.json()["detail"]


def test_the_creation_limit_is_a_setting(tmp_path: Path) -> None:
    with running_wallet(tmp_path, holders_created_per_address_max=1) as wallet:
        body = {"passphrase": "correct horse battery staple"}
        assert wallet.http.request("POST", "/v1/holders", json=body).status_code == 201
        assert wallet.http.request("POST", "/v1/holders", json=body).status_code == 429


class StoppedClock(SystemClock):
    def monotonic_s(self) -> float:
        return 0.0


def test_one_attempt_per_holder_at_a_time() -> None:
    """Parallel guesses cannot race past the lockout: a second attempt for a holder while
    one runs is refused, whatever its address."""
    guard = SignInGuard(StoppedClock())
    with guard.attempt("hd-a", "10.0.0.1"):
        with pytest.raises(SignInRefused, match="in progress"), guard.attempt("hd-a", "10.0.0.2"):
            pass
        with guard.attempt("hd-b", "10.0.0.2") as other:
            other.succeeded()
    with guard.attempt("hd-a", "10.0.0.2") as again:  # released once the first ended
        again.failed()


def test_an_attempt_ended_by_an_error_counts_as_nothing() -> None:
    guard = SignInGuard(StoppedClock(), SignInPolicy(failures_free=1))
    with pytest.raises(RuntimeError), guard.attempt("hd-a", "10.0.0.1"):
        raise RuntimeError("the store broke")
    assert guard.get_lock_s("hd-a") == 0.0
    with guard.attempt("hd-a", "10.0.0.1") as attempt:
        attempt.failed()
    assert guard.get_lock_s("hd-a") == limits.SIGNIN_LOCKOUT_S_MIN


def test_memory_is_bounded() -> None:
    guard = SignInGuard(StoppedClock(), SignInPolicy(tracked_max=3, client_failures_max=10**6))
    for i in range(50):
        with guard.attempt(f"hd-{i}", f"10.0.{i}.1") as attempt:
            attempt.failed()
    assert len(guard._holders) == 3 and len(guard._clients) == 3


def test_the_policy_numbers_hold_together() -> None:
    policy = SignInPolicy()
    assert [policy.get_lockout_s(f) for f in range(limits.SIGNIN_FAILURES_FREE)] == [0.0] * 5
    assert policy.get_lockout_s(limits.SIGNIN_FAILURES_FREE) == limits.SIGNIN_LOCKOUT_S_MIN
    assert policy.get_lockout_s(10**6) == limits.SIGNIN_LOCKOUT_S_MAX
    assert limits.CLIENT_SIGNIN_FAILURES_MAX < limits.CLIENT_SIGNIN_ATTEMPTS_MAX
    assert limits.SIGNIN_FAILURES_FREE < limits.CLIENT_SIGNIN_FAILURES_MAX


class SetClock(SystemClock):
    def __init__(self) -> None:
        self.now_s = 0.0

    def monotonic_s(self) -> float:
        return self.now_s


def test_each_address_cap_says_which_and_when_to_retry() -> None:
    """The three per-address caps share one window check: each names its own limit and
    asks to retry when the oldest counted event leaves the window."""
    clock = SetClock()
    policy = SignInPolicy(
        failures_free=100,
        client_failures_max=2,
        client_attempts_max=3,
        client_holders_created_max=1,
        client_window_s=60.0,
    )
    guard = SignInGuard(clock, policy)
    guard.admit_creation("10.0.0.1")
    clock.now_s = 10.0
    with pytest.raises(SignInRefused) as created:
        guard.admit_creation("10.0.0.1")
    for i in range(2):
        with guard.attempt(f"hd-{i}", "10.0.0.2") as attempt:
            attempt.failed()
    with pytest.raises(SignInRefused) as failed, guard.attempt("hd-9", "10.0.0.2"):
        pass
    for i in range(3):
        with guard.attempt(f"hd-{i}", "10.0.0.3") as attempt:
            attempt.succeeded()
    clock.now_s = 40.0
    with pytest.raises(SignInRefused) as attempts, guard.attempt("hd-9", "10.0.0.3"):
        pass
    assert [(e.value.reason, e.value.retry_after_s) for e in (created, failed, attempts)] == [
        ("too many holders created from this address: try again later", 50),
        ("too many failed sign-ins from this address: try again later", 60),
        ("too many sign-ins from this address: try again later", 30),
    ]
