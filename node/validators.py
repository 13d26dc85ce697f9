"""The validators in force at each height, as decided on-chain, and which of a node's
keys its replica signs with.

The schedule (genesis set, then every on-chain decision with its activation height) is read
back from state, so a restarted node knows it without replaying blocks; it is decoded here
and nowhere else in the validator.

A validator's key changes through an on-chain ``rotate_validator_key`` decision that takes
effect at an activation height. A node therefore may hold more than one key: the one in
its config's ``key_path`` and the ones in ``next_key_paths``. The replica signs each height
with the key that the validator set in force there lists for this validator, so the node
hands it every key it holds that a set in force or scheduled lists (``keys_to_hand``).

``get_key_problem`` says why a node's keys cannot be right for its validator; the node
refuses to start then. ``get_missing_keys`` lists the keys the chain schedules for this
validator that the node does not hold (it will not sign those heights; the node warns).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from os import PathLike

from consensus.crypto import SuiteSigner
from consensus.validators import ValidatorSchedule, ValidatorSet, get_suite_key_problem
from contracts.framework.errors import ContractError
from contracts.runtime import StateReader
from contracts.runtime import query as contract_query
from node.chain.crypto import KeyPair
from node.chain.events import validator_set_of
from suites import Suite

log = logging.getLogger("trustledger.node")


class KeyConfigError(Exception):
    """The node's key files cannot be right for its validator (see `get_key_problem`)."""


def read_schedule(state: StateReader, genesis: ValidatorSet, suite: Suite) -> ValidatorSchedule:
    """The validator sets in force by height: genesis, then every on-chain decision (whose
    keys must be `suite`'s, the chain's)."""
    schedule = ValidatorSchedule.starting_with(genesis)
    try:
        latest = contract_query(state, "membership", "validators", {}, now_ms=0)
        for entry in latest["schedule"]:
            height = int(entry["activation_height"])
            if height <= schedule.entries[-1][0]:
                continue
            found = contract_query(state, "membership", "validators", {"height": height}, now_ms=0)
            schedule = schedule.with_activation(
                height, validator_set_of(found["validators"], suite)
            )
    except (ContractError, KeyError, TypeError, ValueError) as exc:
        log.error("cannot read the validator schedule from state: %s", exc)
    return schedule


def read_endpoints(state: StateReader) -> dict[str, str]:
    """Endpoints decided on-chain, by validator id (validators of the latest set)."""
    try:
        found = contract_query(state, "membership", "validators", {}, now_ms=0)
        return {str(v["id"]): str(v["endpoint"]) for v in found["validators"] if v["endpoint"]}
    except (ContractError, KeyError, TypeError) as exc:
        log.error("cannot read validator endpoints from state: %s", exc)
        return {}


def read_operators(state: StateReader, from_height: int) -> dict[str, str]:
    """Validator id -> the organisation that operates it ("" if none is named), for every
    validator of the set in force at `from_height` and of the sets scheduled after it (a
    later set's entry wins). Whose certificate a validator's transport identity must be."""
    operators: dict[str, str] = {}
    try:
        latest = contract_query(state, "membership", "validators", {}, now_ms=0)
        heights = sorted(int(entry["activation_height"]) for entry in latest["schedule"])
        in_force = max((h for h in heights if h <= from_height), default=None)
        for height in heights:
            if height < from_height and height != in_force:
                continue
            found = contract_query(state, "membership", "validators", {"height": height}, now_ms=0)
            for member in found["validators"]:
                operators[str(member["id"])] = str(member["operator"])
    except (ContractError, KeyError, TypeError, ValueError) as exc:
        log.error("cannot read the validator operators from state: %s", exc)
    return operators


