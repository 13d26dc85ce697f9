"""Targets on consensus input: a peer's message of each kind, decoded and stepped into a
replica (which must never raise for peer input), and the WAL file read back at start."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

from consensus import messages as m
from consensus.crypto import Ed25519Verifier
from consensus.replica import Replica, ReplicaConfig
from consensus.signing import (
    checkpoint_sign_bytes,
    commit_sign_bytes,
    new_view_sign_bytes,
    prepare_sign_bytes,
    preprepare_request_sign_bytes,
    preprepare_sign_bytes,
    suspicion_sign_bytes,
    view_change_sign_bytes,
)
from fuzz import fixtures
from fuzz.target import OneInput, Target, check
from node.chain.wire import (
    WireError,
    decode_message,
    decode_record,
    encode_message,
    encode_record,
    wal_key_of,
)
from node.ledger.wal import WalEntry, encode_entry, scan
from suites import ED25519_SHA256

SELF = "val-3"
REPLICA_INPUTS_MAX = 256
"""A fresh replica after this many inputs: what one accepts stays small and reproducible."""
CONSENSUS_MODULES = (
    "node/chain/wire.py",
    "consensus/replica.py",
    "consensus/shape.py",
    "consensus/normal.py",
    "consensus/viewchange.py",
    "consensus/checkpoints.py",
)

PAYLOAD = b"a block payload"
DIGEST = hashlib.sha256(PAYLOAD).digest()


def _sign(vid: str, msg: bytes) -> bytes:
    return fixtures.SIGNERS[vid].sign(msg)


def _view_change(sender: str) -> m.ViewChange:
    sig = _sign(sender, view_change_sign_bytes(fixtures.CHAIN, 1, None, None, ED25519_SHA256.hash))
    return m.ViewChange(1, None, None, b"", sender, sig)


def seed_messages() -> dict[str, m.Message]:
    """One validly signed message of each kind, as val-3 would receive it in view 0 / 1."""
    c = fixtures.CHAIN
    vcs = tuple(_view_change(v) for v in ("val-0", "val-1", "val-2"))
    return {
        "pre_prepare": m.PrePrepare(
            0, 1, DIGEST, PAYLOAD, "val-0", _sign("val-0", preprepare_sign_bytes(c, 0, 1, DIGEST))
        ),
        "prepare": m.Prepare(
            0, 1, DIGEST, "val-2", _sign("val-2", prepare_sign_bytes(c, 0, 1, DIGEST))
        ),
        "commit": m.Commit(
            0, 1, DIGEST, "val-2", _sign("val-2", commit_sign_bytes(c, 0, 1, DIGEST))
        ),
        "checkpoint": m.Checkpoint(
            1, DIGEST, "val-2", _sign("val-2", checkpoint_sign_bytes(c, 1, DIGEST))
        ),
        "suspicion": m.Suspicion(0, 1, "val-2", _sign("val-2", suspicion_sign_bytes(c, 0, 1))),
        "preprepare_request": m.PrePrepareRequest(
            0, 1, DIGEST, "val-2", _sign("val-2", preprepare_request_sign_bytes(c, 0, 1, DIGEST))
        ),
        "view_change": vcs[0],
        "new_view": m.NewView(
            1,
            vcs,
            None,
            "val-1",
            _sign("val-1", new_view_sign_bytes(c, 1, vcs, None, ED25519_SHA256.hash)),
        ),
    }


def _new_replica() -> Replica:
    config = ReplicaConfig(
        chain_id=fixtures.CHAIN,
        validators=fixtures.VALIDATORS,
        self_id=SELF,
        retransmit_ticks=10,
        suite=ED25519_SHA256,
    )
    return Replica(
        config,
        fixtures.SIGNERS[SELF],
        Ed25519Verifier(fixtures.VALIDATORS),
        committed_height=0,
        committed_certificate=None,
        signed=(),
    )


def make_message() -> OneInput:
    """A peer's bytes: WireError, or a message the replica steps without raising (an
    invalid one lands in `Ready.rejected`); the node's driver then takes the Ready."""
    replica = _new_replica()
    count = 0

    def one(data: bytes) -> str:
        nonlocal replica, count
        count += 1
        if count % REPLICA_INPUTS_MAX == 0:
            replica = _new_replica()
        try:
            message = decode_message(data)
        except WireError:
            return "WireError"
        replica.step(message)
        ready = replica.ready()
        replica.advance(ready)
        for proposal in ready.validate:
            replica.validated(proposal.view, proposal.height, proposal.digest, False)
        return "rejected" if ready.rejected else "ok"

    return one


def _message_seeds(kind: str) -> Callable[[], list[bytes]]:
    return lambda: [encode_message(seed_messages()[kind])]


def _wal_bytes(records: list[m.Record]) -> bytes:
    return b"".join(encode_entry(WalEntry(*wal_key_of(r), encode_record(r))) for r in records)


def _wal_prefix() -> tuple[bytes, list[WalEntry]]:
    seeds = seed_messages()
    raw = _wal_bytes([seeds["pre_prepare"], seeds["commit"], seeds["view_change"]])
    return raw, scan(io.BytesIO(raw)).entries


def make_wal() -> OneInput:
    """A WAL file read back at start: three sound records, then the input. Reading never
    raises, keeps the sound records as they were (a damaged tail takes none of them back),
    and every record it keeps decodes to a message or raises WireError."""
    prefix, kept = _wal_prefix()

    def one(data: bytes) -> str:
        found = scan(io.BytesIO(prefix + data))
        check(found.entries[: len(kept)] == kept, "a damaged tail changed the sound records")
        check(found.good_bytes >= len(prefix), "the sound records were cut")
        result = "ok" if found.problem is None else "refused_tail"
        for entry in found.entries[len(kept) :]:
            try:
                decode_record(entry.data)
            except WireError:
                result = "WireError"
        return result

    return one


def _wal_seeds() -> list[bytes]:
    seeds = seed_messages()
    return [
        b"",
        bytes(64),
        _wal_bytes([seeds["new_view"]]),
        _wal_bytes([seeds["prepare"], seeds["checkpoint"]]),
    ]


TARGETS = [
    *(
        Target(
            f"consensus_{kind}",
            f"A peer's consensus message ({kind} seed) stepped into a replica",
            make_message,
            _message_seeds(kind),
            (WireError,),
            CONSENSUS_MODULES,
            share=4,
            max_len=8192,
        )
        for kind in (
            "pre_prepare",
            "prepare",
            "commit",
            "checkpoint",
            "suspicion",
            "preprepare_request",
            "view_change",
            "new_view",
        )
    ),
    Target(
        "wal",
        "A WAL file's tail after sound records: read back without raising, sound records kept",
        make_wal,
        _wal_seeds,
        (WireError,),
        ("node/ledger/wal.py", "node/chain/wire.py"),
        share=10,
        max_len=8192,
    ),
]
