"""The runtime: dispatch, subjects of calls, determinism and nothing personal on-chain."""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue, query, subjects_of
from tests.unit import test_contracts_support as support

# --- dispatch ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contract", "method"),
    [
        ("nope", "issue"),
        ("certificates", "status"),  # a query is not a transaction
        ("certificates", "delete"),
        ("consent", "get"),
        ("", ""),
    ],
)
def test_unknown_transactions(contract: str, method: str) -> None:
    ledger = support.Ledger()
    ledger.reject(support.UNIVERSITY, f"{contract}.{method}", {}, "unknown_method")


@pytest.mark.parametrize(
    ("contract", "method"),
    [("nope", "get"), ("certificates", "issue"), ("consent", "access"), ("membership", "x")],
)
def test_unknown_queries(contract: str, method: str) -> None:
    with pytest.raises(ContractError) as info:
        query(support.Ledger().state, contract, method, {}, now_ms=0)
    assert info.value.code == "unknown_method"


def test_query_results_are_json_serialisable() -> None:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000001")
    ledger.request("REQ-0000001", "DIP-2012-000001")
    results = {
        f"{contract}.{method}": ledger.query(contract, method, args)
        for contract, method, args in [
            ("membership", "list", {}),
            ("certificates", "types", {}),
            ("certificates", "list_by_holder", {"holder": support.ALICE}),
            ("consent", "list_by_holder", {"holder": support.ALICE}),
        ]
    }
    for result in results.values():
        # Plain JSON values only: a tuple or bytes would not come back equal.
        assert json.loads(canonical_json(result)) == result
    assert [c["cert_id"] for c in results["certificates.list_by_holder"]] == ["DIP-2012-000001"]
    assert [r["request_id"] for r in results["consent.list_by_holder"]] == ["REQ-0000001"]


# --- subjects_of ---------------------------------------------------------------------------


def test_subjects_of_a_rejected_access_names_the_request() -> None:
    assert subjects_of("consent", "access", {"request_id": "REQ-0000001"}) == ("REQ-0000001",)


def test_subjects_of_known_arguments() -> None:
    args: dict[str, ArgValue] = {
        "request_id": "REQ-0000001",
        "holder": support.ALICE,
        "cert_id": "DIP-2012-000001",
        "purpose": "x",
    }
    assert subjects_of("consent", "request", args) == (
        support.ALICE,
        "DIP-2012-000001",
        "REQ-0000001",
    )
    assert subjects_of(
        "certificates", "issue", {"holder": support.BOB, "cert_id": "CERT-0001"}
    ) == (support.BOB, "CERT-0001")
    assert subjects_of("membership", "get", {"org_id": "sdu"}) == ("sdu",)


@pytest.mark.parametrize(
    ("contract", "method", "args"),
    [
        ("consent", "access", {"request_id": "../../etc"}),
        ("consent", "access", {"request_id": b"REQ-0000001"}),
        ("consent", "request", {"holder": "张晓梅", "cert_id": 5}),
        ("nope", "nothing", {"request_id": "REQ-0000001"}),
        ("consent", "access", None),
        (None, None, {}),
    ],
)
def test_subjects_of_never_raises_and_drops_garbage(
    contract: str, method: str, args: dict[str, ArgValue]
) -> None:
    assert subjects_of(contract, method, args) == ()


# --- nothing personal on-chain -------------------------------------------------------------


def test_state_and_events_hold_no_personal_values() -> None:
    ledger = support.Ledger()
    ledger.call(
        support.UNIVERSITY,
        "certificates.issue",
        {
            "cert_id": "DIP-2012-000001",
            "cert_type": "diploma",
            "holder": support.ALICE,
            "doc_hash": support.doc_hash("diploma", support.ALICE_DIPLOMA_FIELDS),
            "valid_until_ms": 0,
        },
    )
    ledger.call(
        support.PSB,
        "certificates.issue",
        {
            "cert_id": "ID-370102-0001",
            "cert_type": "resident_id_card",
            "holder": support.ALICE,
            "doc_hash": support.doc_hash("resident_id_card", support.ALICE_ID_CARD_FIELDS),
            "valid_until_ms": ledger.time_ms + 3650 * support.DAY_MS,
        },
    )
    ledger.request("REQ-0000001", "ID-370102-0001")
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000001", "max_uses": 1})
    ledger.call(support.BANK, "consent.access", {"request_id": "REQ-0000001"})
    ledger.call(
        support.PSB,
        "certificates.revoke",
        {"cert_id": "ID-370102-0001", "reason": "证件遗失补领 reported lost"},
    )
    # An agency trying to put an ID or phone number into free text is refused.
    ledger.reject(
        support.NOTARY,
        "consent.request",
        {
            "request_id": "REQ-0000002",
            "holder": support.ALICE,
            "cert_id": "DIP-2012-000001",
            "purpose": "核实张晓梅 370102199003074528 电话13805310123",
            "max_uses": 1,
            "expires_at_ms": ledger.time_ms + support.DAY_MS,
        },
        "invalid_argument",
    )

    on_chain = b"".join(key + b"\x00" + value for key, value in ledger.state.items())
    for result in ledger.results:
        for event in result.events:
            on_chain += canonical_json([event.name, list(event.subjects), list(event.attrs)])
    for value in support.PERSONAL_VALUES:
        assert value.encode() not in on_chain, value
    for fields in (support.ALICE_DIPLOMA_FIELDS, support.ALICE_ID_CARD_FIELDS):
        for name in ("holder_name", "id_number"):
            assert fields[name].encode() not in on_chain


