"""Stream slots (node/services/slots.py): the caps on open streams, per organisation and per
validator, and their release however a stream ends."""

from __future__ import annotations

import pytest

from node.limits import (
    VERIFY_STREAMS_MAX,
    VERIFY_STREAMS_PER_CALLER_MAX,
    WATCHERS_MAX,
    WATCHERS_PER_CALLER_MAX,
)
from node.services.slots import StreamSlots


def test_one_organisation_is_capped_and_others_still_get_slots() -> None:
    slots = StreamSlots("verification streams", total_max=5, caller_max=2)
    with slots.held("bank"), slots.held("bank"):
        refusal = slots.get_refusal("bank")
        assert refusal == (
            "an organisation has at most 2 verification streams open on a validator:"
            " close one first"
        )
        assert slots.get_refusal("notary") is None
        assert slots.total == 2
    assert slots.get_refusal("bank") is None
    assert slots.open == {}


def test_the_validator_total_is_capped_for_everyone() -> None:
    slots = StreamSlots("watchers", total_max=3, caller_max=2)
    with slots.held("a"), slots.held("a"), slots.held("b"):
        assert slots.get_refusal("c") == "this validator serves 3 watchers already: try another"
        assert slots.get_refusal("b") == "this validator serves 3 watchers already: try another"
    assert slots.total == 0


def test_a_slot_is_freed_when_the_stream_fails_or_is_cancelled() -> None:
    slots = StreamSlots("watchers", total_max=3, caller_max=1)
    with pytest.raises(RuntimeError), slots.held("a"):
        assert slots.get_refusal("a") is not None
        raise RuntimeError("the handler's task ended")
    assert slots.get_refusal("a") is None and slots.open == {}


def test_the_limits_leave_most_slots_to_other_organisations() -> None:
    assert 4 * VERIFY_STREAMS_PER_CALLER_MAX <= VERIFY_STREAMS_MAX
    assert 4 * WATCHERS_PER_CALLER_MAX <= WATCHERS_MAX
