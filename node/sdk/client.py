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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from consensus.limits import VALIDATOR_SETS_KEPT_MAX
from consensus.validators import (
    ValidatorSchedule,
    ValidatorSet,
)
from contracts.certificates.records import get_cert_key
from node.chain.batchproof import verify_batch_entry
from node.chain.certstatus import STATUS_BY_NAME, UNKNOWN_STATUS
from node.chain.crypto import KeyPair
from node.chain.headers import results_root
from node.chain.tx import ArgValue, build_tx, encode_args
from node.limits import GRPC_OPTIONS
from node.sdk.finality import (
    FinalityError,
    ProvenValue,
    certificate_from_proven,
    check_finality,
    check_proven_state,
    get_scheduled_set,
)
from node.sdk.presentation import PresentationRefused, read_presentation
from node.sdk.presentation_check import check_record, check_time
from node.sdk.tls import ClientTls
from proto import ledger_pb2, node_pb2, node_pb2_grpc
from suites import Suite

_Reply = TypeVar("_Reply")

DEFAULT_TIMEOUT_S = 30.0
BUSY_BACKOFF_S = 0.05
"""First pause before a transaction refused as busy is sent again (`submit`)."""
BUSY_BACKOFF_MAX_S = 1.0


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


def _wrap(exc: grpc.RpcError) -> ClientError:
    code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
    details = exc.details() if hasattr(exc, "details") else str(exc)
    return ClientError(code, details or "")


