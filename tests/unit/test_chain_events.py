"""Reading validator-set decisions out of block results (node/chain/events.py): the one
reading the light client (finality.py), the chain walker (verifychain.py) and the audit
trace (trace.py) share, so a decision one of them follows is the decision all of them do."""

from __future__ import annotations

import json

import pytest

from consensus.validators import Validator
from node.chain.events import (
    ENDPOINT_SET_EVENT,
    VALIDATORS_SCHEDULED_EVENT,
    event_attrs,
    get_scheduling_events,
    scheduled_set_of,
    validator_set_of,
)
from proto import ledger_pb2
from suites import ED25519_SHA256, SM2_SM3
from tests.unit.consensus_support import SIGNERS


def listed(*ids: str) -> str:
    return json.dumps([{"id": i, "public_key": SIGNERS[i].public_key.hex()} for i in ids])


def decision(activation_height: int, ids: tuple[str, ...], name: str = "") -> ledger_pb2.Event:
    return ledger_pb2.Event(
        name=name or VALIDATORS_SCHEDULED_EVENT,
        attrs=[
            ledger_pb2.EventAttr(key="activation_height", integer=activation_height),
            ledger_pb2.EventAttr(key="validators", text=listed(*ids)),
        ],
    )


def test_only_successful_transactions_decisions_are_read_with_their_index() -> None:
    """A refused transaction's decision and another event are passed over, and every
    decision after them is still found, each with its transaction's index."""
    results = ledger_pb2.BlockResults(
        results=[
            ledger_pb2.TxResult(ok=False, events=[decision(10, ("v0",))]),
            ledger_pb2.TxResult(
                ok=True,
                events=[decision(10, ("v1",), name=ENDPOINT_SET_EVENT), decision(11, ("v2",))],
            ),
            ledger_pb2.TxResult(ok=True, events=[]),
            ledger_pb2.TxResult(ok=True, events=[decision(12, ("v3",))]),
        ]
    )
    found = [(index, attrs["activation_height"]) for index, attrs in get_scheduling_events(results)]
    assert found == [(1, 11), (3, 12)]


def test_an_attribute_with_no_value_set_reads_as_empty_text() -> None:
    event = ledger_pb2.Event(
        attrs=[ledger_pb2.EventAttr(key="blank"), ledger_pb2.EventAttr(key="n", integer=3)]
    )
    assert event_attrs(event) == {"blank": "", "n": 3}


def test_a_decision_gives_its_activation_height_and_sorted_set() -> None:
    attrs = event_attrs(decision(10, ("v2", "v0")))
    activation, members = scheduled_set_of(attrs, ED25519_SHA256)
    assert activation == 10
    assert members.validators == (
        Validator("v0", SIGNERS["v0"].public_key),
        Validator("v2", SIGNERS["v2"].public_key),
    )


@pytest.mark.parametrize("missing", ["activation_height", "validators"])
def test_a_decision_without_either_attribute_is_a_key_error(missing: str) -> None:
    attrs = event_attrs(decision(10, ("v0",)))
    del attrs[missing]
    with pytest.raises(KeyError):
        scheduled_set_of(attrs, ED25519_SHA256)


def test_a_key_that_is_not_the_chains_suite_is_refused() -> None:
    """An Ed25519 key in a set decided on an SM2 chain is no SM2 public key."""
    entries = json.loads(listed("v0"))
    assert validator_set_of(entries, ED25519_SHA256).get("v0") is not None
    with pytest.raises(ValueError, match="not a sm2-sm3 public key"):
        validator_set_of(entries, SM2_SM3)
