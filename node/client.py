"""The Python SDK for issuers, agencies, wallets and auditors.

`LedgerClient` wraps the node's gRPC services; `check_finality` lets a client verify a
header and its commit certificate against the validator set in genesis (or, once the
validators changed, against `LedgerClient.get_validator_schedule`, the sets decided on-chain
followed from genesis), so an agency need not trust the node that answered it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc

from consensus.errors import InvalidCertificate
from consensus.limits import VALIDATOR_SETS_KEPT_MAX
from consensus.validators import (
    Validator,
    ValidatorSchedule,
    ValidatorSet,
    verify_commit_certificate,
)
from contracts.certificates.records import get_cert_key
from contracts.framework.memory import MemoryState
from contracts.runtime import query as contract_query
from node.blocks import header_hash, results_root
from node.crypto import KeyPair
from node.peers import GRPC_OPTIONS
from node.statetree import ProofFormatError, decode_proof, verify_proof
from node.tx import ArgValue, build_tx, encode_args
from node.wire import certificate_from_proto
from proto import ledger_pb2, node_pb2, node_pb2_grpc

DEFAULT_TIMEOUT_S = 30.0
BUSY_BACKOFF_S = 0.05
"""First pause before a transaction refused as busy is sent again (`submit`)."""
BUSY_BACKOFF_MAX_S = 1.0
UNKNOWN_STATUS = node_pb2.CERTIFICATE_STATUS_UNKNOWN
STATUS_BY_NAME = {
    "valid": node_pb2.CERTIFICATE_STATUS_VALID,
    "revoked": node_pb2.CERTIFICATE_STATUS_REVOKED,
    "expired": node_pb2.CERTIFICATE_STATUS_EXPIRED,
    "suspended": node_pb2.CERTIFICATE_STATUS_SUSPENDED,
    "superseded": node_pb2.CERTIFICATE_STATUS_SUPERSEDED,
}


class ClientError(Exception):
    """A call failed: `code` is the gRPC status name, `message` what the node said."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class TransactionRejected(ClientError):
    """The transaction was committed, but the contract refused it: no state changed."""

    def __init__(self, code: str, message: str, tx_hash: bytes, height: int) -> None:
        super().__init__(code, message)
        self.tx_hash = tx_hash
        self.height = height


@dataclass(frozen=True, slots=True)
class Committed:
    tx_hash: bytes
    height: int
    result: ledger_pb2.TxResult


@dataclass(frozen=True, slots=True)
class ProvenValue:
    """A state entry checked against a certified header: value None means proven absent."""

    value: bytes | None
    height: int
    time_ms: int


class FinalityError(Exception):
    """A header or certificate does not prove what it claims."""


def check_finality(
    chain_id: str,
    validators: ValidatorSet | ValidatorSchedule,
    header: ledger_pb2.BlockHeader,
    commit: ledger_pb2.CommitCertificate,
) -> None:
    """Raise FinalityError unless a quorum of `validators` (with a schedule: of the set in
    force at the header's height) signed this header."""
    if header.chain_id != chain_id:
        raise FinalityError(f"header is for chain {header.chain_id!r}")
    if commit.height != header.height or bytes(commit.block_hash) != header_hash(header):
        raise FinalityError("commit certificate is for another block")
    try:
        verify_commit_certificate(chain_id, validators, certificate_from_proto(commit))
    except InvalidCertificate as exc:
        raise FinalityError(str(exc)) from exc


