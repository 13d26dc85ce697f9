"""Conversion between consensus/ dataclasses and their protobuf wire form.

Decoding a peer's bytes never raises anything but WireError: whatever a peer sends,
the node logs and drops what it cannot read.
"""

from __future__ import annotations

from consensus.messages import Commit, CommitCertificate, Message, Prepare, PrePrepare, Vote
from proto import consensus_pb2, ledger_pb2

KIND_PRE_PREPARE = 1
KIND_PREPARE = 2
KIND_COMMIT = 3


class WireError(Exception):
    """A peer's message cannot be decoded."""


def message_to_proto(message: Message) -> consensus_pb2.ConsensusMessage:
    if isinstance(message, PrePrepare):
        return consensus_pb2.ConsensusMessage(
            pre_prepare=consensus_pb2.PrePrepare(
                view=message.view,
                height=message.height,
                digest=message.digest,
                payload=message.payload,
                sender=message.sender,
                signature=message.signature,
            )
        )
    if isinstance(message, Prepare):
        return consensus_pb2.ConsensusMessage(
            prepare=consensus_pb2.Prepare(
                view=message.view,
                height=message.height,
                digest=message.digest,
                sender=message.sender,
                signature=message.signature,
            )
        )
    return consensus_pb2.ConsensusMessage(
        commit=consensus_pb2.Commit(
            view=message.view,
            height=message.height,
            digest=message.digest,
            sender=message.sender,
            signature=message.signature,
        )
    )


def message_from_proto(pb: consensus_pb2.ConsensusMessage) -> Message:
    kind = pb.WhichOneof("kind")
    if kind == "pre_prepare":
        m = pb.pre_prepare
        return PrePrepare(
            view=m.view,
            height=m.height,
            digest=bytes(m.digest),
            payload=bytes(m.payload),
            sender=m.sender,
            signature=bytes(m.signature),
        )
    if kind == "prepare":
        p = pb.prepare
        return Prepare(p.view, p.height, bytes(p.digest), p.sender, bytes(p.signature))
    if kind == "commit":
        c = pb.commit
        return Commit(c.view, c.height, bytes(c.digest), c.sender, bytes(c.signature))
    raise WireError("consensus message has no kind")


def kind_of(message: Message) -> int:
    if isinstance(message, PrePrepare):
        return KIND_PRE_PREPARE
    if isinstance(message, Prepare):
        return KIND_PREPARE
    return KIND_COMMIT


def encode_message(message: Message) -> bytes:
    return message_to_proto(message).SerializeToString(deterministic=True)


def decode_message(raw: bytes) -> Message:
    pb = consensus_pb2.ConsensusMessage()
    try:
        pb.ParseFromString(raw)
    except Exception as exc:  # protobuf raises DecodeError, sometimes others
        raise WireError(f"undecodable consensus message: {exc}") from exc
    return message_from_proto(pb)


def certificate_to_proto(cert: CommitCertificate) -> ledger_pb2.CommitCertificate:
    return ledger_pb2.CommitCertificate(
        height=cert.height,
        block_hash=cert.digest,
        votes=[ledger_pb2.Vote(validator=v.validator, signature=v.signature) for v in cert.votes],
    )


def certificate_from_proto(pb: ledger_pb2.CommitCertificate) -> CommitCertificate:
    return CommitCertificate(
        height=pb.height,
        digest=bytes(pb.block_hash),
        votes=tuple(Vote(v.validator, bytes(v.signature)) for v in pb.votes),
    )
