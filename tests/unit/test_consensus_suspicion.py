"""The suspicion step before a ViewChange (consensus/suspicion.py).

A backup whose timer expires sends a non-binding `Suspicion` and keeps voting; it asks for a
new view only once f+1 members (here 2 of 4) suspect the same view at its height in flight.
"""

from __future__ import annotations

from dataclasses import replace

from consensus.limits import REQUEST_RELAY_DIVISOR, VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT
from consensus.messages import Prepare, Suspicion, ViewChange
from consensus.replica import Replica
from tests.unit import consensus_support as support

SUSPECT = (
    max(1, support.RETRANSMIT_TICKS // REQUEST_RELAY_DIVISOR) + VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT
)
"""Ticks from a request's arrival to the suspicion: the relay, then a full timeout."""


def suspecting_backup(self_id: str = "v1") -> tuple[Replica, list[Suspicion]]:
    """A backup of view 0 whose client request went unserved past the timeout: it relays the
    request after a quarter of a retransmit interval and suspects a full timeout later."""
    replica = support.make_replica(self_id)
    replica.set_waiting_request(b"tx-1")
    sent: list[Suspicion] = []
    for _ in range(SUSPECT + 1):
        replica.tick()
        sent += [o.message for o in support.drain(replica).send if isinstance(o.message, Suspicion)]
    return replica, sent


def sent_by(replica: Replica) -> list[object]:
    return [o.message for o in support.drain(replica).send]


def test_a_lone_suspecter_stays_in_the_view_re_sends_and_keeps_voting() -> None:
    replica, sent = suspecting_backup()
    assert [(s.view, s.height, s.sender) for s in sent] == [(0, 1, "v1")]
    assert not replica.in_view_change and replica.view == 0
    resent = []
    for _ in range(3 * support.RETRANSMIT_TICKS):
        replica.tick()
        resent += [m for m in sent_by(replica) if isinstance(m, Suspicion)]
    assert resent == [sent[0]] * 3  # once per retransmit interval, the same signed message
    assert not replica.in_view_change
    # The primary's proposal reaches it after all: it votes as any backup does.
    payload, digest = support.make_block(1)
    replica.step(support.signed_preprepare(1, payload, digest))
    assert len(support.drain(replica).validate) == 1
    replica.validated(0, 1, digest, True)
    votes = [m for m in sent_by(replica) if isinstance(m, Prepare)]
    assert [(p.view, p.height, p.digest) for p in votes] == [(0, 1, digest)]


def test_f_plus_one_suspicions_at_the_height_in_flight_start_the_view_change() -> None:
    replica, _ = suspecting_backup()
    replica.step(support.signed_suspicion(2, "v3"))  # another height: says nothing about ours
    assert not replica.in_view_change and not any(
        isinstance(m, ViewChange) for m in sent_by(replica)
    )
    replica.step(support.signed_suspicion(1, "v2"))
    assert replica.in_view_change and replica.view == 1
    assert [m.new_view for m in sent_by(replica) if isinstance(m, ViewChange)] == [1]


def test_a_peer_suspicion_held_first_completes_f_plus_one_when_the_timer_expires() -> None:
    replica = support.make_replica("v1")
    replica.step(support.signed_suspicion(1, "v3"))
    assert not replica.in_view_change  # others' suspicions alone never move a replica
    replica.set_waiting_request(b"tx-1")
    for _ in range(SUSPECT + 1):
        replica.tick()
    assert replica.in_view_change and replica.view == 1


def test_faulty_suspicions_alone_never_start_a_view_change() -> None:
    """f = 1 faulty member suspecting every height cannot move a correct backup that does not
    suspect; the primary ignores suspicions of itself."""
    for self_id in ("v0", "v1"):
        replica = support.make_replica(self_id)
        for height in (1, 2, 3):
            replica.step(support.signed_suspicion(height, "v3"))
        for _ in range(3 * VIEW_CHANGE_TIMEOUT_TICKS_DEFAULT):
            replica.tick()
        assert not replica.in_view_change and replica.view == 0


def test_suspicions_of_a_committed_height_are_stale() -> None:
    replica = support.make_replica("v1")
    replica.step(support.signed_suspicion(1, "v2"))
    digest = support.accept_block(replica)
    for sender in ("v0", "v2", "v3"):
        replica.step(support.signed_commit(1, digest, sender))
    ready = support.drain(replica)
    assert [b.height for b in ready.committed] == [1]
    # v2 suspected height 1, which is decided now; v1 suspecting height 2 alone stays.
    replica.set_waiting_request(b"tx-2")
    for _ in range(SUSPECT + 1):
        replica.tick()
    assert not replica.in_view_change and replica.view == 0


def test_bad_suspicions_are_refused_and_do_not_count() -> None:
    replica, _ = suspecting_backup()
    good = support.signed_suspicion(1, "v2")
    bad = [
        (replace(good, signature=b"\x00" * 64), "bad signature"),
        (replace(good, sender="v9"), "unknown sender"),
        (replace(good, height=0), "malformed view or height"),
        (replace(good, sender="v1"), "our own validator id"),
        (support.signed_suspicion(1, "v2", view=7), None),  # another view: not ours to act on
    ]
    for message, reason in bad:
        replica.step(message)
        rejected = support.drain(replica).rejected
        if reason is None:
            assert rejected == ()
        else:
            assert len(rejected) == 1 and reason in rejected[0].reason
        assert not replica.in_view_change
    replica.step(good)
    assert replica.in_view_change
