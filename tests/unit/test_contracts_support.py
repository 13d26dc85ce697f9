"""Shared helpers for the contracts tests (this module holds no tests itself).

A small in-memory ledger: genesis organisations, wallets, and a ``call`` / ``reject`` pair
that runs a transaction through :func:`contracts.runtime.execute` and applies its writes,
or checks that it is rejected with a given code and leaves state byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from contracts.certificates.commitments import TypeOrId, compute_document_hash
from contracts.certificates.records import Certificate
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ERROR_CODES, ContractError
from contracts.framework.identity import holder_id_for
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import Organisation
from contracts.runtime import (
    CONTRACTS,
    ArgValue,
    CallContext,
    CallResult,
    execute,
    genesis_writes,
    query,
)
from suites import ED25519_SHA256, Suite

CHAIN_ID = "trustledger-test"
T0_MS = 1_732_000_000_000
"""Block time of the first test block (November 2024)."""
DAY_MS = 86_400_000


def key_of(name: str) -> bytes:
    """A stand-in Ed25519 public key (32 bytes), fixed per name."""
    return hashlib.sha256(b"test-key/" + name.encode()).digest()


def _org(org_id: str, name: str, roles: tuple[str, ...], **scope: tuple[str, ...]) -> Organisation:
    """A genesis organisation whose stand-in key follows from its id."""
    return Organisation(id=org_id, name=name, public_key=key_of(org_id), roles=roles, **scope)


PSB = _org(
    "jinan-psb", "济南市公安局", ("issuer",), cert_types=("resident_id_card", "driving_licence")
)
UNIVERSITY = _org("sdu", "山东大学", ("issuer",), cert_types=("diploma",))
AMR = _org(
    "jinan-amr",
    "济南市市场监督管理局",
    ("issuer", "verifier"),
    cert_types=("business_licence", "food_business_permit"),
)
BANK = _org("icbc-jinan", "中国工商银行济南分行", ("verifier",))
NOTARY = _org("jinan-notary", "济南市公证处", ("verifier",))
AUDITOR = _org("sd-audit", "山东省审计厅", ("auditor", "validator_operator"))
HRSS = _org(
    "weihai-hrss",
    "威海市人力资源和社会保障局",
    ("issuer", "archive_source"),
    cert_types=("social_security_card",),
    record_categories=("social_security",),
)
HEALTH = _org(
    "weihai-health", "威海市卫生健康委员会", ("archive_source",), record_categories=("medical",)
)
WEIHAI_AMR = _org(
    "weihai-amr",
    "威海市市场监督管理局",
    ("archive_source", "registrar"),
    record_categories=("enterprise_registration", "serious_violation_list", "credit"),
)
CIVIL = _org("weihai-civil", "威海市民政局", ("registrar",))
ORGANISATIONS = (PSB, UNIVERSITY, AMR, BANK, NOTARY, AUDITOR, HRSS, HEALTH, WEIHAI_AMR, CIVIL)

ALICE_KEY = key_of("wallet/alice")
BOB_KEY = key_of("wallet/bob")
ALICE = holder_id_for(ALICE_KEY, suite=ED25519_SHA256)
BOB = holder_id_for(BOB_KEY, suite=ED25519_SHA256)
STRANGER_KEY = key_of("nobody")
GUARDIAN_KEY = key_of("wallet/guardian")
GUARDIAN = holder_id_for(GUARDIAN_KEY, suite=ED25519_SHA256)
"""Alice's daughter, who acts for her (监护 / 代办)."""
ENTERPRISE_KEY = key_of("wallet/enterprise")
ENTERPRISE = holder_id_for(ENTERPRISE_KEY, suite=ED25519_SHA256)
"""An enterprise's own wallet (威海海鲜食品有限公司)."""
LEGAL_REP_KEY = key_of("wallet/legal-rep")
LEGAL_REP = holder_id_for(LEGAL_REP_KEY, suite=ED25519_SHA256)
"""The enterprise's legal representative (法定代表人)."""
AGENT_KEY = key_of("wallet/agent")
AGENT = holder_id_for(AGENT_KEY, suite=ED25519_SHA256)
"""A clerk the legal representative authorises (经办人)."""

