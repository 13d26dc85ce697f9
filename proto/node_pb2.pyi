from proto import ledger_pb2 as _ledger_pb2
from proto import consensus_pb2 as _consensus_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TxStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TX_STATUS_UNSPECIFIED: _ClassVar[TxStatus]
    TX_STATUS_PENDING: _ClassVar[TxStatus]
    TX_STATUS_COMMITTED: _ClassVar[TxStatus]
    TX_STATUS_UNKNOWN: _ClassVar[TxStatus]

class CertificateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATE_STATUS_UNSPECIFIED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_VALID: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_REVOKED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_UNKNOWN: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_EXPIRED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_SUSPENDED: _ClassVar[CertificateStatus]
    CERTIFICATE_STATUS_SUPERSEDED: _ClassVar[CertificateStatus]
TX_STATUS_UNSPECIFIED: TxStatus
TX_STATUS_PENDING: TxStatus
TX_STATUS_COMMITTED: TxStatus
TX_STATUS_UNKNOWN: TxStatus
CERTIFICATE_STATUS_UNSPECIFIED: CertificateStatus
CERTIFICATE_STATUS_VALID: CertificateStatus
CERTIFICATE_STATUS_REVOKED: CertificateStatus
CERTIFICATE_STATUS_UNKNOWN: CertificateStatus
CERTIFICATE_STATUS_EXPIRED: CertificateStatus
CERTIFICATE_STATUS_SUSPENDED: CertificateStatus
CERTIFICATE_STATUS_SUPERSEDED: CertificateStatus

class PeerEnvelope(_message.Message):
    __slots__ = ("from_validator", "messages")
    FROM_VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    from_validator: str
    messages: _containers.RepeatedCompositeFieldContainer[_consensus_pb2.ConsensusMessage]
    def __init__(self, from_validator: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_consensus_pb2.ConsensusMessage, _Mapping]]] = ...) -> None: ...

class PeerAck(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TxBatch(_message.Message):
    __slots__ = ("txs",)
    TXS_FIELD_NUMBER: _ClassVar[int]
    txs: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.Transaction]
    def __init__(self, txs: _Optional[_Iterable[_Union[_ledger_pb2.Transaction, _Mapping]]] = ...) -> None: ...

class GetBlocksRequest(_message.Message):
    __slots__ = ("from_height", "max_blocks")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MAX_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    max_blocks: int
    def __init__(self, from_height: _Optional[int] = ..., max_blocks: _Optional[int] = ...) -> None: ...

class GetBlocksResponse(_message.Message):
    __slots__ = ("blocks",)
    BLOCKS_FIELD_NUMBER: _ClassVar[int]
    blocks: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.Block]
    def __init__(self, blocks: _Optional[_Iterable[_Union[_ledger_pb2.Block, _Mapping]]] = ...) -> None: ...

class SubmitRequest(_message.Message):
    __slots__ = ("tx", "wait_for_commit")
    TX_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_COMMIT_FIELD_NUMBER: _ClassVar[int]
    tx: _ledger_pb2.Transaction
    wait_for_commit: bool
    def __init__(self, tx: _Optional[_Union[_ledger_pb2.Transaction, _Mapping]] = ..., wait_for_commit: _Optional[bool] = ...) -> None: ...

class SubmitResponse(_message.Message):
    __slots__ = ("tx_hash", "status", "height", "result")
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    tx_hash: bytes
    status: TxStatus
    height: int
    result: _ledger_pb2.TxResult
    def __init__(self, tx_hash: _Optional[bytes] = ..., status: _Optional[_Union[TxStatus, str]] = ..., height: _Optional[int] = ..., result: _Optional[_Union[_ledger_pb2.TxResult, _Mapping]] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("tx_hash",)
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    tx_hash: bytes
    def __init__(self, tx_hash: _Optional[bytes] = ...) -> None: ...

class GetBlockRequest(_message.Message):
    __slots__ = ("height",)
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    height: int
    def __init__(self, height: _Optional[int] = ...) -> None: ...

class GetBlockResponse(_message.Message):
    __slots__ = ("block", "results")
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    block: _ledger_pb2.Block
    results: _ledger_pb2.BlockResults
    def __init__(self, block: _Optional[_Union[_ledger_pb2.Block, _Mapping]] = ..., results: _Optional[_Union[_ledger_pb2.BlockResults, _Mapping]] = ...) -> None: ...

class StatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StatusResponse(_message.Message):
    __slots__ = ("chain_id", "validator", "height", "view", "primary", "last_block_hash", "mempool_size", "state_root", "view_changing")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    LAST_BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    MEMPOOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    VIEW_CHANGING_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    validator: str
    height: int
    view: int
    primary: str
    last_block_hash: bytes
    mempool_size: int
    state_root: bytes
    view_changing: bool
    def __init__(self, chain_id: _Optional[str] = ..., validator: _Optional[str] = ..., height: _Optional[int] = ..., view: _Optional[int] = ..., primary: _Optional[str] = ..., last_block_hash: _Optional[bytes] = ..., mempool_size: _Optional[int] = ..., state_root: _Optional[bytes] = ..., view_changing: _Optional[bool] = ...) -> None: ...

class QueryRequest(_message.Message):
    __slots__ = ("contract", "method", "args")
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    contract: str
    method: str
    args: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.Arg]
    def __init__(self, contract: _Optional[str] = ..., method: _Optional[str] = ..., args: _Optional[_Iterable[_Union[_ledger_pb2.Arg, _Mapping]]] = ...) -> None: ...

