"""The sharing contract (issue 13, Guangdong): apply -> approve / narrow / refuse -> execute
(under the holder's consent for personal data) -> rate, and every refusal on the way."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.framework import limits
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue, related_subjects, subjects_of
from tests.unit import test_contracts_support as support

A = support.BANK
"""The applicant (a verifier, so it can also ask a holder for consent)."""
B = support.AMR
"""The data owner."""
APP = "SHARE-0000001"
CERT = "DIP-2012-000001"
REQ = "REQ-0000001"
HASH = support.content_hash("shared-extract")
DAY = support.DAY_MS


def apply_args(ledger: support.Ledger, **overrides: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "application_id": APP,
        "owner": B.id,
        "data_item": "enterprise_registration",
        "fields": support.json_arg(["address", "name", "scope"]),
        "purpose_code": "008",
        "legal_basis": "《优化营商环境条例》第三十七条",
        "period_start_ms": ledger.time_ms,
        "period_end_ms": ledger.time_ms + 30 * DAY,
    }
    args.update(overrides)
    return args


def applied(**overrides: ArgValue) -> support.Ledger:
    ledger = support.Ledger()
    ledger.call(A, "sharing.apply", apply_args(ledger, **overrides))
    return ledger


def get(ledger: support.Ledger, now_ms: int | None = None) -> dict[str, Any]:
    record: dict[str, Any] = ledger.query("sharing", "get", {"application_id": APP}, now_ms=now_ms)
    return record


def event_of(result: Any) -> tuple[str, list[str], dict[str, Any]]:
    (event,) = result.events
    return event.name, list(event.subjects), dict(event.attrs)


def message(ledger: support.Ledger, sender: Any, target: str, args: Any, code: str) -> str:
    return ledger.reject(sender, target, args, code).message


# --- the whole path ------------------------------------------------------------------------


def test_apply_approve_execute_rate() -> None:
    ledger = support.Ledger()
    t0, h0 = ledger.time_ms, ledger.height
    result = ledger.call(A, "sharing.apply", apply_args(ledger))
    assert event_of(result) == (
        "sharing.applied",
        [A.id, B.id, APP],
        {
            "answer_by_ms": t0 + limits.SHARE_ANSWER_MS,
            "applicant": A.id,
            "data_item": "enterprise_registration",
            "fields": "address,name,scope",
            "legal_basis": "《优化营商环境条例》第三十七条",
            "owner": B.id,
            "period_end_ms": t0 + 30 * DAY,
            "period_start_ms": t0,
            "personal": False,
            "purpose_code": "008",
        },
    )
    assert [key for key, _ in result.writes] == [
        b"sharing/application/" + APP.encode(),
        b"sharing/by_applicant/icbc-jinan/" + APP.encode(),
        b"sharing/by_owner/jinan-amr/" + APP.encode(),
    ]
    record = get(ledger)
    assert record == {
        "application_id": APP,
        "applicant": A.id,
        "owner": B.id,
        "data_item": "enterprise_registration",
        "fields": ["address", "name", "scope"],
        "purpose_code": "008",
        "legal_basis": "《优化营商环境条例》第三十七条",
        "period_start_ms": t0,
        "period_end_ms": t0 + 30 * DAY,
        "answer_by_ms": t0 + limits.SHARE_ANSWER_MS,
        "holder": "",
        "status": "pending",
        "applied_height": h0,
        "decided_height": 0,
        "approved_fields": [],
        "approved_start_ms": 0,
        "approved_end_ms": 0,
        "narrowed": False,
        "reason": "",
        "consent_request_id": "",
        "content_hash": "",
        "shared_height": 0,
        "rating": 0,
        "comment": "",
        "rated_height": 0,
        "state": "pending",
    }

    result = ledger.call(B, "sharing.approve", {"application_id": APP})
    assert event_of(result) == (
        "sharing.approved",
        [A.id, B.id, APP],
        {
            "applicant": A.id,
            "data_item": "enterprise_registration",
            "fields": "address,name,scope",
            "narrowed": False,
            "owner": B.id,
            "period_end_ms": t0 + 30 * DAY,
            "period_start_ms": t0,
        },
    )
    record = get(ledger)
    assert (record["status"], record["decided_height"], record["narrowed"]) == (
        "approved",
        h0 + 1,
        False,
    )
    assert (record["approved_fields"], record["approved_start_ms"], record["approved_end_ms"]) == (
        ["address", "name", "scope"],
        t0,
        t0 + 30 * DAY,
    )

    result = ledger.call(B, "sharing.execute", {"application_id": APP, "content_hash": HASH})
    assert event_of(result) == (
        "sharing.shared",
        [A.id, B.id, APP],
        {
            "applicant": A.id,
            "content_hash": HASH,
            "data_item": "enterprise_registration",
            "fields": "address,name,scope",
            "owner": B.id,
            "purpose_code": "008",
        },
    )
    assert [key for key, _ in result.writes] == [b"sharing/application/" + APP.encode()]
    record = get(ledger)
    assert (record["status"], record["content_hash"], record["shared_height"]) == (
        "shared",
        HASH,
        h0 + 2,
    )

    result = ledger.call(
        A, "sharing.rate", {"application_id": APP, "rating": 4, "comment": "及时 timely"}
    )
    assert event_of(result) == (
        "sharing.rated",
        [A.id, B.id, APP],
        {
            "applicant": A.id,
            "comment": "及时 timely",
            "data_item": "enterprise_registration",
            "owner": B.id,
            "rating": 4,
        },
    )
    assert [key for key, _ in result.writes] == [
        b"sharing/application/" + APP.encode(),
        b"sharing/rated/jinan-amr/" + APP.encode(),
    ]
    record = get(ledger)
    assert (record["rating"], record["comment"], record["rated_height"], record["state"]) == (
        4,
        "及时 timely",
        h0 + 3,
        "shared",
    )
    assert ledger.query("sharing", "ratings", {"owner": B.id}) == {
        "count": 1,
        "owner": B.id,
        "rating_sum": 4,
        "ratings": [
            {
                "application_id": APP,
                "applicant": A.id,
                "comment": "及时 timely",
                "data_item": "enterprise_registration",
                "rated_height": h0 + 3,
                "rating": 4,
            }
        ],
    }


def test_the_whole_item_can_be_asked_for_and_listed_by_both_agencies() -> None:
    ledger = support.Ledger()
    args = apply_args(ledger)
    del args["fields"]
    ledger.call(A, "sharing.apply", args)
    ledger.call(A, "sharing.apply", {**args, "application_id": "SHARE-0000002"})
    assert get(ledger)["fields"] == []
    made = ledger.query("sharing", "list_by_applicant", {"agency": A.id})
    received = ledger.query("sharing", "list_by_owner", {"agency": B.id, "limit": 1})
    assert [a["application_id"] for a in made] == [APP, "SHARE-0000002"]
    assert [a["application_id"] for a in received] == [APP]
    assert [a["state"] for a in made] == ["pending", "pending"]
    assert ledger.query("sharing", "list_by_owner", {"agency": A.id}) == []
    assert ledger.query("sharing", "ratings", {"owner": B.id}) == {
        "count": 0,
        "owner": B.id,
        "rating_sum": 0,
        "ratings": [],
    }


def test_ratings_add_up_over_shares() -> None:
    ledger = support.Ledger()
    for number, rating in ((1, 5), (2, 2)):
        app_id = f"SHARE-000000{number}"
        ledger.call(A, "sharing.apply", apply_args(ledger, application_id=app_id))
        ledger.call(B, "sharing.approve", {"application_id": app_id})
        ledger.call(B, "sharing.execute", {"application_id": app_id, "content_hash": HASH})
        ledger.call(
            A, "sharing.rate", {"application_id": app_id, "rating": rating, "comment": "ok"}
        )
    ratings = ledger.query("sharing", "ratings", {"owner": B.id})
    assert (ratings["count"], ratings["rating_sum"]) == (2, 7)
    assert [r["rating"] for r in ratings["ratings"]] == [5, 2]
    limited = ledger.query("sharing", "ratings", {"owner": B.id, "limit": 1})
    assert (limited["count"], limited["rating_sum"]) == (1, 5)


# --- narrowing -----------------------------------------------------------------------------


def test_the_owner_narrows_fields_and_period() -> None:
    ledger = applied()
    t0 = ledger.time_ms - 1000
    result = ledger.call(
        B,
        "sharing.narrow",
        {
            "application_id": APP,
            "fields": support.json_arg(["name"]),
            "period_start_ms": t0 + DAY,
            "period_end_ms": t0 + 7 * DAY,
        },
    )
    name, _, attrs = event_of(result)
    assert (name, attrs["narrowed"], attrs["fields"]) == ("sharing.approved", True, "name")
    assert (attrs["period_start_ms"], attrs["period_end_ms"]) == (t0 + DAY, t0 + 7 * DAY)
    record = get(ledger)
    assert (record["status"], record["narrowed"], record["approved_fields"]) == (
        "approved",
        True,
        ["name"],
    )
    # The share waits for the narrowed period to begin, and ends with it.
    assert "begins at" in message(
        ledger,
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH},
        "failed_precondition",
    )
    ledger.time_ms = t0 + DAY
    ledger.call(B, "sharing.execute", {"application_id": APP, "content_hash": HASH})
    assert get(ledger)["status"] == "shared"


@pytest.mark.parametrize(
    ("change", "narrowed"),
    [
        ({"fields": '["address", "name"]'}, True),
        ({"fields": '["address", "name", "scope"]'}, False),
        ({"period_start_ms": 1000}, True),
        ({"period_end_ms": -1000}, True),
    ],
)
def test_each_part_narrows_on_its_own(change: dict[str, Any], narrowed: bool) -> None:
    ledger = applied()
    asked = get(ledger)
    args: dict[str, ArgValue] = {"application_id": APP}
    for key, value in change.items():
        args[key] = value if key == "fields" else asked[key] + value
    ledger.call(B, "sharing.narrow", args)
    record = get(ledger)
    assert record["narrowed"] is narrowed
    assert record["approved_start_ms"] == args.get("period_start_ms", asked["period_start_ms"])
    assert record["approved_end_ms"] == args.get("period_end_ms", asked["period_end_ms"])


def test_any_fields_narrow_an_application_for_the_whole_item() -> None:
    ledger = support.Ledger()
    args = apply_args(ledger)
    del args["fields"]
    ledger.call(A, "sharing.apply", args)
    ledger.call(B, "sharing.narrow", {"application_id": APP, "fields": '["name"]'})
    assert (get(ledger)["approved_fields"], get(ledger)["narrowed"]) == (["name"], True)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ({}, "give at least one of fields, period_start_ms and period_end_ms"),
        ({"fields": '["name", "phone"]'}, "fields may narrow the application but not go beyond"),
        ({"period_start_ms": -1}, "the period may shrink within the one asked for"),
        ({"period_end_ms": 1}, "the period may shrink within the one asked for"),
        ({"period_start_ms": 0, "period_end_ms": 0}, "must not be empty"),
    ],
)
def test_a_narrowing_that_widens_or_empties_is_refused(
    args: dict[str, int | str], text: str
) -> None:
    ledger = applied()
    asked = get(ledger)
    call: dict[str, ArgValue] = {"application_id": APP}
    for key, value in args.items():
        if key == "fields":
            call[key] = value
        elif key == "period_start_ms":
            call[key] = asked["period_start_ms"] + int(value)
        else:
            call[key] = asked["period_end_ms"] + int(value)
    if args == {"period_start_ms": 0, "period_end_ms": 0}:
        call["period_end_ms"] = asked["period_start_ms"]
    assert text in message(ledger, B, "sharing.narrow", call, "invalid_argument")
    assert get(ledger)["status"] == "pending"


def test_a_narrowed_period_may_equal_one_instant_more_than_its_start() -> None:
    ledger = applied()
    asked = get(ledger)
    ledger.call(
        B,
        "sharing.narrow",
        {"application_id": APP, "period_end_ms": asked["period_start_ms"] + 1},
    )
    assert get(ledger)["approved_end_ms"] == asked["period_start_ms"] + 1


# --- refusals ------------------------------------------------------------------------------


def test_the_owner_refuses_with_a_reason() -> None:
    ledger = applied()
    result = ledger.call(
        B, "sharing.refuse", {"application_id": APP, "reason": "超出职责范围 out of remit"}
    )
    name, subjects, attrs = event_of(result)
    assert (name, subjects, attrs["reason"]) == (
        "sharing.refused",
        [A.id, B.id, APP],
        "超出职责范围 out of remit",
    )
    record = get(ledger)
    assert (record["status"], record["reason"], record["decided_height"]) == (
        "refused",
        "超出职责范围 out of remit",
        ledger.height - 1,
    )
    assert "is refused, not pending" in message(
        ledger, B, "sharing.approve", {"application_id": APP}, "failed_precondition"
    )
    assert "is refused, not approved" in message(
        ledger,
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH},
        "failed_precondition",
    )


def test_a_reason_is_required_and_screened() -> None:
    ledger = applied()
    ledger.reject(B, "sharing.refuse", {"application_id": APP}, "invalid_argument")
    ledger.reject(B, "sharing.refuse", {"application_id": APP, "reason": "  "}, "invalid_argument")
    assert get(ledger)["status"] == "pending"


@pytest.mark.parametrize(
    ("method", "extra"),
    [("approve", {}), ("narrow", {"fields": '["name"]'}), ("refuse", {"reason": "no"})],
)
def test_only_the_owner_answers(method: str, extra: dict[str, ArgValue]) -> None:
    ledger = applied()
    args = {"application_id": APP, **extra}
    for sender in (A, support.NOTARY, support.ALICE_KEY):
        text = message(ledger, sender, f"sharing.{method}", args, "permission_denied")
        assert text == f"only the data owner {B.id} may answer or execute share application {APP}"
    assert get(ledger)["status"] == "pending"


def test_the_applicant_cannot_approve_its_own_application() -> None:
    ledger = applied()
    ledger.reject(A, "sharing.approve", {"application_id": APP}, "permission_denied")
    ledger.reject(
        A, "sharing.execute", {"application_id": APP, "content_hash": HASH}, "permission_denied"
    )
    assert get(ledger)["status"] == "pending"


def test_an_agency_does_not_apply_to_itself() -> None:
    ledger = support.Ledger()
    text = message(ledger, B, "sharing.apply", apply_args(ledger), "invalid_argument")
    assert text == "an agency does not apply to itself for its own data"


def test_only_a_member_applies_and_only_to_a_member() -> None:
    ledger = support.Ledger()
    text = message(
        ledger, support.ALICE_KEY, "sharing.apply", apply_args(ledger), "permission_denied"
    )
    assert text == "only a member organisation may apply for shared data"
    text = message(ledger, A, "sharing.apply", apply_args(ledger, owner="no-such-org"), "not_found")
    assert text == "no organisation no-such-org"


def test_an_application_id_is_used_once() -> None:
    ledger = applied()
    text = message(ledger, A, "sharing.apply", apply_args(ledger), "already_exists")
    assert text == f"share application {APP} already exists"


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"period_end_ms": 0}, "period_end_ms must be later than period_start_ms"),
        (
            {"period_start_ms": 5, "period_end_ms": 5},
            "period_end_ms must be later than period_start_ms",
        ),
        (
            {"period_start_ms": 0, "period_end_ms": 1},
            "period_end_ms must be later than the block time",
        ),
        ({"purpose_code": "x1"}, "purpose_code"),
        ({"data_item": "Not An Item"}, "data_item"),
        ({"fields": "[]"}, "fields: fields must be a non-empty JSON array of field names"),
        ({"legal_basis": ""}, "legal_basis"),
    ],
)
def test_a_malformed_application_is_refused(overrides: dict[str, ArgValue], text: str) -> None:
    ledger = support.Ledger()
    assert text in message(
        ledger, A, "sharing.apply", apply_args(ledger, **overrides), "invalid_argument"
    )


def test_an_application_ending_at_the_block_time_is_refused_one_later_is_not() -> None:
    ledger = support.Ledger()
    start = ledger.time_ms - DAY
    args = apply_args(ledger, period_start_ms=start, period_end_ms=ledger.time_ms)
    ledger.reject(A, "sharing.apply", args, "invalid_argument")
    args = apply_args(ledger, period_start_ms=start, period_end_ms=ledger.time_ms + 1)
    ledger.call(A, "sharing.apply", args)
    assert get(ledger)["period_end_ms"] == ledger.time_ms - 1000 + 1


def test_the_period_is_bounded() -> None:
    ledger = support.Ledger()
    start = ledger.time_ms
    longest = apply_args(ledger, period_end_ms=start + limits.SHARE_PERIOD_MS_MAX)
    too_long = apply_args(ledger, period_end_ms=start + limits.SHARE_PERIOD_MS_MAX + 1)
    text = message(ledger, A, "sharing.apply", too_long, "invalid_argument")
    assert text == f"a share period may last at most {limits.SHARE_PERIOD_MS_MAX} ms"
    ledger.call(A, "sharing.apply", {**longest, "period_start_ms": ledger.time_ms - 1000})
    assert get(ledger)["status"] == "pending"


def test_a_purpose_code_outside_the_catalogue_is_refused() -> None:
    ledger = support.Ledger()
    ledger.reject(A, "sharing.apply", apply_args(ledger, purpose_code="998"), "invalid_argument")
    assert ledger.query("sharing", "list_by_applicant", {"agency": A.id}) == []


def test_an_unknown_application_is_not_found() -> None:
    ledger = support.Ledger()
    for method, extra in (
        ("approve", {}),
        ("refuse", {"reason": "no"}),
        ("execute", {"content_hash": HASH}),
        ("rate", {"rating": 3, "comment": "ok"}),
    ):
        text = message(
            ledger, B, f"sharing.{method}", {"application_id": APP, **extra}, "not_found"
        )
        assert text == f"no share application {APP}"
    with pytest.raises(ContractError) as raised:
        ledger.query("sharing", "get", {"application_id": APP})
    assert raised.value.code == "not_found"


# --- expiry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "extra"),
    [("approve", {}), ("narrow", {"fields": '["name"]'}), ("refuse", {"reason": "late"})],
)
def test_an_application_not_answered_by_its_deadline_expires(
    method: str, extra: dict[str, ArgValue]
) -> None:
    ledger = applied(period_end_ms=support.T0_MS + 60 * DAY)
    deadline = get(ledger)["answer_by_ms"]
    assert get(ledger, now_ms=deadline)["state"] == "pending"
    assert get(ledger, now_ms=deadline + 1)["state"] == "expired"
    ledger.time_ms = deadline + 1
    text = message(
        ledger, B, f"sharing.{method}", {"application_id": APP, **extra}, "failed_precondition"
    )
    assert text == (
        f"share application {APP} expired: not answered by its deadline ({deadline} ms)"
    )
    ledger.time_ms = deadline
    ledger.call(B, f"sharing.{method}", {"application_id": APP, **extra})
    assert get(ledger)["status"] != "pending"


def test_a_share_after_the_approved_period_is_refused() -> None:
    ledger = applied()
    ledger.call(B, "sharing.approve", {"application_id": APP})
    end = get(ledger)["approved_end_ms"]
    assert get(ledger, now_ms=end)["state"] == "approved"
    assert get(ledger, now_ms=end + 1)["state"] == "lapsed"
    ledger.time_ms = end + 1
    text = message(
        ledger,
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH},
        "failed_precondition",
    )
    assert text == f"share application {APP}: the approved period ended at {end} ms"
    ledger.time_ms = end
    ledger.call(B, "sharing.execute", {"application_id": APP, "content_hash": HASH})
    assert get(ledger, now_ms=end + 1)["state"] == "shared"


def test_a_share_before_the_approved_period_is_refused_at_its_start_it_is_not() -> None:
    ledger = support.Ledger()
    start = ledger.time_ms + 10 * DAY
    ledger.call(
        A, "sharing.apply", apply_args(ledger, period_start_ms=start, period_end_ms=start + DAY)
    )
    ledger.call(B, "sharing.approve", {"application_id": APP})
    ledger.time_ms = start - 1
    text = message(
        ledger,
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH},
        "failed_precondition",
    )
    assert text == f"share application {APP}: the approved period begins at {start} ms"
    ledger.time_ms = start
    ledger.call(B, "sharing.execute", {"application_id": APP, "content_hash": HASH})
    assert get(ledger)["shared_height"] == ledger.height - 1


# --- execution -----------------------------------------------------------------------------


def test_a_pending_application_is_not_executed_and_a_share_not_twice() -> None:
    ledger = applied()
    args = {"application_id": APP, "content_hash": HASH}
    assert message(ledger, B, "sharing.execute", args, "failed_precondition") == (
        f"share application {APP} is pending, not approved"
    )
    ledger.call(B, "sharing.approve", {"application_id": APP})
    ledger.call(B, "sharing.execute", args)
    assert message(ledger, B, "sharing.execute", args, "failed_precondition") == (
        f"share application {APP} is shared, not approved"
    )


def test_a_share_records_a_hash_never_anything_else() -> None:
    ledger = applied()
    ledger.call(B, "sharing.approve", {"application_id": APP})
    for bad in ("not-a-hash", HASH.upper(), HASH[:-1]):
        ledger.reject(
            B, "sharing.execute", {"application_id": APP, "content_hash": bad}, "invalid_argument"
        )
    assert get(ledger)["status"] == "approved"


def test_consent_is_for_personal_data_only() -> None:
    ledger = applied()
    ledger.call(B, "sharing.approve", {"application_id": APP})
    text = message(
        ledger,
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ},
        "invalid_argument",
    )
    assert text == "consent_request_id is for personal data only"


# --- personal data: the holder's consent ---------------------------------------------------


def personal(purpose_code: str | None = None, **request: Any) -> support.Ledger:
    """Alice's diploma, the bank's consent request to her (granted unless told), and the
    bank's application to the owner naming her, approved."""
    ledger = support.Ledger.with_diploma(CERT)
    args = support.request_args(REQ, CERT, support.ALICE, 2, ledger.time_ms + 30 * DAY)
    if purpose_code is not None:
        args["purpose_code"] = purpose_code
    ledger.call(request.get("agency", A), "consent.request", args)
    if request.get("grant", True):
        ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": REQ})
    ledger.call(A, "sharing.apply", apply_args(ledger, holder=support.ALICE))
    ledger.call(B, "sharing.approve", {"application_id": APP})
    return ledger