def get_scheduled_set(results: ledger_pb2.BlockResults, activation_height: int) -> ValidatorSet:
    """The validator set that a block's results schedule from `activation_height` (the
    ``membership.validators_scheduled`` event of a successful governance decision)."""
    for result in results.results:
        if not result.ok:
            continue
        for event in result.events:
            if event.name != "membership.validators_scheduled":
                continue
            attrs = {a.key: getattr(a, a.WhichOneof("value") or "text") for a in event.attrs}
            if attrs.get("activation_height") != activation_height:
                continue
            try:
                members = json.loads(str(attrs["validators"]))
                return ValidatorSet(
                    tuple(
                        sorted(
                            (Validator(m["id"], bytes.fromhex(m["public_key"])) for m in members),
                            key=lambda v: v.id,
                        )
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise FinalityError(f"malformed validator decision: {exc}") from exc
    raise FinalityError(f"the block schedules no validator set from height {activation_height}")


def check_proven_state(
    chain_id: str,
    validators: ValidatorSet | ValidatorSchedule,
    proven: node_pb2.ProvenState,
    key: bytes,
) -> bytes | None:
    """Check a proven state entry end to end and return its value (None if absent).

    The header must carry a valid commit certificate, and the Merkle proof must tie the
    key and value (or the key's absence) to that header's state root. Nothing the node
    said is trusted beyond what these two checks prove.
    """
    if bytes(proven.key) != key:
        raise FinalityError("the proof is for another key")
    if proven.height == 0:
        raise FinalityError("no committed block yet: nothing to prove against")
    check_finality(chain_id, validators, proven.header, proven.commit)
    value = bytes(proven.value) if proven.present else None
    try:
        proof = decode_proof(bytes(proven.proof))
    except ProofFormatError as exc:
        raise FinalityError(f"malformed state proof: {exc}") from exc
    if not verify_proof(bytes(proven.header.state_root), key, value, proof):
        raise FinalityError("the state proof does not match the header's state root")
    return value


def certificate_from_proven(
    cert_id: str, value: bytes | None, now_ms: int
) -> dict[str, Any] | None:
    """The certificate's status computed locally from a proven record, with the contract's
    own status logic (so expiry is judged at the proven header's time)."""
    if value is None:
        return None
    state = MemoryState([(get_cert_key(cert_id), value)])
    record: dict[str, Any] = contract_query(
        state, "certificates", "status", {"cert_id": cert_id}, now_ms=now_ms
    )
    return record


def _wrap(exc: grpc.RpcError) -> ClientError:
    code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
    details = exc.details() if hasattr(exc, "details") else str(exc)
    return ClientError(code, details or "")


class LedgerClient:
    def __init__(self, address: str, chain_id: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.address = address
        self.chain_id = chain_id
        self.timeout_s = timeout_s
        self._channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
        self.ledger = node_pb2_grpc.LedgerStub(self._channel)
        self.agency = node_pb2_grpc.AgencyStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transactions ---------------------------------------------------------------

    def submit(
        self, tx: ledger_pb2.Transaction, *, wait: bool = True, busy_retry_s: float = 0.0
    ) -> node_pb2.SubmitResponse:
        """Submit one signed transaction; with `wait`, return once it is committed.

        A node that holds too many pending transactions answers RESOURCE_EXHAUSTED
        ("busy"), having admitted nothing. With `busy_retry_s` > 0 the same transaction is
        sent again after a pause that doubles each time (BUSY_BACKOFF_S up to
        BUSY_BACKOFF_MAX_S, with jitter so many clients do not come back together) for up
        to that many seconds; resending is safe, since a transaction is admitted once.
        Hammering a busy node instead costs it the CPU it needs to catch up."""
        deadline = time.monotonic() + busy_retry_s
        pause = BUSY_BACKOFF_S
        while True:
            try:
                resp: node_pb2.SubmitResponse = self.ledger.SubmitTransaction(
                    node_pb2.SubmitRequest(tx=tx, wait_for_commit=wait), timeout=self.timeout_s
                )
                return resp
            except grpc.RpcError as exc:
                error = _wrap(exc)
            if error.code != "RESOURCE_EXHAUSTED" or time.monotonic() + pause > deadline:
                raise error
            time.sleep(pause * random.uniform(0.5, 1.0))
            pause = min(pause * 2, BUSY_BACKOFF_MAX_S)

    def submit_batch(self, txs: list[ledger_pb2.Transaction]) -> node_pb2.SubmitBatchResponse:
        """Admit many transactions in one call (a bulk issuer); does not wait for commit."""
        try:
            resp: node_pb2.SubmitBatchResponse = self.ledger.SubmitTransactions(
                node_pb2.SubmitBatchRequest(txs=txs), timeout=self.timeout_s
            )
            return resp
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc

    def call(
        self, keypair: KeyPair, contract: str, method: str, args: Mapping[str, ArgValue]
    ) -> Committed:
        """Sign, submit and wait for commit; raise TransactionRejected if the contract refused."""
        tx = build_tx(self.chain_id, keypair, contract, method, args)
        resp = self.submit(tx, wait=True)
        if not resp.result.ok:
            raise TransactionRejected(
                resp.result.error_code, resp.result.error_message, bytes(resp.tx_hash), resp.height
            )
        return Committed(bytes(resp.tx_hash), resp.height, resp.result)

    def get_transaction(self, tx_hash: bytes) -> node_pb2.SubmitResponse:
        try:
            resp: node_pb2.SubmitResponse = self.ledger.GetTransaction(
                node_pb2.GetTransactionRequest(tx_hash=tx_hash), timeout=self.timeout_s
            )
            return resp
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc

    # ---- reads --------------------------------------------------------------------------

    def query(self, contract: str, method: str, **args: ArgValue) -> Any:
        try:
            resp = self.ledger.Query(
                node_pb2.QueryRequest(contract=contract, method=method, args=encode_args(args)),
                timeout=self.timeout_s,
            )
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc
        return json.loads(resp.result_json)

    def status(self) -> node_pb2.StatusResponse:
        try:
            resp: node_pb2.StatusResponse = self.ledger.GetStatus(
                node_pb2.StatusRequest(), timeout=self.timeout_s
            )
            return resp
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc

    def get_block(self, height: int = 0) -> node_pb2.GetBlockResponse:
        try:
            resp: node_pb2.GetBlockResponse = self.ledger.GetBlock(
                node_pb2.GetBlockRequest(height=height), timeout=self.timeout_s
            )
            return resp
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc

    def audit_trace(self, subject: str, limit: int = 0) -> node_pb2.AuditTraceResponse:
        try:
            resp: node_pb2.AuditTraceResponse = self.ledger.AuditTrace(
                node_pb2.AuditTraceRequest(subject=subject, limit=limit), timeout=self.timeout_s
            )
            return resp
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc

    def verify_certificate(
        self,
        cert_id: str,
        doc_hash: str = "",
        validators: ValidatorSet | ValidatorSchedule | None = None,
    ) -> node_pb2.VerifyCertificateResponse:
        """Ask for a certificate's status. With `validators`, nothing the node says is
        trusted: the answer must match the certificate's state entry as proven against a
        header that 2f+1 validators signed (raises FinalityError otherwise)."""
        try:
            resp: node_pb2.VerifyCertificateResponse = self.agency.VerifyCertificate(
                node_pb2.VerifyCertificateRequest(cert_id=cert_id, doc_hash=doc_hash),
                timeout=self.timeout_s,
            )
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc
        if validators is not None:
            key = get_cert_key(cert_id)
            value = check_proven_state(self.chain_id, validators, resp.proof, key)
            record = certificate_from_proven(cert_id, value, resp.proof.header.time_ms)
            expected = (
                STATUS_BY_NAME.get(record["status"], node_pb2.CERTIFICATE_STATUS_UNSPECIFIED)
                if record
                else UNKNOWN_STATUS
            )
            claimed = (
                resp.status,
                resp.issuer,
                resp.holder,
                resp.doc_hash,
                resp.cert_type,
            )
            proven = (
                (
                    expected,
                    record["issuer"],
                    record["holder"],
                    record["doc_hash"],
                    record["cert_type"],
                )
                if record
                else (UNKNOWN_STATUS, "", "", "", "")
            )
            if claimed != proven:
                raise FinalityError("the node's answer does not match the proven certificate")
        return resp

    def get_validator_schedule(self, genesis: ValidatorSet) -> ValidatorSchedule:
        """The validator sets in force by height, from `genesis` through every set decided
        on-chain, each one checked rather than believed: the block that decided it must carry
        a commit certificate of the set in force at its height (already checked, the first
        one being genesis), its results must match the header's results root, and they must
        schedule exactly that set from that height. The node only says where to look; if it
        hides a decision, later certificates fail to verify (FinalityError), never pass."""
        schedule = ValidatorSchedule.starting_with(genesis)
        listed = self.query("membership", "validators")["schedule"]
        for entry in listed[: VALIDATOR_SETS_KEPT_MAX * 4]:
            activation = int(entry["activation_height"])
            if activation <= schedule.entries[-1][0]:
                continue  # the genesis set
            decided = int(
                self.query("membership", "validators", height=activation)["decided_height"]
            )
            if not 1 <= decided < activation:
                raise FinalityError(f"set from height {activation}: decided at {decided}")
            resp = self.get_block(decided)
            check_finality(self.chain_id, schedule, resp.block.header, resp.block.commit)
            if results_root(list(resp.results.results)) != resp.block.header.results_root:
                raise FinalityError(f"block {decided}: results do not match the results root")
            schedule = schedule.with_activation(
                activation, get_scheduled_set(resp.results, activation)
            )
        return schedule

    def get_proven_state(
        self, key: bytes, validators: ValidatorSet | ValidatorSchedule
    ) -> ProvenValue:
        """A state entry (value None if absent), proven against a certified header."""
        try:
            proven = self.ledger.GetProvenState(
                node_pb2.ProvenStateRequest(key=key), timeout=self.timeout_s
            )
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc
        value = check_proven_state(self.chain_id, validators, proven, key)
        return ProvenValue(value, proven.height, proven.header.time_ms)
