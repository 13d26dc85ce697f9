"""A pre-prepare the primary withheld or swapped, got from peers (consensus/proposals.py).

Four replicas v0..v3 (f = 1); v0 is the primary of view 0. The replica under test plays a
backup the primary left out (no pre-prepare) or gave another block (equivocation), or a peer
answering such a backup.
"""

from __future__ import annotations

from dataclasses import replace

from consensus.messages import Commit, Prepare, PrePrepare, PrePrepareRequest
from consensus.replica import Replica
from consensus.signing import preprepare_request_sign_bytes
from tests.unit import consensus_support as support


def request(height: int, digest: bytes, sender: str, view: int = 0) -> PrePrepareRequest:
    sig = support.SIGNERS[sender].sign(
        preprepare_request_sign_bytes(support.CHAIN, view, height, digest)
    )
    return PrePrepareRequest(view, height, digest, sender, sig)


def sends(replica: Replica) -> list[tuple[str | None, object]]:
    return [(out.to, out.message) for out in support.drain(replica).send]


def test_a_backup_without_the_preprepare_asks_a_voucher_on_its_next_tick() -> None:
    replica = support.make_replica("v3")
    payload, digest = support.make_block(1)
    replica.step(support.signed_prepare(1, digest, "v1"))
    assert not any(isinstance(m, PrePrepareRequest) for _, m in sends(replica))
    replica.step(support.signed_prepare(1, digest, "v2"))
    # f+1 members vouch now, but votes may overtake the pre-prepare: nothing until a tick.
    assert not any(isinstance(m, PrePrepareRequest) for _, m in sends(replica))
    replica.tick()
    asked = [(to, m) for to, m in sends(replica) if isinstance(m, PrePrepareRequest)]
    assert asked == [("v1", request(1, digest, "v3")), ("v1", request(2, b"", "v3"))]
    # Still missing a retransmit interval later: the next voucher.
    for _ in range(support.RETRANSMIT_TICKS - 1):
        replica.tick()
        assert not any(isinstance(m, PrePrepareRequest) for _, m in sends(replica))
    replica.tick()
    asked = [(to, m) for to, m in sends(replica) if isinstance(m, PrePrepareRequest)]
    assert asked == [("v2", request(1, digest, "v3"))]
    # The primary's pre-prepare, from whoever relays it: the backup votes as usual.
    replica.step(support.signed_preprepare(1, payload, digest))
    assert [p.digest for p in support.drain(replica).validate] == [digest]
    replica.validated(0, 1, digest, True)
    votes = {type(m) for _, m in sends(replica)}
    assert {Prepare, Commit} <= votes


def test_one_voucher_or_the_primarys_own_vote_is_not_enough() -> None:
    replica = support.make_replica("v3")
    digest = support.make_block(1)[1]
    replica.step(support.signed_prepare(1, digest, "v1"))
    replica.step(support.signed_prepare(1, digest, "v0"))  # the primary never prepares
    for _ in range(2 * support.RETRANSMIT_TICKS):
        replica.tick()
        assert not any(isinstance(m, PrePrepareRequest) for _, m in sends(replica))


def test_a_peer_answers_a_members_signed_request_once_an_interval() -> None:
    replica, preprepare = support.backup_holding_preprepare()
    digest = preprepare.digest
    replica.step(request(1, digest, "v3"))
    assert sends(replica) == [("v3", preprepare)]
    replica.step(request(1, digest, "v3"))  # again within the interval: a copy is on its way
    assert sends(replica) == []
    for _ in range(support.RETRANSMIT_TICKS):
        replica.tick()
    support.drain(replica)
    replica.step(request(1, digest, "v3"))
    assert sends(replica) == [("v3", preprepare)]
    # What it does not hold, a bad signature, a non-member: nothing sent.
    replica.step(request(1, support.make_block(1, "other")[1], "v2"))
    forged = replace(request(1, digest, "v2"), signature=bytes(64))
    replica.step(forged)
    out = support.drain(replica)
    assert out.send == ()
    assert [r.reason for r in out.rejected] == ["bad signature"]
    stranger = replace(request(1, digest, "v2"), sender="v9")
    replica.step(stranger)
    out = support.drain(replica)
    assert out.send == () and "unknown sender" in out.rejected[0].reason


