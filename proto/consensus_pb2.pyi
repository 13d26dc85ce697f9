from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
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

class ConsensusMessage(_message.Message):
    __slots__ = ("pre_prepare", "prepare", "commit")
    PRE_PREPARE_FIELD_NUMBER: _ClassVar[int]
    PREPARE_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    pre_prepare: PrePrepare
    prepare: Prepare
    commit: Commit
    def __init__(self, pre_prepare: _Optional[_Union[PrePrepare, _Mapping]] = ..., prepare: _Optional[_Union[Prepare, _Mapping]] = ..., commit: _Optional[_Union[Commit, _Mapping]] = ...) -> None: ...