def test_personal_data_is_shared_under_the_holders_consent_using_it_once() -> None:
    ledger = personal()
    assert get(ledger)["holder"] == support.ALICE
    result = ledger.call(
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ},
    )
    name, subjects, attrs = event_of(result)
    assert (name, subjects) == ("sharing.shared", [support.ALICE, A.id, B.id, APP, REQ])
    assert attrs["content_hash"] == HASH
    assert [key for key, _ in result.writes] == [
        b"consent/request/" + REQ.encode(),
        b"sharing/application/" + APP.encode(),
    ]
    consent = ledger.query("consent", "get", {"request_id": REQ})
    assert (consent["uses_left"], consent["last_access_height"]) == (1, ledger.height - 1)
    assert get(ledger)["consent_request_id"] == REQ


def test_the_application_names_the_holder_in_its_events() -> None:
    ledger = support.Ledger()
    result = ledger.call(A, "sharing.apply", apply_args(ledger, holder=support.ALICE))
    _, subjects, attrs = event_of(result)
    assert (subjects, attrs["personal"]) == ([support.ALICE, A.id, B.id, APP], True)


def test_personal_data_without_consent_is_refused() -> None:
    ledger = personal()
    text = message(
        ledger,
        B,
        "sharing.execute",
        {"application_id": APP, "content_hash": HASH},
        "failed_precondition",
    )
    assert text == (
        f"share application {APP} names a holder: the holder's consent is required"
        " (consent_request_id)"
    )
    assert get(ledger)["status"] == "approved"