ALICE_DIPLOMA_FIELDS = {
    "holder_name": "张晓梅",
    "id_number": "370102199003074528",
    "university": "山东大学",
    "degree": "工学学士",
    "major": "计算机科学与技术",
    "graduation_date": "2012-06-30",
}
ALICE_ID_CARD_FIELDS = {
    "holder_name": "张晓梅",
    "sex": "女",
    "ethnicity": "汉",
    "birth_date": "1990-03-07",
    "address": "山东省济南市历下区泉城路188号3单元502室",
    "id_number": "370102199003074528",
    "issuing_authority": "济南市公安局历下分局",
    "valid_from": "2015-04-01",
    "valid_until": "2035-04-01",
}
PERSONAL_VALUES = (
    "张晓梅",
    "370102199003074528",
    "1990-03-07",
    "山东省济南市历下区泉城路188号3单元502室",
    "13805310123",
)
"""Plain personal values that appear in test documents and must never reach the chain."""


def salt_for(name: str) -> bytes:
    return hashlib.sha256(b"test-salt/" + name.encode()).digest()


def doc_hash(cert_type: TypeOrId, fields: Mapping[str, str], salt_name: str = "s") -> str:
    return compute_document_hash(cert_type, fields, salt_for(salt_name), suite=ED25519_SHA256)


@dataclass(frozen=True)
class Step:
    """One call of a random sequence, made ``advance_ms`` after the previous one."""

    sender: bytes
    contract: str
    method: str
    args: dict[str, ArgValue]
    advance_ms: int


def split_target(target: str) -> tuple[str, str]:
    """``"contract.method"`` as (contract, method): how the tests name a transaction."""
    contract, dot, method = target.partition(".")
    if not dot:
        raise ValueError(f"{target!r} is not 'contract.method'")
    return contract, method


Sender = bytes | Organisation
"""Who signs a call: a wallet's public key, or an organisation (its key)."""


