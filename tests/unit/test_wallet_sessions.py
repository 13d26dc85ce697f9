"""Sessions expire (wallet/sessions.py): after `SESSION_IDLE_S` without use, and
`SESSION_LIFETIME_S` after sign-in however busy; an ended token answers 401 saying why;
signing out revokes the token at once. The clock is the test's."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from wallet import limits
from wallet.sessions import SessionEnded, Sessions, SessionsFull

from .wallet_support import PASSPHRASE, FakeClock, Wallet, running_wallet


def signed_in(wallet: Wallet) -> tuple[str, dict[str, str]]:
    holder = wallet.new_holder()
    resp = wallet.sign_in(holder)
    assert resp.status_code == 200
    assert resp.json()["expires_in_s"] == limits.SESSION_IDLE_S
    return holder, {"Authorization": f"Bearer {resp.json()['token']}"}


def list_certificates(wallet: Wallet, holder: str, auth: dict[str, str]) -> httpx.Response:
    return wallet.http.request("GET", f"/v1/holders/{holder}/certificates", headers=auth)


def test_an_idle_session_expires(wallet: Wallet) -> None:
    holder, auth = signed_in(wallet)
    wallet.clock.advance(limits.SESSION_IDLE_S - 1)
    assert list_certificates(wallet, holder, auth).status_code == 200
    wallet.clock.advance(limits.SESSION_IDLE_S - 1)  # idle timer restarted by the use
    assert list_certificates(wallet, holder, auth).status_code == 200
    wallet.clock.advance(limits.SESSION_IDLE_S)
    expired = list_certificates(wallet, holder, auth)
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"] and "without use" in expired.json()["detail"]
    assert "invalid_token" in expired.headers["WWW-Authenticate"]
    assert "expired" in list_certificates(wallet, holder, auth).json()["detail"]  # stays clear


def test_a_busy_session_still_ends_at_its_lifetime(wallet: Wallet) -> None:
    holder, auth = signed_in(wallet)
    step = limits.SESSION_IDLE_S - 1
    used_for = 0
    while used_for + step < limits.SESSION_LIFETIME_S:
        wallet.clock.advance(step)
        used_for += step
        assert list_certificates(wallet, holder, auth).status_code == 200
    wallet.clock.advance(limits.SESSION_LIFETIME_S - used_for)
    expired = list_certificates(wallet, holder, auth)
    assert expired.status_code == 401
    assert f"at most {limits.SESSION_LIFETIME_S} s" in expired.json()["detail"]


def test_sign_out_revokes_the_token(wallet: Wallet) -> None:
    holder, auth = signed_in(wallet)
    _, other_auth = signed_in(wallet)
    assert wallet.http.request("DELETE", "/v1/sessions", headers=auth).status_code == 204
    refused = list_certificates(wallet, holder, auth)
    assert refused.status_code == 401 and "signed out" in refused.json()["detail"]
    assert wallet.http.request("DELETE", "/v1/sessions", headers=auth).status_code == 401
    assert wallet.http.request("DELETE", "/v1/sessions").status_code == 401
    assert wallet.http.request("DELETE", "/v1/sessions", headers=other_auth).status_code == 204


def test_an_unknown_token_is_refused(wallet: Wallet) -> None:
    holder, _ = signed_in(wallet)
    refused = list_certificates(wallet, holder, {"Authorization": "Bearer made-up"})
    assert refused.status_code == 401 and "unknown session" in refused.json()["detail"]


def test_the_table_is_bounded_and_keeps_no_token_in_clear() -> None:
    clock = FakeClock()
    sessions = Sessions(idle_s=60, lifetime_s=600, max_sessions=3, clock=clock)
    tokens = [sessions.open(f"hd{i}", b"s" * 32) for i in range(3)]
    with pytest.raises(SessionsFull):
        sessions.open("hd3", b"s" * 32)
    assert len(sessions._by_key) == 3
    assert not any(t.encode() in key for t in tokens for key in sessions._by_key)
    assert [sessions.get(t).holder_id for t in tokens] == ["hd0", "hd1", "hd2"]
    clock.advance(60)  # all three idle out: room again
    assert sessions.get(sessions.open("hd3", b"s" * 32)).holder_id == "hd3"


def test_one_holders_sessions_are_capped_by_closing_their_own() -> None:
    sessions = Sessions(idle_s=60, lifetime_s=600, max_sessions=10, per_holder_max=2)
    other = sessions.open("hd-other", b"o" * 32)
    mine = [sessions.open("hd-mine", b"m" * 32) for _ in range(5)]
    for token in mine[:3]:
        with pytest.raises(SessionEnded, match="at most 2 open"):
            sessions.get(token)
    assert [sessions.get(t).holder_id for t in mine[3:]] == ["hd-mine", "hd-mine"]
    assert sessions.get(other).holder_id == "hd-other"
    assert len(sessions._by_key) == 3


def test_sign_ins_never_sign_another_holder_out(tmp_path: Path) -> None:
    """One party signing in over and over, or many holders filling the table, cannot end a
    session that someone else holds: past a holder's cap their own oldest goes, and a full
    table refuses the newcomer (503, Retry-After)."""
    with running_wallet(tmp_path, sessions_max=5, sessions_per_holder_max=2) as wallet:
        victim, victim_auth = signed_in(wallet)  # two sessions: creation and sign-in
        noisy = wallet.new_holder()
        for _ in range(3 * limits.SESSIONS_PER_HOLDER_MAX):
            assert wallet.sign_in(noisy).status_code == 200
        assert list_certificates(wallet, victim, victim_auth).status_code == 200
        filler = wallet.new_holder()  # its session fills the table
        refused = wallet.sign_in(filler)
        assert refused.status_code == 503 and "sessions" in refused.json()["detail"]
        assert refused.headers["Retry-After"] == str(limits.SESSIONS_FULL_RETRY_S)
        newcomer = wallet.http.from_host("10.9.9.9").request(
            "POST", "/v1/holders", json={"passphrase": PASSPHRASE}
        )
        assert newcomer.status_code == 503
        assert wallet.sign_in(noisy).status_code == 200  # at its cap: one of its own goes
        assert list_certificates(wallet, victim, victim_auth).status_code == 200


def test_limits_hold_together() -> None:
    assert 0 < limits.SESSION_IDLE_S <= limits.SESSION_LIFETIME_S
    with pytest.raises(ValueError):
        Sessions(idle_s=600, lifetime_s=60)
