"""A small certified chain for the evidence tests, with one validator change, and a node
(`ChainSource`) that serves it the way `LedgerClient` does.

The blocks are made here rather than executed through the contracts: the evidence checks
re-execute nothing, they check certificates, signatures and Merkle paths, so the results
are written as the contracts would write them and the roots taken with the chain's own
functions (node/chain/headers.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from consensus.crypto import Ed25519Signer
from consensus.signing import commit_sign_bytes
from contracts.framework.identity import holder_id_for
from contracts.membership.organisations import Organisation
from node.chain.crypto import KeyPair
from node.chain.events import VALIDATORS_SCHEDULED_EVENT
from node.chain.headers import header_hash, results_root, tx_root
from node.chain.tx import build_tx, tx_hash
from node.genesis import Genesis
from proto import ledger_pb2, node_pb2
from suites import ED25519_SHA256
from tests.unit.consensus_support import CHAIN, SIGNERS, VALIDATORS

SUITE = ED25519_SHA256
"""The suite of the chain made here (consensus_support's validators are Ed25519 keys)."""

EDU = KeyPair(b"\x01" * 32)
HOLDER = KeyPair(b"\x02" * 32)
OTHER = KeyPair(b"\x03" * 32)
SUBJECT = holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
CERT = "cert-ev-0001"
GENESIS_TIME_MS = 1_767_225_600_000
BLOCK_MS = 60_000

NEW_SIGNER = Ed25519Signer("w3", hashlib.sha256(b"seed:w3").digest())
DECIDED = 2
ACTIVATION = 5
"""Block 2 decides {v0, v1, v2, w3} from height 5 (v3's key replaced by w3's)."""
NEW_SET = [
    {"id": vid, "public_key": SIGNERS[vid].public_key.hex()} for vid in ("v0", "v1", "v2")
] + [{"id": "w3", "public_key": NEW_SIGNER.public_key.hex()}]
HEIGHTS = 6


def genesis() -> Genesis:
    return Genesis(
        chain_id=CHAIN,
        genesis_time_ms=GENESIS_TIME_MS,
        validators=VALIDATORS,
        organisations=(
            Organisation("edu", "Education Bureau", EDU.public_key, ("issuer",), ("diploma",)),
        ),
    )


def attr(key: str, value: str | int) -> ledger_pb2.EventAttr:
    if isinstance(value, int):
        return ledger_pb2.EventAttr(key=key, integer=value)
    return ledger_pb2.EventAttr(key=key, text=value)


def event(name: str, subjects: list[str], **attrs: str | int) -> ledger_pb2.Event:
    return ledger_pb2.Event(
        name=name, subjects=subjects, attrs=[attr(k, v) for k, v in sorted(attrs.items())]
    )


@dataclass
class Step:
    """One transaction and what the contracts made of it."""

    signer: KeyPair
    contract: str
    method: str
    events: list[ledger_pb2.Event] = field(default_factory=list)
    refused_about: list[str] | None = None
    """Set for a refused transaction: the subjects its result names."""


def _steps(height: int, n: int) -> list[Step]:
    """Block `height`'s transactions: one about the subject (or the validator decision)
    among others about other people, so every path has siblings on both sides."""
    other = holder_id_for(OTHER.public_key, suite=ED25519_SHA256)
    filler = Step(
        EDU,
        "certificates",
        "issue",
        [event("certificate.issued", [other, f"cert-o-{height}-{n}", "edu"], cert_id=f"o{n}")],
    )
    if height == 1:
        ours = Step(
            EDU,
            "certificates",
            "issue",
            [event("certificate.issued", [SUBJECT, CERT, "edu"], cert_id=CERT)],
        )
    elif height == DECIDED:
        ours = Step(
            EDU,
            "governance",
            "approve",
            [
                event(
                    VALIDATORS_SCHEDULED_EVENT,
                    ["p-1"],
                    activation_height=ACTIVATION,
                    decided_height=DECIDED,
                    validators=json.dumps(NEW_SET, separators=(",", ":")),
                )
            ],
        )
    elif height == 4:
        ours = Step(EDU, "consent", "access", refused_about=[SUBJECT, "req-x"])
    else:
        ours = Step(
            HOLDER,
            "consent",
            "grant",
            [
                event("consent.granted", [SUBJECT, f"req-{height}"], request_id=f"req-{height}"),
                event("consent.noted", ["req-other"]),
            ],
        )
    return [filler, ours, filler] if n == 0 else [filler, filler, ours]


def certify(
    header: ledger_pb2.BlockHeader, voters: tuple[str, ...]
) -> ledger_pb2.CommitCertificate:
    digest = header_hash(header, SUITE)
    msg = commit_sign_bytes(CHAIN, header.view, header.height, digest)
    signers = {**SIGNERS, "w3": NEW_SIGNER}
    return ledger_pb2.CommitCertificate(
        height=header.height,
        block_hash=digest,
        view=header.view,
        votes=[
            ledger_pb2.Vote(validator=v, signature=signers[v].sign(msg)) for v in sorted(voters)
        ],
    )


def voters_at(height: int) -> tuple[str, ...]:
    return ("v0", "v1", "w3") if height >= ACTIVATION else ("v0", "v1", "v2")


def make_chain(note: str = "", wrong_result: int = 0) -> list[node_pb2.GetBlockResponse]:
    """The chain; `note` is an argument of every transaction (empty: none), so a test can
    put in a block what today's admission screen would refuse; at height `wrong_result`
    every result names another transaction's hash (and is certified so)."""
    g = genesis()
    prev = g.hash
    out = []
    nonce = 0
    for height in range(1, HEIGHTS + 1):
        txs, results = [], []
        for step in _steps(height, height % 2):
            nonce += 1
            tx = build_tx(
                CHAIN,
                step.signer,
                step.contract,
                step.method,
                {"n": nonce, **({"note": note} if note else {})},
                nonce=nonce.to_bytes(16, "big"),
            )
            txs.append(tx)
            result = ledger_pb2.TxResult(
                tx_hash=bytes(32) if height == wrong_result else tx_hash(tx, SUITE),
                ok=step.refused_about is None,
                contract=step.contract,
                method=step.method,
                submitter=step.signer.public_key,
                events=step.events,
            )
            if step.refused_about is not None:
                result.error_code = "permission_denied"
                result.error_message = "no grant"
                result.subjects.extend(step.refused_about)
            results.append(result)
        header = ledger_pb2.BlockHeader(
            chain_id=CHAIN,
            height=height,
            prev_hash=prev,
            tx_root=tx_root([tx_hash(t, SUITE) for t in txs], SUITE),
            state_root=hashlib.sha256(b"state %d" % height).digest(),
            results_root=results_root(results, SUITE),
            proposer="v0",
            time_ms=GENESIS_TIME_MS + height * BLOCK_MS,
        )
        block = ledger_pb2.Block(header=header, txs=txs, commit=certify(header, voters_at(height)))
        out.append(
            node_pb2.GetBlockResponse(block=block, results=ledger_pb2.BlockResults(results=results))
        )
        prev = header_hash(header, SUITE)
    return out


class ChainSource:
    """A node serving `blocks`: its audit index lists every event (and refused transaction)
    naming a subject, as the validator's index does; tests edit what it serves."""

    def __init__(self, blocks: list[node_pb2.GetBlockResponse]) -> None:
        self.blocks = blocks
        self.actors = {EDU.public_key: "edu", HOLDER.public_key: SUBJECT}

    def audit_trace(self, subject: str, limit: int = 0) -> node_pb2.AuditTraceResponse:
        entries = []
        for resp in self.blocks:
            header = resp.block.header
            for i, result in enumerate(resp.results.results):
                common: dict[str, Any] = {
                    "height": header.height,
                    "tx_index": i,
                    "time_ms": header.time_ms,
                    "tx_hash": result.tx_hash,
                    "actor": self.actors.get(bytes(result.submitter), "?"),
                    "contract": result.contract,
                    "method": result.method,
                    "ok": result.ok,
                }
                if not result.ok and subject in result.subjects:
                    entries.append(
                        node_pb2.AuditEntry(
                            **common,
                            error_code=result.error_code,
                            error_message=result.error_message,
                        )
                    )
                for ev in result.events:
                    if subject in ev.subjects:
                        entries.append(node_pb2.AuditEntry(**common, event=ev))
        cut = 0 < limit < len(entries)
        return node_pb2.AuditTraceResponse(
            entries=entries[:limit] if cut else entries, height=len(self.blocks), truncated=cut
        )

    def get_block(self, height: int = 0) -> node_pb2.GetBlockResponse:
        return self.blocks[height - 1]

    def query(self, contract: str, method: str, **args: Any) -> Any:
        assert (contract, method) == ("membership", "validators")
        if "height" in args:
            return {"decided_height": DECIDED if args["height"] >= ACTIVATION else 0}
        return {"schedule": [{"activation_height": 0}, {"activation_height": ACTIVATION}]}
