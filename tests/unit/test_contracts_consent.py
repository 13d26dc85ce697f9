"""The consent contract: request, grant (with narrowing), refuse, revoke, access."""

from __future__ import annotations

import pytest

from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue
from tests.unit import test_contracts_support as support

CERT = "DIP-2012-000001"
REQ = "REQ-0000001"
R: dict[str, ArgValue] = {"request_id": REQ}


def ledger_with_request(
    max_uses: int = 3, expires_in_ms: int = 30 * support.DAY_MS
) -> support.Ledger:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.request(REQ, CERT, max_uses=max_uses, expires_in_ms=expires_in_ms)
    return ledger


def get(ledger: support.Ledger, now_ms: int | None = None) -> dict[str, object]:
    record: dict[str, object] = ledger.query("consent", "get", R, now_ms=now_ms)
    return record


# --- the happy path ------------------------------------------------------------------------


def test_issue_request_grant_access_revoke() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    requested_height = ledger.height
    expires_at_ms = ledger.time_ms + 30 * support.DAY_MS
    result = ledger.call(
        support.BANK,
        "consent.request",
        support.request_args(REQ, CERT, support.ALICE, 3, expires_at_ms),
    )
    (event,) = result.events
    assert event.name == "consent.requested"
    assert event.subjects == (support.ALICE, CERT, "icbc-jinan", REQ)
    assert get(ledger) == {
        "request_id": REQ,
        "agency": "icbc-jinan",
        "holder": support.ALICE,
        "cert_id": CERT,
        "cert_type": "diploma",
        "purpose": "个人住房贷款审批 mortgage application",
        "max_uses": 3,
        "granted_uses": 0,
        "uses_left": 0,
        "expires_at_ms": expires_at_ms,
        "status": "pending",
        "requested_height": requested_height,
        "decided_height": 0,
        "in_force": False,
        "scope": [{"cert_id": CERT}],
        "granted_scope": [],
        "requested_expires_at_ms": expires_at_ms,
        "decided_by": "",
        "delegation_id": "",
        "last_access_height": 0,
    }

    granted_height = ledger.height
    result = ledger.call(support.ALICE_KEY, "consent.grant", {**R, "max_uses": 2})
    assert result.events[0].name == "consent.granted"
    assert result.events[0].subjects == (support.ALICE, CERT, "icbc-jinan", REQ)
    record = get(ledger)
    assert (record["status"], record["uses_left"], record["granted_uses"]) == ("granted", 2, 2)
    assert record["decided_height"] == granted_height
    assert record["in_force"] is True

    result = ledger.call(support.BANK, "consent.access", R)
    (event,) = result.events
    assert event.name == "consent.accessed"
    assert event.subjects == (support.ALICE, CERT, "icbc-jinan", REQ)
    assert dict(event.attrs)["uses_left"] == 1
    assert dict(event.attrs)["cert_status"] == "valid"
    assert [key for key, _ in event.attrs] == sorted(key for key, _ in event.attrs)
    assert get(ledger)["uses_left"] == 1

    result = ledger.call(support.ALICE_KEY, "consent.revoke", R)
    assert result.events[0].name == "consent.revoked"
    record = get(ledger)
    assert (record["status"], record["uses_left"], record["in_force"]) == ("revoked", 0, False)
    error = ledger.reject(support.BANK, "consent.access", R, "permission_denied")
    assert "revoked" in error.message


def test_grant_defaults_to_the_requested_uses_and_they_run_out() -> None:
    ledger = ledger_with_request(max_uses=2)
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    assert get(ledger)["uses_left"] == 2
    ledger.call(support.BANK, "consent.access", R)
    ledger.call(support.BANK, "consent.access", R)
    error = ledger.reject(support.BANK, "consent.access", R, "permission_denied")
    assert "no uses left" in error.message
    assert get(ledger)["in_force"] is False


def test_refuse() -> None:
    ledger = ledger_with_request()
    result = ledger.call(support.ALICE_KEY, "consent.refuse", R)
    assert result.events[0].name == "consent.refused"
    assert get(ledger)["status"] == "refused"
    error = ledger.reject(support.BANK, "consent.access", R, "permission_denied")
    assert "refused" in error.message
    ledger.reject(support.ALICE_KEY, "consent.grant", R, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "consent.revoke", R, "failed_precondition")