# --- determinism ---------------------------------------------------------------------------


def test_same_calls_give_identical_bytes() -> None:
    def run() -> list[bytes]:
        ledger = support.Ledger()
        ledger.issue_diploma("DIP-2012-000001")
        ledger.request("REQ-0000001", "DIP-2012-000001")
        ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000001"})
        ledger.call(support.BANK, "consent.access", {"request_id": "REQ-0000001"})
        return [support.result_bytes(result) for result in ledger.results]

    first = run()
    assert first == run()
    assert len(first) == 4


SENDERS = (
    support.UNIVERSITY.public_key,
    support.PSB.public_key,
    support.AMR.public_key,
    support.BANK.public_key,
    support.NOTARY.public_key,
    support.ALICE_KEY,
    support.BOB_KEY,
    support.STRANGER_KEY,
)
CERT_IDS = ("DIP-2012-000001", "DIP-2012-000002", "ID-370102-0001", "DIP-2012-000004")
OWNERS = {
    "DIP-2012-000001": support.ALICE,
    "DIP-2012-000002": support.BOB,
    "ID-370102-0001": support.ALICE,
}
"""Certificates issued before each random sequence (the last of CERT_IDS is not)."""
REQUEST_IDS = ("REQ-0000001", "REQ-0000002")
HOLDERS = (support.ALICE, support.BOB)


def _sender(*likely: bytes) -> st.SearchStrategy[bytes]:
    """Mostly a sender who may make the call, sometimes anyone."""
    return st.sampled_from(likely * 4 + SENDERS)


def _steps() -> st.SearchStrategy[support.Step]:
    cert_id = st.sampled_from(CERT_IDS)
    request_id = st.sampled_from(REQUEST_IDS)
    holder = st.sampled_from(HOLDERS)
    uses = st.sampled_from((1, 1, 2, 2, 3, 4, 0))
    advance = st.one_of(st.just(1000), st.integers(min_value=0, max_value=60_000))
    issuers = _sender(support.UNIVERSITY.public_key, support.PSB.public_key)
    agencies = _sender(support.BANK.public_key, support.NOTARY.public_key)
    holders = _sender(support.ALICE_KEY, support.ALICE_KEY, support.BOB_KEY)
    issue = st.builds(
        lambda sender, c, t, h, a: support.Step(
            sender,
            "certificates",
            "issue",
            {"cert_id": c, "cert_type": t, "holder": h, "doc_hash": "ab" * 32, "valid_until_ms": 0},
            a,
        ),
        issuers,
        cert_id,
        st.sampled_from(("diploma", "resident_id_card")),
        holder,
        advance,
    )
    revoke_cert = st.builds(
        lambda sender, c, a: support.Step(
            sender, "certificates", "revoke", {"cert_id": c, "reason": "withdrawn"}, a
        ),
        issuers,
        cert_id,
        advance,
    )
    owned = st.sampled_from(list(OWNERS.items()))
    cert_and_holder = st.one_of(owned, owned, owned, st.tuples(cert_id, holder))
    request = st.builds(
        lambda sender, r, ch, u, e, a: support.Step(
            sender,
            "consent",
            "request",
            {
                "request_id": r,
                "holder": ch[1],
                "cert_id": ch[0],
                "purpose": "background check",
                "max_uses": u,
                "expires_at_ms": support.T0_MS + e,
            },
            a,
        ),
        agencies,
        request_id,
        cert_and_holder,
        uses,
        st.sampled_from((0, 60_000, 600_000, 3_600_000, 3_600_000)),
        advance,
    )
    grant = st.builds(
        lambda sender, r, u, a: support.Step(
            sender,
            "consent",
            "grant",
            {"request_id": r} if u is None else {"request_id": r, "max_uses": u},
            a,
        ),
        holders,
        request_id,
        st.one_of(st.none(), uses),
        advance,
    )
    decide = st.builds(
        lambda sender, r, m, a: support.Step(sender, "consent", m, {"request_id": r}, a),
        holders,
        request_id,
        st.sampled_from(("refuse", "revoke")),
        advance,
    )
    access = st.builds(
        lambda sender, r, a: support.Step(sender, "consent", "access", {"request_id": r}, a),
        agencies,
        request_id,
        advance,
    )
    # Repeats weight the choice towards the consent flow.
    return st.one_of(
        issue, revoke_cert, request, request, request, grant, grant, decide, access, access, access
    )


def _run(steps: list[support.Step]) -> tuple[support.Ledger, list[bytes]]:
    ledger = support.Ledger()
    for cert_id, holder in OWNERS.items():
        ledger.issue_diploma(cert_id, holder=holder)
    return ledger, ledger.attempt_steps(steps)