class Ledger:
    """An in-memory chain: one transaction per block, block time advancing one second."""

    def __init__(
        self, organisations: tuple[Organisation, ...] = ORGANISATIONS, suite: Suite = ED25519_SHA256
    ) -> None:
        self.suite = suite
        """The chain's suite, in every call's context (the organisations' keys are its)."""
        self.state = MemoryState(genesis_writes(organisations, suite=suite))
        self.height = 1
        self.time_ms = T0_MS
        self.results: list[CallResult] = []

    @classmethod
    def with_diploma(cls, cert_id: str = "DIP-2012-000001") -> Ledger:
        """A new chain whose first transaction is the university issuing Alice's diploma
        (the starting point of most lifecycle and consent tests)."""
        ledger = cls()
        ledger.issue_diploma(cert_id)
        return ledger

    def ctx(self, sender: Sender) -> CallContext:
        """The context of a call signed by ``sender`` (an organisation, or a wallet's key)."""
        return CallContext(
            chain_id=CHAIN_ID,
            sender_key=sender.public_key if isinstance(sender, Organisation) else sender,
            height=self.height,
            time_ms=self.time_ms,
            tx_hash=hashlib.sha256(b"tx/%d" % self.height).digest(),
            suite=self.suite,
        )

    def _next_block(self) -> None:
        self.height += 1
        self.time_ms += 1000

    def call(self, sender: Sender, target: str, args: Mapping[str, ArgValue]) -> CallResult:
        """Execute a transaction (``target`` is ``"contract.method"``) that must succeed, and
        apply it."""
        result = execute(self.state, self.ctx(sender), *split_target(target), args)
        self.state.apply(result)
        self.results.append(result)
        self._next_block()
        return result

    def reject(
        self, sender: Sender, target: str, args: Mapping[str, ArgValue], code: str
    ) -> ContractError:
        """Execute a transaction (``target`` is ``"contract.method"``) that must fail with
        ``code``; check state is unchanged."""
        before = self.state.items()
        try:
            execute(self.state, self.ctx(sender), *split_target(target), args)
        except ContractError as error:
            assert error.code == code, f"expected {code}, got {error.code}: {error.message}"
            assert self.state.items() == before
            self._next_block()
            return error
        raise AssertionError(f"{target} was accepted; expected {code}")

    def attempt(
        self, sender: Sender, contract: str, method: str, args: Mapping[str, ArgValue]
    ) -> bytes:
        """Execute a transaction that may fail; apply it if it succeeds. Returns its result's
        bytes, or its error code (after checking the rejection left state unchanged)."""
        before = self.state.items()
        try:
            result = execute(self.state, self.ctx(sender), contract, method, args)
        except ContractError as error:
            assert self.state.items() == before
            return error.code.encode()
        self.state.apply(result)
        return result_bytes(result)

    def attempt_steps(self, steps: Iterable[Step]) -> list[bytes]:
        """:meth:`attempt` each step in its own block; the outcomes, in order."""
        outcomes: list[bytes] = []
        for step in steps:
            self.time_ms += step.advance_ms
            outcomes.append(self.attempt(step.sender, step.contract, step.method, step.args))
            self.height += 1
        return outcomes

    def query(
        self, contract: str, method: str, args: Mapping[str, ArgValue], *, now_ms: int | None = None
    ) -> Any:
        return query(
            self.state, contract, method, args, now_ms=self.time_ms if now_ms is None else now_ms
        )

    # --- Shortcuts for common steps -------------------------------------------------------

    def issue_diploma(
        self, cert_id: str = "DIP-2012-000001", holder: str = ALICE, valid_until_ms: int = 0
    ) -> CallResult:
        return self.call(
            UNIVERSITY,
            "certificates.issue",
            {
                "cert_id": cert_id,
                "cert_type": "diploma",
                "holder": holder,
                "doc_hash": doc_hash("diploma", ALICE_DIPLOMA_FIELDS, cert_id),
                "valid_until_ms": valid_until_ms,
            },
        )

    def issue_id_card(self, cert_id: str, **overrides: ArgValue) -> CallResult:
        """Alice's resident identity card, issued by the PSB."""
        return self.issue(
            PSB,
            cert_id=cert_id,
            cert_type="resident_id_card",
            doc_hash=doc_hash("resident_id_card", ALICE_ID_CARD_FIELDS),
            **overrides,
        )

    def append_enterprise_registration(self, record_id: str = "ENT-REG-000001") -> CallResult:
        """The enterprise's registration record, appended by Weihai's AMR (it makes the
        enterprise's file, so the chain knows the holder is an enterprise)."""
        return self.append(
            WEIHAI_AMR, record_id, subject=ENTERPRISE, category="enterprise_registration"
        )

    def issue(self, issuer: Organisation, **overrides: ArgValue) -> CallResult:
        """``certificates.issue`` by ``issuer`` of :func:`issue_args` with ``overrides``."""
        return self.call(issuer, "certificates.issue", issue_args(**overrides))

    def append(
        self, source: Organisation, record_id: str, *args: str, **overrides: ArgValue
    ) -> CallResult:
        """``archives.append`` by ``source`` of :func:`append_args`."""
        return self.call(source, "archives.append", append_args(record_id, *args, **overrides))

    def register(self, registrar: Organisation, *terms: Any, **overrides: ArgValue) -> CallResult:
        """``delegation.register`` by ``registrar`` of :func:`delegation_args` ``(*terms,
        **overrides)``."""
        return self.call(registrar, "delegation.register", delegation_args(*terms, **overrides))

    def register_guardian(
        self, expires_at_ms: int, *actions: tuple[str, ...], **overrides: ArgValue
    ) -> CallResult:
        """The civil affairs bureau registers GUARDIAN as Alice's guardian (DLG-GUARD-0001),
        for ``actions`` (delegation_args' default unless given) and ``overrides``."""
        return self.register(
            CIVIL,
            "DLG-GUARD-0001",
            "guardian",
            ALICE,
            GUARDIAN,
            expires_at_ms,
            *actions,
            **overrides,
        )

    def register_legal_representative(self, expires_at_ms: int) -> CallResult:
        """Weihai's AMR registers LEGAL_REP as the enterprise's legal representative, who may
        also appoint agents."""
        return self.register(
            WEIHAI_AMR,
            "DLG-LEGAL-0001",
            "legal_representative",
            ENTERPRISE,
            LEGAL_REP,
            expires_at_ms,
            ("consent", "archives", "appoint_agents"),
        )

    def request(
        self,
        request_id: str = "REQ-0000001",
        cert_id: str = "DIP-2012-000001",
        holder: str = ALICE,
        agency_key: bytes = BANK.public_key,
        max_uses: int = 3,
        expires_in_ms: int = 30 * DAY_MS,
    ) -> CallResult:
        return self.call(
            agency_key,
            "consent.request",
            request_args(request_id, cert_id, holder, max_uses, self.time_ms + expires_in_ms),
        )


def report_outcomes(outcomes: Sequence[bytes]) -> None:
    """Report how many calls of a random sequence were accepted: a sequence of refusals
    exercises little beyond the first checks. hypothesis.event buckets the share (see it
    with --hypothesis-show-statistics) and hypothesis.target steers towards more."""
    codes = {code.encode() for code in ERROR_CODES}
    share = sum(outcome not in codes for outcome in outcomes) / max(len(outcomes), 1)
    event(f"calls accepted: {min(int(share * 4), 3) * 25}-{min(int(share * 4), 3) * 25 + 25} %")
    target(share, label="share of calls accepted")


