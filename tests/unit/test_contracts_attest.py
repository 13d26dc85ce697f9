"""The attest contract (issue 13): attestation types, proposals, the sources' and the
owner's answers, the deadline; every refusal leaves state unchanged (``Ledger.reject``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from contracts.attest import contract as attest_contract
from contracts.attest import records
from contracts.attest import transactions as attest_transactions
from contracts.attest import types as attest_types
from contracts.framework import limits
from contracts.framework.errors import ContractError
from contracts.governance import versions
from contracts.runtime import ArgValue, genesis_writes, get_admission_refusal, related_subjects
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

ISSUER = support.PSB
"""The issuing organisation (e.g. a sub-district office) that defines and proposes."""
PROPERTY_REGISTRY = support.WEIHAI_AMR
HOUSEHOLD_REGISTRY = support.HRSS
SOURCES = sorted([PROPERTY_REGISTRY.id, HOUSEHOLD_REGISTRY.id])
ATT = "ATT-PROP-000001"
A: dict[str, ArgValue] = {"attestation_id": ATT}
DAY_MS = support.DAY_MS


def digest(name: str) -> str:
    return hashlib.sha256(b"record/" + name.encode()).hexdigest()


PROPERTY_HASH = digest("property")
HOUSEHOLD_HASH = digest("household")
DOC_HASH = digest("attestation document")
RECORD_HASHES = {PROPERTY_REGISTRY.id: PROPERTY_HASH, HOUSEHOLD_REGISTRY.id: HOUSEHOLD_HASH}


def define_args(**overrides: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "type_id": "property_attestation",
        "name_zh": "不动产权属证明",
        "name_en": "Property attestation",
        "sources": json.dumps(SOURCES),
        "other_party": True,
    }
    return {**args, **overrides}


def propose_args(ledger: support.Ledger, **overrides: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "attestation_id": ATT,
        "type_id": "property_attestation",
        "holder": support.ALICE,
        "other_party": support.BOB,
        "doc_hash": DOC_HASH,
        "record_hashes": json.dumps(RECORD_HASHES),
        "deadline_ms": ledger.time_ms + 7 * DAY_MS,
    }
    return {**args, **overrides}


def defined() -> support.Ledger:
    ledger = support.Ledger()
    ledger.call(ISSUER, "attest.define_type", define_args())
    return ledger


def proposed() -> support.Ledger:
    ledger = defined()
    ledger.call(ISSUER, "attest.propose", propose_args(ledger))
    return ledger


def sources_confirmed() -> support.Ledger:
    ledger = proposed()
    ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": PROPERTY_HASH})
    ledger.call(HOUSEHOLD_REGISTRY, "attest.confirm", {**A, "record_hash": HOUSEHOLD_HASH})
    return ledger


def get(ledger: support.Ledger, now_ms: int | None = None) -> dict[str, Any]:
    record: dict[str, Any] = ledger.query("attest", "get", A, now_ms=now_ms)
    return record


def answers(ledger: support.Ledger) -> dict[str, tuple[str, int]]:
    return {s["org"]: (s["answer"], s["height"]) for s in get(ledger)["sources"]}


# --- the happy path ------------------------------------------------------------------------


def test_type_defined_by_an_issuer_names_its_sources() -> None:
    ledger = support.Ledger()
    height = ledger.height
    result = ledger.call(ISSUER, "attest.define_type", define_args())
    (event,) = result.events
    assert event.name == "attest.type_defined"
    assert event.subjects == (ISSUER.id, *SOURCES)
    assert dict(event.attrs) == {
        "other_party": True,
        "sources": ",".join(SOURCES),
        "type_id": "property_attestation",
    }
    assert ledger.query("attest", "get_type", {"type_id": "property_attestation"}) == {
        "type_id": "property_attestation",
        "name_zh": "不动产权属证明",
        "name_en": "Property attestation",
        "issuer": ISSUER.id,
        "sources": SOURCES,
        "other_party": True,
        "defined_height": height,
    }


def test_all_sources_confirm_then_the_owner_confirms_and_it_is_issued() -> None:
    ledger = defined()
    proposed_height, deadline_ms = ledger.height, ledger.time_ms + 7 * DAY_MS
    result = ledger.call(ISSUER, "attest.propose", propose_args(ledger))
    (event,) = result.events
    assert event.name == "attest.proposed"
    parties_and_orgs = (support.ALICE, support.BOB, ATT, ISSUER.id, *SOURCES)
    assert event.subjects == parties_and_orgs
    assert dict(event.attrs) == {
        "deadline_ms": deadline_ms,
        "issuer": ISSUER.id,
        "other_party": support.BOB,
        "type_id": "property_attestation",
    }
    record = get(ledger)
    assert record == {
        "attestation_id": ATT,
        "type_id": "property_attestation",
        "issuer": ISSUER.id,
        "holder": support.ALICE,
        "other_party": support.BOB,
        "doc_hash": DOC_HASH,
        "sources": [
            {"org": org, "record_hash": RECORD_HASHES[org], "answer": "", "height": 0}
            for org in SOURCES
        ],
        "deadline_ms": deadline_ms,
        "status": "awaiting_sources",
        "recorded_status": "awaiting_sources",
        "reason": "",
        "decided_by": "",
        "proposed_height": proposed_height,
        "decided_height": 0,
        "waiting_for": SOURCES,
    }

    # The first source confirms: still waiting for the other.
    first_height = ledger.height
    result = ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": PROPERTY_HASH})
    (event,) = result.events
    assert event.name == "attest.source_confirmed"
    assert event.subjects == parties_and_orgs
    assert dict(event.attrs) == {
        "issuer": ISSUER.id,
        "source": PROPERTY_REGISTRY.id,
        "status": "awaiting_sources",
        "type_id": "property_attestation",
    }
    assert get(ledger)["waiting_for"] == [HOUSEHOLD_REGISTRY.id]
    assert answers(ledger)[PROPERTY_REGISTRY.id] == ("confirmed", first_height)
    assert answers(ledger)[HOUSEHOLD_REGISTRY.id] == ("", 0)

    # The last source confirms: now the owner is asked.
    result = ledger.call(HOUSEHOLD_REGISTRY, "attest.confirm", {**A, "record_hash": HOUSEHOLD_HASH})
    assert dict(result.events[0].attrs)["status"] == "awaiting_owner"
    record = get(ledger)
    assert (record["status"], record["waiting_for"]) == ("awaiting_owner", [support.ALICE])
    assert ledger.query("attest", "list_by_party", {"holder": support.ALICE, "open": True})
    assert ledger.query("attest", "list_by_party", {"holder": support.BOB})[0]["status"] == (
        "awaiting_owner"
    )

    # The owner confirms: issued.
    issued_height = ledger.height
    result = ledger.call(support.ALICE_KEY, "attest.owner_confirm", A)
    (event,) = result.events
    assert event.name == "attest.issued"
    assert event.subjects == parties_and_orgs
    assert dict(event.attrs) == {
        "doc_hash": DOC_HASH,
        "issuer": ISSUER.id,
        "type_id": "property_attestation",
    }
    record = get(ledger)
    assert (record["status"], record["decided_by"], record["decided_height"]) == (
        "issued",
        support.ALICE,
        issued_height,
    )
    assert (record["reason"], record["waiting_for"]) == ("", [])
    # Issued is final: no further answer, and the deadline no longer matters.
    assert get(ledger, now_ms=deadline_ms + 1)["status"] == "issued"
    ledger.reject(support.ALICE_KEY, "attest.owner_confirm", A, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "attest.owner_refuse", A, "failed_precondition")
    ledger.time_ms = deadline_ms + 1
    ledger.reject(ISSUER, "attest.expire", A, "failed_precondition")
    assert ledger.query("attest", "list_by_party", {"holder": support.ALICE, "open": True}) == []


def test_a_type_without_another_party_names_only_the_holder() -> None:
    ledger = support.Ledger()
    ledger.call(
        ISSUER,
        "attest.define_type",
        define_args(
            type_id="address_attestation",
            name_zh="住址证明",
            name_en="Address attestation",
            sources=json.dumps([HOUSEHOLD_REGISTRY.id]),
            other_party=False,
        ),
    )
    args = propose_args(
        ledger,
        type_id="address_attestation",
        record_hashes=json.dumps({HOUSEHOLD_REGISTRY.id: HOUSEHOLD_HASH}),
    )
    ledger.reject(ISSUER, "attest.propose", args, "invalid_argument")
    del args["other_party"]
    result = ledger.call(ISSUER, "attest.propose", args)
    assert result.events[0].subjects == (support.ALICE, ATT, ISSUER.id, HOUSEHOLD_REGISTRY.id)
    assert dict(result.events[0].attrs)["other_party"] == ""
    assert get(ledger)["other_party"] == ""
    assert (
        ledger.query("attest", "get_type", {"type_id": "address_attestation"})["other_party"]
        is False
    )
    ledger.call(HOUSEHOLD_REGISTRY, "attest.confirm", {**A, "record_hash": HOUSEHOLD_HASH})
    result = ledger.call(support.ALICE_KEY, "attest.owner_confirm", A)
    assert result.events[0].subjects == (support.ALICE, ATT, ISSUER.id, HOUSEHOLD_REGISTRY.id)
    assert get(ledger)["status"] == "issued"


# --- refusals and time-outs ----------------------------------------------------------------


def test_a_source_refuses_with_a_reason_and_it_stays_unissued() -> None:
    ledger = proposed()
    height = ledger.height
    reason = "户籍记录已迁出 household moved out"
    result = ledger.call(HOUSEHOLD_REGISTRY, "attest.refuse", {**A, "reason": reason})
    (event,) = result.events
    assert event.name == "attest.refused"
    assert event.subjects == (support.ALICE, support.BOB, ATT, ISSUER.id, *SOURCES)
    assert dict(event.attrs) == {
        "answer": "refused",
        "by": HOUSEHOLD_REGISTRY.id,
        "issuer": ISSUER.id,
        "reason": reason,
        "type_id": "property_attestation",
    }
    record = get(ledger)
    assert (record["status"], record["reason"], record["decided_by"]) == (
        "refused",
        reason,
        HOUSEHOLD_REGISTRY.id,
    )
    assert (record["decided_height"], record["waiting_for"]) == (height, [])
    assert answers(ledger)[HOUSEHOLD_REGISTRY.id] == ("refused", height)
    # Nobody may answer a refused attestation.
    ledger.reject(
        PROPERTY_REGISTRY,
        "attest.confirm",
        {**A, "record_hash": PROPERTY_HASH},
        "failed_precondition",
    )
    ledger.reject(support.ALICE_KEY, "attest.owner_confirm", A, "failed_precondition")


def test_a_record_hash_mismatch_refuses_it() -> None:
    ledger = proposed()
    height = ledger.height
    result = ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": digest("other")})
    (event,) = result.events
    assert event.name == "attest.refused"
    assert dict(event.attrs) == {
        "answer": "mismatch",
        "by": PROPERTY_REGISTRY.id,
        "issuer": ISSUER.id,
        "reason": records.REASON_MISMATCH,
        "type_id": "property_attestation",
    }
    record = get(ledger)
    assert (record["status"], record["reason"], record["decided_by"], record["decided_height"]) == (
        "refused",
        "the source's record does not match",
        PROPERTY_REGISTRY.id,
        height,
    )
    assert answers(ledger) == {
        PROPERTY_REGISTRY.id: ("mismatch", height),
        HOUSEHOLD_REGISTRY.id: ("", 0),
    }
    ledger.reject(
        HOUSEHOLD_REGISTRY,
        "attest.confirm",
        {**A, "record_hash": HOUSEHOLD_HASH},
        "failed_precondition",
    )


def test_a_source_confirming_another_sources_hash_is_a_mismatch() -> None:
    ledger = proposed()
    ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": HOUSEHOLD_HASH})
    assert get(ledger)["status"] == "refused"


def test_the_owner_refuses_and_it_stays_unissued() -> None:
    ledger = sources_confirmed()
    height = ledger.height
    result = ledger.call(support.ALICE_KEY, "attest.owner_refuse", {**A, "reason": "地址有误"})
    (event,) = result.events
    assert event.name == "attest.refused"
    assert event.subjects[:2] == (support.ALICE, support.BOB)
    assert dict(event.attrs) == {
        "answer": "refused",
        "by": support.ALICE,
        "issuer": ISSUER.id,
        "reason": "地址有误",
        "type_id": "property_attestation",
    }
    record = get(ledger)
    assert (record["status"], record["reason"], record["decided_by"], record["decided_height"]) == (
        "refused",
        "地址有误",
        support.ALICE,
        height,
    )
    ledger.reject(support.ALICE_KEY, "attest.owner_confirm", A, "failed_precondition")


def test_the_owner_may_refuse_without_a_reason() -> None:
    ledger = sources_confirmed()
    result = ledger.call(support.ALICE_KEY, "attest.owner_refuse", A)
    assert dict(result.events[0].attrs)["reason"] == "refused by the owner"
    assert get(ledger)["reason"] == "refused by the owner"


def test_past_the_deadline_nobody_answers_and_the_time_out_is_recorded() -> None:
    ledger = proposed()
    deadline_ms = get(ledger)["deadline_ms"]
    ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": PROPERTY_HASH})
    # Before the deadline it cannot be expired.
    ledger.time_ms = deadline_ms
    ledger.reject(ISSUER, "attest.expire", A, "failed_precondition")
    assert get(ledger, now_ms=deadline_ms)["status"] == "awaiting_sources"
    # Past it, the query already says timed out, and no answer is taken.
    ledger.time_ms = deadline_ms + 1
    record = get(ledger)
    assert (record["status"], record["recorded_status"], record["waiting_for"]) == (
        "timed_out",
        "awaiting_sources",
        [],
    )
    assert ledger.query("attest", "list_by_party", {"holder": support.ALICE, "open": True}) == []
    assert len(ledger.query("attest", "list_by_party", {"holder": support.ALICE})) == 1
    ledger.reject(
        HOUSEHOLD_REGISTRY,
        "attest.confirm",
        {**A, "record_hash": HOUSEHOLD_HASH},
        "failed_precondition",
    )
    ledger.reject(
        HOUSEHOLD_REGISTRY, "attest.refuse", {**A, "reason": "late"}, "failed_precondition"
    )
    # Anyone may record the time-out, naming who had not answered.
    height = ledger.height
    result = ledger.call(support.STRANGER_KEY, "attest.expire", A)
    (event,) = result.events
    reason = f"no answer by the deadline from {HOUSEHOLD_REGISTRY.id}"
    assert event.name == "attest.timed_out"
    assert event.subjects[:3] == (support.ALICE, support.BOB, ATT)
    assert dict(event.attrs) == {
        "issuer": ISSUER.id,
        "reason": reason,
        "type_id": "property_attestation",
    }
    record = get(ledger)
    assert (record["recorded_status"], record["reason"], record["decided_height"]) == (
        "timed_out",
        reason,
        height,
    )
    assert record["decided_by"] == ""
    ledger.reject(ISSUER, "attest.expire", A, "failed_precondition")


def test_the_owner_cannot_confirm_past_the_deadline() -> None:
    ledger = sources_confirmed()
    deadline_ms = get(ledger)["deadline_ms"]
    assert get(ledger, now_ms=deadline_ms)["status"] == "awaiting_owner"
    ledger.time_ms = deadline_ms + 1
    ledger.reject(support.ALICE_KEY, "attest.owner_confirm", A, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "attest.owner_refuse", A, "failed_precondition")
    result = ledger.call(ISSUER, "attest.expire", A)
    assert dict(result.events[0].attrs)["reason"] == (
        f"no answer by the deadline from {support.ALICE}"
    )


def test_the_owner_confirms_at_the_deadline_itself() -> None:
    ledger = sources_confirmed()
    ledger.time_ms = get(ledger)["deadline_ms"]
    result = ledger.call(support.ALICE_KEY, "attest.owner_confirm", A)
    assert result.events[0].name == "attest.issued"


def test_a_source_answers_at_the_deadline_itself() -> None:
    ledger = proposed()
    ledger.time_ms = get(ledger)["deadline_ms"]
    ledger.call(HOUSEHOLD_REGISTRY, "attest.refuse", {**A, "reason": "no"})
    assert get(ledger)["recorded_status"] == "refused"


# --- who may answer ------------------------------------------------------------------------


def test_an_organisation_not_named_as_a_source_may_not_answer() -> None:
    ledger = proposed()
    for org in (ISSUER, support.BANK, support.HEALTH):
        ledger.reject(
            org, "attest.confirm", {**A, "record_hash": PROPERTY_HASH}, "permission_denied"
        )
        ledger.reject(org, "attest.refuse", {**A, "reason": "no"}, "permission_denied")
    ledger.reject(
        support.ALICE_KEY,
        "attest.confirm",
        {**A, "record_hash": PROPERTY_HASH},
        "permission_denied",
    )
    assert get(ledger)["waiting_for"] == SOURCES


def test_a_source_answers_once() -> None:
    ledger = proposed()
    ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": PROPERTY_HASH})
    ledger.reject(
        PROPERTY_REGISTRY,
        "attest.confirm",
        {**A, "record_hash": PROPERTY_HASH},
        "failed_precondition",
    )
    ledger.reject(PROPERTY_REGISTRY, "attest.refuse", {**A, "reason": "x"}, "failed_precondition")
    assert answers(ledger)[PROPERTY_REGISTRY.id][0] == "confirmed"


def test_only_the_holders_key_answers_as_owner() -> None:
    ledger = sources_confirmed()
    for key in (support.BOB_KEY, support.STRANGER_KEY, ISSUER.public_key):
        ledger.reject(key, "attest.owner_confirm", A, "permission_denied")
        ledger.reject(key, "attest.owner_refuse", A, "permission_denied")
    assert get(ledger)["status"] == "awaiting_owner"


def test_the_owner_answers_only_after_every_source() -> None:
    ledger = proposed()
    ledger.reject(support.ALICE_KEY, "attest.owner_confirm", A, "failed_precondition")
    ledger.call(PROPERTY_REGISTRY, "attest.confirm", {**A, "record_hash": PROPERTY_HASH})
    ledger.reject(support.ALICE_KEY, "attest.owner_confirm", A, "failed_precondition")
    ledger.reject(support.ALICE_KEY, "attest.owner_refuse", A, "failed_precondition")
    assert get(ledger)["status"] == "awaiting_sources"


def test_no_such_attestation() -> None:
    ledger = defined()
    for target, args in (
        ("attest.confirm", {**A, "record_hash": PROPERTY_HASH}),
        ("attest.refuse", {**A, "reason": "x"}),
        ("attest.owner_confirm", A),
        ("attest.owner_refuse", A),
        ("attest.expire", A),
    ):
        ledger.reject(PROPERTY_REGISTRY, target, args, "not_found")
    with pytest.raises(ContractError) as raised:
        get(ledger)
    assert raised.value.code == "not_found"


# --- defining types and proposing: bad calls -----------------------------------------------


def test_only_an_issuer_defines_a_type_once_with_member_sources() -> None:
    ledger = support.Ledger()
    ledger.reject(support.BANK, "attest.define_type", define_args(), "permission_denied")
    ledger.reject(support.ALICE_KEY, "attest.define_type", define_args(), "permission_denied")
    ledger.reject(
        ISSUER,
        "attest.define_type",
        define_args(sources=json.dumps([HOUSEHOLD_REGISTRY.id, "no-such-org"])),
        "not_found",
    )
    ledger.call(ISSUER, "attest.define_type", define_args())
    ledger.reject(support.UNIVERSITY, "attest.define_type", define_args(), "already_exists")
    with pytest.raises(ContractError) as raised:
        ledger.query("attest", "get_type", {"type_id": "address_attestation"})
    assert raised.value.code == "not_found"


@pytest.mark.parametrize(
    "sources",
    [
        "[]",
        "{}",
        '"weihai-hrss"',
        '["weihai-hrss", "weihai-hrss"]',
        '["Weihai-HRSS"]',
        "[1]",
        json.dumps([f"org-{i}" for i in range(limits.ATTEST_SOURCES_MAX + 1)]),
        "[",
    ],
)
def test_malformed_sources_are_refused(sources: str) -> None:
    ledger = support.Ledger()
    error = ledger.reject(
        ISSUER, "attest.define_type", define_args(sources=sources), "invalid_argument"
    )
    assert "sources" in error.message


def test_as_many_sources_as_the_limit_are_taken() -> None:
    names = [f"org-{i}" for i in range(limits.ATTEST_SOURCES_MAX)]
    assert attest_types.read_sources({"sources": json.dumps(names[::-1])}, "sources") == tuple(
        names
    )
    assert attest_types.read_sources({"sources": '["ab"]'}, "sources") == ("ab",)


def test_only_the_defining_issuer_proposes_its_type() -> None:
    ledger = defined()
    ledger.reject(support.UNIVERSITY, "attest.propose", propose_args(ledger), "permission_denied")
    ledger.reject(support.BANK, "attest.propose", propose_args(ledger), "permission_denied")
    ledger.reject(support.ALICE_KEY, "attest.propose", propose_args(ledger), "permission_denied")
    ledger.reject(
        ISSUER, "attest.propose", propose_args(ledger, type_id="no_such_type"), "not_found"
    )


def test_a_proposal_must_fit_its_type() -> None:
    ledger = defined()
    args = propose_args(ledger)
    del args["other_party"]
    ledger.reject(ISSUER, "attest.propose", args, "invalid_argument")
    ledger.reject(
        ISSUER,
        "attest.propose",
        propose_args(ledger, other_party=support.ALICE),
        "invalid_argument",
    )
    for hashes in (
        {HOUSEHOLD_REGISTRY.id: HOUSEHOLD_HASH},
        {**RECORD_HASHES, support.HEALTH.id: DOC_HASH},
        {HOUSEHOLD_REGISTRY.id: HOUSEHOLD_HASH, support.HEALTH.id: DOC_HASH},
    ):
        error = ledger.reject(
            ISSUER,
            "attest.propose",
            propose_args(ledger, record_hashes=json.dumps(hashes)),
            "invalid_argument",
        )
        assert "record_hashes" in error.message
    assert ledger.query("attest", "list_by_org", {"org": ISSUER.id}) == []


@pytest.mark.parametrize(
    "hashes",
    [
        "[]",
        "{}",
        json.dumps({"weihai-hrss": "ab"}),
        json.dumps({"weihai-hrss": 1}),
        json.dumps({"Weihai": digest("x")}),
        json.dumps({f"org-{i}": digest("x") for i in range(limits.ATTEST_SOURCES_MAX + 1)}),
    ],
)
def test_malformed_record_hashes_are_refused(hashes: str) -> None:
    ledger = defined()
    error = ledger.reject(
        ISSUER, "attest.propose", propose_args(ledger, record_hashes=hashes), "invalid_argument"
    )
    assert "record_hashes" in error.message


def test_as_many_record_hashes_as_the_limit_are_read() -> None:
    hashes = {f"org-{i}": digest(str(i)) for i in range(limits.ATTEST_SOURCES_MAX)}
    read = attest_transactions.read_record_hashes(
        {"record_hashes": json.dumps(hashes)}, "record_hashes"
    )
    assert read == hashes
    one = {"ab": digest("x")}
    assert attest_transactions.read_record_hashes({"h": json.dumps(one)}, "h") == one


def test_the_deadline_is_in_the_future_and_bounded() -> None:
    ledger = defined()
    now = ledger.time_ms
    for deadline_ms in (0, now - 1, now, now + limits.ATTEST_DEADLINE_MS_MAX + 1):
        ledger.time_ms = now
        error = ledger.reject(
            ISSUER,
            "attest.propose",
            propose_args(ledger, deadline_ms=deadline_ms),
            "invalid_argument",
        )
        assert "deadline_ms" in error.message
    ledger.time_ms = now
    ledger.call(
        ISSUER,
        "attest.propose",
        propose_args(ledger, deadline_ms=now + limits.ATTEST_DEADLINE_MS_MAX),
    )
    assert get(ledger)["deadline_ms"] == now + limits.ATTEST_DEADLINE_MS_MAX


def test_the_next_millisecond_is_a_valid_deadline() -> None:
    ledger = defined()
    ledger.call(ISSUER, "attest.propose", propose_args(ledger, deadline_ms=ledger.time_ms + 1))
    assert get(ledger)["recorded_status"] == "awaiting_sources"


def test_an_attestation_id_is_used_once() -> None:
    ledger = proposed()
    ledger.reject(ISSUER, "attest.propose", propose_args(ledger), "already_exists")
    assert get(ledger)["status"] == "awaiting_sources"


# --- queries and indexes -------------------------------------------------------------------


def test_lists_by_party_and_by_org() -> None:
    ledger = proposed()
    second = "ATT-PROP-000002"
    ledger.call(ISSUER, "attest.propose", propose_args(ledger, attestation_id=second))
    ledger.call(HOUSEHOLD_REGISTRY, "attest.refuse", {"attestation_id": second, "reason": "no"})

    def ids(method: str, **args: ArgValue) -> list[str]:
        return [r["attestation_id"] for r in ledger.query("attest", method, args)]

    for party in (support.ALICE, support.BOB):
        assert ids("list_by_party", holder=party) == [ATT, second]
        assert ids("list_by_party", holder=party, open=True) == [ATT]
        assert ids("list_by_party", holder=party, limit=1) == [ATT]
    assert ids("list_by_party", holder=support.GUARDIAN) == []
    for org in (ISSUER.id, *SOURCES):
        assert ids("list_by_org", org=org) == [ATT, second]
        assert ids("list_by_org", org=org, open=True) == [ATT]
    assert ids("list_by_org", org=support.BANK.id) == []
    assert ids("list_by_org", org=ISSUER.id, open=False) == [ATT, second]


def test_subjects_and_related_ids_for_the_audit_index() -> None:
    ledger = proposed()
    assert attest_contract.subjects_of(
        "propose", propose_args(ledger, attestation_id="ATT-PROP-000009")
    ) == (support.ALICE, support.BOB, "ATT-PROP-000009")
    assert attest_contract.subjects_of("confirm", {**A, "record_hash": "x"}) == (ATT,)
    assert (
        attest_contract.subjects_of("propose", {"other_party": "nobody", "attestation_id": 7}) == ()
    )
    assert (
        attest_contract.subjects_of("propose", {"attestation_id": "ATT-370102199003074528"}) == ()
    )
    assert attest_contract.subjects_of(
        "propose", {"holder": support.ALICE, "other_party": support.ALICE}
    ) == (support.ALICE,)
    assert attest_contract.subjects_of("propose", {"other_party": support.BOB}) == (support.BOB,)
    assert records.get_related(ledger.state, ATT) == [
        support.ALICE,
        support.BOB,
        ISSUER.id,
        *SOURCES,
    ]
    assert records.get_related(ledger.state, "ATT-NONE-0001") == []
    related = related_subjects(ledger.state, "attest", "confirm", A)
    assert set(related) == {ATT, support.ALICE, support.BOB, ISSUER.id, *SOURCES}


def test_admission_refuses_personal_data_and_undeclared_arguments() -> None:
    ledger = proposed()
    refusal = get_admission_refusal(
        "attest", "refuse", {**A, "reason": "申请人 370102199003074528"}
    )
    assert refusal is not None and refusal.code == "personal_data"
    refusal = get_admission_refusal("attest", "owner_confirm", {**A, "extra": 1})
    assert refusal is not None and refusal.code == "invalid_argument"
    refusal = get_admission_refusal(
        "attest", "propose", propose_args(ledger, attestation_id="ATT-13805310123")
    )
    assert refusal is not None
    assert get_admission_refusal("attest", "propose", propose_args(ledger)) is None


def test_genesis_leaves_the_attest_schedule_absent_and_version_one_runs() -> None:
    writes = dict(genesis_writes((support.PSB,), suite=ED25519_SHA256))
    assert versions.get_schedule_key("attest") not in writes
    assert versions.get_schedule_key("consent") in writes
    assert versions.get_active_version(support.Ledger().state, "attest", 5) == 1


def test_helpers_on_records() -> None:
    ledger = proposed()
    attestation = records.ATTESTATIONS.get_existing(ledger.state, ATT)
    assert records.is_open(attestation)
    assert not records.is_past_deadline(attestation, attestation.deadline_ms)
    assert records.is_past_deadline(attestation, attestation.deadline_ms + 1)
    assert records.compute_status(attestation, attestation.deadline_ms) == "awaiting_sources"
    assert records.get_parties(attestation) == (support.ALICE, support.BOB)


@pytest.mark.parametrize(
    "hashes",
    [
        "[]",
        '"ab"',
        "{}",
        json.dumps({"Weihai": digest("x")}),
        json.dumps({"ab": "cd"}),
        json.dumps({f"org-{i}": digest("x") for i in range(limits.ATTEST_SOURCES_MAX + 1)}),
    ],
)
def test_the_record_hashes_reader_refuses_each_malformed_part(hashes: str) -> None:
    with pytest.raises(ContractError) as raised:
        attest_transactions.read_record_hashes({"record_hashes": hashes}, "record_hashes")
    assert raised.value.code == "invalid_argument"
    assert raised.value.message.startswith("record_hashes must be a JSON object")


def test_a_time_out_names_every_source_that_had_not_answered() -> None:
    ledger = proposed()
    ledger.time_ms = get(ledger)["deadline_ms"] + 1
    result = ledger.call(ISSUER, "attest.expire", A)
    assert dict(result.events[0].attrs)["reason"] == (
        f"no answer by the deadline from {', '.join(SOURCES)}"
    )


def test_an_attestation_without_another_party_is_indexed_under_its_holder_only() -> None:
    ledger = support.Ledger()
    ledger.call(
        ISSUER,
        "attest.define_type",
        define_args(type_id="address_attestation", other_party=False),
    )
    args = propose_args(ledger, type_id="address_attestation")
    del args["other_party"]
    ledger.call(ISSUER, "attest.propose", args)
    keys = [key for key, _ in ledger.state.items() if key.startswith(records.BY_PARTY.prefix)]
    assert keys == [records.BY_PARTY.key(support.ALICE, ATT)]


def test_a_type_names_no_other_party_unless_it_says_so() -> None:
    ledger = support.Ledger()
    args = define_args(type_id="address_attestation")
    del args["other_party"]
    result = ledger.call(ISSUER, "attest.define_type", args)
    assert dict(result.events[0].attrs)["other_party"] is False
    found = ledger.query("attest", "get_type", {"type_id": "address_attestation"})
    assert found["other_party"] is False