def test_access_after_expiry_is_denied() -> None:
    ledger = ledger_with_request(expires_in_ms=5_000)
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.call(support.BANK, "consent.access", R)
    ledger.time_ms += 10_000
    error = ledger.reject(support.BANK, "consent.access", R, "permission_denied")
    assert "grant expired" in error.message
    assert get(ledger)["uses_left"] == 2


def test_access_at_exactly_the_expiry_time_is_allowed() -> None:
    ledger = ledger_with_request(expires_in_ms=5_000)
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.time_ms = int(str(get(ledger)["expires_at_ms"]))
    uses_left = get(ledger)["uses_left"]
    result = ledger.call(support.BANK, "consent.access", R)
    assert result.events[0].name == "consent.accessed"
    assert get(ledger)["uses_left"] == uses_left - 1  # type: ignore[operator]


def test_access_after_certificate_revocation_is_recorded_as_such() -> None:
    ledger = ledger_with_request()
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.call(support.UNIVERSITY, "certificates.revoke", {"cert_id": CERT, "reason": "x"})
    result = ledger.call(support.BANK, "consent.access", R)
    assert dict(result.events[0].attrs)["cert_status"] == "revoked"


# --- rejections ----------------------------------------------------------------------------


def test_access_without_grant_is_denied() -> None:
    ledger = ledger_with_request()
    error = ledger.reject(support.BANK, "consent.access", R, "permission_denied")
    assert "pending" in error.message
    ledger.reject(support.BANK, "consent.access", {"request_id": "REQ-9999999"}, "not_found")


@pytest.mark.parametrize(
    "sender",
    [
        support.NOTARY.public_key,
        support.AMR.public_key,
        support.ALICE_KEY,
        support.AUDITOR.public_key,
        b"\x00" * 32,
    ],
)
def test_access_by_another_party_is_denied(sender: bytes) -> None:
    ledger = ledger_with_request()
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.reject(sender, "consent.access", R, "permission_denied")
    assert get(ledger)["uses_left"] == 3


@pytest.mark.parametrize("method", ["grant", "refuse"])
@pytest.mark.parametrize(
    "sender", [support.BOB_KEY, support.BANK.public_key, support.UNIVERSITY.public_key]
)
def test_only_the_holder_decides(method: str, sender: bytes) -> None:
    ledger = ledger_with_request()
    ledger.reject(sender, f"consent.{method}", R, "permission_denied")


def test_only_the_holder_revokes() -> None:
    ledger = ledger_with_request()
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.reject(support.BOB_KEY, "consent.revoke", R, "permission_denied")
    ledger.reject(support.BANK, "consent.revoke", R, "permission_denied")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({**R, "max_uses": 4}, "invalid_argument"),
        ({**R, "max_uses": 0}, "invalid_argument"),
        ({**R, "max_uses": 1001}, "invalid_argument"),
        ({**R, "max_uses": "2"}, "invalid_argument"),
        ({"request_id": "REQ-9999999"}, "not_found"),
        ({"request_id": "bad id!"}, "invalid_argument"),
        ({}, "invalid_argument"),
    ],
)
def test_grant_rejections(args: dict[str, ArgValue], code: str) -> None:
    ledger = ledger_with_request(max_uses=3)
    ledger.reject(support.ALICE_KEY, "consent.grant", args, code)


def test_grant_twice_or_after_expiry_fails() -> None:
    ledger = ledger_with_request(expires_in_ms=5_000)
    ledger.time_ms += 10_000
    error = ledger.reject(support.ALICE_KEY, "consent.grant", R, "failed_precondition")
    assert "expired" in error.message
    ledger = ledger_with_request()
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.reject(support.ALICE_KEY, "consent.grant", R, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "consent.refuse", R, "failed_precondition")


def test_revoke_twice_or_before_grant_fails() -> None:
    ledger = ledger_with_request()
    ledger.reject(support.ALICE_KEY, "consent.revoke", R, "failed_precondition")
    ledger.call(support.ALICE_KEY, "consent.grant", R)
    ledger.call(support.ALICE_KEY, "consent.revoke", R)
    ledger.reject(support.ALICE_KEY, "consent.revoke", R, "failed_precondition")