def test_a_consent_not_granted_is_refused() -> None:
    ledger = personal(grant=False)
    args = {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ}
    assert message(ledger, B, "sharing.execute", args, "permission_denied") == (
        f"consent request {REQ} is not in force"
    )


def test_a_revoked_or_used_up_consent_is_refused() -> None:
    ledger = personal()
    ledger.call(support.ALICE_KEY, "consent.revoke", {"request_id": REQ})
    args = {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ}
    ledger.reject(B, "sharing.execute", args, "permission_denied")
    ledger = personal()
    ledger.call(A, "consent.access", {"request_id": REQ})
    ledger.call(A, "consent.access", {"request_id": REQ})
    ledger.reject(B, "sharing.execute", args, "permission_denied")
    assert get(ledger)["status"] == "approved"


def test_another_agencys_consent_is_refused() -> None:
    ledger = personal(agency=support.NOTARY, grant=True)
    args = {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ}
    assert message(ledger, B, "sharing.execute", args, "permission_denied") == (
        f"consent request {REQ} is not the holder's consent to {A.id}"
    )


def test_another_holders_consent_is_refused() -> None:
    ledger = support.Ledger.with_diploma(CERT)
    ledger.request(REQ, CERT)
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": REQ})
    ledger.call(A, "sharing.apply", apply_args(ledger, holder=support.BOB))
    ledger.call(B, "sharing.approve", {"application_id": APP})
    args = {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ}
    ledger.reject(B, "sharing.execute", args, "permission_denied")
    ledger.reject(
        B, "sharing.execute", {**args, "consent_request_id": "REQ-MISSING-1"}, "not_found"
    )
    assert get(ledger)["status"] == "approved"


