"""The authorisation matrix: every role x every operation x every grant state.

Each case runs one transaction on a copy of a prepared ledger and asserts its outcome: the
call is allowed, or it is rejected with the exact error code and the state is unchanged
(``Ledger.reject`` checks that byte for byte).

The ledger (prepared once per grant state): Alice holds a diploma and an ID card, has two
social-security records (one with a correction pending at its source), a guardian
registered by civil affairs, and a request from the bank for her diploma and her
social-security records (2 uses, 30 days). The grant states:

- ``none``: requested, not answered;        - ``refused``: Alice refused;
- ``in_force``: Alice granted all of it;    - ``narrowed``: two diploma fields, one use;
- ``expired``: granted, 31 days passed;     - ``used_up``: granted one use, and it was used;
- ``revoked``: granted, then revoked;       - ``delegated``: her guardian granted it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

from contracts.framework.identity import holder_id_for
from contracts.framework.memory import MemoryState
from contracts.runtime import ArgValue
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

DIPLOMA = "DIP-2012-000001"
ID_CARD = "ID-370102-0001"
REC = "SS-2024-000001"
REC2 = "SS-2024-000002"
COR = "COR-0000001"
GUARDIANSHIP = "DLG-GUARD-0001"
REQ = "REQ-MATRIX-0001"
SHARE, SHARE_PENDING = "SHARE-MATRIX-0001", "SHARE-MATRIX-0002"
CAROL = holder_id_for(support.key_of("wallet/carol"), suite=ED25519_SHA256)

ROLES: dict[str, bytes] = {
    "issuer": support.UNIVERSITY.public_key,  # issuer of the diploma's type
    "other_issuer": support.PSB.public_key,  # issuer of other types
    "verifier": support.BANK.public_key,  # the agency that made the request
    "other_verifier": support.NOTARY.public_key,
    "archive_source": support.HRSS.public_key,  # source of the records
    "auditor": support.AUDITOR.public_key,
    "registrar": support.CIVIL.public_key,
    "holder": support.ALICE_KEY,
    "delegate": support.GUARDIAN_KEY,  # Alice's registered guardian
    "stranger": support.STRANGER_KEY,
}
STATES = ("none", "refused", "in_force", "narrowed", "expired", "used_up", "revoked", "delegated")
GRANTED_STATES = frozenset({"in_force", "narrowed", "expired", "used_up", "delegated"})
"""States whose stored status is ``granted`` (in force or not)."""

Args = Callable[[support.Ledger], dict[str, ArgValue]]

OPERATIONS: dict[str, tuple[str, str, Args]] = {
    "cert.issue": ("certificates", "issue", lambda lg: support.issue_args(cert_id="DIP-NEW-0001")),
    "cert.renew": (
        "certificates",
        "renew",
        lambda lg: {"cert_id": DIPLOMA, "valid_until_ms": support.T0_MS + 7300 * support.DAY_MS},
    ),
    "cert.amend": (
        "certificates",
        "amend",
        lambda lg: {"cert_id": DIPLOMA, "doc_hash": "cd" * 32, "reason": "学位更正"},
    ),
    "cert.suspend": (
        "certificates",
        "suspend",
        lambda lg: {"cert_id": DIPLOMA, "reason": "核查中"},
    ),
    "cert.revoke": ("certificates", "revoke", lambda lg: {"cert_id": DIPLOMA, "reason": "撤销"}),
    "cert.reissue": (
        "certificates",
        "reissue",
        lambda lg: {
            "cert_id": DIPLOMA,
            "new_cert_id": "DIP-2012-000001-R1",
            "doc_hash": "ef" * 32,
            "valid_until_ms": 0,
            "reason": "遗失补发",
        },
    ),
    "cert.record_verification": (
        "certificates",
        "record_verification",
        lambda lg: {
            "cert_id": DIPLOMA,
            "verification_id": "VER-0000001",
            "result": "passed",
            "purpose": "窗口核验",
        },
    ),
    "anchoring.anchor": (
        "anchoring",
        "anchor",
        lambda lg: {"root": "ab" * 32, "count": 2, "kind": "record", "case_ref": "矩阵案"},
    ),
    "archives.append": ("archives", "append", lambda lg: support.append_args("SS-2024-000009")),
    "archives.claim": ("archives", "claim", lambda lg: {"record_id": REC}),
    "archives.request_correction": (
        "archives",
        "request_correction",
        lambda lg: {"correction_id": "COR-0000009", "record_id": REC, "reason": "缴费月数有误"},
    ),
    "archives.resolve_correction": (
        "archives",
        "resolve_correction",
        lambda lg: {"correction_id": COR, "outcome": "refused", "reason": "经核实无误"},
    ),
    "delegation.register": (
        "delegation",
        "register",
        lambda lg: support.delegation_args(
            "DLG-NEW-0001", "guardian", support.BOB, CAROL, lg.time_ms + support.DAY_MS
        ),
    ),
    "delegation.appoint": (
        "delegation",
        "appoint",
        lambda lg: support.delegation_args(
            "DLG-APPT-0001", "guardian", support.ALICE, support.BOB, lg.time_ms + support.DAY_MS
        ),
    ),
    "delegation.revoke": ("delegation", "revoke", lambda lg: {"delegation_id": GUARDIANSHIP}),
    "consent.request": (
        "consent",
        "request",
        lambda lg: {
            "request_id": "REQ-NEW-0001",
            "holder": support.ALICE,
            "cert_id": DIPLOMA,
            "purpose": "入职背景核查",
            "max_uses": 1,
            "expires_at_ms": lg.time_ms + support.DAY_MS,
        },
    ),
    "consent.grant": ("consent", "grant", lambda lg: {"request_id": REQ}),
    "consent.refuse": ("consent", "refuse", lambda lg: {"request_id": REQ}),
    "consent.narrow": ("consent", "narrow", lambda lg: {"request_id": REQ, "max_uses": 1}),
    "consent.revoke": ("consent", "revoke", lambda lg: {"request_id": REQ}),
    "consent.access_cert": (
        "consent",
        "access",
        lambda lg: {"request_id": REQ, "cert_id": DIPLOMA},
    ),
    "consent.access_fields": (
        "consent",
        "access",
        lambda lg: {"request_id": REQ, "cert_id": DIPLOMA, "fields": support.json_arg(["degree"])},
    ),
    "consent.access_record": (
        "consent",
        "access",
        lambda lg: {"request_id": REQ, "record_id": REC},
    ),
    "consent.access_out_of_scope": (
        "consent",
        "access",
        lambda lg: {"request_id": REQ, "cert_id": ID_CARD},
    ),
    "sharing.approve": ("sharing", "approve", lambda lg: {"application_id": SHARE_PENDING}),
    "sharing.execute_personal": (
        "sharing",
        "execute",
        lambda lg: {"application_id": SHARE, "content_hash": "ab" * 32, "consent_request_id": REQ},
    ),
}

DENIED = "permission_denied"
OK = "ok"

# --- The expected outcomes -----------------------------------------------------------------

ALLOWED_ROLES: dict[str, frozenset[str]] = {
    "cert.issue": frozenset({"issuer"}),
    "cert.renew": frozenset({"issuer"}),
    "cert.amend": frozenset({"issuer"}),
    "cert.suspend": frozenset({"issuer"}),
    "cert.revoke": frozenset({"issuer"}),
    "cert.reissue": frozenset({"issuer"}),
    "cert.record_verification": frozenset({"verifier", "other_verifier"}),
    # Any member organisation anchors evidence; a holder or a stranger does not.
    "anchoring.anchor": frozenset(
        {
            "issuer",
            "other_issuer",
            "verifier",
            "other_verifier",
            "archive_source",
            "auditor",
            "registrar",
        }
    ),
    "archives.append": frozenset({"archive_source"}),
    "archives.claim": frozenset({"holder", "delegate"}),
    "archives.request_correction": frozenset({"holder", "delegate"}),
    "archives.resolve_correction": frozenset({"archive_source"}),
    "delegation.register": frozenset({"registrar"}),
    "delegation.appoint": frozenset({"holder"}),
    # A registered guardianship: a registrar ends it, or the guardian renounces; not the ward.
    "delegation.revoke": frozenset({"registrar", "delegate"}),
    "consent.request": frozenset({"verifier", "other_verifier"}),
    "consent.grant": frozenset({"holder", "delegate"}),
    "consent.refuse": frozenset({"holder", "delegate"}),
    "consent.narrow": frozenset({"holder", "delegate"}),
    "consent.revoke": frozenset({"holder", "delegate"}),
    "consent.access_cert": frozenset({"verifier"}),
    "consent.access_fields": frozenset({"verifier"}),
    "consent.access_record": frozenset({"verifier"}),
    "consent.access_out_of_scope": frozenset({"verifier"}),
    # The data owner (the university, asked by the bank) answers and executes shares.
    "sharing.approve": frozenset({"issuer"}),
    "sharing.execute_personal": frozenset({"issuer"}),
}
"""Roles that pass the permission check of each operation (everyone else: permission_denied)."""

STATE_OUTCOME: dict[str, dict[str, str]] = {
    # Decisions on the request: only a pending one can be granted or refused.
    "consent.grant": {s: OK if s == "none" else "failed_precondition" for s in STATES},
    "consent.refuse": {s: OK if s == "none" else "failed_precondition" for s in STATES},
    # Narrowing needs a grant in force; revoking any grant (in force or not).
    "consent.narrow": {
        s: OK if s in ("in_force", "narrowed", "delegated") else "failed_precondition"
        for s in STATES
    },
    "consent.revoke": {s: OK if s in GRANTED_STATES else "failed_precondition" for s in STATES},
    # Access: a grant in force, for that agency, in scope, with uses left.
    "consent.access_cert": {s: OK if s in ("in_force", "delegated") else DENIED for s in STATES},
    "consent.access_fields": {
        s: OK if s in ("in_force", "narrowed", "delegated") else DENIED for s in STATES
    },
    "consent.access_record": {s: OK if s in ("in_force", "delegated") else DENIED for s in STATES},
    "consent.access_out_of_scope": {s: DENIED for s in STATES},
    # 31 days on, the pending application is past its answer deadline (15 days) too.
    "sharing.approve": {s: "failed_precondition" if s == "expired" else OK for s in STATES},
    # A share of Alice's data needs her grant to the bank in force (with a use left).
    "sharing.execute_personal": {
        s: OK if s in ("in_force", "narrowed", "delegated") else DENIED for s in STATES
    },
}
"""For roles that pass the permission check: the outcome in each grant state (other
operations do not depend on the grant state and are allowed in every state)."""


def expected(operation: str, role: str, state: str) -> str:
    if role not in ALLOWED_ROLES[operation]:
        return DENIED
    return STATE_OUTCOME.get(operation, {}).get(state, OK)


# --- The prepared ledgers ------------------------------------------------------------------


@functools.cache
def prepared(state: str) -> support.Ledger:
    ledger = support.Ledger()
    ledger.issue_diploma(DIPLOMA, valid_until_ms=support.T0_MS + 3650 * support.DAY_MS)
    ledger.issue_id_card(ID_CARD)
    ledger.append(support.HRSS, REC)
    ledger.append(support.HRSS, REC2)
    ledger.call(
        support.ALICE_KEY,
        "archives.request_correction",
        {"correction_id": COR, "record_id": REC2, "reason": "参保单位有误"},
    )
    ledger.register_guardian(ledger.time_ms + 365 * support.DAY_MS)  # GUARDIANSHIP
    for application_id in (SHARE, SHARE_PENDING):
        ledger.call(
            support.BANK,
            "sharing.apply",
            {
                "application_id": application_id,
                "owner": support.UNIVERSITY.id,
                "data_item": "diploma",
                "purpose_code": "002",
                "legal_basis": "《个人贷款管理办法》",
                "period_start_ms": ledger.time_ms,
                "period_end_ms": ledger.time_ms + 60 * support.DAY_MS,
                "holder": support.ALICE,
            },
        )
    ledger.call(support.UNIVERSITY, "sharing.approve", {"application_id": SHARE})
    ledger.call(
        support.BANK,
        "consent.request",
        {
            "request_id": REQ,
            "holder": support.ALICE,
            "scope": support.json_arg(
                [{"cert_id": DIPLOMA}, {"record_category": "social_security"}]
            ),
            "purpose": "个人住房贷款审批",
            "max_uses": 2,
            "expires_at_ms": ledger.time_ms + 30 * support.DAY_MS,
        },
    )
    r: dict[str, ArgValue] = {"request_id": REQ}
    if state == "refused":
        ledger.call(support.ALICE_KEY, "consent.refuse", r)
    elif state in ("in_force", "expired", "revoked"):
        ledger.call(support.ALICE_KEY, "consent.grant", r)
    elif state == "narrowed":
        narrowed = support.json_arg([{"cert_id": DIPLOMA, "fields": ["degree", "graduation_date"]}])
        ledger.call(support.ALICE_KEY, "consent.grant", {**r, "scope": narrowed, "max_uses": 1})
    elif state == "used_up":
        ledger.call(support.ALICE_KEY, "consent.grant", {**r, "max_uses": 1})
        ledger.call(support.BANK, "consent.access", {**r, "cert_id": DIPLOMA})
    elif state == "delegated":
        ledger.call(support.GUARDIAN_KEY, "consent.grant", r)
    if state == "expired":
        ledger.time_ms += 31 * support.DAY_MS
    if state == "revoked":
        ledger.call(support.ALICE_KEY, "consent.revoke", r)
    return ledger


def fresh(state: str) -> support.Ledger:
    """An independent copy of the prepared ledger."""
    template = prepared(state)
    ledger = support.Ledger()
    ledger.state = MemoryState(template.state.items())
    ledger.height = template.height
    ledger.time_ms = template.time_ms
    return ledger


def test_the_prepared_states_are_what_they_say() -> None:
    in_force = {
        s: fresh(s).query("consent", "get", {"request_id": REQ})["in_force"] for s in STATES
    }
    assert in_force == {s: s in ("in_force", "narrowed", "delegated") for s in STATES}
    assert (
        fresh("delegated").query("consent", "get", {"request_id": REQ})["decided_by"]
        == support.GUARDIAN
    )
    assert set(OPERATIONS) == set(ALLOWED_ROLES)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_authorisation_matrix(role: str, operation: str, state: str) -> None:
    ledger = fresh(state)
    contract, method, make_args = OPERATIONS[operation]
    args = make_args(ledger)
    outcome = expected(operation, role, state)
    if outcome == OK:
        result = ledger.call(ROLES[role], f"{contract}.{method}", args)
        assert result.events, f"{operation} by {role} in state {state} left no event"
    else:
        error = ledger.reject(ROLES[role], f"{contract}.{method}", args, outcome)
        assert error.message
    if operation == "sharing.execute_personal" and outcome == OK:
        used = ledger.query("consent", "get", {"request_id": REQ})
        assert used["last_access_height"] == ledger.height - 1
    if operation.startswith("consent.access") and outcome == OK:
        accessed = ledger.query("consent", "get", {"request_id": REQ})
        assert accessed["last_access_height"] == ledger.height - 1
