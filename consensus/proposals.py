"""Getting the primary's pre-prepare from the backups that hold it.

Reference: Castro & Liskov, OSDI 1999, section 4.2 (TOCS 2002, 4.2). A backup votes on a block
only once it holds the primary's pre-prepare for it. A faulty primary can withhold its
pre-prepare from one backup, or send it another block than the others (equivocation); the
others then prepare and commit without it, and it learns each block only from their catch-up
a retransmit interval later, out of every quorum: the fault margin is spent. PBFT assumes a
message is retransmitted until it arrives, but here the sender is the faulty party. The
pre-prepare is signed by the primary, so any replica holding it can hand it on: a backup that
sees a digest vouched for by peers' votes (a prepare or commit means its sender accepted the
pre-prepare) asks one of them for it, with a signed `PrePrepareRequest`, and the next one each
retransmit interval while it is still missing. A replica answers at most once per interval
per peer and slot, and only members who signed their request.

When to ask (or be offered it):
- with no pre-prepare at all (withheld): once f+1 members vouch for a digest, so that at least
  one correct replica accepted it (fewer could be faulty peers sending votes for nothing);
- holding another pre-prepare (equivocation): a backup that sees our prepare for another
  digest than its own pre-prepare's sends us its pre-prepare unasked (`_offer_preprepare`),
  which we keep aside; we ask if it did not come once the digest is certified in the slot, that
  is 2f prepares of other backups (quorum-1) or a quorum of commits. The backup prepared the
  block it was given and cannot prepare a second one: a correct replica prepares once per
  (view, height), which is what keeps prepared certificates unique there. It takes the
  certified pre-prepare in place of its own (`MessageLog.replace_preprepare`), the node
  validates the block, and the backup commits it: it then holds a prepared certificate by the
  paper's definition (the pre-prepare and 2f matching prepares), which it records for view
  changes like any prepared replica (`core.MUST_AGREE_WITH`).

A primary that withholds once usually withholds again, and asking only after peers' votes
arrive costs the victim a round trip at every height: it would always vote last, after the
quorum formed. So a backup that had to ask at height h also sends the peer it asked a
*standing* request for h+1 (a `PrePrepareRequest` without a digest: "the pre-prepare you
accept there"), which that peer keeps and answers as soon as it accepts one; on receiving it,
the backup asks the same way for the next height, unless the two heights before each reached
it twice (the helper's copy and the primary's: the primary sends to it again; a single
duplicate may be the network's), and the standing requests stop. In a healthy network nobody asks, and
nothing extra is sent.
"""

from consensus.core import ReplicaCore, Status
from consensus.log import PrePrepareAsk, Slot
from consensus.messages import NormalMessage, PrePrepare, PrePrepareRequest
from consensus.signing import preprepare_request_sign_bytes
from consensus.validators import ValidatorSet


def get_vouchers(slot: Slot, validators: ValidatorSet, self_id: str) -> dict[bytes, set[str]]:
    """Per digest, the members whose prepare or commit in the slot shows they hold its
    pre-prepare. Not the primary: it sent us what it wanted to."""
    primary = validators.primary(slot.view)
    vouchers: dict[bytes, set[str]] = {}
    votes: list[NormalMessage] = [*slot.prepares.values(), *slot.commits.values()]
    for vote in votes:
        if vote.sender not in (self_id, primary) and validators.get(vote.sender) is not None:
            vouchers.setdefault(vote.digest, set()).add(vote.sender)
    return vouchers


def is_certified(slot: Slot, digest: bytes, validators: ValidatorSet) -> bool:
    """2f prepares of backups or a quorum of commits for `digest` in the slot: the digest is
    the one block the slot can decide (a prepared certificate lacks only the pre-prepare)."""
    primary = validators.primary(slot.view)
    prepares = sum(
        1
        for p in slot.prepares.values()
        if p.digest == digest and p.sender != primary and validators.get(p.sender) is not None
    )
    commits = sum(
        1 for c in slot.commits.values() if c.digest == digest and validators.get(c.sender)
    )
    return prepares >= validators.quorum - 1 or commits >= validators.quorum


ASKED_BY_VOTES = -(1 << 16)
"""`_preprepare_copies` of a height we asked for on votes: several sources may answer, so its
copies say nothing about the primary (the count stays below 2 whatever arrives)."""


