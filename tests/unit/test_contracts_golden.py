"""A fixed scenario through every contract, compared with golden output recorded once.

Existing chains must keep their state roots: whatever is refactored in contracts/, the same
transactions must write the same bytes, emit the same events, reject with the same code and
message, and answer queries with the same JSON. The scenario below touches every transaction
of every contract (and a sample of rejections and queries); its full transcript is kept in
``testdata/contracts_golden.txt`` (readable, so a difference shows where it is) and the hash
of the final state in :data:`FINAL_STATE_SHA256` (so regenerating the file by mistake cannot
hide a change of state bytes).

To regenerate the transcript after an intended change of behaviour:
``GOLDEN_UPDATE=1 .venv/bin/python -m pytest tests/unit/test_contracts_golden.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contracts.certificates.commitments import compute_field_commitments, encode_field_hashes
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.framework.memory import MemoryState
from contracts.runtime import (
    ArgValue,
    QuorumRule,
    execute,
    genesis_writes,
    related_subjects,
    subjects_of,
)
from contracts.runtime import query as run_query
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

GOLDEN_PATH = Path(__file__).parent / "testdata" / "contracts_golden.txt"

FINAL_STATE_SHA256 = "1ede88c5e964e5f545ae7a3f5c0553c07aec6530ccd2ab00aeb256389f75dfd8"
"""SHA-256 over the final state's sorted (key, value) pairs, recorded on the code before the
contracts were reorganised."""


@dataclasses.dataclass(frozen=True)
class _Validator:
    id: str
    public_key: bytes


GENESIS_VALIDATORS = tuple(
    _Validator(f"val-{i}", support.key_of(f"validator/{i}")) for i in range(4)
)


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)


class _Recorder(support.Ledger):
    """A ledger that writes down every outcome, accepted or not, as one transcript."""

    def __init__(self) -> None:
        super().__init__()
        self.state = MemoryState(
            genesis_writes(
                support.ORGANISATIONS, GENESIS_VALIDATORS, QuorumRule(1, 2), suite=ED25519_SHA256
            )
        )
        self.lines: list[str] = [f"genesis {len(self.state)} keys"]

    def step(self, sender: support.Sender, target: str, args: Mapping[str, ArgValue]) -> None:
        """Run a transaction (``target`` is ``"contract.method"``), accepted or rejected, and
        write down what it did."""
        contract, method = support.split_target(target)
        self.lines.append(f"tx {self.height} {contract}.{method} {_show(dict(args))}")
        self.lines.append(f"  subjects {_show(list(subjects_of(contract, method, args)))}")
        self.lines.append(
            f"  related {_show(list(related_subjects(self.state, contract, method, args)))}"
        )
        try:
            result = execute(self.state, self.ctx(sender), contract, method, args)
        except ContractError as error:
            self.lines.append(f"  rejected {error.code}: {error.message}")
        else:
            self.state.apply(result)
            for key, value in result.writes:
                shown = "<deleted>" if value is None else value.decode("utf-8")
                self.lines.append(f"  write {key.decode('utf-8')} = {shown}")
            for event in result.events:
                self.lines.append(
                    f"  event {event.name} {_show(list(event.subjects))} {_show(event.attrs)}"
                )
        self.height += 1
        self.time_ms += 1000

    def ask(self, contract: str, method: str, args: Mapping[str, ArgValue]) -> None:
        """Run a query and write down its answer (or its error)."""
        try:
            answer: Any = run_query(self.state, contract, method, args, now_ms=self.time_ms)
        except ContractError as error:
            self.lines.append(f"query {contract}.{method} {_show(dict(args))} -> {error.code}")
        else:
            self.lines.append(f"query {contract}.{method} {_show(dict(args))} -> {_show(answer)}")


APPROVERS = (
    support.UNIVERSITY,
    support.AMR,
    support.BANK,
    support.HRSS,
    support.HEALTH,
    support.WEIHAI_AMR,
    support.CIVIL,
)
"""Members whose keys the scenario never rotates or removes."""


def _propose(r: _Recorder, proposer_key: bytes, args: dict[str, ArgValue]) -> None:
    r.step(proposer_key, "membership.propose", args)
    for org in APPROVERS[:5]:  # PSB proposes; five more make 6 of 10 or 11 (> one half)
        r.step(org, "membership.approve", {"proposal_id": args["proposal_id"]})


def _certificates(r: _Recorder) -> None:
    salt = support.salt_for("diploma")
    commitments = compute_field_commitments(
        "diploma", support.ALICE_DIPLOMA_FIELDS, salt, suite=ED25519_SHA256
    )
    r.step(
        support.UNIVERSITY,
        "certificates.issue",
        support.issue_args(
            doc_hash=support.doc_hash("diploma", support.ALICE_DIPLOMA_FIELDS, "diploma"),
            field_hashes=encode_field_hashes(commitments),
        ),
    )
    id_card = {
        "cert_id": "ID-370102-0001",
        "cert_type": "resident_id_card",
        "holder": support.ALICE,
        "doc_hash": support.doc_hash("resident_id_card", support.ALICE_ID_CARD_FIELDS, "id"),
        "valid_until_ms": r.time_ms + 3650 * support.DAY_MS,
    }
    r.step(support.PSB, "certificates.issue", id_card)
    r.step(support.PSB, "certificates.issue", id_card)  # already exists
    r.step(support.UNIVERSITY, "certificates.issue", support.issue_args(cert_id="X"))
    r.step(support.BANK, "certificates.issue", support.issue_args(cert_id="DIP-2012-000002"))
    r.step(
        support.PSB,
        "certificates.renew",
        {"cert_id": "ID-370102-0001", "valid_until_ms": r.time_ms + 3700 * support.DAY_MS},
    )
    r.step(support.PSB, "certificates.amend", support.ID_CARD_ADDRESS_CHANGE)
    r.step(
        support.PSB,
        "certificates.suspend",
        {"cert_id": "ID-370102-0001", "reason": "挂失 reported lost"},
    )
    r.step(support.PSB, "certificates.renew", {"cert_id": "ID-370102-0001", "valid_until_ms": 1})
    r.step(
        support.PSB,
        "certificates.reinstate",
        {"cert_id": "ID-370102-0001", "reason": "找回 found again"},
    )
    r.step(
        support.PSB,
        "certificates.reissue",
        {
            "cert_id": "ID-370102-0001",
            "new_cert_id": "ID-370102-0002",
            "doc_hash": support.doc_hash(
                "resident_id_card", support.ALICE_MOVED_ID_CARD_FIELDS, "id3"
            ),
            "valid_until_ms": r.time_ms + 3650 * support.DAY_MS,
            "reason": "补领 replacement",
        },
    )
    r.step(
        support.PSB,
        "certificates.issue",
        {
            "cert_id": "DL-370102-0001",
            "cert_type": "driving_licence",
            "holder": support.BOB,
            "doc_hash": support.content_hash("dl"),
            "valid_until_ms": r.time_ms + 2000 * support.DAY_MS,
        },
    )
    r.step(support.PSB, "certificates.revoke", {"cert_id": "DL-370102-0001", "reason": "吊销"})
    r.step(support.PSB, "certificates.revoke", {"cert_id": "DL-370102-0001", "reason": "again"})
    r.step(
        support.NOTARY,
        "certificates.record_verification",
        {
            **support.NOTARY_DIPLOMA_VERIFICATION,
            "fields": support.json_arg(["degree", "university"]),
        },
    )
    r.step(
        support.STRANGER_KEY,
        "certificates.record_verification",
        {
            "cert_id": "DIP-2012-000001",
            "verification_id": "VER-2",
            "result": "passed",
            "purpose": "x",
        },
    )
    r.step(
        support.AMR,
        "certificates.issue",
        support.issue_args(
            cert_id="BL-WH-2015-000001",
            cert_type="business_licence",
            holder=support.ENTERPRISE,
            doc_hash=support.content_hash("licence"),
        ),
    )
    for method, args in (
        ("status", {"cert_id": "ID-370102-0001"}),
        ("status", {"cert_id": "ID-370102-0002"}),
        ("status", {"cert_id": "NOPE-0000"}),
        ("list_by_holder", {"holder": support.ALICE}),
        ("list_by_holder", {"holder": support.BOB, "limit": 1}),
        ("history", {"cert_id": "ID-370102-0001"}),
        ("verifications", {"cert_id": "DIP-2012-000001"}),
        ("verifications", {"holder": support.ALICE}),
        ("verifications", {}),
        ("types", {}),
    ):
        r.ask("certificates", method, args)


def _archives(r: _Recorder) -> None:
    r.step(support.HRSS, "archives.append", support.append_args("SS-2024-000001"))
    r.step(support.HRSS, "archives.append", support.append_args("SS-2024-000002", content="a"))
    r.step(
        support.HEALTH, "archives.append", support.append_args("MED-2024-0001", category="medical")
    )
    r.step(
        support.WEIHAI_AMR,
        "archives.append",
        support.append_args(
            "ENT-REG-000001", subject=support.ENTERPRISE, category="enterprise_registration"
        ),
    )
    r.step(
        support.WEIHAI_AMR,
        "archives.append",
        support.append_args("CREDIT-00001", subject=support.ENTERPRISE, category="credit"),
    )
    r.step(
        support.WEIHAI_AMR,
        "archives.append",
        support.append_args("CREDIT-00002", subject=support.BOB, category="credit"),
    )
    r.step(support.HRSS, "archives.append", support.append_args("SS-370102199003074528"))
    r.step(
        support.HRSS,
        "archives.amend",
        {
            "record_id": "SS-2024-000002",
            "content_hash": support.content_hash("b"),
            "reason": "基数调整",
        },
    )
    r.step(support.ALICE_KEY, "archives.claim", {"record_id": "SS-2024-000001"})
    r.step(support.ALICE_KEY, "archives.claim", {"record_id": "SS-2024-000001"})
    r.step(support.BOB_KEY, "archives.claim", {"record_id": "SS-2024-000002"})
    for sender, target, args in support.SS_RECORD_CORRECTED:
        r.step(sender, target, args)
    r.step(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000002", "record_id": "SS-2024-000002", "reason": "月份有误"},
    )
    r.step(
        support.HRSS,
        "archives.amend",
        {"record_id": "SS-2024-000002", "content_hash": support.content_hash("c"), "reason": "x"},
    )
    r.step(
        support.HRSS,
        "archives.resolve_correction",
        {"correction_id": "COR-0000002", "outcome": "refused", "reason": "核实无误"},
    )
    for method, args in (
        ("get", {"record_id": "SS-2024-000001"}),
        ("history", {"record_id": "SS-2024-000001"}),
        ("list_by_subject", {"subject": support.ALICE, "with_history": True}),
        ("list_by_subject", {"subject": support.ENTERPRISE, "category": "credit"}),
        ("file", {"subject": support.ALICE}),
        ("file", {"subject": support.AGENT}),
        ("correction", {"correction_id": "COR-0000002"}),
        ("corrections_by_source", {"org_id": "weihai-hrss", "status": "refused"}),
        ("corrections_by_subject", {"subject": support.ALICE}),
        ("categories", {}),
    ):
        r.ask("archives", method, args)


def _delegation(r: _Recorder) -> None:
    year = r.time_ms + 365 * support.DAY_MS
    r.step(
        support.CIVIL,
        "delegation.register",
        support.delegation_args(
            "DLG-GUARD-0001", "guardian", support.ALICE, support.GUARDIAN, year
        ),
    )
    r.step(
        support.WEIHAI_AMR,
        "delegation.register",
        support.delegation_args(
            "DLG-LEGAL-0001",
            "legal_representative",
            support.ENTERPRISE,
            support.LEGAL_REP,
            year,
            ("consent", "archives", "appoint_agents"),
            cert_types=support.json_arg(["business_licence", "food_business_permit"]),
        ),
    )
    r.step(
        support.LEGAL_REP_KEY,
        "delegation.appoint",
        support.agent_appointment_args(
            r.time_ms + 100 * support.DAY_MS, cert_types=support.json_arg(["business_licence"])
        ),
    )
    r.step(support.AGENT_KEY, "delegation.accept", {"delegation_id": "DLG-AGENT-0001"})
    # Bob, appointed for archives by the enterprise and by Alice, declines one and accepts one.
    for appointer, delegation_id, kind, principal, answer in (
        (support.ENTERPRISE_KEY, "DLG-AGENT-0002", "agent", support.ENTERPRISE, "decline"),
        (support.ALICE_KEY, "DLG-GUARD-0002", "guardian", support.ALICE, "accept"),
    ):
        appointment = support.delegation_args(
            delegation_id, kind, principal, support.BOB, year, ("archives",)
        )
        r.step(appointer, "delegation.appoint", appointment)
        r.step(support.BOB_KEY, f"delegation.{answer}", {"delegation_id": delegation_id})
    r.step(
        support.ALICE_KEY,
        "delegation.revoke",
        {"delegation_id": "DLG-GUARD-0002", "reason": "不再需要"},
    )
    r.step(support.STRANGER_KEY, "delegation.revoke", {"delegation_id": "DLG-GUARD-0001"})
    r.step(
        support.LEGAL_REP_KEY,
        "delegation.appoint",
        support.delegation_args(
            "DLG-AGENT-0003",
            "agent",
            support.ENTERPRISE,
            support.AGENT,
            year + support.DAY_MS,
            ("consent",),
        ),
    )
    r.step(support.GUARDIAN_KEY, "archives.claim", {"record_id": "SS-2024-000002"})
    r.step(support.GUARDIAN_KEY, "archives.claim", {"record_id": "MED-2024-0001"})
    for method, args in (
        ("get", {"delegation_id": "DLG-AGENT-0001"}),
        ("list_by_holder", {"holder": support.ENTERPRISE}),
        ("list_by_holder", {"holder": support.BOB, "side": "delegate", "in_force": True}),
    ):
        r.ask("delegation", method, args)


def _consent(r: _Recorder) -> None:
    month = r.time_ms + 30 * support.DAY_MS
    r.step(
        support.BANK,
        "consent.request",
        support.loan_request_args("ID-370102-0002", 5, month, {"cert_type": "diploma"}),
    )
    r.step(support.GUARDIAN_KEY, "consent.grant", {"request_id": "REQ-0000001", "max_uses": 4})
    r.step(
        support.ALICE_KEY,
        "consent.narrow",
        {
            "request_id": "REQ-0000001",
            "max_uses": 3,
            "scope": support.json_arg(
                [
                    {"cert_id": "ID-370102-0002", "fields": ["valid_until"]},
                    {"record_category": "social_security"},
                ]
            ),
        },
    )
    r.step(
        support.BANK, "consent.access", support.loan_access_args("ID-370102-0002", "valid_until")
    )
    r.step(support.BANK, "consent.access", support.loan_access_args("ID-370102-0002", "sex"))
    r.step(support.BANK, "consent.access", support.LOAN_RECORD_ACCESS)
    r.step(support.NOTARY, "consent.access", support.LOAN_RECORD_ACCESS)
    r.step(support.ALICE_KEY, "consent.revoke", {"request_id": "REQ-0000001"})
    r.step(support.BANK, "consent.access", support.LOAN_RECORD_ACCESS)
    r.step(
        support.NOTARY,
        "consent.request",
        {
            "request_id": "REQ-0000002",
            "holder": support.ALICE,
            "cert_id": "DIP-2012-000001",
            "purpose": "学历公证",
            "max_uses": 1,
            "expires_at_ms": month,
        },
    )
    r.step(support.ALICE_KEY, "consent.refuse", {"request_id": "REQ-0000002"})
    r.step(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000002"})
    r.step(
        support.AMR,
        "consent.request",
        {
            "request_id": "REQ-ENT-0001",
            "holder": support.ENTERPRISE,
            "cert_id": "BL-WH-2015-000001",
            "purpose": "年报核查",
            "max_uses": 2,
            "expires_at_ms": month,
        },
    )
    r.step(
        support.AGENT_KEY,
        "consent.grant",
        {"request_id": "REQ-ENT-0001", "expires_at_ms": month - 1},
    )
    r.step(support.AMR, "consent.access", {"request_id": "REQ-ENT-0001"})
    r.step(
        support.BANK,
        "consent.request",
        {
            "request_id": "REQ-LONG-0001",
            "holder": support.BOB,
            "scope": support.json_arg([{"record_category": "credit"}]),
            "purpose": "信贷审批",
            "max_uses": 1,
            "expires_at_ms": r.time_ms + 400 * support.DAY_MS,
        },
    )
    for method, args in (
        ("get", {"request_id": "REQ-0000001"}),
        ("list_by_holder", {"holder": support.ALICE}),
        ("list_by_holder", {"holder": support.ALICE, "status": "refused"}),
        ("list_by_agency", {"agency": "jinan-amr", "in_force": True}),
    ):
        r.ask("consent", method, args)


def _membership(r: _Recorder) -> None:
    new_key = support.key_of("weihai-bigdata")
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0001",
            "action": "add_org",
            "org_id": "weihai-bigdata",
            "name": "威海市大数据中心",
            "public_key": new_key.hex(),
            "roles": support.json_arg(["verifier", "validator_operator"]),
        },
    )
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0002",
            "action": "set_roles",
            "org_id": "weihai-health",
            "roles": support.json_arg(["archive_source", "verifier"]),
            "record_categories": support.json_arg(["medical", "family"]),
        },
    )
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0003",
            "action": "rotate_org_key",
            "org_id": "jinan-notary",
            "public_key": support.key_of("notary-2").hex(),
        },
    )
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0004",
            "action": "add_validator",
            "validator_id": "val-4",
            "public_key": support.key_of("validator/4").hex(),
            "operator": "weihai-bigdata",
            "endpoint": "bigdata.weihai.example:7001",
        },
    )
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0005",
            "action": "set_validator_endpoint",
            "validator_id": "val-1",
            "endpoint": "10.0.0.2:7001",
        },
    )
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0006",
            "action": "rotate_validator_key",
            "validator_id": "val-2",
            "public_key": support.key_of("validator/2b").hex(),
        },
    )
    _propose(
        r,
        support.PSB.public_key,
        {"proposal_id": "PROP-0007", "action": "remove_validator", "validator_id": "val-3"},
    )
    _propose(
        r,
        support.PSB.public_key,
        {"proposal_id": "PROP-0008", "action": "remove_org", "org_id": "sd-audit"},
    )
    _propose(
        r,
        support.PSB.public_key,
        {
            "proposal_id": "PROP-0009",
            "action": "add_org",
            "org_id": "sd-audit",
            "name": "重名",
            "public_key": support.key_of("x").hex(),
            "roles": support.json_arg(["auditor"]),
        },
    )
    r.step(support.STRANGER_KEY, "membership.approve", {"proposal_id": "PROP-0001"})
    r.step(support.PSB, "membership.approve", {"proposal_id": "PROP-0001"})
    # Two proposals for one org id: the second fails when it reaches its quorum.
    for pid in ("PROP-0010", "PROP-0011"):
        r.step(
            support.PSB,
            "membership.propose",
            {
                "proposal_id": pid,
                "action": "add_org",
                "org_id": "qd-psb",
                "name": "青岛市公安局",
                "public_key": support.key_of(pid).hex(),
                "roles": support.json_arg(["issuer"]),
                "cert_types": support.json_arg(["resident_id_card"]),
            },
        )
    for pid in ("PROP-0010", "PROP-0011"):
        for org in APPROVERS[:5]:
            r.step(org, "membership.approve", {"proposal_id": pid})
    for method, args in (
        ("get", {"org_id": "weihai-bigdata"}),
        ("list", {"limit": 3}),
        ("proposal", {"proposal_id": "PROP-0011"}),
        ("proposals", {"status": "applied", "limit": 4}),
        ("quorum", {}),
        ("validators", {}),
        ("validators", {"height": 0}),
    ):
        r.ask("membership", method, args)


def _governance(r: _Recorder) -> None:
    _propose(
        r,
        support.PSB.public_key,
        {"proposal_id": "PROP-0020", "action": "set_quorum", "numerator": 2, "denominator": 3},
    )
    r.step(
        support.PSB,
        "membership.propose",
        {
            "proposal_id": "PROP-0021",
            "action": "activate_contract_version",
            "contract": "consent",
            "version": 2,
        },
    )
    for org in APPROVERS:  # 7 of 10 pass under two-thirds; the last approval comes too late
        r.step(org, "membership.approve", {"proposal_id": "PROP-0021"})
    r.ask("membership", "contract_versions", {})
    r.height += 20  # past the activation of consent v2
    r.step(
        support.BANK,
        "consent.request",
        {
            "request_id": "REQ-LONG-0002",
            "holder": support.BOB,
            "scope": support.json_arg([{"record_category": "credit"}]),
            "purpose": "信贷审批",
            "max_uses": 1,
            "expires_at_ms": r.time_ms + 400 * support.DAY_MS,
        },
    )
    r.ask("membership", "contract_versions", {})
    r.ask("membership", "quorum", {})


def run_scenario() -> _Recorder:
    """Every contract, in an order where later steps use what earlier ones made."""
    r = _Recorder()
    _certificates(r)
    _archives(r)
    _delegation(r)
    _consent(r)
    _membership(r)
    _governance(r)
    r.lines.append("final state")
    for key, value in r.state.items():
        r.lines.append(f"  {key.decode('utf-8')} = {value.decode('utf-8')}")
    return r


def get_state_sha256(r: _Recorder) -> str:
    return hashlib.sha256(
        canonical_json([[k.hex(), v.hex()] for k, v in r.state.items()])
    ).hexdigest()


def test_the_scenario_matches_its_golden_transcript() -> None:
    r = run_scenario()
    text = "\n".join(r.lines) + "\n"
    if os.environ.get("GOLDEN_UPDATE") == "1":
        GOLDEN_PATH.parent.mkdir(exist_ok=True)
        GOLDEN_PATH.write_text(text, encoding="utf-8")
    expected = GOLDEN_PATH.read_text(encoding="utf-8").splitlines()
    for number, (got, want) in enumerate(zip(r.lines, expected, strict=False), start=1):
        assert got == want, f"line {number} of {GOLDEN_PATH.name} differs"
    assert len(r.lines) == len(expected)


def test_the_final_state_has_the_recorded_hash() -> None:
    assert get_state_sha256(run_scenario()) == FINAL_STATE_SHA256
