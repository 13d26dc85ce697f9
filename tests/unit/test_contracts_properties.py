"""Properties of the whole contract set: determinism, rejected calls change nothing, nothing
personal reaches state or events, malformed calls only raise contract errors."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from contracts.certificates.commitments import (
    compute_document_hash,
    compute_field_commitments,
    encode_field_hashes,
)
from contracts.framework.errors import ContractError
from contracts.runtime import ArgValue, screen_arguments
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

# --- determinism of random call sequences ----------------------------------------------------

SENDERS = (
    support.UNIVERSITY.public_key,
    support.PSB.public_key,
    support.BANK.public_key,
    support.NOTARY.public_key,
    support.HRSS.public_key,
    support.HEALTH.public_key,
    support.CIVIL.public_key,
    support.ALICE_KEY,
    support.BOB_KEY,
    support.GUARDIAN_KEY,
    support.STRANGER_KEY,
)
CERTS = ("DIP-2012-000001", "DIP-2012-000002", "DIP-2012-000003")
RECORDS = ("SS-2024-000001", "SS-2024-000002", "MED-2024-000001")
REQUESTS = ("REQ-0000001", "REQ-0000002")
CORRECTIONS = ("COR-0000001", "COR-0000002")
DELEGATIONS = ("DLG-0000001", "DLG-0000002")
HOLDERS = (support.ALICE, support.BOB)


LIKELY_SENDERS: dict[tuple[str, str], tuple[bytes, ...]] = {
    ("certificates", "issue"): (support.UNIVERSITY.public_key,),
    ("certificates", "suspend"): (support.UNIVERSITY.public_key,),
    ("certificates", "revoke"): (support.UNIVERSITY.public_key,),
    ("certificates", "reinstate"): (support.UNIVERSITY.public_key,),
    ("certificates", "amend"): (support.UNIVERSITY.public_key,),
    ("certificates", "reissue"): (support.UNIVERSITY.public_key,),
    ("certificates", "record_verification"): (support.NOTARY.public_key, support.BANK.public_key),
    ("archives", "append"): (support.HRSS.public_key, support.HEALTH.public_key),
    ("archives", "resolve_correction"): (support.HRSS.public_key, support.HEALTH.public_key),
    ("delegation", "register"): (support.CIVIL.public_key,),
    ("delegation", "accept"): (support.GUARDIAN_KEY,),
    ("delegation", "decline"): (support.GUARDIAN_KEY,),
    ("consent", "request"): (support.BANK.public_key, support.NOTARY.public_key),
    ("consent", "access"): (support.BANK.public_key,),
}
"""Who usually makes each call (holder-side calls: the holders and the guardian)."""
HOLDER_SIDE = (support.ALICE_KEY, support.ALICE_KEY, support.BOB_KEY, support.GUARDIAN_KEY)


def _sender_for(contract: str, method: str) -> st.SearchStrategy[bytes]:
    """Mostly a sender who may make the call, sometimes anyone."""
    likely = LIKELY_SENDERS.get((contract, method), HOLDER_SIDE)
    return st.sampled_from(likely * 6 + SENDERS)


def _steps() -> st.SearchStrategy[support.Step]:
    cert = st.sampled_from(CERTS)
    record = st.sampled_from(RECORDS)
    request = st.sampled_from(REQUESTS)
    holder = st.sampled_from(HOLDERS)
    advance = st.sampled_from((0, 1000, 1000, 60_000, 3 * support.DAY_MS))
    reason = st.just("核查 review")
    templates: list[st.SearchStrategy[tuple[str, str, dict[str, ArgValue]]]] = [
        st.builds(
            lambda c, h: ("certificates", "issue", support.issue_args(cert_id=c, holder=h)),
            cert,
            holder,
        ),
        st.builds(
            lambda c, m, r: ("certificates", m, {"cert_id": c, "reason": r}),
            cert,
            st.sampled_from(("suspend", "revoke")),
            reason,
        ),
        st.builds(lambda c: ("certificates", "reinstate", {"cert_id": c}), cert),
        st.builds(
            lambda c, d: (
                "certificates",
                "amend",
                {"cert_id": c, "doc_hash": d * 32, "reason": "x"},
            ),
            cert,
            st.sampled_from(("aa", "bb")),
        ),
        st.builds(
            lambda c, n: (
                "certificates",
                "reissue",
                {
                    "cert_id": c,
                    "new_cert_id": n,
                    "doc_hash": "cc" * 32,
                    "valid_until_ms": 0,
                    "reason": "补发",
                },
            ),
            cert,
            cert,
        ),
        st.builds(
            lambda c, v: (
                "certificates",
                "record_verification",
                {"cert_id": c, "verification_id": v, "result": "passed", "purpose": "核验"},
            ),
            cert,
            st.sampled_from(("VER-0000001", "VER-0000002")),
        ),
        st.builds(
            lambda r, h, cat: (
                "archives",
                "append",
                support.append_args(r, subject=h, category=cat),
            ),
            record,
            holder,
            st.sampled_from(("social_security", "medical")),
        ),
        st.builds(lambda r: ("archives", "claim", {"record_id": r}), record),
        st.builds(
            lambda c, r: (
                "archives",
                "request_correction",
                {"correction_id": c, "record_id": r, "reason": "有误"},
            ),
            st.sampled_from(CORRECTIONS),
            record,
        ),
        st.builds(
            lambda c, o, v: (
                "archives",
                "resolve_correction",
                {
                    "correction_id": c,
                    "outcome": o,
                    "reason": "已处理",
                    **({"content_hash": support.content_hash(v)} if o == "corrected" else {}),
                },
            ),
            st.sampled_from(CORRECTIONS),
            st.sampled_from(("corrected", "refused")),
            st.sampled_from(("v2", "v3")),
        ),
        st.builds(
            lambda d, m, p, g: (
                "delegation",
                m,
                support.delegation_args(d, "guardian", p, g, support.T0_MS + 30 * support.DAY_MS),
            ),
            st.sampled_from(DELEGATIONS),
            st.sampled_from(("register", "appoint")),
            holder,
            st.sampled_from((support.GUARDIAN, support.ALICE, support.BOB)),
        ),
        st.builds(
            lambda d, m: ("delegation", m, {"delegation_id": d}),
            st.sampled_from(DELEGATIONS),
            st.sampled_from(("accept", "decline", "revoke")),
        ),
        st.builds(
            lambda r, h, sc, u, e: (
                "consent",
                "request",
                {
                    "request_id": r,
                    "holder": h,
                    "scope": sc,
                    "purpose": "贷款",
                    "max_uses": u,
                    "expires_at_ms": support.T0_MS + e,
                },
            ),
            request,
            holder,
            st.sampled_from(
                (
                    support.json_arg([{"cert_id": CERTS[0]}]),
                    support.json_arg(
                        [
                            {"cert_type": "diploma", "fields": ["degree"]},
                            {"record_category": "social_security"},
                        ]
                    ),
                    support.json_arg([{"record_category": "medical"}]),
                )
            ),
            st.sampled_from((1, 2, 3)),
            st.sampled_from((60_000, 10 * support.DAY_MS)),
        ),
        st.builds(
            lambda r, m: ("consent", m, {"request_id": r}),
            request,
            st.sampled_from(("grant", "refuse", "revoke")),
        ),
        st.builds(
            lambda r, u: ("consent", "narrow", {"request_id": r, "max_uses": u}),
            request,
            st.sampled_from((1, 2)),
        ),
        st.builds(
            lambda r, t: ("consent", "access", {"request_id": r, **t}),
            request,
            st.sampled_from(
                (
                    {},
                    {"cert_id": CERTS[0]},
                    {"cert_id": CERTS[1], "fields": support.json_arg(["degree"])},
                    {"record_id": RECORDS[0]},
                    {"record_id": RECORDS[2]},
                )
            ),
        ),
    ]
    return st.one_of(*templates).flatmap(
        lambda t: st.builds(
            lambda s, a: support.Step(s, t[0], t[1], t[2], a), _sender_for(t[0], t[1]), advance
        )
    )


def run(steps: list[support.Step]) -> tuple[support.Ledger, list[bytes]]:
    ledger = support.Ledger()
    ledger.issue_diploma(CERTS[0])
    ledger.issue_diploma(CERTS[1], holder=support.BOB)
    ledger.append(support.HRSS, RECORDS[0])
    ledger.request(REQUESTS[0], CERTS[0])
    ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": REQUESTS[0]})
    return ledger, ledger.attempt_steps(steps)


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(_steps(), min_size=5, max_size=40))
def test_random_sequences_on_independent_states_are_identical(steps: list[support.Step]) -> None:
    """Any calls, so most are refused (about three in four: unknown ids, wrong senders);
    calls that succeed are the valid-lifecycle property's (and the consent flows' in
    test_contracts_runtime.py)."""
    first, first_outcomes = support.run_on_independent_states(run, steps)
    support.report_outcomes(first_outcomes)
    # Invariants of what was kept.
    for holder in HOLDERS:
        for request in first.query("consent", "list_by_holder", {"holder": holder}):
            assert 0 <= request["uses_left"] <= request["granted_uses"] <= request["max_uses"]
            if request["status"] != "granted":
                assert request["uses_left"] == 0
        for item in first.query(
            "archives", "list_by_subject", {"subject": holder, "with_history": True}
        ):
            assert [v["version"] for v in item["versions"]] == list(range(1, item["version"] + 1))


HOLDER_KEYS = {support.ALICE: support.ALICE_KEY, support.BOB: support.BOB_KEY}
SOURCES = {"social_security": support.HRSS, "medical": support.HEALTH}
CertificateEnd = tuple[str, str, int]
"""A certificate's expected end: (cert_id, status, version)."""
RecordEnd = tuple[str, bool, int, str]
"""An archive record's expected end: (record_id, claimed, version, content_hash)."""


