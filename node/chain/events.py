"""Reading events out of block results, as the validator and light clients both must.

Validator-set decisions travel as events whose `validators` attribute is a JSON list of
{"id", "public_key" (hex)}; this is the one decoder of that list."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from consensus.validators import Validator, ValidatorSet, get_suite_key_problem
from proto import ledger_pb2
from suites import Suite

ENDPOINT_SET_EVENT = "membership.validator_endpoint_set"
VALIDATORS_SCHEDULED_EVENT = "membership.validators_scheduled"
VALIDATOR_EVENTS = frozenset((ENDPOINT_SET_EVENT, VALIDATORS_SCHEDULED_EVENT))


def event_attrs(event: ledger_pb2.Event) -> dict[str, str | int | bool]:
    """An event's attributes by key, each with the value of whichever field it set."""
    return {a.key: getattr(a, a.WhichOneof("value") or "text") for a in event.attrs}


def get_scheduling_events(
    results: ledger_pb2.BlockResults,
) -> Iterator[tuple[int, dict[str, str | int | bool]]]:
    """Each ``membership.validators_scheduled`` event of a successful transaction in
    `results`, as the transaction's index and the event's attributes (`event_attrs`): a
    refused transaction's events schedule nothing, whoever follows the decisions."""
    for index, result in enumerate(results.results):
        if not result.ok:
            continue
        for event in result.events:
            if event.name == VALIDATORS_SCHEDULED_EVENT:
                yield index, event_attrs(event)


def validator_set_of(entries: Iterable[Mapping[str, str]], suite: Suite) -> ValidatorSet:
    """A validator set from its JSON entries; raises KeyError, TypeError or ValueError
    on a malformed entry, or on a key that is not a public key of `suite`, the chain's."""
    validators = ValidatorSet(
        tuple(
            sorted(
                (Validator(str(v["id"]), bytes.fromhex(str(v["public_key"]))) for v in entries),
                key=lambda v: v.id,
            )
        )
    )
    problem = get_suite_key_problem(validators, suite)
    if problem is not None:
        raise ValueError(problem)
    return validators


def scheduled_set_of(
    attrs: Mapping[str, str | int | bool], suite: Suite
) -> tuple[int, ValidatorSet]:
    """The activation height and the validator set of a ``membership.validators_scheduled``
    event's attributes (`event_attrs`); raises as `validator_set_of` does, or KeyError
    without them."""
    return int(attrs["activation_height"]), validator_set_of(
        json.loads(str(attrs["validators"])), suite
    )