class LedgerClient:
    def __init__(
        self,
        address: str,
        chain_id: str,
        tls: ClientTls | None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        *,
        suite: Suite,
    ) -> None:
        """`tls` is the caller's certificate (node/sdk/tls.py): validators serve mutual
        TLS only. None dials in plaintext, which every validator refuses; it exists for
        tests that show exactly that. `suite` is the chain's crypto suite, from the genesis
        the caller trusts (`Genesis.suite`), required: the certificates and proofs the node
        answers are checked with it, and a client of an SM chain never checks them as
        Ed25519 and SHA-256 by omission."""
        self.address = address
        self.chain_id = chain_id
        self.suite = suite
        self.timeout_s = timeout_s
        if tls is None:
            self._channel = grpc.insecure_channel(address, options=GRPC_OPTIONS)
        else:
            self._channel = grpc.secure_channel(
                address, tls.credentials(), options=[*GRPC_OPTIONS, *tls.options()]
            )
        self.ledger = node_pb2_grpc.LedgerStub(self._channel)
        self.agency = node_pb2_grpc.AgencyStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, rpc: Callable[..., object], request: object, reply: type[_Reply]) -> _Reply:
        """One unary call with this client's deadline; a failure becomes a ClientError."""
        try:
            resp = rpc(request, timeout=self.timeout_s)
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc
        if not isinstance(resp, reply):
            raise ClientError("INTERNAL", f"the node answered a {type(resp).__name__}")
        return resp

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
        return self._call(
            self.ledger.SubmitTransactions,
            node_pb2.SubmitBatchRequest(txs=txs),
            node_pb2.SubmitBatchResponse,
        )

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
        return self._call(
            self.ledger.GetTransaction,
            node_pb2.GetTransactionRequest(tx_hash=tx_hash),
            node_pb2.SubmitResponse,
        )

    # ---- reads --------------------------------------------------------------------------

    def query(self, contract: str, method: str, **args: ArgValue) -> Any:
        resp = self._call(
            self.ledger.Query,
            node_pb2.QueryRequest(contract=contract, method=method, args=encode_args(args)),
            node_pb2.QueryResponse,
        )
        return json.loads(resp.result_json)

    def status(self) -> node_pb2.StatusResponse:
        return self._call(self.ledger.GetStatus, node_pb2.StatusRequest(), node_pb2.StatusResponse)

    def get_block(self, height: int = 0) -> node_pb2.GetBlockResponse:
        return self._call(
            self.ledger.GetBlock, node_pb2.GetBlockRequest(height=height), node_pb2.GetBlockResponse
        )

    def chain_time_ms(self, genesis_time_ms: int) -> int:
        """The chain's time: the latest block's, or `genesis_time_ms` before the first block.
        Expiries and validity periods count from it, since contracts compare them with
        block times, never with a client's clock."""
        if not self.status().height:
            return genesis_time_ms
        time_ms: int = self.get_block(0).block.header.time_ms
        return time_ms

    def audit_trace(self, subject: str, limit: int = 0) -> node_pb2.AuditTraceResponse:
        return self._call(
            self.ledger.AuditTrace,
            node_pb2.AuditTraceRequest(subject=subject, limit=limit),
            node_pb2.AuditTraceResponse,
        )

    def verify_certificate(
        self,
        cert_id: str,
        doc_hash: str = "",
        validators: ValidatorSet | ValidatorSchedule | None = None,
        *,
        purpose_code: str = "",
    ) -> node_pb2.VerifyCertificateResponse:
        """Ask for a certificate's status. With `validators`, nothing the node says is
        trusted: the answer must match the certificate's state entry as proven against a
        header that 2f+1 validators signed (raises FinalityError otherwise). A
        `purpose_code` (申请事由) is checked against the purpose list and echoed in the
        answer, for this agency's own log; the node records nothing."""
        resp = self._call(
            self.agency.VerifyCertificate,
            node_pb2.VerifyCertificateRequest(
                cert_id=cert_id, doc_hash=doc_hash, purpose_code=purpose_code
            ),
            node_pb2.VerifyCertificateResponse,
        )
        if validators is not None:
            self._check_certificate_answer(resp, validators)
        return resp

    def _check_certificate_answer(
        self,
        resp: node_pb2.VerifyCertificateResponse,
        validators: ValidatorSet | ValidatorSchedule,
    ) -> dict[str, Any] | None:
        """The certificate's record proven against a certified header; FinalityError if the
        node's answer says anything else."""
        key = get_cert_key(resp.cert_id)
        value = check_proven_state(self.chain_id, validators, resp.proof, key, suite=self.suite)
        record = certificate_from_proven(resp.cert_id, value, resp.proof.header.time_ms)
        _check_claims(resp, record)
        return record

    def verify_certificates(
        self,
        cert_ids: list[str],
        validators: ValidatorSet | ValidatorSchedule | None = None,
    ) -> node_pb2.VerifyCertificatesResponse:
        """Many certificates in one call (at most 1,000). With `validators`, nothing the node
        says is trusted: the shared header must carry a quorum's commit certificate, and each
        answer must match its state entry as proven against that header (FinalityError)."""
        resp = self._call(
            self.agency.VerifyCertificates,
            node_pb2.VerifyCertificatesRequest(cert_ids=cert_ids),
            node_pb2.VerifyCertificatesResponse,
        )
        if validators is not None:
            self.check_certificates_answer(cert_ids, resp, validators)
        return resp

    def verify_stream(
        self,
        batches: Iterable[list[str]],
        validators: ValidatorSet | ValidatorSchedule | None = None,
    ) -> Iterator[node_pb2.VerifyCertificatesResponse]:
        """Batches of certificate ids on one stream (`Agency/VerifyStream`), answered in
        order as `verify_certificates` answers each, and checked the same way with
        `validators`. Batches are sent as the answers are read: a slow reader slows the
        sender, never the node."""
        asked: list[list[str]] = []

        def requests() -> Iterator[node_pb2.VerifyCertificatesRequest]:
            for ids in batches:
                asked.append(list(ids))
                yield node_pb2.VerifyCertificatesRequest(cert_ids=ids)

        try:
            for resp in self.agency.VerifyStream(requests()):
                ids = asked.pop(0)
                if validators is not None:
                    self.check_certificates_answer(ids, resp, validators)
                yield resp
        except grpc.RpcError as exc:
            raise _wrap(exc) from exc

    def watch_status(self, cert_ids: list[str], from_height: int = 0) -> Any:
        """The status changes of `cert_ids` after `from_height` (0: from the next block), then
        as blocks commit: an iterator of `StatusChange` that waits for the next one; `cancel()`
        it to stop. Notifications, not proofs: verify what they say (verify_certificates)."""
        return self.agency.WatchStatus(
            node_pb2.WatchStatusRequest(cert_ids=cert_ids, from_height=from_height)
        )

    def check_certificates_answer(
        self,
        cert_ids: list[str],
        resp: node_pb2.VerifyCertificatesResponse,
        validators: ValidatorSet | ValidatorSchedule,
    ) -> None:
        if [a.cert_id for a in resp.answers] != cert_ids:
            raise FinalityError("the answers are for other certificates than asked")
        if resp.height == 0:
            raise FinalityError("no committed block yet: nothing to prove against")
        check_finality(self.chain_id, validators, resp.header, resp.commit, suite=self.suite)
        root, nodes = bytes(resp.header.state_root), list(resp.nodes)
        for answer in resp.answers:
            value = bytes(answer.value) if answer.present else None
            key = get_cert_key(answer.cert_id)
            if not verify_batch_entry(root, key, value, bytes(answer.proof), nodes, self.suite):
                raise FinalityError(f"{answer.cert_id}: the proof does not match the state root")
            _check_claims(
                answer, certificate_from_proven(answer.cert_id, value, resp.header.time_ms)
            )

    def verify_presentation(
        self,
        presentation: str,
        validators: ValidatorSet | ValidatorSchedule | None = None,
        *,
        now_ms: int | None = None,
        purpose_code: str = "",
    ) -> node_pb2.VerifyPresentationResponse:
        """Have the node check a holder's presentation (亮证) shown to this client's
        organisation; the node refuses a nonce it accepted before. With `validators`, an
        accepted answer is checked here too, trusting no node: the certificate's record as
        proven, the holder's signature, the time, and each disclosed field against the proven
        commitments (FinalityError if the node accepted what they refuse)."""
        resp = self._call(
            self.agency.VerifyPresentation,
            node_pb2.VerifyPresentationRequest(
                presentation=presentation, purpose_code=purpose_code
            ),
            node_pb2.VerifyPresentationResponse,
        )
        if validators is not None and resp.accepted:
            self.check_presentation_answer(presentation, resp, validators, now_ms=now_ms)
        return resp

    def check_presentation_answer(
        self,
        presentation: str,
        resp: node_pb2.VerifyPresentationResponse,
        validators: ValidatorSet | ValidatorSchedule,
        *,
        now_ms: int | None = None,
    ) -> None:
        """Raise FinalityError unless an accepted answer holds without trusting the node: the
        certificate's record as proven, the holder's signature, the time, and each disclosed
        field against the proven commitments. A delegate's delegation is the node's word."""
        record = self._check_certificate_answer(resp.certificate, validators)
        try:
            p = read_presentation(presentation)
            check_time(p, time.time_ns() // 1_000_000 if now_ms is None else now_ms)
            check_record(p, record, lambda principal, holder: holder == resp.signer)
        except PresentationRefused as refused:
            raise FinalityError(
                f"the node accepted a presentation that is refused: {refused}"
            ) from None
        if resp.signer != p.holder or dict(resp.fields) != {f.name: f.value for f in p.fields}:
            raise FinalityError("the node's answer names another signer or other fields")

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
            check_finality(
                self.chain_id, schedule, resp.block.header, resp.block.commit, suite=self.suite
            )
            if (
                results_root(list(resp.results.results), self.suite)
                != resp.block.header.results_root
            ):
                raise FinalityError(f"block {decided}: results do not match the results root")
            schedule = schedule.with_activation(
                activation, get_scheduled_set(resp.results, activation, suite=self.suite)
            )
        return schedule

    def get_proven_state(
        self, key: bytes, validators: ValidatorSet | ValidatorSchedule
    ) -> ProvenValue:
        """A state entry (value None if absent), proven against a certified header."""
        proven = self._call(
            self.ledger.GetProvenState, node_pb2.ProvenStateRequest(key=key), node_pb2.ProvenState
        )
        value = check_proven_state(self.chain_id, validators, proven, key, suite=self.suite)
        return ProvenValue(value, proven.height, proven.header.time_ms)


def _check_claims(
    answer: node_pb2.VerifyCertificateResponse | node_pb2.CertificateAnswer,
    record: dict[str, Any] | None,
) -> None:
    """FinalityError unless the node's answer says what the proven record says."""
    expected = (
        STATUS_BY_NAME.get(record["status"], node_pb2.CERTIFICATE_STATUS_UNSPECIFIED)
        if record
        else UNKNOWN_STATUS
    )
    claimed = (answer.status, answer.issuer, answer.holder, answer.doc_hash, answer.cert_type)
    proven = (
        (expected, record["issuer"], record["holder"], record["doc_hash"], record["cert_type"])
        if record
        else (UNKNOWN_STATUS, "", "", "", "")
    )
    if claimed != proven:
        raise FinalityError("the node's answer does not match the proven certificate")
