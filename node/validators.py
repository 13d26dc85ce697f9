"""Which of a node's keys its replica signs with, and whether the keys fit the chain.

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

from collections.abc import Mapping

from consensus.validators import ValidatorSchedule


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
