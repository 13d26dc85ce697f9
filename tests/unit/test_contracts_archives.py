"""Archives: one file per person and per enterprise; append, claim, correct, never delete."""

from __future__ import annotations

import pytest

from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue
from tests.unit import test_contracts_support as support

REC = "SS-2024-000001"
R: dict[str, ArgValue] = {"record_id": REC}


def ledger_with_record() -> support.Ledger:
    ledger = support.Ledger()
    ledger.append(support.HRSS, REC)
    return ledger


def record(ledger: support.Ledger, record_id: str = REC) -> dict[str, object]:
    found: dict[str, object] = ledger.query("archives", "get", {"record_id": record_id})
    return found


def test_append_creates_the_file_and_the_record() -> None:
    ledger = support.Ledger()
    height = ledger.height
    tx_hash = ledger.ctx(support.HRSS.public_key).tx_hash.hex()
    result = ledger.append(support.HRSS, REC)
    (event,) = result.events
    assert event.name == "archive.appended"
    assert event.subjects == (support.ALICE, REC, support.HRSS.id)
    assert record(ledger) == {
        "record_id": REC,
        "subject": support.ALICE,
        "subject_kind": "person",
        "category": "social_security",
        "source": support.HRSS.id,
        "source_department": "社会保险事业中心",
        "content_hash": support.content_hash(REC + "/v1"),
        "version": 1,
        "claimed": False,
        "claimed_height": 0,
        "claimed_by": "",
        "appended_height": height,
        "appended_tx": tx_hash,
        "version_height": height,
        "pending_correction": "",
    }
    ledger.append(support.HEALTH, "MED-2024-000001", category="medical")
    assert ledger.query("archives", "file", {"subject": support.ALICE}) == {
        "subject": support.ALICE,
        "kind": "person",
        "created_height": height,
        "record_count": 2,
    }
    listed = ledger.query("archives", "list_by_subject", {"subject": support.ALICE})
    assert [r["category"] for r in listed] == ["medical", "social_security"]
    only = ledger.query(
        "archives", "list_by_subject", {"subject": support.ALICE, "category": "medical"}
    )
    assert [r["record_id"] for r in only] == ["MED-2024-000001"]


@pytest.mark.parametrize(
    ("sender", "overrides", "code"),
    [
        (support.HEALTH.public_key, {}, "permission_denied"),  # a source, but of another category
        (support.UNIVERSITY.public_key, {}, "permission_denied"),
        (support.ALICE_KEY, {}, "permission_denied"),
        (support.HRSS.public_key, {"subject": "370102199003074528"}, "invalid_argument"),
        (support.HRSS.public_key, {"record_id": "SS-370102199003074528"}, "invalid_argument"),
        (support.HRSS.public_key, {"record_id": "91370100MA3C8ABC1X"}, "invalid_argument"),
        (
            support.HRSS.public_key,
            {"source_department": "社保中心 电话13805310123"},
            "invalid_argument",
        ),
        (
            support.HRSS.public_key,
            {"source_department": "代码91370100MA3C8ABC1X"},
            "invalid_argument",
        ),
        (support.HRSS.public_key, {"category": "gossip"}, "invalid_argument"),
        (support.HRSS.public_key, {"content_hash": "xyz"}, "invalid_argument"),
        (support.HRSS.public_key, {"subject_kind": "robot"}, "invalid_argument"),
        (support.HRSS.public_key, {"subject_kind": "enterprise"}, "failed_precondition"),
    ],
)
def test_append_rejections(sender: bytes, overrides: dict[str, ArgValue], code: str) -> None:
    ledger = support.Ledger()
    ledger.reject(sender, "archives.append", {**support.append_args(REC), **overrides}, code)


def test_one_file_is_either_a_person_or_an_enterprise() -> None:
    ledger = support.Ledger()
    ledger.append_enterprise_registration()
    # Credit records exist for both kinds: the enterprise's file says which.
    ledger.append(
        support.WEIHAI_AMR, "CREDIT-000001", subject=support.ENTERPRISE, category="credit"
    )
    assert record(ledger, "CREDIT-000001")["subject_kind"] == "enterprise"
    # A new file in an ambiguous category needs the kind stated.
    ledger.reject(
        support.WEIHAI_AMR,
        "archives.append",
        support.append_args("CREDIT-000002", subject=support.BOB, category="credit"),
        "invalid_argument",
    )
    ledger.append(
        support.WEIHAI_AMR,
        "CREDIT-000002",
        subject=support.BOB,
        category="credit",
        subject_kind="person",
    )
    # Personal categories never go into an enterprise's file.
    ledger.reject(
        support.HRSS,
        "archives.append",
        support.append_args(REC, subject=support.ENTERPRISE),
        "failed_precondition",
    )


def test_the_holder_claims_a_record_once() -> None:
    ledger = ledger_with_record()
    for sender in (
        support.BOB_KEY,
        support.STRANGER_KEY,
        support.HRSS.public_key,
        support.BANK.public_key,
    ):
        ledger.reject(sender, "archives.claim", R, "permission_denied")
    result = ledger.call(support.ALICE_KEY, "archives.claim", R)
    assert result.events[0].name == "archive.claimed"
    assert dict(result.events[0].attrs)["acting_as"] == "holder"
    found = record(ledger)
    assert (found["claimed"], found["claimed_by"]) == (True, support.ALICE)
    ledger.reject(support.ALICE_KEY, "archives.claim", R, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "archives.claim", {"record_id": "SS-2099-999999"}, "not_found")


