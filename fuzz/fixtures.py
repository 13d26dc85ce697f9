"""The fixed world the fuzz targets decode against: a chain with four validators and an
education bureau that issues diplomas, deterministic keys and documents, so that every seed
(and every finding) reproduces byte for byte."""

from __future__ import annotations

import hashlib
from typing import Any

from consensus.crypto import Ed25519Signer
from consensus.validators import Validator, ValidatorSet
from contracts.certificates.commitments import (
    compute_document_hash,
    compute_field_commitments,
    encode_field_hashes,
)
from contracts.framework.identity import holder_id_for
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import Organisation
from contracts.runtime import CallContext, execute
from node.chain.crypto import KeyPair
from node.chain.tx import ArgValue, build_tx, check_tx
from node.genesis import Genesis
from proto import ledger_pb2
from suites import ED25519_SHA256

CHAIN = "fuzz-chain"
GENESIS_TIME_MS = 1_700_000_000_000


def _key(tag: str) -> KeyPair:
    return KeyPair(hashlib.sha256(b"fuzz:" + tag.encode()).digest())


EDU = _key("edu")
HOLDER = _key("holder")
VALIDATOR_IDS = ("val-0", "val-1", "val-2", "val-3")
VALIDATOR_KEYS = {vid: _key(vid) for vid in VALIDATOR_IDS}
SIGNERS = {vid: Ed25519Signer(vid, VALIDATOR_KEYS[vid].seed) for vid in VALIDATOR_IDS}
VALIDATORS = ValidatorSet(
    tuple(Validator(vid, VALIDATOR_KEYS[vid].public_key) for vid in VALIDATOR_IDS)
)
GENESIS = Genesis(
    chain_id=CHAIN,
    genesis_time_ms=GENESIS_TIME_MS,
    validators=VALIDATORS,
    organisations=(
        Organisation("edu", "Education Bureau", EDU.public_key, ("issuer",), ("diploma",)),
    ),
)
HOLDER_ID = holder_id_for(HOLDER.public_key)
CERT_ID = "cert-fuzz-0001"
DIPLOMA_FIELDS = {
    "holder_name": "张伟",
    "id_number": "110105199001011237",
    "university": "Fuzz University",
    "degree": "BSc",
    "major": "Computer Science",
    "graduation_date": "2024-07-01",
}
DOCUMENT: dict[str, Any] = {
    "cert_id": CERT_ID,
    "cert_type": "diploma",
    "fields": DIPLOMA_FIELDS,
    "salt": "5a" * 16,
}


def issue_args(cert_id: str = CERT_ID) -> dict[str, ArgValue]:
    doc = {**DOCUMENT, "cert_id": cert_id}
    commitments = compute_field_commitments("diploma", DIPLOMA_FIELDS, bytes.fromhex(doc["salt"]))
    return {
        "cert_id": cert_id,
        "cert_type": "diploma",
        "holder": HOLDER_ID,
        # The contracts' hash, not the SDK's: the SDK would refuse this made-up ID number
        # (its GB 11643 check character is wrong), and the committed seeds were made from it.
        "doc_hash": compute_document_hash("diploma", DIPLOMA_FIELDS, bytes.fromhex(doc["salt"])),
        "field_hashes": encode_field_hashes(commitments),
        "valid_until_ms": 0,
    }


def tx(
    method: str, args: dict[str, ArgValue], n: int, key: KeyPair = EDU
) -> ledger_pb2.Transaction:
    return build_tx(CHAIN, key, "certificates", method, args, nonce=n.to_bytes(16, "big"))


def seed_txs() -> list[ledger_pb2.Transaction]:
    """Admissible calls of several shapes, and two that admission refuses."""
    return [
        tx("issue", issue_args(), 1),
        tx("issue", issue_args("cert-fuzz-0002"), 2),
        tx("revoke", {"cert_id": CERT_ID, "reason": "superseded"}, 3),
        tx("revoke", {"cert_id": CERT_ID, "reason": "x", "note": "undeclared"}, 4),
        tx("revoke", {"cert_id": CERT_ID, "reason": b"\x00\x01"}, 5, HOLDER),
    ]


def genesis_state() -> MemoryState:
    return MemoryState(GENESIS.state_writes())


def issued_state() -> MemoryState:
    """Genesis with the diploma CERT_ID issued (its record carries the field commitments)."""
    state = genesis_state()
    checked = check_tx(seed_txs()[0], CHAIN, suite=ED25519_SHA256)
    ctx = CallContext(CHAIN, EDU.public_key, 1, GENESIS_TIME_MS + 1, checked.hash)
    state.apply_writes(execute(state, ctx, "certificates", "issue", checked.args).writes)
    return state
