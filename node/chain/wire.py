"""Conversion between consensus/ dataclasses and their protobuf wire form.

Decoding a peer's bytes never raises anything but WireError: whatever a peer sends, the
node logs and drops what it cannot read. Signatures are checked by the replica, not here.
"""

from __future__ import annotations

from consensus.messages import (
    Checkpoint,
    Commit,
    CommitCertificate,
    Message,
    NewView,
    Prepare,
    Prepared,
    PreparedCertificate,
    PrePrepare,
    PrePrepareRequest,
    Record,
    Suspicion,
    ViewChange,
    Vote,
)
from proto import consensus_pb2, ledger_pb2

KIND_PRE_PREPARE = 1
KIND_PREPARE = 2
KIND_COMMIT = 3
KIND_CHECKPOINT = 4
KIND_VIEW_CHANGE = 5
KIND_NEW_VIEW = 6
KIND_PREPARED = 7
KIND_SUSPICION = 8
KIND_PREPREPARE_REQUEST = 9


class WireError(Exception):
    """A peer's message cannot be decoded."""


# ---- certificates -----------------------------------------------------------------------


def _votes(pb_votes: object) -> tuple[Vote, ...]:
    return tuple(Vote(v.validator, bytes(v.signature)) for v in pb_votes)  # type: ignore[attr-defined]


def _votes_pb(votes: tuple[Vote, ...]) -> list[ledger_pb2.Vote]:
    return [ledger_pb2.Vote(validator=v.validator, signature=v.signature) for v in votes]


def certificate_to_proto(cert: CommitCertificate) -> ledger_pb2.CommitCertificate:
    return ledger_pb2.CommitCertificate(
        height=cert.height,
        block_hash=cert.digest,
        view=cert.view,
        votes=_votes_pb(cert.votes),
    )


def certificate_from_proto(pb: ledger_pb2.CommitCertificate) -> CommitCertificate:
    return CommitCertificate(
        height=pb.height, digest=bytes(pb.block_hash), votes=_votes(pb.votes), view=pb.view
    )


def prepared_to_proto(cert: PreparedCertificate) -> consensus_pb2.PreparedCertificate:
    return consensus_pb2.PreparedCertificate(
        view=cert.view,
        height=cert.height,
        digest=cert.digest,
        preprepare_signature=cert.preprepare_signature,
        prepares=_votes_pb(cert.prepares),
    )


def prepared_from_proto(pb: consensus_pb2.PreparedCertificate) -> PreparedCertificate:
    return PreparedCertificate(
        view=pb.view,
        height=pb.height,
        digest=bytes(pb.digest),
        preprepare_signature=bytes(pb.preprepare_signature),
        prepares=_votes(pb.prepares),
    )


# ---- messages ---------------------------------------------------------------------------


def _preprepare_pb(m: PrePrepare) -> consensus_pb2.PrePrepare:
    return consensus_pb2.PrePrepare(
        view=m.view,
        height=m.height,
        digest=m.digest,
        payload=m.payload,
        sender=m.sender,
        signature=m.signature,
    )


def _preprepare(p: consensus_pb2.PrePrepare) -> PrePrepare:
    return PrePrepare(
        view=p.view,
        height=p.height,
        digest=bytes(p.digest),
        payload=bytes(p.payload),
        sender=p.sender,
        signature=bytes(p.signature),
    )


def _view_change_pb(m: ViewChange) -> consensus_pb2.ViewChange:
    pb = consensus_pb2.ViewChange(
        new_view=m.new_view, payload=m.payload, sender=m.sender, signature=m.signature
    )
    if m.committed is not None:
        pb.committed.CopyFrom(certificate_to_proto(m.committed))
    if m.prepared is not None:
        pb.prepared.CopyFrom(prepared_to_proto(m.prepared))
    return pb


def _view_change(p: consensus_pb2.ViewChange) -> ViewChange:
    return ViewChange(
        new_view=p.new_view,
        committed=certificate_from_proto(p.committed) if p.HasField("committed") else None,
        prepared=prepared_from_proto(p.prepared) if p.HasField("prepared") else None,
        payload=bytes(p.payload),
        sender=p.sender,
        signature=bytes(p.signature),
    )


def message_to_proto(message: Message) -> consensus_pb2.ConsensusMessage:
    m = message
    if isinstance(m, PrePrepare):
        return consensus_pb2.ConsensusMessage(pre_prepare=_preprepare_pb(m))
    if isinstance(m, Prepare | Commit):
        out = consensus_pb2.ConsensusMessage()
        vote = out.prepare if isinstance(m, Prepare) else out.commit
        vote.SetInParent()  # present even if every field holds its default
        vote.view = m.view
        vote.height = m.height
        vote.digest = m.digest
        vote.sender = m.sender
        vote.signature = m.signature
        return out
    if isinstance(m, Checkpoint):
        return consensus_pb2.ConsensusMessage(
            checkpoint=consensus_pb2.Checkpoint(
                height=m.height, digest=m.digest, sender=m.sender, signature=m.signature
            )
        )
    if isinstance(m, Suspicion):
        return consensus_pb2.ConsensusMessage(
            suspicion=consensus_pb2.Suspicion(
                view=m.view, height=m.height, sender=m.sender, signature=m.signature
            )
        )
    if isinstance(m, PrePrepareRequest):
        return consensus_pb2.ConsensusMessage(
            preprepare_request=consensus_pb2.PrePrepareRequest(
                view=m.view,
                height=m.height,
                digest=m.digest,
                sender=m.sender,
                signature=m.signature,
            )
        )
    if isinstance(m, ViewChange):
        return consensus_pb2.ConsensusMessage(view_change=_view_change_pb(m))
    pb = consensus_pb2.NewView(
        view=m.view,
        view_changes=[_view_change_pb(v) for v in m.view_changes],
        sender=m.sender,
        signature=m.signature,
    )
    if m.preprepare is not None:
        pb.preprepare.CopyFrom(_preprepare_pb(m.preprepare))
    return consensus_pb2.ConsensusMessage(new_view=pb)


