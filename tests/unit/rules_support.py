"""A small chain for the node's rule evaluation (node/transport/rules.py), built with the
real contracts: organisations org-a and org-b, validator v1 operated by org-a (and v0 with
no operator), a diploma of ALICE issued by sdu, and ALICE's consent grant to org-a.
Shared by the rules tests and the access matrix."""

from __future__ import annotations

from consensus.validators import Validator
from contracts.framework.identity import holder_id_for
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import Organisation
from contracts.runtime import StateReader, genesis_writes
from node.chain.tx import encode_args
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256
from tests.unit import test_contracts_support as support

ORG_A = Organisation("org-a", "Org A", support.key_of("org-a"), ("verifier", "validator_operator"))
ORG_B = Organisation("org-b", "Org B", support.key_of("org-b"), ("verifier", "validator_operator"))
ORGANISATIONS = (support.UNIVERSITY, ORG_A, ORG_B)
VALIDATORS = (Validator("v0", support.key_of("v0")), Validator("v1", support.key_of("v1")))
OPERATORS = {"v1": ORG_A.id}
ALICE = support.ALICE
"""A holder who granted org-a consent."""
BOB_KEY = support.key_of("wallet/bob")
BOB = holder_id_for(BOB_KEY, suite=ED25519_SHA256)
"""A holder who granted no one anything."""


class RulesChain:
    """A `ChainView` over a contracts test ledger."""

    def __init__(self) -> None:
        self.ledger = support.Ledger(ORGANISATIONS)
        self.ledger.state = MemoryState(
            genesis_writes(
                ORGANISATIONS, VALIDATORS, validator_operators=OPERATORS, suite=ED25519_SHA256
            )
        )
        self.ledger.issue_diploma()
        self.ledger.request(agency_key=ORG_A.public_key)
        self.ledger.call(support.ALICE_KEY, "consent.grant", {"request_id": "REQ-0000001"})

    @property
    def state(self) -> StateReader:
        return self.ledger.state

    def tip_height(self) -> int:
        return self.ledger.height

    def tip_time_ms(self) -> int:
        return self.ledger.time_ms


def tx_signed_by(public_key: bytes) -> ledger_pb2.Transaction:
    """A transaction whose submitter is `public_key` (the rules read no signature)."""
    return ledger_pb2.Transaction(
        body=ledger_pb2.TxBody(
            chain_id=support.CHAIN_ID,
            submitter=public_key,
            contract="certificates",
            method="revoke",
            args=encode_args({"cert_id": "DIP-2012-000001"}),
        )
    )


def query_about(holder: str) -> node_pb2.QueryRequest:
    return node_pb2.QueryRequest(
        contract="certificates", method="list_by_holder", args=encode_args({"holder": holder})
    )


def proven_state_of(holder: str) -> node_pb2.ProvenStateRequest:
    return node_pb2.ProvenStateRequest(key=b"consent/by_holder/" + holder.encode() + b"/x")


def rule_request(path: str) -> object | None:
    """For each row of the table with a rule, a request the rule allows for org-a's callers
    (named v1) and refuses for org-b's: what the access matrix sends."""
    return {
        "/trustledger.v1.Peer/Deliver": node_pb2.PeerEnvelope(from_validator="v1"),
        "/trustledger.v1.Ledger/SubmitTransaction": node_pb2.SubmitRequest(
            tx=tx_signed_by(ORG_A.public_key)
        ),
        "/trustledger.v1.Ledger/SubmitTransactions": node_pb2.SubmitBatchRequest(
            txs=[tx_signed_by(ORG_A.public_key)]
        ),
        "/trustledger.v1.Ledger/Query": query_about(ALICE),
        "/trustledger.v1.Ledger/GetProvenState": proven_state_of(ALICE),
        "/trustledger.v1.Ledger/AuditTrace": node_pb2.AuditTraceRequest(subject=ALICE),
    }.get(path)