def run_on_independent_states(
    run: Callable[[list[Step]], tuple[Ledger, list[bytes]]], steps: list[Step]
) -> tuple[Ledger, list[bytes]]:
    """`run` the steps twice, each time on a fresh state: the contracts are deterministic, so
    both runs must have the same outcomes and end in the same state. The first run's ledger
    and outcomes."""
    first, first_outcomes = run(steps)
    second, second_outcomes = run(steps)
    assert first_outcomes == second_outcomes
    assert first.state.items() == second.state.items()
    return first, first_outcomes


def assert_none_refused(outcomes: Sequence[bytes]) -> None:
    """No outcome is a refusal (an error code): for sequences generated valid."""
    refusals = {code.encode() for code in ERROR_CODES}
    assert [outcome for outcome in outcomes if outcome in refusals] == []


def result_bytes(result: CallResult) -> bytes:
    """A call's writes and events as canonical bytes, to compare runs byte for byte."""
    writes = [[key.hex(), None if value is None else value.hex()] for key, value in result.writes]
    events = [[e.name, list(e.subjects), [list(a) for a in e.attrs]] for e in result.events]
    return canonical_json({"events": events, "writes": writes})


def request_args(
    request_id: str, cert_id: str, holder: str, max_uses: int, expires_at_ms: int
) -> dict[str, ArgValue]:
    return {
        "request_id": request_id,
        "holder": holder,
        "cert_id": cert_id,
        "purpose": "个人住房贷款审批 mortgage application",
        "max_uses": max_uses,
        "expires_at_ms": expires_at_ms,
    }


def issue_args(**overrides: ArgValue) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "cert_id": "DIP-2012-000001",
        "cert_type": "diploma",
        "holder": ALICE,
        "doc_hash": doc_hash("diploma", ALICE_DIPLOMA_FIELDS),
        "valid_until_ms": 0,
    }
    args.update(overrides)
    return args


def json_arg(value: object) -> str:
    """A structured argument as the JSON text transactions carry."""
    return json.dumps(value, ensure_ascii=False)


def content_hash(name: str) -> str:
    """A stand-in SHA-256 of an (encrypted, off-chain) archive record."""
    return hashlib.sha256(b"test-content/" + name.encode()).hexdigest()


def append_args(
    record_id: str,
    subject: str = ALICE,
    category: str = "social_security",
    content: str = "v1",
    **overrides: ArgValue,
) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "record_id": record_id,
        "subject": subject,
        "category": category,
        "source_department": "社会保险事业中心",
        "content_hash": content_hash(record_id + "/" + content),
    }
    args.update(overrides)
    return args


def delegation_args(
    delegation_id: str,
    kind: str,
    principal: str,
    delegate: str,
    expires_at_ms: int,
    actions: tuple[str, ...] = ("consent", "archives"),
    **overrides: ArgValue,
) -> dict[str, ArgValue]:
    args: dict[str, ArgValue] = {
        "delegation_id": delegation_id,
        "kind": kind,
        "principal": principal,
        "delegate": delegate,
        "actions": json_arg(list(actions)),
        "expires_at_ms": expires_at_ms,
    }
    args.update(overrides)
    return args


METHODS = [
    (contract, method, kind)
    for contract, system in CONTRACTS.items()
    for kind, methods in (("tx", system.transactions), ("query", system.queries))
    for method in methods
]
"""Every (contract, method, ``tx`` or ``query``) the runtime dispatches, for fuzzing."""


def check_malformed_call(
    ledger: Ledger, target: tuple[str, str, str], args: dict[str, ArgValue], sender: bytes
) -> None:
    """Run any call: it may only succeed with encodable results or raise a ContractError.
    Either way state is unchanged: executing only computes writes (applying them is the
    caller's), and a query never writes."""
    contract, method, kind = target
    before = ledger.state.items()
    try:
        if kind == "tx":
            result = execute(ledger.state, ledger.ctx(sender), contract, method, args)
            canonical_json([[k.hex(), v.hex() if v else None] for k, v in result.writes])
        else:
            canonical_json(ledger.query(contract, method, args))
        event(f"{kind} accepted")
    except ContractError as error:
        event(f"{kind} refused: {error.code}")
    assert ledger.state.items() == before