def message_from_proto(pb: consensus_pb2.ConsensusMessage) -> Message:
    kind = pb.WhichOneof("kind")
    if kind == "pre_prepare":
        return _preprepare(pb.pre_prepare)
    if kind == "prepare":
        p = pb.prepare
        return Prepare(p.view, p.height, bytes(p.digest), p.sender, bytes(p.signature))
    if kind == "commit":
        c = pb.commit
        return Commit(c.view, c.height, bytes(c.digest), c.sender, bytes(c.signature))
    if kind == "checkpoint":
        k = pb.checkpoint
        return Checkpoint(
            height=k.height, digest=bytes(k.digest), sender=k.sender, signature=bytes(k.signature)
        )
    if kind == "suspicion":
        u = pb.suspicion
        return Suspicion(
            view=u.view, height=u.height, sender=u.sender, signature=bytes(u.signature)
        )
    if kind == "preprepare_request":
        r = pb.preprepare_request
        return PrePrepareRequest(
            view=r.view,
            height=r.height,
            digest=bytes(r.digest),
            sender=r.sender,
            signature=bytes(r.signature),
        )
    if kind == "view_change":
        return _view_change(pb.view_change)
    if kind == "new_view":
        n = pb.new_view
        return NewView(
            view=n.view,
            view_changes=tuple(_view_change(v) for v in n.view_changes),
            preprepare=_preprepare(n.preprepare) if n.HasField("preprepare") else None,
            sender=n.sender,
            signature=bytes(n.signature),
        )
    raise WireError("consensus message has no kind")


KINDS: dict[type, int] = {
    PrePrepare: KIND_PRE_PREPARE,
    Prepare: KIND_PREPARE,
    Commit: KIND_COMMIT,
    Checkpoint: KIND_CHECKPOINT,
    Suspicion: KIND_SUSPICION,
    PrePrepareRequest: KIND_PREPREPARE_REQUEST,
    ViewChange: KIND_VIEW_CHANGE,
    NewView: KIND_NEW_VIEW,
    Prepared: KIND_PREPARED,
}


def kind_of(record: Record) -> int:
    return KINDS[type(record)]


VIEW_RECORDS_HEIGHT = 2**64 - 1
"""View-change records are kept under this height: committing a block must not prune the
proof of which view a replica voted in (storage keeps only the latest of each kind)."""


def wal_key_of(record: Record) -> tuple[int, int, int]:
    """(height, kind, view) under which a record is kept in the WAL."""
    if isinstance(record, Prepared):
        c = record.certificate
        return c.height, KIND_PREPARED, c.view
    if isinstance(record, ViewChange):
        return VIEW_RECORDS_HEIGHT, KIND_VIEW_CHANGE, record.new_view
    if isinstance(record, NewView):
        return VIEW_RECORDS_HEIGHT, KIND_NEW_VIEW, record.view
    return record.height, kind_of(record), getattr(record, "view", 0)


def encode_record(record: Record) -> bytes:
    if isinstance(record, Prepared):
        pb = consensus_pb2.WalRecord(
            prepared=prepared_to_proto(record.certificate), prepared_payload=record.payload
        )
    else:
        pb = consensus_pb2.WalRecord(message=message_to_proto(record))
    return pb.SerializeToString(deterministic=True)


def decode_record(raw: bytes) -> Record:
    pb = consensus_pb2.WalRecord()
    try:
        pb.ParseFromString(raw)
    except Exception as exc:
        raise WireError(f"undecodable WAL record: {exc}") from exc
    kind = pb.WhichOneof("kind")
    if kind == "prepared":
        return Prepared(
            certificate=prepared_from_proto(pb.prepared), payload=bytes(pb.prepared_payload)
        )
    if kind == "message":
        return message_from_proto(pb.message)
    raise WireError("WAL record has no kind")


def encode_message(message: Message) -> bytes:
    return message_to_proto(message).SerializeToString(deterministic=True)


def decode_message(raw: bytes) -> Message:
    pb = consensus_pb2.ConsensusMessage()
    try:
        pb.ParseFromString(raw)
    except Exception as exc:  # protobuf raises DecodeError, sometimes others
        raise WireError(f"undecodable consensus message: {exc}") from exc
    return message_from_proto(pb)
