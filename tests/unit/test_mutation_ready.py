"""The outbox the replica collects a `Ready` in, edges found by mutation testing of
consensus/ready.py (issue 19, docs/mutation.md): each list goes to its own field, any one of
them makes a Ready pending, and `advance` takes back exactly a prefix of what was handed out.
"""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from consensus.errors import ConsensusError
from consensus.ready import (
    CommittedBlock,
    FetchRequest,
    Outbound,
    Outbox,
    Proposal,
    Ready,
    Rejected,
    RelayRequest,
)
from tests.unit import consensus_support as support

PAYLOAD, DIGEST = support.make_block(1)
PREPARE = support.signed_prepare(1, DIGEST, "v1")
COMMIT = support.signed_commit(1, DIGEST, "v1")
PREPREPARE = support.signed_preprepare(1, PAYLOAD, DIGEST)

ITEMS = {
    "persist": (PREPARE, COMMIT),
    "send": (Outbound(None, PREPARE), Outbound("v2", PREPREPARE)),
    "validate": (Proposal(0, 1, DIGEST, PAYLOAD), Proposal(1, 1, DIGEST, PAYLOAD, True)),
    "committed": (
        CommittedBlock(1, DIGEST, PAYLOAD, support.make_certificate(1, DIGEST)),
        CommittedBlock(2, DIGEST, PAYLOAD, support.make_certificate(2, DIGEST)),
    ),
    "rejected": (Rejected(PREPARE, "a reason"), Rejected(COMMIT, "another")),
    "fetch": (FetchRequest(1, 4), FetchRequest(1, 8)),
    "relay": (RelayRequest(b"tx", "v0"), RelayRequest(b"tx2", "v0")),
}
NAMES = [f.name for f in fields(Ready)]


def filled(names: list[str]) -> Outbox:
    out = Outbox()
    for name in names:
        getattr(out, name).extend(ITEMS[name])
    return out


def test_the_outbox_lists_are_the_ready_fields() -> None:
    assert sorted(NAMES) == sorted(ITEMS) == sorted(Outbox.__slots__)


def test_an_empty_outbox_has_nothing_ready() -> None:
    out = Outbox()
    assert out.has_ready() is False
    assert out.ready() == Ready((), (), (), (), (), (), ())


@pytest.mark.parametrize("name", NAMES)
def test_any_one_list_makes_a_ready_and_goes_to_its_own_field(name: str) -> None:
    out = filled([name])
    assert out.has_ready() is True
    ready = out.ready()
    for other in NAMES:
        assert getattr(ready, other) == (ITEMS[name] if other == name else ())
    out.consume(ready)
    assert out.has_ready() is False


def test_sending_broadcasts_addresses_and_own_messages_are_persisted_first() -> None:
    out = Outbox()
    out.broadcast(PREPREPARE)
    out.send_to("v3", COMMIT)
    out.emit_own(PREPARE)
    ready = out.ready()
    assert ready.send == (
        Outbound(to=None, message=PREPREPARE),
        Outbound(to="v3", message=COMMIT),
        Outbound(to=None, message=PREPARE),
    )
    assert ready.persist == (PREPARE,)


def test_consume_removes_exactly_the_prefix_handed_back() -> None:
    out = filled(NAMES)
    first = out.ready()
    out.persist.append(
        support.signed_commit(2, DIGEST, "v1")
    )  # produced meanwhile (re-entrant call)
    out.consume(first)
    assert out.has_ready() is True
    assert out.ready() == Ready((support.signed_commit(2, DIGEST, "v1"),), (), (), (), (), (), ())
    out.consume(out.ready())
    assert out.has_ready() is False
    # A prefix of each list is fine too.
    out = filled(NAMES)
    prefix = Ready(**{name: ITEMS[name][:1] for name in NAMES})
    out.consume(prefix)
    assert out.ready() == Ready(**{name: ITEMS[name][1:] for name in NAMES})


@pytest.mark.parametrize("name", NAMES)
def test_consume_refuses_anything_but_a_prefix(name: str) -> None:
    out = filled(NAMES)
    ready = out.ready()
    wrong = replace(ready, **{name: ITEMS[name][1:]})  # not what ready() returned
    with pytest.raises(ConsensusError):
        out.consume(wrong)
    longer = replace(ready, **{name: ITEMS[name] + ITEMS[name][:1]})
    with pytest.raises(ConsensusError):
        Outbox.consume(filled(NAMES), longer)