@st.composite
def _certificate_life(draw: st.DrawFn, number: int) -> tuple[list[support.Step], CertificateEnd]:
    """A certificate issued by its issuer, then a walk of moves its status allows (suspend,
    reinstate, amend, a verifier's record, revoke), each made by whom may make it."""
    cert_id, advance = f"DIP-2013-{number:06d}", st.sampled_from((0, 1000, 60_000))
    args = support.issue_args(cert_id=cert_id, holder=draw(st.sampled_from(HOLDERS)))
    steps = [support.Step(support.UNIVERSITY.public_key, "certificates", "issue", args, 0)]
    status, version, doc_hash = "valid", 1, str(args["doc_hash"])
    for move_number in range(draw(st.integers(0, 6))):
        moves = {
            "valid": ("suspend", "amend", "verify", "revoke"),
            "suspended": ("reinstate", "amend", "revoke"),
        }
        if status not in moves:
            break
        move = draw(st.sampled_from(moves[status]), label="move")
        sender, by_id = support.UNIVERSITY.public_key, {"cert_id": cert_id}
        if move in ("suspend", "revoke"):
            call = (move, {**by_id, "reason": "核查 review"})
            status = {"suspend": "suspended", "revoke": "revoked"}[move]
        elif move == "reinstate":
            call, status = (move, by_id), "valid"
        elif move == "amend":
            doc_hash = ("bb" if doc_hash == "aa" * 32 else "aa") * 32
            call, version = (move, {**by_id, "doc_hash": doc_hash, "reason": "x"}), version + 1
        else:
            sender = draw(st.sampled_from((support.NOTARY.public_key, support.BANK.public_key)))
            verification = {"verification_id": f"VER-{number:03d}{move_number:04d}"}
            call = ("record_verification", {**by_id, **verification, "result": "passed"})
            call[1]["purpose"] = "核验"
        steps.append(support.Step(sender, "certificates", *call, draw(advance)))
    return steps, (cert_id, status, version)