def test_a_consent_for_another_purpose_is_refused_for_the_same_it_is_not() -> None:
    ledger = personal(purpose_code="002")
    args = {"application_id": APP, "content_hash": HASH, "consent_request_id": REQ}
    assert message(ledger, B, "sharing.execute", args, "permission_denied") == (
        f"consent request {REQ} was granted for purpose 002, not 008"
    )
    ledger = personal(purpose_code="008")
    ledger.call(B, "sharing.execute", args)
    assert get(ledger)["status"] == "shared"


# --- rating --------------------------------------------------------------------------------


def shared() -> support.Ledger:
    ledger = applied()
    ledger.call(B, "sharing.approve", {"application_id": APP})
    ledger.call(B, "sharing.execute", {"application_id": APP, "content_hash": HASH})
    return ledger


def test_a_share_is_rated_once() -> None:
    ledger = shared()
    rate = {"application_id": APP, "rating": 5, "comment": "good"}
    ledger.call(A, "sharing.rate", rate)
    rated_at = ledger.height - 1
    assert message(ledger, A, "sharing.rate", {**rate, "rating": 1}, "already_exists") == (
        f"share {APP} was rated at height {rated_at}"
    )
    assert get(ledger)["rating"] == 5


def test_only_the_applicant_rates() -> None:
    ledger = shared()
    rate = {"application_id": APP, "rating": 5, "comment": "good"}
    for sender in (B, support.NOTARY, support.ALICE_KEY):
        assert message(ledger, sender, "sharing.rate", rate, "permission_denied") == (
            f"only the applicant {A.id} may rate share {APP}"
        )
    assert ledger.query("sharing", "ratings", {"owner": B.id})["count"] == 0


