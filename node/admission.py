"""How a transaction enters a validator's mempool: stateless checks (signature, size,
names, declared arguments, personal data), the replay check, back-pressure, and forwarding
to the other validators.

A transaction is stored in its block even when its contract refuses it, so a call whose
method or arguments its contract does not declare, or whose arguments are ill-typed,
malformed or look like personal data, is refused here, before the mempool, for clients and
forwarding peers alike (`contracts.runtime.get_admission_refusal`).

Clients submit to any validator; forwarded copies from peers are admitted the same way
but not forwarded again. Each source has its own lane of the mempool (node/mempool.py):
the room left in the lane and the submitter's quota are checked before any signature, so a
flood from one source costs neither the others' room nor a signature check per refused
transaction. A client's transaction that is still waiting after half the
view-change timeout is relayed to every peer once more, so that all replicas see a stalled
request and time out the primary together (Castro & Liskov, TOCS 2002, section 4.4).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import grpc

from node import limits
from node.chain.tx import CheckedTx, TxInvalid, TxScreen, check_tx, tx_hash
from node.mempool import CLIENTS, Mempool, MempoolFull
from node.screening import AdmissionScreen, screen_call
from node.transport.peers import PeerLink
from node.verifying import TxChecker
from proto import ledger_pb2
from suites import Suite

log = logging.getLogger("trustledger.node")


class SubmitRejected(Exception):
    """A client's transaction is refused before it reaches the mempool."""

    def __init__(self, status: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_for_admission(
    tx: ledger_pb2.Transaction, chain_id: str, screen: TxScreen = screen_call, *, suite: Suite
) -> CheckedTx:
    """Every stateless check a transaction passes before the mempool: the envelope's
    (`check_tx`, with the chain's `suite`) with the screen of its call against the method's
    declared arguments and for personal data (node/screening.py). Raises TxInvalid."""
    return check_tx(tx, chain_id, suite=suite, screen=screen)


def _refusal(exc: TxInvalid) -> SubmitRejected:
    status = (
        grpc.StatusCode.UNAUTHENTICATED
        if exc.code == "bad_signature"
        else grpc.StatusCode.INVALID_ARGUMENT
    )
    return SubmitRejected(status, f"{exc.code}: {exc.message}")


def _busy(reason: str) -> SubmitRejected:
    return SubmitRejected(grpc.StatusCode.RESOURCE_EXHAUSTED, f"busy: {reason}; retry shortly")


class Admission:
    """The mempool's door."""

    def __init__(
        self,
        chain_id: str,
        mempool: Mempool,
        peers: Mapping[str, PeerLink],
        is_committed: Callable[[bytes], bool],
        wake: Callable[[], None],
        screen: AdmissionScreen | None = None,
        *,
        suite: Suite,
        checker: TxChecker | None = None,
    ) -> None:
        """`peers` is the node's live map of links (it changes as validators do);
        `wake` tells the node's loop that there is something to propose; `screen` is the
        node's screen, shared with its block checks (a new one if not given); `suite` is the
        chain's (its genesis's); `checker` the node's stateless checks, shared with its block
        checks so that a signature is verified once per node (a new one, with `screen`, if
        not given)."""
        self.chain_id = chain_id
        self.suite = suite
        self.screen = screen if screen is not None else AdmissionScreen()
        self._own_checker = checker is None
        self.checker = checker if checker is not None else TxChecker(chain_id, suite, self.screen)
        self.mempool = mempool
        self.peers = peers
        self.is_committed = is_committed
        self.wake = wake
        # Stateless checks of submitted and forwarded batches (see `admit_batch`).
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tx-check")
        # Client transactions this node admitted, with the tick they arrived.
        self._relay: OrderedDict[bytes, tuple[int, ledger_pb2.Transaction]] = OrderedDict()
        self.ticks = 0
        """The node's tick count (advanced by the node's loop)."""

    def close(self) -> None:
        self._checker.shutdown(wait=False, cancel_futures=True)
        if self._own_checker:
            self.checker.close()

    def admit(
        self, tx: ledger_pb2.Transaction, *, forward: bool, peer: str | None = None
    ) -> CheckedTx:
        """Admit one transaction (on the loop); raises SubmitRejected. `peer` is the
        validator that forwarded it (None: this node's client)."""
        known = self._known(tx)
        if known is not None:
            return known  # already pending: no second signature check
        lane = CLIENTS if peer is None else peer
        reason = self.mempool.get_refusal(lane, bytes(tx.body.submitter))
        if reason is not None:
            raise _busy(reason)
        try:
            checked = self.checker.check(tx)
        except TxInvalid as exc:
            raise _refusal(exc) from exc
        return self._admit_checked(tx, checked, forward=forward, lane=lane)

    async def admit_batch(
        self, txs: Sequence[ledger_pb2.Transaction], *, forward: bool, peer: str | None = None
    ) -> list[CheckedTx | SubmitRejected]:
        """`admit` for many transactions, their stateless checks (signatures: most of the
        cost) done on a worker thread in slices, so the loop keeps driving consensus
        meanwhile, each slice's signatures verified on every core (node/verifying.py).
        Returns, for each, what `admit` would have returned or raised."""
        out: list[CheckedTx | SubmitRejected] = []
        loop = asyncio.get_running_loop()
        lane = CLIENTS if peer is None else peer
        for start in range(0, len(txs), limits.ADMIT_SLICE_TXS):
            part = list(txs[start : start + limits.ADMIT_SLICE_TXS])
            known = [self._known(tx) for tx in part]
            # Back-pressure before any signature check: what the lane or the submitter has
            # no room for is refused unchecked, so a flood costs no signature checks.
            busy = self._over_quota(part, [i for i, k in enumerate(known) if k is None], lane)
            todo = [i for i, k in enumerate(known) if k is None and i not in busy]
            checks: list[CheckedTx | TxInvalid] = []
            if todo:
                checks = await loop.run_in_executor(
                    self._checker, self.checker.check_all, [part[i] for i in todo]
                )
            checked = dict(zip(todo, checks, strict=True))
            for i, tx in enumerate(part):
                k = known[i]
                if k is not None:
                    out.append(k)
                elif i in busy:
                    out.append(_busy(busy[i]))
                else:
                    check = checked[i]
                    try:
                        if isinstance(check, TxInvalid):
                            raise _refusal(check)
                        out.append(self._admit_checked(tx, check, forward=forward, lane=lane))
                    except SubmitRejected as exc:
                        out.append(exc)
        return out

    def _known(self, tx: ledger_pb2.Transaction) -> CheckedTx | None:
        known = self.mempool.by_signature.get(bytes(tx.signature))
        return known if known is not None and tx_hash(tx, self.suite) == known.hash else None

    def _over_quota(
        self, part: list[ledger_pb2.Transaction], todo: list[int], lane: str
    ) -> dict[int, str]:
        """Index -> reason, for the transactions of `todo` (indices into `part`) that the
        lane's room or their submitter's would refuse, counting those before them."""
        lane_room = self.mempool.get_lane_room(lane)
        rooms: dict[bytes, int] = {}
        busy: dict[int, str] = {}
        for i in todo:
            submitter = bytes(part[i].body.submitter)
            room = (
                rooms.setdefault(submitter, self.mempool.get_submitter_room(submitter))
                if lane == CLIENTS
                else 1  # copies are held to their lane's quota only (node/mempool.py)
            )
            if lane_room <= 0 or room <= 0:
                busy[i] = self.mempool.get_refusal(lane, submitter) or (
                    "the rest of the quota went to earlier transactions of this batch"
                )
                continue
            lane_room -= 1
            rooms[submitter] = room - 1
        return busy

    def _admit_checked(
        self, tx: ledger_pb2.Transaction, checked: CheckedTx, *, forward: bool, lane: str
    ) -> CheckedTx:
        """The stateful half of admission, on the loop: replay, mempool, forwarding."""
        if self.is_committed(checked.hash):
            raise SubmitRejected(
                grpc.StatusCode.ALREADY_EXISTS,
                f"replay: transaction {checked.hash.hex()} is already committed",
            )
        try:
            added = self.mempool.add(checked, lane)
        except MempoolFull as exc:
            raise _busy(str(exc)) from exc
        if added and forward:
            self._relay[checked.hash] = (self.ticks, tx)
            if len(self._relay) > limits.MEMPOOL_TXS_MAX:
                self._relay.popitem(last=False)
            # To every peer, not only the primary: a backup then checks the signature while
            # it waits for the next proposal, and validating the block finds the transaction
            # checked (the mempool's cache), which keeps signature checks off the critical
            # path of a round. Forwards go in batches, so this costs a few RPCs per batch.
            for link in self.peers.values():
                link.forward(tx)
        if added:
            self.wake()
        return checked

    def oldest_waiting(self) -> bytes | None:
        """The hash of the oldest transaction in the mempool: the request the replica times
        (see `consensus.replica.Replica.set_waiting_request`)."""
        oldest = self.mempool.take(1, limits.BLOCK_BYTES_MAX)
        return oldest[0].hash if oldest else None

    def relay_waiting(self, tx_hash: bytes) -> None:
        """The replica asks to relay its waiting request before it suspects the primary: to
        the primary and every other validator, so each backup waits for it (Castro & Liskov,
        OSDI 1999, section 4.1). Only if it is still the oldest one waiting."""
        for checked in self.mempool.take(1, limits.BLOCK_BYTES_MAX):
            if checked.hash == tx_hash:
                log.info("relaying waiting transaction %s", tx_hash.hex())
                for link in self.peers.values():
                    link.forward(checked.tx)

    def relay_stalled(self, last_commit_tick: int, view_change_timeout_ticks: int) -> None:
        """Relay again the client transactions still waiting after half the view-change
        timeout without a commit (at most `FORWARD_ON_VIEW_CHANGE_MAX` a tick)."""
        half = max(1, view_change_timeout_ticks // 2)
        if self.ticks - last_commit_tick < half:
            return  # blocks are committing: requests are slow, not stalled
        horizon = self.ticks - half
        relayed = 0
        while self._relay and relayed < limits.FORWARD_ON_VIEW_CHANGE_MAX:
            hash_, (tick, tx) = next(iter(self._relay.items()))
            if tick > horizon:
                break
            del self._relay[hash_]
            if hash_ in self.mempool:
                for link in self.peers.values():
                    link.forward(tx)
                relayed += 1

    def hand_to(self, link: PeerLink) -> None:
        """Forward what the mempool holds to one peer (a new primary), so nothing is lost."""
        for checked in self.mempool.take(limits.FORWARD_ON_VIEW_CHANGE_MAX, limits.BLOCK_BYTES_MAX):
            link.forward(checked.tx)