class KeyRing:
    """The keys one node holds for its validator, with where each came from."""

    def __init__(
        self,
        validator_id: str,
        keypairs: Sequence[KeyPair],
        sources: Sequence[str | PathLike[str]],
        suite: Suite,
    ):
        """`sources` name the key files of `keypairs`, in order (the config's key_path,
        then its next_key_paths); a key given twice is refused. Each signs with `suite`,
        the chain's (its genesis's)."""
        self.validator_id = validator_id
        self.suite = suite
        self.keys: dict[bytes, str] = {}
        """Public key -> the key file it came from, of every key this node holds."""
        self.signers: dict[bytes, SuiteSigner] = {}
        self._warned_missing: set[bytes] = set()
        for i, kp in enumerate(keypairs):
            source = str(sources[i]) if i < len(sources) else f"key {i + 1}"
            if kp.suite is not suite:
                raise KeyConfigError(
                    f"{source} is a {kp.suite.name} key, but this chain's suite is {suite.name}"
                )
            if kp.public_key in self.keys:
                raise KeyConfigError(f"{source} holds the same key as {self.keys[kp.public_key]}")
            self.keys[kp.public_key] = source
            self.signers[kp.public_key] = SuiteSigner(validator_id, suite, kp.seed)
        self.first = keypairs[0].public_key

    def check(self, schedule: ValidatorSchedule, next_height: int) -> None:
        """Raise KeyConfigError if the keys cannot be right (`get_key_problem`); warn of
        keys the chain schedules that the node does not hold. A validator in no set yet
        (added after genesis, on a node that has not caught up) follows the chain as an
        observer until the set that includes it is in force."""
        problem = get_key_problem(self.validator_id, self.keys, schedule, next_height)
        for _, validators in schedule.entries:
            problem = problem or get_suite_key_problem(validators, self.suite)
        if problem is not None:
            raise KeyConfigError(problem)
        self.warn_missing(schedule, next_height)
        if not any(s.get(self.validator_id) is not None for _, s in schedule.entries):
            log.warning(
                "validator %s is in no validator set known at height %d: following the chain"
                " until a set that includes it is decided",
                self.validator_id,
                next_height - 1,
            )

    def warn_missing(self, schedule: ValidatorSchedule, next_height: int) -> None:
        """Log, once per key, each key the chain schedules for this validator that the node
        does not hold: it will not sign those heights."""
        vid = self.validator_id
        for activation, key in get_missing_keys(vid, self.keys, schedule, next_height):
            if key in self._warned_missing:
                continue
            self._warned_missing.add(key)
            log.warning(
                "validator %s signs with key %s from height %d, which this node does not"
                " hold: it will not sign there (add its key file to next_key_paths)",
                vid,
                key.hex()[:16],
                activation,
            )

    def to_hand(self, schedule: ValidatorSchedule, next_height: int) -> list[SuiteSigner]:
        """The signers the replica needs from `next_height` on, in activation order (the
        first signs `next_height`); the node's first key if none is listed yet."""
        held = keys_to_hand(self.validator_id, self.keys, schedule, next_height)
        return [self.signers[k] for k in held] or [self.signers[self.first]]


def _listed(validator_id: str, schedule: ValidatorSchedule, from_height: int) -> list[bytes]:
    """Keys listed for `validator_id` in the sets in force at `from_height` or scheduled
    later, in activation order, each once (from_height 0: every set)."""
    keys: list[bytes] = []
    for validators in schedule.sets_from(from_height):
        member = validators.get(validator_id)
        if member is not None and member.public_key not in keys:
            keys.append(member.public_key)
    return keys


def keys_to_hand(
    validator_id: str, held: Mapping[bytes, str], schedule: ValidatorSchedule, next_height: int
) -> list[bytes]:
    """The held keys that some set in force at `next_height` or scheduled later lists for
    `validator_id`, in activation order (the first signs `next_height`, if it is listed
    there)."""
    return [k for k in _listed(validator_id, schedule, next_height) if k in held]


def get_missing_keys(
    validator_id: str, held: Mapping[bytes, str], schedule: ValidatorSchedule, next_height: int
) -> list[tuple[int, bytes]]:
    """(activation height, key) of each set in force at `next_height` or scheduled later
    that lists `validator_id` with a key the node does not hold."""
    entries = schedule.entries
    first = max((i for i, (h, _) in enumerate(entries) if h <= next_height), default=0)
    missing: list[tuple[int, bytes]] = []
    for activation, validators in entries[first:]:
        member = validators.get(validator_id)
        if member is not None and member.public_key not in held:
            missing.append((max(activation, next_height), member.public_key))
    return missing


def get_key_problem(
    validator_id: str, held: Mapping[bytes, str], schedule: ValidatorSchedule, next_height: int
) -> str | None:
    """Why the keys a node holds (public key -> where it came from, e.g. the key file) do
    not fit validator `validator_id` on a chain with this `schedule`, or None.

    - a key listed for another validator in any set is a configuration mistake;
    - if the chain lists keys for this validator, the node must hold one of them, and, if
      the validator signs from `next_height` on, one of those it signs with from there
      (after a rotation took effect, the old key alone is not enough).

    A node whose validator is in no set yet (added after genesis, on a node that has not
    caught up) and a key not listed anywhere yet (the next key of a rotation not yet
    decided) are accepted.
    """
    if not held:
        return "the node holds no key"
    for key, source in held.items():
        for _, validators in schedule.entries:
            for member in validators.validators:
                if member.public_key == key and member.id != validator_id:
                    return (
                        f"{source} holds the key of validator {member.id!r},"
                        f" not of {validator_id!r}"
                    )
    ever = _listed(validator_id, schedule, 0)
    if ever and not any(k in held for k in ever):
        return (
            f"none of the node's keys ({', '.join(held.values())}) belongs to validator"
            f" {validator_id!r} in any validator set"
        )
    upcoming = _listed(validator_id, schedule, next_height)
    if upcoming and not any(k in held for k in upcoming):
        return (
            f"validator {validator_id!r} signs from height {next_height} on with key"
            f" {upcoming[0].hex()[:16]}…, which the node does not hold"
            " (give its key file as key_path or in next_key_paths)"
        )
    return None