@settings(max_examples=120, deadline=None)
@given(steps=st.lists(_steps(), min_size=10, max_size=50))
def test_random_call_sequences_are_deterministic_and_keep_invariants(
    steps: list[support.Step],
) -> None:
    """Mostly refused calls (about four in five: unknown requests, wrong senders), which is
    what this property is for; `test_valid_consent_flows_...` has calls that succeed."""
    first, first_outcomes = support.run_on_independent_states(_run, steps)
    support.report_outcomes(first_outcomes)
    _check_consent_invariants(first)


def _check_consent_invariants(ledger: support.Ledger) -> list[dict[str, Any]]:
    """What holds for every kept request, whatever happened; the requests, by id."""
    requests = ledger.query("consent", "list_by_holder", {"holder": support.ALICE})
    requests += ledger.query("consent", "list_by_holder", {"holder": support.BOB})
    for request in requests:
        assert 0 <= request["uses_left"] <= request["granted_uses"] <= request["max_uses"]
        if request["status"] != "granted":
            assert request["uses_left"] == 0
        cert = ledger.query("certificates", "status", {"cert_id": request["cert_id"]})
        assert cert["holder"] == request["holder"]
    return sorted(requests, key=lambda r: str(r["request_id"]))


HOLDER_KEYS = {support.ALICE: support.ALICE_KEY, support.BOB: support.BOB_KEY}
AGENCIES = (support.BANK.public_key, support.NOTARY.public_key)
Expected = tuple[str, str, int, int]
"""A request's expected end: (request_id, status, granted_uses, uses_left)."""


@st.composite
def _consent_flow(draw: st.DrawFn, number: int) -> tuple[list[support.Step], Expected]:
    """One request's whole life, each call made by someone who may make it, in an order
    the contract accepts: an agency asks for an issued certificate, the holder refuses or
    grants (perhaps fewer uses), the agency reads some of the uses granted, and the holder
    perhaps revokes. With what the request must end as."""
    cert_id, holder = draw(st.sampled_from(sorted(OWNERS.items())))
    agency, holder_key = draw(st.sampled_from(AGENCIES)), HOLDER_KEYS[holder]
    request_id, max_uses = f"REQ-{number:07d}", draw(st.integers(1, 4))
    by_id = {"request_id": request_id}
    advance = st.integers(0, 60_000)
    request = support.request_args(
        request_id, cert_id, holder, max_uses, support.T0_MS + 30 * support.DAY_MS
    )
    steps = [support.Step(agency, "consent", "request", request, draw(advance))]
    if draw(st.integers(0, 3)) == 0:
        steps.append(support.Step(holder_key, "consent", "refuse", by_id, draw(advance)))
        return steps, (request_id, "refused", 0, 0)
    granted = draw(st.integers(1, max_uses))
    grant = by_id if granted == max_uses else {**by_id, "max_uses": granted}
    steps.append(support.Step(holder_key, "consent", "grant", grant, draw(advance)))
    accesses = draw(st.integers(0, granted))
    steps += [support.Step(agency, "consent", "access", by_id, draw(advance))] * accesses
    if draw(st.booleans()):
        steps.append(support.Step(holder_key, "consent", "revoke", by_id, draw(advance)))
        return steps, (request_id, "revoked", granted, 0)
    return steps, (request_id, "granted", granted, granted - accesses)


@st.composite
def _consent_flows(draw: st.DrawFn) -> tuple[list[support.Step], list[Expected]]:
    """A few flows interleaved at random, each keeping its own order."""
    flows = [draw(_consent_flow(n)) for n in range(1, draw(st.integers(1, 5)) + 1)]
    lanes = [list(steps) for steps, _ in flows]
    order = draw(st.permutations([i for i, lane in enumerate(lanes) for _ in lane]))
    return [lanes[i].pop(0) for i in order], [expected for _, expected in flows]


@settings(max_examples=80, deadline=None)
@given(flows=_consent_flows())
def test_valid_consent_flows_are_accepted_deterministic_and_end_as_modelled(
    flows: tuple[list[support.Step], list[Expected]],
) -> None:
    """Generated valid, so every call must succeed (the random sequences above are mostly
    refused); each request then ends exactly as its flow says."""
    steps, expected = flows
    hypothesis.event(
        f"{len(expected)} requests, ends: {sorted({status for _, status, _, _ in expected})}"
    )
    first, first_outcomes = support.run_on_independent_states(_run, steps)
    support.assert_none_refused(first_outcomes)
    requests = _check_consent_invariants(first)
    ends = [(r["request_id"], r["status"], r["granted_uses"], r["uses_left"]) for r in requests]
    assert ends == sorted(expected)


# --- arguments -----------------------------------------------------------------------------


def test_arguments_must_be_a_mapping() -> None:
    ledger = support.Ledger()
    bad_args: Any = [("request_id", "REQ-0000001")]
    ledger.reject(support.BANK, "consent.access", bad_args, "invalid_argument")
