"""Light-client checks: a header is final when a quorum of the validators in force at its
height signed it, and a state entry is proven when its Merkle proof ties it to a final
header's state root. Nothing the answering node says is trusted beyond these checks.

The signatures are checked with the chain's crypto suite (`suite`, from its genesis: the
`suite` field, `ed25519-sha256` when absent), which the caller names with the validators it
trusts: nothing the node answers chooses it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from consensus.errors import InvalidCertificate
from consensus.validators import ValidatorSchedule, ValidatorSet, verify_commit_certificate
from contracts.certificates.records import get_cert_key
from contracts.framework.memory import MemoryState
from contracts.runtime import query as contract_query
from node.chain.events import get_scheduling_events, validator_set_of
from node.chain.headers import header_hash
from node.chain.stateproof import ProofFormatError, decode_proof, verify_proof
from node.chain.wire import certificate_from_proto
from proto import ledger_pb2, node_pb2
from suites import Suite


@dataclass(frozen=True, slots=True)
class ProvenValue:
    """A state entry checked against a certified header: value None means proven absent."""

    value: bytes | None
    height: int
    time_ms: int


class FinalityError(Exception):
    """A header or certificate does not prove what it claims."""


def check_finality(
    chain_id: str,
    validators: ValidatorSet | ValidatorSchedule,
    header: ledger_pb2.BlockHeader,
    commit: ledger_pb2.CommitCertificate,
    *,
    suite: Suite,
) -> None:
    """Raise FinalityError unless a quorum of `validators` (with a schedule: of the set in
    force at the header's height) signed this header with `suite`, the chain's suite."""
    if header.chain_id != chain_id:
        raise FinalityError(f"header is for chain {header.chain_id!r}")
    if commit.height != header.height or bytes(commit.block_hash) != header_hash(header, suite):
        raise FinalityError("commit certificate is for another block")
    try:
        verify_commit_certificate(chain_id, validators, certificate_from_proto(commit), suite)
    except InvalidCertificate as exc:
        raise FinalityError(f"{exc}") from exc  # the certificate check's own words


def get_scheduled_set(
    results: ledger_pb2.BlockResults, activation_height: int, *, suite: Suite
) -> ValidatorSet:
    """The validator set that a block's results schedule from `activation_height` (the
    ``membership.validators_scheduled`` event of a successful governance decision), its
    keys checked to be `suite`'s."""
    for _, attrs in get_scheduling_events(results):
        if attrs.get("activation_height") != activation_height:
            continue
        try:
            return validator_set_of(json.loads(str(attrs["validators"])), suite)
        except (KeyError, TypeError, ValueError) as exc:
            raise FinalityError(f"malformed validator decision: {exc}") from exc
    raise FinalityError(f"the block schedules no validator set from height {activation_height}")


def check_proven_state(
    chain_id: str,
    validators: ValidatorSet | ValidatorSchedule,
    proven: node_pb2.ProvenState,
    key: bytes,
    *,
    suite: Suite,
) -> bytes | None:
    """Check a proven state entry end to end and return its value (None if absent).

    The header must carry a valid commit certificate, and the Merkle proof must tie the
    key and value (or the key's absence) to that header's state root. Nothing the node
    said is trusted beyond what these two checks prove.
    """
    if bytes(proven.key) != key:
        raise FinalityError("the proof is for another key")
    if proven.height == 0:
        raise FinalityError("no committed block yet: nothing to prove against")
    check_finality(chain_id, validators, proven.header, proven.commit, suite=suite)
    value = bytes(proven.value) if proven.present else None
    try:
        proof = decode_proof(bytes(proven.proof))
    except ProofFormatError as exc:
        raise FinalityError(f"malformed state proof: {exc}") from exc
    if not verify_proof(bytes(proven.header.state_root), key, value, proof, suite):
        raise FinalityError("the state proof does not match the header's state root")
    return value


def certificate_from_proven(
    cert_id: str, value: bytes | None, now_ms: int
) -> dict[str, Any] | None:
    """The certificate's status computed locally from a proven record, with the contract's
    own status logic (so expiry is judged at the proven header's time)."""
    if value is None:
        return None
    state = MemoryState([(get_cert_key(cert_id), value)])
    record: dict[str, Any] = contract_query(
        state, "certificates", "status", {"cert_id": cert_id}, now_ms=now_ms
    )
    return record