class ProposalFetch(ReplicaCore):
    """Asking peers for a pre-prepare the primary withheld, and answering such requests."""

    def _seek_preprepares(self, slot: Slot, *, on_tick: bool = False) -> None:
        """Ask for the pre-prepare of each digest the votes in the in-flight slot vouch for
        enough that we should hold it (see the module docstring). With none held, only on a
        tick: votes may overtake the pre-prepare on its way, and asking at once would often
        fetch a second copy of it."""
        if (
            slot.view != self._view
            or slot.height != self._next_height
            or self._status != Status.NORMAL
            or self._signer_for(slot.height) is None
        ):
            return
        validators = self._schedule.at(slot.height)
        if validators.primary(slot.view) == self._self_id:
            return
        held = slot.preprepare.digest if slot.preprepare is not None else None
        for digest, vouchers in sorted(get_vouchers(slot, validators, self._self_id).items()):
            if digest == held:
                continue
            if held is None and (not on_tick or len(vouchers) < validators.f + 1):
                continue
            if held is not None and not is_certified(slot, digest, validators):
                continue
            other = self._alternative
            if other is not None and (other.view, other.height, other.digest) == (
                slot.view,
                slot.height,
                digest,
            ):
                if (slot.view, slot.height, "commit") not in self._own:
                    self._log.replace_preprepare(slot, other, self._self_id)
                self._alternative = None
                return
            self._ask_for_preprepare(slot, digest, sorted(vouchers))

    def _extend_standing(self, view: int, height: int, helper: str) -> None:
        """Ask `helper` in advance for the pre-prepare it will accept at height+1."""
        standing = self._standing
        if standing is not None and standing[:2] >= (view, height + 1):
            return
        if self._signer_for(height + 1) is None or height + 1 > self._checkpoints.high:
            return
        self._standing = (view, height + 1, helper)
        self._send_preprepare_request(helper, view, height + 1, b"")

    def _note_preprepare_copy(self, preprepare: PrePrepare, *, first: bool) -> None:
        """A copy of a pre-prepare arrived (`first`: the one accepted). The first copy of the
        height our standing request was for renews it for the next height, unless each of
        the two heights before reached us twice without our asking by votes (the primary
        sends to us again; one duplicate alone may be the network's)."""
        view, height = preprepare.view, preprepare.height
        copies = self._preprepare_copies
        copies[height] = copies.get(height, 0) + 1
        for old in [h for h in copies if h < height - 2]:
            del copies[old]
        standing = self._standing
        if not first or standing is None or standing[:2] != (view, height):
            return
        if all(copies.get(h, 0) >= 2 for h in (height - 2, height - 1)):
            return
        self._extend_standing(view, height, standing[2])

    def _ask_for_preprepare(self, slot: Slot, digest: bytes, vouchers: list[str]) -> None:
        """One peer at a time, the next one each retransmit interval, round after round."""
        key = (slot.view, slot.height, digest)
        ask = self._preprepare_asks.get(key)
        if ask is None:
            self._preprepare_asks = {
                k: v for k, v in self._preprepare_asks.items() if k[:2] == key[:2]
            }
            ask = self._preprepare_asks[key] = PrePrepareAsk()
        if self._ticks < ask.next_tick:
            return
        peer = next((v for v in vouchers if v not in ask.asked), None)
        if peer is None:
            ask.asked.clear()
            peer = vouchers[0]
        ask.asked.append(peer)
        ask.next_tick = self._ticks + self._config.retransmit_ticks
        self._send_preprepare_request(peer, slot.view, slot.height, digest)
        # Copies of this height now come from more than one source: not a sign of the primary.
        self._preprepare_copies[slot.height] = ASKED_BY_VOTES
        self._extend_standing(slot.view, slot.height, peer)

    def _send_preprepare_request(self, peer: str, view: int, height: int, digest: bytes) -> None:
        msg = preprepare_request_sign_bytes(self._config.chain_id, view, height, digest)
        signature = self._sign(height, msg)
        self._out.send_to(peer, PrePrepareRequest(view, height, digest, self._self_id, signature))

    def _tick_preprepare_asks(self) -> None:
        """Ask the next peer while a pre-prepare is still missing."""
        if self._entered:
            slot = self._log.find(self._view, self._next_height)
            if slot is not None:
                self._seek_preprepares(slot, on_tick=True)

    def _take_other_preprepare(self, slot: Slot, preprepare: PrePrepare) -> bool:
        """A pre-prepare from the primary other than the one the slot holds (equivocation):
        taken in its place if the slot certifies its digest, else kept aside (one at a time)
        until it does. True if handled here, False if the caller must go on (no other one
        held, or a copy of the one held)."""
        held = slot.preprepare
        if held is None or held.digest == preprepare.digest:
            return False
        if (slot.view, slot.height, "commit") in self._own:
            return True  # Decided here already (a quorum of commits cannot certify two).
        if not self._verify_normal(preprepare):
            self._reject(preprepare, "bad signature")
            return True
        problem = self._get_preprepare_problem(preprepare, check_own_votes=False)
        if problem is not None:
            self._reject(preprepare, problem)
            return True
        if is_certified(slot, preprepare.digest, self._schedule.at(slot.height)):
            self._log.replace_preprepare(slot, preprepare, self._self_id)
            self._alternative = None
        else:
            self._alternative = preprepare
            self._reject(
                preprepare,
                "pre-prepare differs from an earlier one by the same sender "
                "(kept aside in case a quorum prepares it)",
                held,
            )
        return True

    def _offer_preprepare(self, slot: Slot) -> None:
        """A backup that holds the primary's pre-prepare sends it to each backup whose prepare
        is for another digest: the primary gave that one another block, and it needs ours if
        a quorum prepares it (one copy per peer and slot each interval)."""
        held = slot.preprepare
        if held is None or held.sender == self._self_id:
            return
        primary = self._schedule.at(slot.height).primary(slot.view)
        key = (slot.view, slot.height, held.digest)
        for prepare in slot.prepares.values():
            peer = prepare.sender
            if prepare.digest == held.digest or peer in (self._self_id, primary):
                continue
            if not self._served_lately(peer, key):
                self._send_preprepare(peer, key, held)

    def _step_preprepare_request(self, request: PrePrepareRequest) -> None:
        """Send a member the pre-prepare it asked for, if we hold it: the slot's, or a
        recently committed height's proof (its pre-prepare and commits). A standing request
        (no digest) for a slot whose pre-prepare we have not accepted yet is kept, one per
        member, and answered when we accept it (`_serve_standing`)."""
        member = self._schedule.at(request.height).get(request.sender)
        if member is None:
            self._reject(request, f"unknown sender {request.sender!r}")
            return
        key = (request.view, request.height, request.digest)
        if self._served_lately(request.sender, key):
            return  # Sent it this interval already; a copy may still be on its way.
        found = self._find_preprepare(request)
        standing = (
            not found
            and not request.digest
            and request.view == self._view
            and self._next_height <= request.height <= self._checkpoints.high
        )
        if not found and not standing:
            return
        msg = preprepare_request_sign_bytes(self._config.chain_id, *key)
        if not self._verifier.verify(member.public_key, msg, request.signature):
            self._reject(request, "bad signature")
            return
        if standing:
            self._standing_requests[request.sender] = (request.view, request.height)
            return
        self._send_preprepare(request.sender, key, *found)

    def _serve_standing(self, preprepare: PrePrepare) -> None:
        """We accepted a pre-prepare: send it to the members that asked for it in advance."""
        slot_key = (preprepare.view, preprepare.height)
        for peer in sorted(p for p, k in self._standing_requests.items() if k == slot_key):
            del self._standing_requests[peer]
            self._send_preprepare(peer, (*slot_key, preprepare.digest), preprepare)

    def _served_lately(self, peer: str, key: tuple[int, int, bytes]) -> bool:
        """Sent `peer` the pre-prepare of this (view, height) within the last interval."""
        served = self._preprepare_served.get(peer)
        return served is not None and served[0][:2] == key[:2] and self._ticks < served[1]

    def _send_preprepare(
        self, peer: str, key: tuple[int, int, bytes], *messages: NormalMessage
    ) -> None:
        self._preprepare_served[peer] = (key, self._ticks + self._config.retransmit_ticks)
        for message in messages:
            self._out.send_to(peer, message)

    def _find_preprepare(self, request: PrePrepareRequest) -> list[NormalMessage]:
        slot = self._log.find(request.view, request.height)
        held = slot.preprepare if slot is not None else None
        if held is not None and request.digest in (held.digest, b""):
            return [held]
        recent = self._recent.get(request.height)
        if recent is not None and request.digest in (recent.digest, b""):
            bundle = recent.get_bundle_for(request.sender)
            return [m for m in bundle if isinstance(m, NormalMessage)]
        return []