class QueryResponse(_message.Message):
    __slots__ = ("result_json", "height")
    RESULT_JSON_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    result_json: bytes
    height: int
    def __init__(self, result_json: _Optional[bytes] = ..., height: _Optional[int] = ...) -> None: ...

class AuditTraceRequest(_message.Message):
    __slots__ = ("subject", "limit")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    subject: str
    limit: int
    def __init__(self, subject: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("height", "tx_index", "time_ms", "tx_hash", "actor", "contract", "method", "ok", "error_code", "error_message", "event")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TX_INDEX_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    height: int
    tx_index: int
    time_ms: int
    tx_hash: bytes
    actor: str
    contract: str
    method: str
    ok: bool
    error_code: str
    error_message: str
    event: _ledger_pb2.Event
    def __init__(self, height: _Optional[int] = ..., tx_index: _Optional[int] = ..., time_ms: _Optional[int] = ..., tx_hash: _Optional[bytes] = ..., actor: _Optional[str] = ..., contract: _Optional[str] = ..., method: _Optional[str] = ..., ok: _Optional[bool] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., event: _Optional[_Union[_ledger_pb2.Event, _Mapping]] = ...) -> None: ...

class AuditTraceResponse(_message.Message):
    __slots__ = ("entries", "height", "truncated")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    height: int
    truncated: bool
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., height: _Optional[int] = ..., truncated: _Optional[bool] = ...) -> None: ...

class SubmitBatchRequest(_message.Message):
    __slots__ = ("txs",)
    TXS_FIELD_NUMBER: _ClassVar[int]
    txs: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.Transaction]
    def __init__(self, txs: _Optional[_Iterable[_Union[_ledger_pb2.Transaction, _Mapping]]] = ...) -> None: ...