def _request_overrides(ledger: support.Ledger, **overrides: ArgValue) -> dict[str, ArgValue]:
    args = support.request_args(REQ, CERT, support.ALICE, 3, ledger.time_ms + support.DAY_MS)
    args.update(overrides)
    return args


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"request_id": "short"}, "invalid_argument"),
        ({"request_id": "r" * 65}, "invalid_argument"),
        ({"holder": "alice"}, "invalid_argument"),
        ({"cert_id": "no"}, "invalid_argument"),
        ({"purpose": ""}, "invalid_argument"),
        ({"purpose": "p" * 201}, "invalid_argument"),
        ({"purpose": "核实 13805310123 的身份"}, "invalid_argument"),
        ({"purpose": "send to zhang@example.com"}, "invalid_argument"),
        ({"purpose": "two\nlines"}, "invalid_argument"),
        ({"max_uses": 0}, "invalid_argument"),
        ({"max_uses": 1001}, "invalid_argument"),
        ({"max_uses": False}, "invalid_argument"),
        ({"expires_at_ms": support.T0_MS}, "invalid_argument"),
        ({"expires_at_ms": -5}, "invalid_argument"),
        ({"scope": "all"}, "invalid_argument"),
        ({"cert_id": "DIP-2099-999999"}, "not_found"),
        ({"holder": support.BOB}, "failed_precondition"),
    ],
)
def test_request_rejections(overrides: dict[str, ArgValue], code: str) -> None:
    ledger = support.Ledger.with_diploma(CERT)
    error = ledger.reject(
        support.BANK, "consent.request", _request_overrides(ledger, **overrides), code
    )
    assert "13805310123" not in error.message
    assert "zhang@example.com" not in error.message


@pytest.mark.parametrize(
    "sender",
    [support.UNIVERSITY.public_key, support.AUDITOR.public_key, support.ALICE_KEY, b"\x07" * 32],
)
def test_request_needs_the_verifier_role(sender: bytes) -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.reject(sender, "consent.request", _request_overrides(ledger), "permission_denied")


def test_request_id_must_be_new() -> None:
    ledger = ledger_with_request()
    ledger.reject(support.NOTARY, "consent.request", _request_overrides(ledger), "already_exists")


def test_request_for_a_revoked_or_expired_certificate_fails() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.call(support.UNIVERSITY, "certificates.revoke", {"cert_id": CERT, "reason": "x"})
    ledger.reject(
        support.BANK, "consent.request", _request_overrides(ledger), "failed_precondition"
    )
    ledger = support.Ledger()
    ledger.issue_diploma(CERT, valid_until_ms=support.T0_MS + 1)
    ledger.time_ms += 10_000
    ledger.reject(
        support.BANK, "consent.request", _request_overrides(ledger), "failed_precondition"
    )


# --- queries -------------------------------------------------------------------------------


def test_list_by_holder_with_status_filter() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    for number in range(1, 5):
        ledger.request(f"REQ-000000{number}", CERT)
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000002"})
    ledger.call(support.ALICE_KEY, "consent.refuse", {"request_id": "REQ-0000003"})

    def ids(args: dict[str, ArgValue]) -> list[str]:
        return [r["request_id"] for r in ledger.query("consent", "list_by_holder", args)]

    assert ids({"holder": support.ALICE}) == [f"REQ-000000{n}" for n in range(1, 5)]
    assert ids({"holder": support.ALICE, "status": "pending"}) == ["REQ-0000001", "REQ-0000004"]
    assert ids({"holder": support.ALICE, "status": "pending", "limit": 1}) == ["REQ-0000001"]
    assert ids({"holder": support.ALICE, "status": "granted"}) == ["REQ-0000002"]
    assert ids({"holder": support.ALICE, "status": "revoked"}) == []
    assert ids({"holder": support.BOB}) == []
    with pytest.raises(ContractError) as info:
        ledger.query("consent", "list_by_holder", {"holder": support.ALICE, "status": "expired"})
    assert info.value.code == "invalid_argument"


def test_get_unknown_request_is_not_found() -> None:
    with pytest.raises(ContractError) as info:
        support.Ledger().query("consent", "get", {"request_id": "REQ-9999999"})
    assert info.value.code == "not_found"
