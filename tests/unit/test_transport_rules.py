"""The node's evaluation of the policy's data-level rules (node/transport/rules.py), on a
chain built with the real contracts (tests/unit/rules_support.py), through the same `Guard`
a validator's server runs: each allowed and each refused case, with its status code."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from contracts.membership import validator_set
from contracts.membership.validator_set import ScheduledSet, ValidatorEntry
from node.chain import pki
from node.chain.pki import Identity, Role
from node.transport.identity import CallerCheck
from node.transport.policy import Guard, Rule
from node.transport.rules import ChainRules, find_holder_ids, get_request_holders
from proto import node_pb2
from tests.unit import rules_support as chain_support
from tests.unit.rules_support import (
    ALICE,
    BOB,
    BOB_KEY,
    ORG_A,
    ORG_B,
    RulesChain,
    proven_state_of,
    query_about,
    tx_signed_by,
)
from tests.unit.test_contracts_support import DAY_MS
from tests.unit.transport_support import NOW, make_org

OK = grpc.StatusCode.OK
DENIED = grpc.StatusCode.PERMISSION_DENIED

DELIVER = "/trustledger.v1.Peer/Deliver"
FORWARD = "/trustledger.v1.Peer/ForwardTxs"
GET_BLOCKS = "/trustledger.v1.Peer/GetBlocks"
SUBMIT = "/trustledger.v1.Ledger/SubmitTransaction"
SUBMIT_BATCH = "/trustledger.v1.Ledger/SubmitTransactions"
QUERY = "/trustledger.v1.Ledger/Query"
PROVEN = "/trustledger.v1.Ledger/GetProvenState"

ORGS = {org_id: make_org(org_id) for org_id in (ORG_A.id, ORG_B.id)}
TRUST = pki.Trust(cas={org_id: org.ca for org_id, org in ORGS.items()}, revoked={})


class Aborted(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class FakeContext:
    """What the guard reads of a call: the auth context of a TLS 1.3 connection."""

    def __init__(self, cert_pem: bytes) -> None:
        self._auth = {
            "transport_security_type": [b"ssl"],
            "ssl_tls_version": [b"TLSv1.3"],
            "x509_pem_cert": [cert_pem],
        }

    def auth_context(self) -> dict[str, list[bytes]]:
        return self._auth

    async def abort(self, code: grpc.StatusCode, message: str) -> None:
        raise Aborted(code, message)


@pytest.fixture()
def chain() -> RulesChain:
    return RulesChain()


def admit(
    chain: RulesChain, org: str, role: Role, name: str, method: str, request: object
) -> tuple[grpc.StatusCode, str]:
    """The status a caller with a certificate (org, role, name) gets for one call."""
    cert, _ = ORGS[org].issue(role, name)
    guard = Guard(CallerCheck(lambda: TRUST), ChainRules(chain))
    context: Any = FakeContext(cert)
    try:
        asyncio.run(guard.admit(method, request, context))
    except Aborted as refused:
        return refused.code, refused.message
    return OK, ""


# ---- VALIDATOR_IN_SET -----------------------------------------------------------------------


def test_a_validator_of_its_operator_may_call_the_peer_service(chain: RulesChain) -> None:
    envelope = node_pb2.PeerEnvelope(from_validator="v1")
    assert admit(chain, "org-a", Role.VALIDATOR, "v1", DELIVER, envelope)[0] is OK
    assert admit(chain, "org-a", Role.VALIDATOR, "v1", FORWARD, node_pb2.TxBatch())[0] is OK
    request = node_pb2.GetBlocksRequest(from_height=1)
    assert admit(chain, "org-a", Role.VALIDATOR, "v1", GET_BLOCKS, request)[0] is OK


@pytest.mark.parametrize(
    ("org", "name", "from_validator", "why"),
    [
        ("org-b", "v1", "v1", "operated by org-a"),  # right name, another org's CA
        ("org-a", "v9", "v9", "no validator of the set"),  # not in any set
        ("org-a", "v0", "v0", "has no operator"),  # genesis validator without an operator
        ("org-a", "v1", "v0", "as another validator"),  # envelope names another validator
    ],
)
def test_peer_calls_refused(
    chain: RulesChain, org: str, name: str, from_validator: str, why: str
) -> None:
    envelope = node_pb2.PeerEnvelope(from_validator=from_validator)
    code, message = admit(chain, org, Role.VALIDATOR, name, DELIVER, envelope)
    assert code is DENIED and why in message


def test_a_scheduled_validator_may_fetch_blocks_and_a_removed_one_may_not(
    chain: RulesChain,
) -> None:
    """Sets scheduled after the next height count (a joining validator catches up first);
    a set no longer in force does not."""
    height = chain.tip_height()
    joining = ScheduledSet(
        height + 5,
        height,
        "prop-join",
        (ValidatorEntry("v2", "22" * 32, "org-b"), ValidatorEntry("v1", "11" * 32, "org-a")),
    )
    chain.ledger.state.apply_writes([(validator_set.get_set_key(height + 5), joining.encode())])
    request = node_pb2.GetBlocksRequest(from_height=1)
    assert admit(chain, "org-b", Role.VALIDATOR, "v2", GET_BLOCKS, request)[0] is OK
    chain.ledger.height = height + 5  # the new set is in force: v0 left
    code, message = admit(chain, "org-a", Role.VALIDATOR, "v0", GET_BLOCKS, request)
    assert code is DENIED and "no validator of the set" in message
    assert admit(chain, "org-b", Role.VALIDATOR, "v2", GET_BLOCKS, request)[0] is OK


# ---- SUBMITTER_IS_CALLER --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ISSUER, Role.VERIFIER, Role.AUDITOR, Role.ADMIN])
def test_an_organisation_submits_its_own_transactions_only(chain: RulesChain, role: Role) -> None:
    own = node_pb2.SubmitRequest(tx=tx_signed_by(ORG_A.public_key))
    assert admit(chain, "org-a", role, "ops", SUBMIT, own)[0] is OK
    others = node_pb2.SubmitRequest(tx=tx_signed_by(ORG_B.public_key))
    code, message = admit(chain, "org-a", role, "ops", SUBMIT, others)
    assert code is DENIED and "signed by org-b" in message
    holders = node_pb2.SubmitRequest(tx=tx_signed_by(BOB_KEY))
    code, message = admit(chain, "org-a", role, "ops", SUBMIT, holders)
    assert code is DENIED and "not signed by org-a's key" in message


def test_one_foreign_transaction_refuses_the_whole_batch(chain: RulesChain) -> None:
    good = node_pb2.SubmitBatchRequest(txs=[tx_signed_by(ORG_A.public_key)] * 3)
    assert admit(chain, "org-a", Role.ISSUER, "ops", SUBMIT_BATCH, good)[0] is OK
    mixed = node_pb2.SubmitBatchRequest(
        txs=[tx_signed_by(ORG_A.public_key), tx_signed_by(ORG_B.public_key)]
    )
    code, message = admit(chain, "org-a", Role.ISSUER, "ops", SUBMIT_BATCH, mixed)
    assert code is DENIED and "transaction 1" in message
    empty = node_pb2.SubmitBatchRequest()
    assert admit(chain, "org-a", Role.ISSUER, "ops", SUBMIT_BATCH, empty)[0] is OK


def test_the_wallet_submits_for_holders_and_its_own_org_but_not_for_another_org(
    chain: RulesChain,
) -> None:
    for key in (BOB_KEY, ORG_A.public_key):
        request = node_pb2.SubmitRequest(tx=tx_signed_by(key))
        assert admit(chain, "org-a", Role.WALLET, "wallet", SUBMIT, request)[0] is OK
    foreign = node_pb2.SubmitBatchRequest(
        txs=[tx_signed_by(BOB_KEY), tx_signed_by(ORG_B.public_key)]
    )
    code, message = admit(chain, "org-a", Role.WALLET, "wallet", SUBMIT_BATCH, foreign)
    assert code is DENIED and "signed by org-b" in message


# ---- HOLDER_LINKED --------------------------------------------------------------------------


@pytest.mark.parametrize("method", [QUERY, PROVEN])
def test_holder_data_for_a_grantee_wallet_or_auditor_only(chain: RulesChain, method: str) -> None:
    about = query_about if method == QUERY else proven_state_of
    assert admit(chain, "org-a", Role.VERIFIER, "desk", method, about(ALICE))[0] is OK
    for role in (Role.WALLET, Role.AUDITOR):
        assert admit(chain, "org-b", role, "svc", method, about(ALICE))[0] is OK
        assert admit(chain, "org-b", role, "svc", method, about(BOB))[0] is OK
    for org, holder in (("org-b", ALICE), ("org-a", BOB)):
        code, message = admit(chain, org, Role.VERIFIER, "desk", method, about(holder))
        assert code is DENIED and "no consent grant in force" in message
        assert holder not in message, "no holder id in a refusal"


def test_a_query_about_no_holder_passes(chain: RulesChain) -> None:
    request = node_pb2.QueryRequest(contract="membership", method="list")
    assert admit(chain, "org-b", Role.ADMIN, "ops", QUERY, request)[0] is OK
    key = node_pb2.ProvenStateRequest(key=b"membership/org/org-a")
    assert admit(chain, "org-b", Role.ADMIN, "ops", PROVEN, key)[0] is OK


def test_every_holder_named_needs_a_grant(chain: RulesChain) -> None:
    request = query_about(ALICE)
    request.args.add(name="subject", text=BOB)  # any argument, any position
    code, _ = admit(chain, "org-a", Role.VERIFIER, "desk", QUERY, request)
    assert code is DENIED


def test_a_grant_no_longer_in_force_gives_no_access(chain: RulesChain) -> None:
    assert admit(chain, "org-a", Role.VERIFIER, "desk", QUERY, query_about(ALICE))[0] is OK
    chain.ledger.call(
        chain_support.support.ALICE_KEY, "consent.revoke", {"request_id": "REQ-0000001"}
    )
    assert admit(chain, "org-a", Role.VERIFIER, "desk", QUERY, query_about(ALICE))[0] is DENIED


def test_an_expired_grant_gives_no_access(chain: RulesChain) -> None:
    chain.ledger.time_ms += 31 * DAY_MS
    chain.ledger.height += 1
    assert admit(chain, "org-a", Role.VERIFIER, "desk", QUERY, query_about(ALICE))[0] is DENIED


def test_holder_ids_are_found_anywhere_in_text() -> None:
    assert find_holder_ids([f"x{ALICE}y", ALICE, "hd" + "0" * 39]) == [ALICE]
    assert get_request_holders(proven_state_of(BOB)) == [BOB]
    assert get_request_holders(node_pb2.GetBlockRequest()) == []


def test_the_rule_check_is_the_policy_hook() -> None:
    """`ChainRules` is awaited by the guard as a `RuleCheck`."""
    rules = ChainRules(RulesChain())
    caller = Identity("org-b", Role.ADMIN, "ops", 1, NOW, NOW)
    reason = asyncio.run(rules(Rule.HOLDER_LINKED, caller, query_about(ALICE)))
    assert reason is not None and ALICE not in reason


# ---- AuditTrace: auditors, and a wallet for a holder's own trail ------------------------------

AUDIT_TRACE = "/trustledger.v1.Ledger/AuditTrace"


def test_a_wallet_traces_holders_only_and_an_auditor_anything(chain: RulesChain) -> None:
    def trace(subject: str) -> node_pb2.AuditTraceRequest:
        return node_pb2.AuditTraceRequest(subject=subject)

    assert admit(chain, "org-b", Role.WALLET, "wallet", AUDIT_TRACE, trace(ALICE))[0] is OK
    for subject in ("org-a", "DIP-2012-000001", f"{ALICE} {BOB}"):
        code, message = admit(chain, "org-b", Role.WALLET, "wallet", AUDIT_TRACE, trace(subject))
        assert code is DENIED and "traces only a holder's own data" in message, subject
        assert ALICE not in message
        assert admit(chain, "org-b", Role.AUDITOR, "desk", AUDIT_TRACE, trace(subject))[0] is OK
    # A verifier, even one holding Alice's grant, is no auditor.
    code, _ = admit(chain, "org-a", Role.VERIFIER, "desk", AUDIT_TRACE, trace(ALICE))
    assert code is DENIED
