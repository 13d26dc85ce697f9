"""Sessions expire (wallet/sessions.py): after `SESSION_IDLE_S` without use, and
`SESSION_LIFETIME_S` after sign-in however busy; an ended token answers 401 saying why;
signing out revokes the token at once. The clock is the test's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from wallet import limits
from wallet.sessions import SessionEnded, Sessions

from .wallet_support import FakeClock, Wallet, running_wallet


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with running_wallet(tmp_path) as w:
        yield w


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
    tokens = [sessions.open(f"hd{i}", b"s" * 32) for i in range(5)]
    assert len(sessions._by_key) == 3
    assert not any(t.encode() in key for t in tokens for key in sessions._by_key)
    with pytest.raises(SessionEnded, match="make room"):
        sessions.get(tokens[0])
    assert sessions.get(tokens[4]).holder_id == "hd4"


def test_limits_hold_together() -> None:
    assert 0 < limits.SESSION_IDLE_S <= limits.SESSION_LIFETIME_S
    with pytest.raises(ValueError):
        Sessions(idle_s=600, lifetime_s=60)