def test_a_correction_is_resolved_with_a_new_version() -> None:
    ledger = ledger_with_record()
    result = ledger.call(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000001", **R, "reason": "缴费月数有误 months missing"},
    )
    assert result.events[0].name == "archive.correction_requested"
    assert result.events[0].subjects == (support.ALICE, REC, support.HRSS.id, "COR-0000001")
    pending = ledger.query(
        "archives", "corrections_by_source", {"org_id": support.HRSS.id, "status": "pending"}
    )
    assert [c["correction_id"] for c in pending] == ["COR-0000001"]
    # Only one correction of a record at a time; the source cannot amend around it.
    ledger.reject(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000002", **R, "reason": "again"},
        "failed_precondition",
    )
    ledger.reject(
        support.HRSS,
        "archives.amend",
        {**R, "content_hash": support.content_hash("x"), "reason": "update"},
        "failed_precondition",
    )
    # Only the source answers.
    answer: dict[str, ArgValue] = {
        "correction_id": "COR-0000001",
        "outcome": "corrected",
        "reason": "已补录 2019 年缴费 added",
        "content_hash": support.content_hash(REC + "/v2"),
    }
    for sender in (support.HEALTH.public_key, support.ALICE_KEY, support.WEIHAI_AMR.public_key):
        ledger.reject(sender, "archives.resolve_correction", answer, "permission_denied")
    result = ledger.call(support.HRSS, "archives.resolve_correction", answer)
    assert result.events[0].name == "archive.corrected"
    assert (record(ledger)["version"], record(ledger)["content_hash"]) == (
        2,
        support.content_hash(REC + "/v2"),
    )
    correction = ledger.query("archives", "correction", {"correction_id": "COR-0000001"})
    assert (correction["status"], correction["new_version"]) == ("corrected", 2)
    ledger.reject(support.HRSS, "archives.resolve_correction", answer, "failed_precondition")
    # History is never deleted.
    history = ledger.query("archives", "history", R)["versions"]
    assert [(v["version"], v["content_hash"]) for v in history] == [
        (1, support.content_hash(REC + "/v1")),
        (2, support.content_hash(REC + "/v2")),
    ]
    assert history[0]["correction_id"] == "COR-0000001"
    assert (
        ledger.query(
            "archives", "corrections_by_source", {"org_id": support.HRSS.id, "status": "pending"}
        )
        == []
    )


def test_a_correction_can_be_refused_with_a_reason() -> None:
    ledger = ledger_with_record()
    ledger.call(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000001", **R, "reason": "wrong"},
    )
    for bad in (
        {"outcome": "refused", "reason": "核实无误", "content_hash": support.content_hash("x")},
        {"outcome": "corrected", "reason": "fixed"},
        {"outcome": "maybe", "reason": "x"},
        {"outcome": "refused", "reason": ""},
    ):
        ledger.reject(
            support.HRSS,
            "archives.resolve_correction",
            {"correction_id": "COR-0000001", **bad},
            "invalid_argument",
        )
    result = ledger.call(
        support.HRSS,
        "archives.resolve_correction",
        {
            "correction_id": "COR-0000001",
            "outcome": "refused",
            "reason": "经核实记录无误 verified correct",
        },
    )
    assert result.events[0].name == "archive.correction_refused"
    assert record(ledger)["version"] == 1
    assert record(ledger)["pending_correction"] == ""
    mine = ledger.query("archives", "corrections_by_subject", {"subject": support.ALICE})
    assert (mine[0]["status"], mine[0]["resolution"]) == (
        "refused",
        "经核实记录无误 verified correct",
    )


def test_the_source_amends_with_a_new_version() -> None:
    ledger = ledger_with_record()
    ledger.call(
        support.HRSS,
        "archives.amend",
        {**R, "content_hash": support.content_hash("v2"), "reason": "月度更新"},
    )
    ledger.call(
        support.HRSS,
        "archives.amend",
        {**R, "content_hash": support.content_hash("v3"), "reason": "月度更新"},
    )
    listed = ledger.query(
        "archives", "list_by_subject", {"subject": support.ALICE, "with_history": True}
    )
    assert [v["version"] for v in listed[0]["versions"]] == [1, 2, 3]
    ledger.reject(
        support.HRSS,
        "archives.amend",
        {**R, "content_hash": support.content_hash("v3"), "reason": "same"},
        "invalid_argument",
    )
    ledger.reject(
        support.HEALTH,
        "archives.amend",
        {**R, "content_hash": support.content_hash("v4"), "reason": "x"},
        "permission_denied",
    )


def test_queries_reject_bad_arguments_and_answer_not_found() -> None:
    ledger = ledger_with_record()
    for method, args, code in (
        ("get", {"record_id": "SS-2099-000009"}, "not_found"),
        ("history", {"record_id": "SS-2099-000009"}, "not_found"),
        ("file", {"subject": support.BOB}, "not_found"),
        ("correction", {"correction_id": "COR-0000009"}, "not_found"),
        ("list_by_subject", {"subject": "alice"}, "invalid_argument"),
        ("list_by_subject", {"subject": support.ALICE, "category": "gossip"}, "invalid_argument"),
        (
            "corrections_by_source",
            {"org_id": support.HRSS.id, "status": "lost"},
            "invalid_argument",
        ),
    ):
        with pytest.raises(ContractError) as info:
            ledger.query("archives", method, args)
        assert info.value.code == code
    assert len(ledger.query("archives", "categories", {})) >= 9