def test_a_standing_request_is_answered_when_the_peer_accepts_a_preprepare() -> None:
    replica = support.make_replica("v1")
    payload, digest = support.make_block(1)
    replica.step(request(1, b"", "v3"))
    assert sends(replica) == []  # kept: nothing accepted at height 1 yet
    preprepare = support.signed_preprepare(1, payload, digest)
    replica.step(preprepare)
    assert ("v3", preprepare) in sends(replica)
    # Answered once: the request is used up.
    replica.step(support.signed_prepare(1, digest, "v2"))
    assert ("v3", preprepare) not in sends(replica)


def test_a_backup_given_another_block_commits_the_certified_one_without_a_second_prepare() -> None:
    replica = support.make_replica("v3")
    payload_a, digest_a = support.make_block(1, "A")
    payload_b, digest_b = support.make_block(1, "B")
    replica.step(support.signed_preprepare(1, payload_b, digest_b))  # the primary gave v3 block B
    support.drain(replica)
    replica.validated(0, 1, digest_b, True)
    assert [m.digest for _, m in sends(replica) if isinstance(m, Prepare)] == [digest_b]
    # A peer offers the primary's block A: kept aside (and reported), not voted for.
    preprepare_a = support.signed_preprepare(1, payload_a, digest_a)
    replica.step(preprepare_a)
    out = support.drain(replica)
    assert out.validate == () and "kept aside" in out.rejected[0].reason
    # The primary's two pre-prepares are reported together: evidence of its equivocation.
    assert out.rejected[0].message == preprepare_a
    assert out.rejected[0].conflicts_with is not None
    assert out.rejected[0].conflicts_with.digest == digest_b
    assert not any(isinstance(o.message, Prepare | Commit) for o in out.send)
    # One prepare for A is not a certificate; 2f = 2 are: A replaces B and is validated.
    replica.step(support.signed_prepare(1, digest_a, "v1"))
    assert support.drain(replica).validate == ()
    replica.step(support.signed_prepare(1, digest_a, "v2"))
    assert [p.digest for p in support.drain(replica).validate] == [digest_a]
    replica.validated(0, 1, digest_a, True)
    out = support.drain(replica)
    own = [o.message for o in out.send if o.message.sender == "v3"]
    assert [(type(m), m.digest) for m in own if isinstance(m, Prepare | Commit)] == [
        (Commit, digest_a)
    ]
    assert [r.certificate.digest for r in out.persist if hasattr(r, "certificate")] == [digest_a]


def test_a_backup_without_the_certified_preprepare_asks_for_it() -> None:
    replica = support.make_replica("v3")
    digest_a = support.make_block(1, "A")[1]
    support.accept_block(replica, tag="B")
    support.drain(replica)
    replica.step(support.signed_prepare(1, digest_a, "v1"))
    replica.step(support.signed_prepare(1, digest_a, "v2"))
    asked = [(to, m) for to, m in sends(replica) if isinstance(m, PrePrepareRequest)]
    assert ("v1", request(1, digest_a, "v3")) in asked


def test_a_backup_offers_its_preprepare_to_a_peer_that_prepared_another() -> None:
    replica = support.make_replica("v1")
    payload_a, digest_a = support.make_block(1, "A")
    digest_b = support.make_block(1, "B")[1]
    preprepare = support.signed_preprepare(1, payload_a, digest_a)
    replica.step(preprepare)
    support.drain(replica)
    replica.step(support.signed_prepare(1, digest_b, "v3"))
    assert ("v3", preprepare) in sends(replica)
    replica.step(support.signed_prepare(1, digest_a, "v2"))  # agrees: offered nothing
    assert [m for _, m in sends(replica) if isinstance(m, PrePrepare)] == []


def test_the_request_round_trips_on_the_wire() -> None:
    from node.chain.wire import decode_message, encode_message

    for message in (request(1, support.make_block(1)[1], "v3"), request(2, b"", "v3")):
        assert decode_message(encode_message(message)) == message


def test_a_certified_preprepare_arriving_last_is_taken_at_once() -> None:
    replica = support.make_replica("v3")
    payload_a, digest_a = support.make_block(1, "A")
    support.accept_block(replica, tag="B")
    replica.step(support.signed_prepare(1, digest_a, "v1"))
    replica.step(support.signed_prepare(1, digest_a, "v2"))
    support.drain(replica)
    replica.step(support.signed_preprepare(1, payload_a, digest_a))
    out = support.drain(replica)
    assert [p.digest for p in out.validate] == [digest_a] and out.rejected == ()