@st.composite
def _record_life(draw: st.DrawFn, number: int) -> tuple[list[support.Step], RecordEnd]:
    """An archive record appended by its source; perhaps claimed by its subject, who may
    then ask for a correction that the source makes or refuses."""
    category = draw(st.sampled_from(sorted(SOURCES)))
    source, holder = SOURCES[category].public_key, draw(st.sampled_from(HOLDERS))
    record_id = f"{'SS' if category == 'social_security' else 'MED'}-2025-{number:06d}"
    args = support.append_args(record_id, subject=holder, category=category)
    steps = [support.Step(source, "archives", "append", args, 0)]
    claimed, version, content = False, 1, str(args["content_hash"])
    if draw(st.booleans(), label="claim"):
        claim = {"record_id": record_id}
        steps.append(support.Step(HOLDER_KEYS[holder], "archives", "claim", claim, 1000))
        claimed = True
    if draw(st.booleans(), label="correction"):
        correction_id = f"COR-{number:07d}"
        ask = {"correction_id": correction_id, "record_id": record_id, "reason": "有误"}
        steps.append(support.Step(HOLDER_KEYS[holder], "archives", "request_correction", ask, 0))
        outcome = draw(st.sampled_from(("corrected", "refused")))
        answer = {"correction_id": correction_id, "outcome": outcome, "reason": "已处理"}
        if outcome == "corrected":
            content = support.content_hash(f"{record_id}/v2")
            answer["content_hash"] = content
            version += 1
        steps.append(support.Step(source, "archives", "resolve_correction", answer, 1000))
    return steps, (record_id, claimed, version, content)


