"""Expiry reminders (wallet/expiry.py, `GET /v1/holders/{id}/notifications`): a holder is
told of a valid certificate whose end of validity falls within its type's notice period,
from the first day of that period through the end itself, the soonest first; never of one
with no end, one already past, one that is no longer valid, or another holder's."""

from __future__ import annotations

from typing import Any

from wallet.expiry import DAY_MS, REMINDER_DAYS_DEFAULT, expiring_notice, reminder_days

from .wallet_support import START_MS, Wallet

NOW = START_MS


def record(cert_id: str, cert_type: str, until: int, status: str = "valid") -> dict[str, Any]:
    return {"cert_id": cert_id, "cert_type": cert_type, "valid_until_ms": until, "status": status}


def test_the_notice_period_is_per_type_and_inclusive_at_both_ends() -> None:
    assert reminder_days("resident_id_card") == 90
    assert reminder_days("no_criminal_record") == 7
    assert reminder_days("no_such_type") == REMINDER_DAYS_DEFAULT
    card = 90 * DAY_MS
    assert expiring_notice(record("c1", "resident_id_card", NOW + card + 1), NOW) is None
    notice = expiring_notice(record("c1", "resident_id_card", NOW + card), NOW)
    assert notice is not None and (notice["days_left"], notice["notice_days"]) == (90, 90)
    assert expiring_notice(record("c1", "resident_id_card", NOW), NOW) is not None
    assert expiring_notice(record("c1", "resident_id_card", NOW - 1), NOW) is None  # expired
    assert expiring_notice(record("c1", "resident_id_card", 0), NOW) is None  # no end
    for status in ("suspended", "revoked", "superseded", "expired"):
        assert expiring_notice(record("c1", "resident_id_card", NOW + DAY_MS, status), NOW) is None


def test_the_holder_sees_their_expiring_certificates_soonest_first(wallet: Wallet) -> None:
    holder, other = wallet.new_holder(), wallet.new_holder()
    certs = [
        record("cert-card-1", "resident_id_card", NOW + 60 * DAY_MS),
        record("cert-check-1", "no_criminal_record", NOW + 3 * DAY_MS),
        record("cert-check-2", "no_criminal_record", NOW + 8 * DAY_MS),  # not yet
        record("cert-licence-1", "driving_licence", 0),
    ]
    for c in certs:
        wallet.ledger.certificates[c["cert_id"]] = {**c, "holder": holder}
    wallet.ledger.certificates["cert-other-1"] = {
        **record("cert-other-1", "resident_id_card", NOW + DAY_MS),
        "holder": other,
    }
    token = wallet.sign_in(holder).json()["token"]
    resp = wallet.http.request(
        "GET", f"/v1/holders/{holder}/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 200, resp.text
    assert [(n["kind"], n["cert_id"], n["days_left"]) for n in resp.json()] == [
        ("certificate_expiring", "cert-check-1", 3),
        ("certificate_expiring", "cert-card-1", 60),
    ]
    wallet.clock.advance(5 * 86_400)  # five days on: the first check has expired, the second
    token = wallet.sign_in(holder).json()["token"]  # is in its period (a new session)
    resp = wallet.http.request(
        "GET", f"/v1/holders/{holder}/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert [n["cert_id"] for n in resp.json()] == ["cert-check-2", "cert-card-1"]


def test_another_holders_notifications_are_refused(wallet: Wallet) -> None:
    holder, other = wallet.new_holder(), wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    resp = wallet.http.request(
        "GET", f"/v1/holders/{other}/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code in (401, 403)