def test_only_a_share_is_rated() -> None:
    ledger = applied()
    rate = {"application_id": APP, "rating": 5, "comment": "good"}
    assert message(ledger, A, "sharing.rate", rate, "failed_precondition") == (
        f"share application {APP} is pending, not shared"
    )
    ledger.call(B, "sharing.approve", {"application_id": APP})
    ledger.reject(A, "sharing.rate", rate, "failed_precondition")


@pytest.mark.parametrize(
    "rate",
    [
        {"rating": 0, "comment": "ok"},
        {"rating": 6, "comment": "ok"},
        {"rating": True, "comment": "ok"},
        {"rating": 3, "comment": ""},
        {"rating": 3, "comment": "x" * (limits.SHARE_COMMENT_LENGTH_MAX + 1)},
        {"rating": 3, "comment": "call 13800138000"},
        {"rating": 3},
    ],
)
def test_a_malformed_rating_is_refused(rate: dict[str, ArgValue]) -> None:
    ledger = shared()
    ledger.reject(A, "sharing.rate", {"application_id": APP, **rate}, "invalid_argument")
    assert get(ledger)["rated_height"] == 0


@pytest.mark.parametrize("rating", [limits.SHARE_RATING_MIN, limits.SHARE_RATING_MAX])
def test_the_ends_of_the_scale_are_ratings(rating: int) -> None:
    ledger = shared()
    comment = "x" * limits.SHARE_COMMENT_LENGTH_MAX
    ledger.call(A, "sharing.rate", {"application_id": APP, "rating": rating, "comment": comment})
    assert (get(ledger)["rating"], get(ledger)["comment"]) == (rating, comment)