@st.composite
def _lives(
    draw: st.DrawFn,
) -> tuple[list[support.Step], list[CertificateEnd], list[RecordEnd]]:
    """A few certificate and record lives interleaved at random, each in its own order."""
    certificates = [draw(_certificate_life(n)) for n in range(draw(st.integers(1, 4)))]
    records = [draw(_record_life(n)) for n in range(draw(st.integers(1, 4)))]
    lanes = [list(steps) for steps, _ in [*certificates, *records]]
    order = draw(st.permutations([i for i, lane in enumerate(lanes) for _ in lane]))
    steps = [lanes[i].pop(0) for i in order]
    return steps, [end for _, end in certificates], [end for _, end in records]


@settings(max_examples=60, deadline=None)
@given(lives=_lives())
def test_valid_lifecycles_are_accepted_identical_on_independent_states_and_as_modelled(
    lives: tuple[list[support.Step], list[CertificateEnd], list[RecordEnd]],
) -> None:
    """Generated valid, so every call must succeed (most random calls above are refused);
    each certificate and record then ends exactly as its life says."""
    steps, certificates, records = lives
    event(f"certificates end {sorted({status for _, status, _ in certificates})}")
    event(
        f"records: claimed {any(r[1] for r in records)}, corrected {any(r[2] > 1 for r in records)}"
    )
    first, first_outcomes = support.run_on_independent_states(run, steps)
    support.assert_none_refused(first_outcomes)
    for cert_id, status, version in certificates:
        cert = first.query("certificates", "status", {"cert_id": cert_id})
        assert (cert["status"], cert["version"]) == (status, version)
    for record_id, claimed, version, content in records:
        record = first.query("archives", "get", {"record_id": record_id})
        expected = {"claimed": claimed, "version": version, "content_hash": content}
        assert {key: record[key] for key in expected} == expected
        assert record["pending_correction"] == ""


RICH_FLOW_SCRIPT = """
import hashlib, sys
from tests.unit.test_contracts_properties import rich_flow
ledger, results = rich_flow()
digest = hashlib.sha256()
for key, value in ledger.state.items():
    digest.update(key + b"\\x00" + value + b"\\x01")
for blob in results:
    digest.update(blob)
print(digest.hexdigest())
"""


def test_the_same_flow_gives_the_same_bytes_under_any_hash_seed() -> None:
    """Set and dict-of-str iteration order depends on PYTHONHASHSEED: run the rich flow in
    processes with different seeds and compare a digest of all state and events."""
    root = Path(__file__).resolve().parents[2]
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", RICH_FLOW_SCRIPT],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


# --- nothing personal on-chain ---------------------------------------------------------------

ENTERPRISE_VALUES = {
    "unified_social_credit_code": "91371000MA3C8ABC1X",
    "company_name": "威海海韵食品有限公司",
    "company_type": "有限责任公司",
    "legal_representative": "王建国",
    "registered_capital": "500万元",
    "establishment_date": "2015-08-18",
    "business_term": "长期",
    "business_scope": "水产品加工、销售",
    "domicile": "山东省威海市环翠区海滨北路66号",
    "registration_authority": "威海市市场监督管理局",
}
MORE_PERSONAL_VALUES = ("王建国", "91371000MA3C8ABC1X", "山东省威海市环翠区海滨北路66号")


