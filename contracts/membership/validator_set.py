"""The validator set as replicated state: a schedule of sets, each from an activation height.

Genesis writes the initial set at height 0. A validator change approved by governance at
``decided_height`` writes the whole new set at ``decided_height + VALIDATOR_ACTIVATION_DELAY``
and emits ``membership.validators_scheduled``, so the node can tell consensus which set
signs which heights. Entries are never deleted: the set at any past height stays queryable.

State:

- ``membership/validators/<activation height, 20 decimal digits>`` -> the set from that
  height on (:class:`ScheduledSet`); keys sort in height order
- ``membership/validator_endpoint/<validator id>`` -> where the validator's peers reach it
  (:class:`Endpoint`), set by the ``add_validator`` decision or a later
  ``set_validator_endpoint`` one. An endpoint does not change who signs which height, so it
  applies from its decision on; validators named in genesis may have none (their peers
  know them from configuration). Entries are kept when a validator is removed: until the
  removal's activation height it still signs, and its peers must still reach it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from contracts.framework import arguments, formats, limits
from contracts.framework.interface import StateReader
from contracts.framework.records import Record
from contracts.framework.store import Table
from contracts.membership.organisations import get_key_problem
from suites import Suite

SET_PREFIX: Final = b"membership/validators/"

HEIGHT_DIGITS: Final = 20
"""Decimal digits of a height in a key (enough for any u64), zero-padded so keys sort."""


class ValidatorLike(Protocol):
    """What genesis needs of a validator (the consensus package's ``Validator`` fits)."""

    @property
    def id(self) -> str:
        """Unique, stable name."""
        ...

    @property
    def public_key(self) -> bytes:
        """Public key of the chain's suite (32 bytes Ed25519, 65 bytes SM2)."""
        ...


@dataclass(frozen=True, slots=True)
class ValidatorEntry(Record):
    """One validator of a set."""

    id: str
    """Unique, stable name (``[A-Za-z0-9._:-]{1,64}``)."""

    public_key: str
    """Ed25519 public key, lowercase hex."""

    operator: str
    """Id of the organisation that runs it; empty for a validator named in genesis without
    one (such a validator's transport identity is never accepted: it cannot be checked)."""


@dataclass(frozen=True, slots=True)
class ScheduledSet(Record):
    """A validator set and the height from which it signs blocks."""

    activation_height: int
    """First height this set decides."""

    decided_height: int
    """Height of the block that approved it (0 for genesis)."""

    proposal_id: str
    """The governance proposal that made it; empty for genesis."""

    validators: tuple[ValidatorEntry, ...]
    """Sorted by id; ids and keys unique."""

    def get(self, validator_id: str) -> ValidatorEntry | None:
        """The validator with this id, or None."""
        for validator in self.validators:
            if validator.id == validator_id:
                return validator
        return None


EMPTY_SET: Final = ScheduledSet(0, 0, "", ())


def get_set_key(activation_height: int) -> bytes:
    """State key of the set that activates at ``activation_height``."""
    return SET_PREFIX + str(activation_height).zfill(HEIGHT_DIGITS).encode("ascii")


def list_sets(state: StateReader) -> list[ScheduledSet]:
    """Every scheduled set, in activation height order."""
    return [
        ScheduledSet.decode(value) for _, value in state.scan(SET_PREFIX, limits.SCAN_LIMIT_MAX)
    ]


def get_set_at(state: StateReader, height: int | None) -> ScheduledSet:
    """The set deciding ``height`` (None: the last scheduled, even if not yet active)."""
    found = EMPTY_SET
    for scheduled in list_sets(state):
        if height is None or scheduled.activation_height <= height:
            found = scheduled
    return found


@dataclass(frozen=True, slots=True)
class Endpoint(Record):
    """Where a validator's peers reach it, as decided on-chain."""

    endpoint: str
    """``host:port`` (see :func:`contracts.framework.formats.get_endpoint_problem`)."""

    decided_height: int
    """Height of the block that decided it."""

    proposal_id: str
    """The governance proposal that set it."""


ENDPOINTS: Final = Table(Endpoint, b"membership/validator_endpoint/", "endpoint")
"""Keyed by validator id; a validator has none until governance decides one."""


def get_endpoint_user(
    state: StateReader, validators: Sequence[ValidatorEntry], endpoint: str
) -> str | None:
    """Id of the validator among ``validators`` whose endpoint is ``endpoint``, or None."""
    for validator in validators:
        found = ENDPOINTS.get(state, validator.id)
        if found is not None and found.endpoint == endpoint:
            return validator.id
    return None


def get_problem(validators: Sequence[ValidatorEntry]) -> str | None:
    """Why ``validators`` is not a valid set, or None."""
    if not 1 <= len(validators) <= limits.VALIDATORS_MAX:
        return f"a validator set has 1 to {limits.VALIDATORS_MAX} members"
    ids = [v.id for v in validators]
    if len(set(ids)) != len(ids):
        return "validator ids must be unique"
    if len({v.public_key for v in validators}) != len(validators):
        return "validator public keys must be unique"
    return None


def sort_validators(validators: Sequence[ValidatorEntry]) -> tuple[ValidatorEntry, ...]:
    """The validators sorted by id (the order consensus derives primaries from)."""
    return tuple(sorted(validators, key=lambda v: v.id))


def genesis_writes(
    validators: Sequence[ValidatorLike],
    operators: Mapping[str, str] | None = None,
    org_ids: frozenset[str] = frozenset(),
    *,
    suite: Suite,
) -> dict[bytes, bytes]:
    """The genesis set at height 0 (nothing if ``validators`` is empty).

    ``operators`` maps a validator id to the founding organisation that runs it (the org
    whose certificate the validator's transport identity must carry); a validator it does
    not name has operator "" as before, which no transport identity matches.

    Raises ``invalid_argument`` if a validator is malformed, two share an id or a key, or an
    operator names no validator or no founding organisation (``org_ids``).
    """
    operators = {} if operators is None else operators
    if not validators:
        if operators:
            raise arguments.invalid("genesis operators name validators, but there are none")
        return {}
    ids = {getattr(validator, "id", None) for validator in validators}
    for named, operator in sorted(operators.items()):
        if named not in ids:
            raise arguments.invalid(f"genesis operator given for unknown validator {named}")
        if not isinstance(operator, str) or operator not in org_ids:
            raise arguments.invalid(
                f"genesis validator {named}: operator must be a founding organisation"
            )
    entries: list[ValidatorEntry] = []
    for validator in validators:
        validator_id: object = getattr(validator, "id", None)
        public_key: object = getattr(validator, "public_key", None)
        if not isinstance(validator_id, str) or not formats.is_validator_id(validator_id):
            raise arguments.invalid(
                f"genesis validator ids must be 1 to {limits.VALIDATOR_ID_LENGTH_MAX}"
                " characters of [A-Za-z0-9._:-]"
            )
        key_problem = get_key_problem(public_key, suite)
        if key_problem is not None:
            raise arguments.invalid(f"genesis validator {validator_id}: {key_problem}")
        assert isinstance(public_key, bytes)  # get_key_problem refused anything else
        entries.append(
            ValidatorEntry(validator_id, public_key.hex(), operators.get(validator_id, ""))
        )
    problem = get_problem(entries)
    if problem is not None:
        raise arguments.invalid(f"genesis: {problem}")
    scheduled = ScheduledSet(0, 0, "", sort_validators(entries))
    return {get_set_key(0): scheduled.encode()}
