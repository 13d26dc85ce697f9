from proto import ledger_pb2 as _ledger_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PrePrepare(_message.Message):
    __slots__ = ("view", "height", "digest", "payload", "sender", "signature")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    view: int
    height: int
    digest: bytes
    payload: bytes
    sender: str
    signature: bytes
    def __init__(self, view: _Optional[int] = ..., height: _Optional[int] = ..., digest: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Prepare(_message.Message):
    __slots__ = ("view", "height", "digest", "sender", "signature")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    view: int
    height: int
    digest: bytes
    sender: str
    signature: bytes
    def __init__(self, view: _Optional[int] = ..., height: _Optional[int] = ..., digest: _Optional[bytes] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Commit(_message.Message):
    __slots__ = ("view", "height", "digest", "sender", "signature")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    view: int
    height: int
    digest: bytes
    sender: str
    signature: bytes
    def __init__(self, view: _Optional[int] = ..., height: _Optional[int] = ..., digest: _Optional[bytes] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class PreparedCertificate(_message.Message):
    __slots__ = ("view", "height", "digest", "preprepare_signature", "prepares")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    PREPREPARE_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    PREPARES_FIELD_NUMBER: _ClassVar[int]
    view: int
    height: int
    digest: bytes
    preprepare_signature: bytes
    prepares: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.Vote]
    def __init__(self, view: _Optional[int] = ..., height: _Optional[int] = ..., digest: _Optional[bytes] = ..., preprepare_signature: _Optional[bytes] = ..., prepares: _Optional[_Iterable[_Union[_ledger_pb2.Vote, _Mapping]]] = ...) -> None: ...

class CheckpointCertificate(_message.Message):
    __slots__ = ("height", "digest", "votes")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    height: int
    digest: bytes
    votes: _containers.RepeatedCompositeFieldContainer[_ledger_pb2.Vote]
    def __init__(self, height: _Optional[int] = ..., digest: _Optional[bytes] = ..., votes: _Optional[_Iterable[_Union[_ledger_pb2.Vote, _Mapping]]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("height", "digest", "sender", "signature")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    height: int
    digest: bytes
    sender: str
    signature: bytes
    def __init__(self, height: _Optional[int] = ..., digest: _Optional[bytes] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Suspicion(_message.Message):
    __slots__ = ("view", "height", "sender", "signature")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    view: int
    height: int
    sender: str
    signature: bytes
    def __init__(self, view: _Optional[int] = ..., height: _Optional[int] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class PrePrepareRequest(_message.Message):
    __slots__ = ("view", "height", "digest", "sender", "signature")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    view: int
    height: int
    digest: bytes
    sender: str
    signature: bytes
    def __init__(self, view: _Optional[int] = ..., height: _Optional[int] = ..., digest: _Optional[bytes] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ViewChange(_message.Message):
    __slots__ = ("new_view", "committed", "prepared", "payload", "sender", "signature")
    NEW_VIEW_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    PREPARED_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    new_view: int
    committed: _ledger_pb2.CommitCertificate
    prepared: PreparedCertificate
    payload: bytes
    sender: str
    signature: bytes
    def __init__(self, new_view: _Optional[int] = ..., committed: _Optional[_Union[_ledger_pb2.CommitCertificate, _Mapping]] = ..., prepared: _Optional[_Union[PreparedCertificate, _Mapping]] = ..., payload: _Optional[bytes] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class NewView(_message.Message):
    __slots__ = ("view", "view_changes", "preprepare", "sender", "signature")
    VIEW_FIELD_NUMBER: _ClassVar[int]
    VIEW_CHANGES_FIELD_NUMBER: _ClassVar[int]
    PREPREPARE_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    view: int
    view_changes: _containers.RepeatedCompositeFieldContainer[ViewChange]
    preprepare: PrePrepare
    sender: str
    signature: bytes
    def __init__(self, view: _Optional[int] = ..., view_changes: _Optional[_Iterable[_Union[ViewChange, _Mapping]]] = ..., preprepare: _Optional[_Union[PrePrepare, _Mapping]] = ..., sender: _Optional[str] = ..., signature: _Optional[bytes] = ...) -> None: ...

class ConsensusMessage(_message.Message):
    __slots__ = ("pre_prepare", "prepare", "commit", "checkpoint", "view_change", "new_view", "suspicion", "preprepare_request")
    PRE_PREPARE_FIELD_NUMBER: _ClassVar[int]
    PREPARE_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    VIEW_CHANGE_FIELD_NUMBER: _ClassVar[int]
    NEW_VIEW_FIELD_NUMBER: _ClassVar[int]
    SUSPICION_FIELD_NUMBER: _ClassVar[int]
    PREPREPARE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    pre_prepare: PrePrepare
    prepare: Prepare
    commit: Commit
    checkpoint: Checkpoint
    view_change: ViewChange
    new_view: NewView
    suspicion: Suspicion
    preprepare_request: PrePrepareRequest
    def __init__(self, pre_prepare: _Optional[_Union[PrePrepare, _Mapping]] = ..., prepare: _Optional[_Union[Prepare, _Mapping]] = ..., commit: _Optional[_Union[Commit, _Mapping]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., view_change: _Optional[_Union[ViewChange, _Mapping]] = ..., new_view: _Optional[_Union[NewView, _Mapping]] = ..., suspicion: _Optional[_Union[Suspicion, _Mapping]] = ..., preprepare_request: _Optional[_Union[PrePrepareRequest, _Mapping]] = ...) -> None: ...

class WalRecord(_message.Message):
    __slots__ = ("message", "prepared", "prepared_payload")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PREPARED_FIELD_NUMBER: _ClassVar[int]
    PREPARED_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    message: ConsensusMessage
    prepared: PreparedCertificate
    prepared_payload: bytes
    def __init__(self, message: _Optional[_Union[ConsensusMessage, _Mapping]] = ..., prepared: _Optional[_Union[PreparedCertificate, _Mapping]] = ..., prepared_payload: _Optional[bytes] = ...) -> None: ...