class SubmitBatchResponse(_message.Message):
    __slots__ = ("items", "pending")
    class Item(_message.Message):
        __slots__ = ("tx_hash", "accepted", "error")
        TX_HASH_FIELD_NUMBER: _ClassVar[int]
        ACCEPTED_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        tx_hash: bytes
        accepted: bool
        error: str
        def __init__(self, tx_hash: _Optional[bytes] = ..., accepted: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[SubmitBatchResponse.Item]
    pending: int
    def __init__(self, items: _Optional[_Iterable[_Union[SubmitBatchResponse.Item, _Mapping]]] = ..., pending: _Optional[int] = ...) -> None: ...

class ProvenStateRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    def __init__(self, key: _Optional[bytes] = ...) -> None: ...

class ProvenState(_message.Message):
    __slots__ = ("key", "present", "value", "proof", "height", "header", "commit")
    KEY_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    present: bool
    value: bytes
    proof: bytes
    height: int
    header: _ledger_pb2.BlockHeader
    commit: _ledger_pb2.CommitCertificate
    def __init__(self, key: _Optional[bytes] = ..., present: _Optional[bool] = ..., value: _Optional[bytes] = ..., proof: _Optional[bytes] = ..., height: _Optional[int] = ..., header: _Optional[_Union[_ledger_pb2.BlockHeader, _Mapping]] = ..., commit: _Optional[_Union[_ledger_pb2.CommitCertificate, _Mapping]] = ...) -> None: ...

class VerifyCertificateRequest(_message.Message):
    __slots__ = ("cert_id", "doc_hash", "purpose_code")
    CERT_ID_FIELD_NUMBER: _ClassVar[int]
    DOC_HASH_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    cert_id: str
    doc_hash: str
    purpose_code: str
    def __init__(self, cert_id: _Optional[str] = ..., doc_hash: _Optional[str] = ..., purpose_code: _Optional[str] = ...) -> None: ...

class VerifyCertificateResponse(_message.Message):
    __slots__ = ("status", "cert_id", "cert_type", "issuer", "holder", "doc_hash", "doc_hash_matches", "revocation_reason", "issued_height", "status_height", "height", "header", "commit", "proof", "purpose_code")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CERT_ID_FIELD_NUMBER: _ClassVar[int]
    CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    DOC_HASH_FIELD_NUMBER: _ClassVar[int]
    DOC_HASH_MATCHES_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATUS_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    status: CertificateStatus
    cert_id: str
    cert_type: str
    issuer: str
    holder: str
    doc_hash: str
    doc_hash_matches: bool
    revocation_reason: str
    issued_height: int
    status_height: int
    height: int
    header: _ledger_pb2.BlockHeader
    commit: _ledger_pb2.CommitCertificate
    proof: ProvenState
    purpose_code: str
    def __init__(self, status: _Optional[_Union[CertificateStatus, str]] = ..., cert_id: _Optional[str] = ..., cert_type: _Optional[str] = ..., issuer: _Optional[str] = ..., holder: _Optional[str] = ..., doc_hash: _Optional[str] = ..., doc_hash_matches: _Optional[bool] = ..., revocation_reason: _Optional[str] = ..., issued_height: _Optional[int] = ..., status_height: _Optional[int] = ..., height: _Optional[int] = ..., header: _Optional[_Union[_ledger_pb2.BlockHeader, _Mapping]] = ..., commit: _Optional[_Union[_ledger_pb2.CommitCertificate, _Mapping]] = ..., proof: _Optional[_Union[ProvenState, _Mapping]] = ..., purpose_code: _Optional[str] = ...) -> None: ...

class VerifyPresentationRequest(_message.Message):
    __slots__ = ("presentation", "purpose_code")
    PRESENTATION_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    presentation: str
    purpose_code: str
    def __init__(self, presentation: _Optional[str] = ..., purpose_code: _Optional[str] = ...) -> None: ...

class VerifyPresentationResponse(_message.Message):
    __slots__ = ("accepted", "refusal", "message", "certificate", "fields", "signer", "expires_at_ms", "purpose_code")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    refusal: str
    message: str
    certificate: VerifyCertificateResponse
    fields: _containers.ScalarMap[str, str]
    signer: str
    expires_at_ms: int
    purpose_code: str
    def __init__(self, accepted: _Optional[bool] = ..., refusal: _Optional[str] = ..., message: _Optional[str] = ..., certificate: _Optional[_Union[VerifyCertificateResponse, _Mapping]] = ..., fields: _Optional[_Mapping[str, str]] = ..., signer: _Optional[str] = ..., expires_at_ms: _Optional[int] = ..., purpose_code: _Optional[str] = ...) -> None: ...

class VerifyCertificatesRequest(_message.Message):
    __slots__ = ("cert_ids",)
    CERT_IDS_FIELD_NUMBER: _ClassVar[int]
    cert_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, cert_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CertificateAnswer(_message.Message):
    __slots__ = ("cert_id", "status", "cert_type", "issuer", "holder", "doc_hash", "revocation_reason", "issued_height", "status_height", "present", "value", "proof")
    CERT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CERT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    DOC_HASH_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATUS_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    cert_id: str
    status: CertificateStatus
    cert_type: str
    issuer: str
    holder: str
    doc_hash: str
    revocation_reason: str
    issued_height: int
    status_height: int
    present: bool
    value: bytes
    proof: bytes
    def __init__(self, cert_id: _Optional[str] = ..., status: _Optional[_Union[CertificateStatus, str]] = ..., cert_type: _Optional[str] = ..., issuer: _Optional[str] = ..., holder: _Optional[str] = ..., doc_hash: _Optional[str] = ..., revocation_reason: _Optional[str] = ..., issued_height: _Optional[int] = ..., status_height: _Optional[int] = ..., present: _Optional[bool] = ..., value: _Optional[bytes] = ..., proof: _Optional[bytes] = ...) -> None: ...

class VerifyCertificatesResponse(_message.Message):
    __slots__ = ("height", "header", "commit", "answers", "nodes")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    ANSWERS_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    height: int
    header: _ledger_pb2.BlockHeader
    commit: _ledger_pb2.CommitCertificate
    answers: _containers.RepeatedCompositeFieldContainer[CertificateAnswer]
    nodes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, height: _Optional[int] = ..., header: _Optional[_Union[_ledger_pb2.BlockHeader, _Mapping]] = ..., commit: _Optional[_Union[_ledger_pb2.CommitCertificate, _Mapping]] = ..., answers: _Optional[_Iterable[_Union[CertificateAnswer, _Mapping]]] = ..., nodes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class WatchStatusRequest(_message.Message):
    __slots__ = ("cert_ids", "from_height")
    CERT_IDS_FIELD_NUMBER: _ClassVar[int]
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    cert_ids: _containers.RepeatedScalarFieldContainer[str]
    from_height: int
    def __init__(self, cert_ids: _Optional[_Iterable[str]] = ..., from_height: _Optional[int] = ...) -> None: ...

class StatusChange(_message.Message):
    __slots__ = ("cert_id", "status", "event", "height", "time_ms")
    CERT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    cert_id: str
    status: CertificateStatus
    event: str
    height: int
    time_ms: int
    def __init__(self, cert_id: _Optional[str] = ..., status: _Optional[_Union[CertificateStatus, str]] = ..., event: _Optional[str] = ..., height: _Optional[int] = ..., time_ms: _Optional[int] = ...) -> None: ...
