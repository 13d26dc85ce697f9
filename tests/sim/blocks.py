"""The simulated chain's blocks: a payload that names its height, parent, proposer and view.

The digest is SHA-256 of the payload (the real node hashes the header, which works the same
for consensus). A block at the scenario's decision height must carry the validator-set decision
and no other block may, which is the simulated "on-chain rule" honest nodes validate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from consensus.validators import Validator, ValidatorSchedule, ValidatorSet
from tests.sim.fakecrypto import make_signer

CHAIN_ID = "trustledger-sim"
GENESIS_DIGEST = hashlib.sha256(b"sim-genesis").digest()


def block_digest(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()


@dataclass(frozen=True, slots=True)
class BlockFields:
    height: int
    prev: bytes
    proposer: str
    view: int
    nonce: str
    decision: str


def make_payload(
    height: int, prev: bytes, proposer: str, view: int, nonce: str, decision: str = ""
) -> bytes:
    return (f"h={height};prev={prev.hex()};p={proposer};v={view};x={nonce};set={decision}").encode()


def parse_payload(payload: bytes) -> BlockFields | None:
    """The fields of a well-formed payload, or None."""
    try:
        parts = dict(item.split("=", 1) for item in payload.decode().split(";"))
        return BlockFields(
            height=int(parts["h"]),
            prev=bytes.fromhex(parts["prev"]),
            proposer=parts["p"],
            view=int(parts["v"]),
            nonce=parts["x"],
            decision=parts["set"],
        )
    except (ValueError, KeyError, UnicodeDecodeError):
        return None


@dataclass(frozen=True, slots=True)
class Reconfig:
    """A validator-set change decided on-chain at `decision_height`, in force from
    `activation_height`. Members are (id, key generation); a new generation is a rotated key."""

    kind: str
    decision_height: int
    activation_height: int
    members: tuple[tuple[str, int], ...]

    def decision(self) -> str:
        members = ",".join(f"{vid}:{gen}" for vid, gen in self.members)
        return f"{members}@{self.activation_height}"


def make_validator_set(members: tuple[tuple[str, int], ...], *, real: bool) -> ValidatorSet:
    return ValidatorSet(
        tuple(
            Validator(id=vid, public_key=make_signer(vid, gen, real=real).public_key)
            for vid, gen in sorted(members)
        )
    )


def make_schedule(
    genesis: tuple[tuple[str, int], ...], reconfig: Reconfig | None, *, real: bool
) -> ValidatorSchedule:
    """The ground truth: which set is in force at each height."""
    schedule = ValidatorSchedule.starting_with(make_validator_set(genesis, real=real))
    if reconfig is not None:
        schedule = schedule.with_activation(
            reconfig.activation_height, make_validator_set(reconfig.members, real=real)
        )
    return schedule


def get_block_problem(
    payload: bytes,
    digest: bytes,
    *,
    height: int,
    tip: bytes,
    schedule: ValidatorSchedule,
    reconfig: Reconfig | None,
    view: int | None,
    reproposal: bool,
) -> str | None:
    """What an honest simulated node checks before voting for (view given) or applying a block."""
    if block_digest(payload) != digest:
        return "digest does not match the payload"
    fields = parse_payload(payload)
    if fields is None:
        return "malformed payload"
    if fields.height != height:
        return f"block for height {fields.height}, expected {height}"
    if fields.prev != tip:
        return "does not extend the tip"
    if fields.proposer != schedule.at(height).primary(fields.view):
        return "proposer is not the primary of the block's view"
    if view is not None and (fields.view > view or (not reproposal and fields.view != view)):
        return "block view does not fit the proposal's view"
    expected = reconfig.decision() if reconfig and reconfig.decision_height == height else ""
    if fields.decision != expected:
        return "wrong validator-set decision"
    return None