def rich_flow() -> tuple[support.Ledger, list[bytes]]:
    """Every kind of transaction, with realistic documents kept off-chain."""
    ledger = support.Ledger()
    diploma_salt = support.salt_for("diploma")
    commitments = compute_field_commitments(
        "diploma", support.ALICE_DIPLOMA_FIELDS, diploma_salt, suite=ED25519_SHA256
    )
    ledger.issue(
        support.UNIVERSITY,
        doc_hash=compute_document_hash(
            "diploma", support.ALICE_DIPLOMA_FIELDS, diploma_salt, suite=ED25519_SHA256
        ),
        field_hashes=encode_field_hashes(commitments),
    )
    id_salt = support.salt_for("id")
    ledger.issue(
        support.PSB,
        cert_id="ID-370102-0001",
        cert_type="resident_id_card",
        doc_hash=compute_document_hash(
            "resident_id_card", support.ALICE_ID_CARD_FIELDS, id_salt, suite=ED25519_SHA256
        ),
        field_hashes=encode_field_hashes(
            compute_field_commitments(
                "resident_id_card", support.ALICE_ID_CARD_FIELDS, id_salt, suite=ED25519_SHA256
            )
        ),
        valid_until_ms=support.T0_MS + 3650 * support.DAY_MS,
    )
    licence_salt = support.salt_for("licence")
    ledger.issue(
        support.AMR,
        cert_id="BL-WH-2015-000001",
        cert_type="business_licence",
        holder=support.ENTERPRISE,
        doc_hash=compute_document_hash(
            "business_licence", ENTERPRISE_VALUES, licence_salt, suite=ED25519_SHA256
        ),
    )
    ledger.call(support.PSB, "certificates.amend", support.ID_CARD_ADDRESS_CHANGE)
    ledger.call(
        support.NOTARY, "certificates.record_verification", support.NOTARY_DIPLOMA_VERIFICATION
    )
    ledger.append(support.HRSS, "SS-2024-000001")
    ledger.append_enterprise_registration()
    ledger.register_guardian(support.T0_MS + 365 * support.DAY_MS)
    ledger.register_legal_representative(support.T0_MS + 365 * support.DAY_MS)
    ledger.call(
        support.LEGAL_REP_KEY,
        "delegation.appoint",
        support.agent_appointment_args(support.T0_MS + 100 * support.DAY_MS),
    )
    ledger.call(support.AGENT_KEY, "delegation.accept", {"delegation_id": "DLG-AGENT-0001"})
    ledger.call(support.GUARDIAN_KEY, "archives.claim", {"record_id": "SS-2024-000001"})
    for sender, target, args in support.SS_RECORD_CORRECTED:
        ledger.call(sender, target, args)
    ledger.call(
        support.BANK,
        "consent.request",
        support.loan_request_args("ID-370102-0001", 3, ledger.time_ms + 30 * support.DAY_MS),
    )
    ledger.call(support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001", "max_uses": 2})
    ledger.call(
        support.BANK, "consent.access", support.loan_access_args("ID-370102-0001", "valid_until")
    )
    ledger.call(support.BANK, "consent.access", support.LOAN_RECORD_ACCESS)
    ledger.call(support.ALICE_KEY, "consent.revoke", {"request_id": "REQ-0000001"})
    ledger.request("REQ-ENT-0001", "BL-WH-2015-000001", holder=support.ENTERPRISE)
    ledger.call(support.AGENT_KEY, "consent.grant", {"request_id": "REQ-ENT-0001"})
    ledger.call(support.BANK, "consent.access", {"request_id": "REQ-ENT-0001"})
    # Attempts to put personal data on-chain are refused.
    for contract, method, args in (
        ("archives", "append", support.append_args("SS-370102199003074528")),
        (
            "archives",
            "append",
            support.append_args("SS-2024-000009", source_department="王建国 13805310123"),
        ),
    ):
        ledger.reject(support.HRSS, f"{contract}.{method}", args, "invalid_argument")
    ledger.reject(
        support.ALICE_KEY,
        "archives.request_correction",
        {
            "correction_id": "COR-0000002",
            "record_id": "SS-2024-000001",
            "reason": "身份证370102199003074528",
        },
        "invalid_argument",
    )
    return ledger, [support.result_bytes(result) for result in ledger.results]


def test_a_scan_of_all_state_and_events_finds_no_personal_value() -> None:
    ledger, results = rich_flow()
    on_chain = b"".join(key + b"\x00" + value for key, value in ledger.state.items())
    on_chain += b"".join(results)
    values = {
        *support.PERSONAL_VALUES,
        *MORE_PERSONAL_VALUES,
        *support.ALICE_DIPLOMA_FIELDS.values(),
        *support.ALICE_ID_CARD_FIELDS.values(),
        *ENTERPRISE_VALUES.values(),
    }
    # Organisations' names are public (genesis); one-character values ("女", "汉") would match
    # by chance. Every other value of every document is checked.
    public = {org.name for org in support.ORGANISATIONS}
    identifying = {v for v in values if len(v) >= 4 and v not in public}
    assert identifying >= {"370102199003074528", "91371000MA3C8ABC1X", "13805310123", "1990-03-07"}
    for value in sorted(identifying):
        assert value.encode() not in on_chain, value
    assert hashlib.sha256(on_chain).digest()  # the scan covered something
    assert len(ledger.state) > 40


# --- malformed calls -------------------------------------------------------------------------

ARG_NAMES = (
    "cert_id",
    "new_cert_id",
    "cert_type",
    "holder",
    "subject",
    "principal",
    "delegate",
    "doc_hash",
    "field_hashes",
    "valid_until_ms",
    "reason",
    "request_id",
    "record_id",
    "correction_id",
    "delegation_id",
    "verification_id",
    "proposal_id",
    "action",
    "scope",
    "fields",
    "actions",
    "kind",
    "category",
    "outcome",
    "content_hash",
    "max_uses",
    "expires_at_ms",
    "height",
    "purpose",
    "status",
    "limit",
    "org_id",
    "junk",
)
ARG_SAMPLES = (
    "DIP-2012-000001",
    "SS-2024-000001",
    "REQ-0000001",
    support.ALICE,
    "diploma",
    "social_security",
    "guardian",
    "ab" * 32,
    '[{"cert_id": "DIP-2012-000001"}]',
    '["consent"]',
    '{"degree": 1}',
    "[[[[[[]]]]]]",
    "add_org",
    "corrected",
    "granted",
)


def _ledger_with_record_and_request() -> support.Ledger:
    ledger = support.Ledger()
    ledger.issue_diploma("DIP-2012-000001")
    ledger.append(support.HRSS, "SS-2024-000001")
    ledger.request("REQ-0000001", "DIP-2012-000001")
    return ledger


# The one fuzzer of malformed calls: every method, with the argument names of all contracts.
test_malformed_calls_only_raise_contract_errors = support.malformed_calls_test(
    _ledger_with_record_and_request,
    ARG_NAMES,
    ARG_SAMPLES,
    (*SENDERS, support.AMR.public_key),
    examples=700,
    args_max=8,
)


# --- admission screening ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "admitted"),
    [
        (support.issue_args(), True),
        ({"purpose": "核实 370102199003074528"}, False),
        ({"record_id": "SS-370102199003074528"}, False),
        ({"source_department": "代码91371000MA3C8ABC1X"}, False),
        ({"reason": "call 13805310123"}, False),
        ({"reason": "mail zhang@example.com"}, False),
        ({"scope": '[{"cert_id": "ID-370102199003074528"}]'}, False),
        ({"doc_hash": "370102199003074528" + "a" * 46}, True),  # a hex digest, not an ID
        ({"holder": support.ALICE, "public_key": "1" * 64, "max_uses": 3, "flag": True}, True),
        ({"purpose": "2024-11-22 10:30 贷款审批"}, True),
    ],
)
def test_screen_arguments_refuses_personal_data_before_admission(
    args: dict[str, ArgValue], admitted: bool
) -> None:
    if admitted:
        screen_arguments(args)
    else:
        with pytest.raises(ContractError) as info:
            screen_arguments(args)
        assert info.value.code == "invalid_argument"
        assert "370102199003074528" not in info.value.message
