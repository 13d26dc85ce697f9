"""Archive edges found by mutation testing (issue 19, docs/mutation.md).

The versions a record keeps (their keys, heights, causes and the cap on them), what the
history and correction lists return, the ids the audit index links, and which delegate may
act on which record. They check error codes, records and events, never a message text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from contracts.archives import files, records
from contracts.archives.records import RECORDS, ArchiveRecord
from contracts.framework import limits
from contracts.runtime import ArgValue
from tests.unit import test_contracts_support as support
from tests.unit.test_contracts_delegation import YEAR_MS, guardianship

REC = "SS-2024-000001"
R: dict[str, ArgValue] = {"record_id": REC}
COR = "COR-0000001"


def ledger_with_record() -> support.Ledger:
    ledger = support.Ledger()
    ledger.append(support.HRSS, REC)
    return ledger


def amend(ledger: support.Ledger, content: str, reason: str = "月度更新") -> Any:
    args = {**R, "content_hash": support.content_hash(content), "reason": reason}
    return ledger.call(support.HRSS, "archives.amend", args)


def ask_correction(ledger: support.Ledger, correction_id: str = COR, sender: bytes = b"") -> None:
    args = {"correction_id": correction_id, **R, "reason": "有误 wrong"}
    ledger.call(sender or support.ALICE_KEY, "archives.request_correction", args)


def history(ledger: support.Ledger) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = ledger.query("archives", "history", R)["versions"]
    return versions


# --- versions ------------------------------------------------------------------------------


def test_a_replaced_version_is_kept_under_its_zero_padded_number() -> None:
    assert records.get_version_key(REC, 3) == b"archives/version/" + REC.encode() + b"/0000000003"
    ledger = ledger_with_record()
    amend(ledger, "v2")
    assert ledger.state.get(records.get_version_key(REC, 1)) is not None


def test_each_version_records_its_heights_cause_and_reason() -> None:
    ledger = ledger_with_record()
    appended_at = ledger.height - 1
    result = amend(ledger, "v2", "月度更新 monthly")
    amended_at = ledger.height - 1
    attrs = dict(result.events[0].attrs)
    assert (attrs["version"], attrs["content_hash"], attrs["category"], attrs["source"]) == (
        2,
        support.content_hash("v2"),
        "social_security",
        support.HRSS.id,
    )
    ask_correction(ledger)
    answer: dict[str, ArgValue] = {
        "correction_id": COR,
        "outcome": "corrected",
        "reason": "已更正 fixed",
        "content_hash": support.content_hash("v3"),
    }
    ledger.call(support.HRSS, "archives.resolve_correction", answer)
    corrected_at = ledger.height - 1
    first, second, current = history(ledger)
    assert first == {
        "version": 1,
        "content_hash": support.content_hash(REC + "/v1"),
        "from_height": appended_at,
        "until_height": amended_at,
        "cause": "amended",
        "correction_id": "",
        "reason": "月度更新 monthly",
    }
    assert second == {
        "version": 2,
        "content_hash": support.content_hash("v2"),
        "from_height": amended_at,
        "until_height": corrected_at,
        "cause": "corrected",
        "correction_id": COR,
        "reason": "已更正 fixed",
    }
    assert current == {
        "version": 3,
        "content_hash": support.content_hash("v3"),
        "from_height": corrected_at,
        "until_height": 0,
        "cause": "current",
        "correction_id": "",
        "reason": "",
    }
    found = ledger.query("archives", "get", R)
    assert (found["version"], found["version_height"], found["pending_correction"]) == (
        3,
        corrected_at,
        "",
    )
    listed = ledger.query(
        "archives", "list_by_subject", {"subject": support.ALICE, "with_history": True}
    )
    assert listed[0]["versions"] == [first, second, current]


def test_a_record_may_reach_exactly_the_versions_cap() -> None:
    ledger = ledger_with_record()
    found = RECORDS.get_existing(ledger.state, REC)
    near_cap = dataclasses.replace(found, version=limits.VERSIONS_MAX - 1)
    ledger.state.apply_writes([(RECORDS.key(REC), near_cap.encode())])
    amend(ledger, "last")
    assert ledger.query("archives", "get", R)["version"] == limits.VERSIONS_MAX
    args = {**R, "content_hash": support.content_hash("over"), "reason": "x"}
    ledger.reject(support.HRSS, "archives.amend", args, "failed_precondition")


# --- corrections ---------------------------------------------------------------------------


def test_the_correction_lists_filter_by_status_up_to_their_limit() -> None:
    ledger = ledger_with_record()
    for number, outcome in ((1, "refused"), (2, "refused"), (3, None)):
        correction_id = f"COR-000000{number}"
        ask_correction(ledger, correction_id)
        if outcome is not None:
            answer = {"correction_id": correction_id, "outcome": outcome, "reason": "核实无误"}
            ledger.call(support.HRSS, "archives.resolve_correction", answer)

    def ids(method: str, **filters: ArgValue) -> list[str]:
        by_source = method == "corrections_by_source"
        owner: dict[str, ArgValue] = (
            {"org_id": support.HRSS.id} if by_source else {"subject": support.ALICE}
        )
        found = ledger.query("archives", method, {**owner, **filters})
        return [c["correction_id"] for c in found]

    for method in ("corrections_by_source", "corrections_by_subject"):
        assert ids(method) == ["COR-0000001", "COR-0000002", "COR-0000003"]
        assert ids(method, limit=2) == ["COR-0000001", "COR-0000002"]
        assert ids(method, status="pending") == ["COR-0000003"]
        assert ids(method, status="refused") == ["COR-0000001", "COR-0000002"]
        assert ids(method, status="refused", limit=1) == ["COR-0000001"]
        assert ids(method, status="corrected") == []


# --- ids the audit index links, the file's kind --------------------------------------------


def test_related_ids_of_a_record_and_a_correction_under_one_id() -> None:
    """Records and corrections have separate tables: one id may name one of each."""
    ledger = support.Ledger()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    ledger.append(support.HRSS, REC)
    ledger.append(support.HEALTH, "MED-2024-000001", category="medical")
    ask_correction(ledger, "MED-2024-000001", sender=support.GUARDIAN_KEY)
    assert records.get_related(ledger.state, REC) == [support.ALICE, support.HRSS.id]
    assert records.get_related(ledger.state, "MED-2024-000001") == [
        support.ALICE,
        support.HEALTH.id,
        support.ALICE,
        REC,
        support.HRSS.id,
        support.GUARDIAN,
    ]


def test_the_file_kind_is_known_once_a_record_is_appended() -> None:
    ledger = ledger_with_record()
    ledger.append_enterprise_registration()
    assert files.get_kind(ledger.state, support.ALICE) == "person"
    assert files.get_kind(ledger.state, support.ENTERPRISE) == "enterprise"
    assert files.get_kind(ledger.state, support.BOB) is None


# --- who may act on a record ---------------------------------------------------------------


def test_a_delegate_acts_only_on_records_of_its_categories_and_for_archives() -> None:
    ledger = ledger_with_record()
    only_medical = support.json_arg(["medical"])
    registered = guardianship(ledger, record_categories=only_medical)
    ledger.call(support.CIVIL, "delegation.register", registered)
    ledger.reject(support.GUARDIAN_KEY, "archives.claim", R, "permission_denied")
    consent_only = support.delegation_args(
        "DLG-GUARD-0002",
        "guardian",
        support.ALICE,
        support.BOB,
        ledger.time_ms + YEAR_MS,
        ("consent",),
    )
    ledger.call(support.CIVIL, "delegation.register", consent_only)
    ledger.reject(support.BOB_KEY, "archives.claim", R, "permission_denied")
    assert ledger.query("archives", "get", R)["claimed"] is False


def test_a_delegates_claim_and_correction_name_the_delegate() -> None:
    ledger = ledger_with_record()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    result = ledger.call(support.GUARDIAN_KEY, "archives.claim", R)
    (event,) = result.events
    assert event.subjects == (
        support.ALICE,
        REC,
        support.HRSS.id,
        support.GUARDIAN,
        "DLG-GUARD-0001",
    )
    attrs = dict(event.attrs)
    assert (attrs["acting_as"], attrs["acted_by"], attrs["version"]) == (
        "guardian",
        support.GUARDIAN,
        1,
    )
    found: ArchiveRecord = RECORDS.get_existing(ledger.state, REC)
    assert (found.claimed, found.claimed_by, found.claimed_height) == (
        True,
        support.GUARDIAN,
        ledger.height - 1,
    )


def test_the_answer_to_a_delegates_correction_names_the_delegate() -> None:
    """The source's answer is linked to whoever asked: the delegate as well as the holder."""
    ledger = ledger_with_record()
    ledger.call(support.CIVIL, "delegation.register", guardianship(ledger))
    asked = ledger.call(
        support.GUARDIAN_KEY,
        "archives.request_correction",
        {"correction_id": COR, **R, "reason": "有误 wrong"},
    )
    delegate = (support.GUARDIAN, "DLG-GUARD-0001")
    assert asked.events[0].subjects == (support.ALICE, REC, support.HRSS.id, *delegate, COR)
    answer = {"correction_id": COR, "outcome": "refused", "reason": "核实无误 verified"}
    result = ledger.call(support.HRSS, "archives.resolve_correction", answer)
    (event,) = result.events
    assert event.subjects == (support.ALICE, REC, support.HRSS.id, COR, support.GUARDIAN)
    found = ledger.query("archives", "correction", {"correction_id": COR})
    assert (found["status"], found["requested_by"]) == ("refused", support.GUARDIAN)


def test_a_correction_id_is_refused_once_taken_even_for_another_record() -> None:
    ledger = ledger_with_record()
    ledger.append(support.HRSS, "SS-2024-000002")
    ask_correction(ledger)
    again = {"correction_id": COR, "record_id": "SS-2024-000002", "reason": "有误 wrong"}
    ledger.reject(support.ALICE_KEY, "archives.request_correction", again, "already_exists")
    found = ledger.query("archives", "correction", {"correction_id": COR})
    assert found["record_id"] == REC
    assert (
        ledger.query("archives", "get", {"record_id": "SS-2024-000002"})["pending_correction"] == ""
    )


def test_a_record_id_is_refused_once_taken() -> None:
    ledger = ledger_with_record()
    again = support.append_args(REC, content="other")
    ledger.reject(support.HRSS, "archives.append", again, "already_exists")
    found = ledger.query("archives", "get", R)
    assert (found["version"], found["content_hash"]) == (1, support.content_hash(REC + "/v1"))
    assert ledger.query("archives", "file", {"subject": support.ALICE})["record_count"] == 1