def malformed_calls_test(
    prepare: Callable[[], Ledger],
    arg_names: Sequence[str],
    samples: Sequence[ArgValue],
    senders: Sequence[bytes],
    *,
    examples: int = 300,
    args_max: int = 7,
    text_length_max: int = 80,
    binary_length_max: int = 40,
) -> Callable[..., None]:
    """A property test: any method, called with arguments drawn from ``arg_names`` and values
    (``samples``, random text, integers past 64 bits, bytes, booleans) on the ledger
    ``prepare`` builds, passes :func:`check_malformed_call`."""
    values = st.one_of(
        st.text(max_size=text_length_max),
        st.sampled_from(tuple(samples)),
        st.integers(min_value=-(2**65), max_value=2**65),
        st.binary(max_size=binary_length_max),
        st.booleans(),
    )

    @settings(max_examples=examples, deadline=None)
    @given(
        target=st.sampled_from(METHODS),
        args=st.dictionaries(st.sampled_from(tuple(arg_names)), values, max_size=args_max),
        sender=st.sampled_from(tuple(senders)),
    )
    def test(target: tuple[str, str, str], args: dict[str, ArgValue], sender: bytes) -> None:
        check_malformed_call(prepare(), target, args, sender)

    return test


def distinct_certificate() -> Certificate:
    """A record whose every field differs from the others and from its default."""
    return Certificate(
        cert_id="DIP-2012-000001",
        cert_type="diploma",
        issuer="sdu",
        holder=ALICE,
        doc_hash="ab" * 32,
        valid_until_ms=11,
        status="suspended",
        issued_height=12,
        issued_tx="cd" * 32,
        status_height=13,
        reason='review "待核" \\ 理由',
        version=14,
        field_hashes={"major": "ef" * 32, "degree": "01" * 32},
        version_height=15,
        supersedes="DIP-2011-000009",
        superseded_by="DIP-2013-000001",
        updated_height=16,
    )


SS_RECORD_CORRECTED: tuple[tuple[Sender, str, dict[str, ArgValue]], ...] = (
    (
        ALICE_KEY,
        "archives.request_correction",
        {"correction_id": "COR-0000001", "record_id": "SS-2024-000001", "reason": "缴费基数有误"},
    ),
    (
        HRSS,
        "archives.resolve_correction",
        {
            "correction_id": "COR-0000001",
            "outcome": "corrected",
            "reason": "已更正",
            "content_hash": content_hash("SS-2024-000001/v2"),
        },
    ),
)
"""Alice asks HRSS to correct her social-security record SS-2024-000001 (COR-0000001) and
HRSS corrects it: the record's second version. Transactions as (sender, target, args)."""


ALICE_MOVED_ID_CARD_FIELDS = {**ALICE_ID_CARD_FIELDS, "address": "山东省威海市环翠区文化西路88号"}
"""Alice's identity card once she moved to Weihai."""

ID_CARD_ADDRESS_CHANGE = {
    "cert_id": "ID-370102-0001",
    "doc_hash": doc_hash("resident_id_card", ALICE_MOVED_ID_CARD_FIELDS, "id2"),
    "reason": "住址变更 address changed",
}
"""``certificates.amend`` of Alice's identity card (ID-370102-0001) by the PSB for her move."""

NOTARY_DIPLOMA_VERIFICATION = {
    "cert_id": "DIP-2012-000001",
    "verification_id": "VER-0000001",
    "result": "passed",
    "purpose": "公证核验",
}
"""``certificates.record_verification`` by the notary of Alice's diploma: it passed."""


def agent_appointment_args(expires_at_ms: int, **overrides: ArgValue) -> dict[str, ArgValue]:
    """``delegation.appoint`` by the enterprise's legal representative of AGENT as its agent
    for consent (DLG-AGENT-0001)."""
    return delegation_args(
        "DLG-AGENT-0001", "agent", ENTERPRISE, AGENT, expires_at_ms, ("consent",), **overrides
    )


def loan_request_args(
    cert_id: str, max_uses: int, expires_at_ms: int, *more_scope: dict[str, str]
) -> dict[str, ArgValue]:
    """``consent.request`` by the bank (REQ-0000001) for a mortgage: Alice's name and validity
    on identity card ``cert_id``, her social-security records, and ``more_scope``."""
    return {
        "request_id": "REQ-0000001",
        "holder": ALICE,
        "scope": json_arg(
            [
                {"cert_id": cert_id, "fields": ["holder_name", "valid_until"]},
                {"record_category": "social_security"},
                *more_scope,
            ]
        ),
        "purpose": "个人住房贷款审批",
        "max_uses": max_uses,
        "expires_at_ms": expires_at_ms,
    }


def loan_access_args(cert_id: str, *fields: str) -> dict[str, ArgValue]:
    """``consent.access`` under the bank's loan request (REQ-0000001) to ``fields`` of
    identity card ``cert_id``."""
    return {"request_id": "REQ-0000001", "cert_id": cert_id, "fields": json_arg(list(fields))}


LOAN_RECORD_ACCESS = {"request_id": "REQ-0000001", "record_id": "SS-2024-000001"}
"""``consent.access`` under the bank's loan request to Alice's social-security record."""