# --- what auditors see ---------------------------------------------------------------------


def test_subjects_name_both_agencies_the_application_and_the_consent() -> None:
    args = {
        "application_id": APP,
        "owner": B.id,
        "holder": support.ALICE,
        "consent_request_id": REQ,
        "content_hash": HASH,
    }
    assert subjects_of("sharing", "execute", args) == (support.ALICE, B.id, APP, REQ)
    assert subjects_of("sharing", "apply", {"owner": "Bad Org", "application_id": 7}) == ()
    assert subjects_of("sharing", "apply", {"application_id": "x"}) == ()
    assert subjects_of("sharing", "apply", {"application_id": "11010519491231002X"}) == ()
    assert subjects_of("sharing", "apply", {"owner": B.id, "application_id": B.id}) == (B.id,)
    # The owner is an organisation id (short ones too), not any id-shaped text.
    assert subjects_of("sharing", "apply", {"owner": "edu"}) == ("edu",)
    assert subjects_of("sharing", "apply", {"owner": "Not.An.Org.Id"}) == ()


def test_a_refused_call_on_an_application_is_related_to_both_agencies_and_the_holder() -> None:
    ledger = personal()
    related = related_subjects(
        ledger.state, "sharing", "execute", {"application_id": APP, "content_hash": HASH}
    )
    assert related == tuple(sorted((APP, A.id, B.id, support.ALICE)))
    assert related_subjects(
        ledger.state, "sharing", "approve", {"application_id": "SHARE-NONE-1"}
    ) == ("SHARE-NONE-1",)


def test_records_are_stored_as_canonical_json() -> None:
    ledger = applied()
    stored = ledger.state.get(b"sharing/application/" + APP.encode())
    assert stored is not None
    assert json.loads(stored)["status"] == "pending"
