from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Arg(_message.Message):
    __slots__ = ("name", "text", "integer", "blob", "flag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTEGER_FIELD_NUMBER: _ClassVar[int]
    BLOB_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    text: str
    integer: int
    blob: bytes
    flag: bool
    def __init__(self, name: _Optional[str] = ..., text: _Optional[str] = ..., integer: _Optional[int] = ..., blob: _Optional[bytes] = ..., flag: _Optional[bool] = ...) -> None: ...

class TxBody(_message.Message):
    __slots__ = ("chain_id", "submitter", "nonce", "contract", "method", "args")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    ARGS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    submitter: bytes
    nonce: bytes
    contract: str
    method: str
    args: _containers.RepeatedCompositeFieldContainer[Arg]
    def __init__(self, chain_id: _Optional[str] = ..., submitter: _Optional[bytes] = ..., nonce: _Optional[bytes] = ..., contract: _Optional[str] = ..., method: _Optional[str] = ..., args: _Optional[_Iterable[_Union[Arg, _Mapping]]] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ("body", "signature")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    body: TxBody
    signature: bytes
    def __init__(self, body: _Optional[_Union[TxBody, _Mapping]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class BlockHeader(_message.Message):
    __slots__ = ("chain_id", "height", "prev_hash", "tx_root", "state_root", "proposer", "view", "time_ms", "results_root")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    TX_ROOT_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_ROOT_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    prev_hash: bytes
    tx_root: bytes
    state_root: bytes
    proposer: str
    view: int
    time_ms: int
    results_root: bytes
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., prev_hash: _Optional[bytes] = ..., tx_root: _Optional[bytes] = ..., state_root: _Optional[bytes] = ..., proposer: _Optional[str] = ..., view: _Optional[int] = ..., time_ms: _Optional[int] = ..., results_root: _Optional[bytes] = ...) -> None: ...

class Vote(_message.Message):
    __slots__ = ("validator", "signature")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    validator: str
    signature: bytes
    def __init__(self, validator: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CommitCertificate(_message.Message):
    __slots__ = ("height", "block_hash", "votes", "view")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    height: int
    block_hash: bytes
    votes: _containers.RepeatedCompositeFieldContainer[Vote]
    view: int
    def __init__(self, height: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., votes: _Optional[_Iterable[_Union[Vote, _Mapping]]] = ..., view: _Optional[int] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("header", "txs", "commit")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TXS_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    header: BlockHeader
    txs: _containers.RepeatedCompositeFieldContainer[Transaction]
    commit: CommitCertificate
    def __init__(self, header: _Optional[_Union[BlockHeader, _Mapping]] = ..., txs: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., commit: _Optional[_Union[CommitCertificate, _Mapping]] = ...) -> None: ...

class EventAttr(_message.Message):
    __slots__ = ("key", "text", "integer", "flag")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    INTEGER_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    key: str
    text: str
    integer: int
    flag: bool
    def __init__(self, key: _Optional[str] = ..., text: _Optional[str] = ..., integer: _Optional[int] = ..., flag: _Optional[bool] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("name", "subjects", "attrs")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    ATTRS_FIELD_NUMBER: _ClassVar[int]
    name: str
    subjects: _containers.RepeatedScalarFieldContainer[str]
    attrs: _containers.RepeatedCompositeFieldContainer[EventAttr]
    def __init__(self, name: _Optional[str] = ..., subjects: _Optional[_Iterable[str]] = ..., attrs: _Optional[_Iterable[_Union[EventAttr, _Mapping]]] = ...) -> None: ...

class TxResult(_message.Message):
    __slots__ = ("tx_hash", "ok", "error_code", "error_message", "events", "contract", "method", "submitter", "subjects")
    TX_HASH_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SUBMITTER_FIELD_NUMBER: _ClassVar[int]
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    tx_hash: bytes
    ok: bool
    error_code: str
    error_message: str
    events: _containers.RepeatedCompositeFieldContainer[Event]
    contract: str
    method: str
    submitter: bytes
    subjects: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tx_hash: _Optional[bytes] = ..., ok: _Optional[bool] = ..., error_code: _Optional[str] = ..., error_message: _Optional[str] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., contract: _Optional[str] = ..., method: _Optional[str] = ..., submitter: _Optional[bytes] = ..., subjects: _Optional[_Iterable[str]] = ...) -> None: ...

class BlockResults(_message.Message):
    __slots__ = ("height", "results")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    height: int
    results: _containers.RepeatedCompositeFieldContainer[TxResult]
    def __init__(self, height: _Optional[int] = ..., results: _Optional[_Iterable[_Union[TxResult, _Mapping]]] = ...) -> None: ...
