"""The admission screen of a call's arguments, run once per transaction per node.

A transaction is stored in its block even when its contract refuses it, so what must never
reach the chain (an undeclared method or argument, an ill-typed or malformed one, anything
that looks like personal data: `contracts.runtime.get_admission_refusal`, and the
personal-data screen of every argument) is refused before the mempool, and a backup refuses
a proposed block that holds such a call, as a faulty primary could propose one.

The screen is a pure function of the transaction's body, so its verdict is a function of the
body's hash: a node remembers the hashes that passed (`AdmissionScreen`) and does not screen
them again when the same transaction comes back, in a proposal after its forwarded copy, or
as a forwarded copy after the proposal, or once more after a view change. Refusals are not
remembered: they are cheap to repeat, and a flood of distinct refused bodies must not evict
the hashes of good ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from contracts.runtime import get_admission_refusal
from node import limits
from node.chain.tx import ArgValue, TxInvalid, screen_args
from proto import ledger_pb2


def screen_call(hash_: bytes, body: ledger_pb2.TxBody, args: dict[str, ArgValue]) -> None:
    """The whole screen, with no memory (a `node.chain.tx.TxScreen`); raises TxInvalid."""
    screen_args(hash_, body, args)
    refusal = get_admission_refusal(body.contract, body.method, args)
    if refusal is not None:
        raise TxInvalid(refusal.code, refusal.message)


class AdmissionScreen:
    """`screen_call` that remembers the last `remembered_max` body hashes that passed.

    Called from the node's loop (proposals) and its admission thread (batches): a lock
    guards the memory, never the screen itself."""

    def __init__(self, remembered_max: int = limits.SCREENED_TXS_REMEMBERED_MAX) -> None:
        self.remembered_max = remembered_max
        self.screened = 0
        """How many calls were screened in full (not answered from memory)."""
        self._passed: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._passed)

    def __call__(self, hash_: bytes, body: ledger_pb2.TxBody, args: dict[str, ArgValue]) -> None:
        with self._lock:
            if hash_ in self._passed:
                self._passed.move_to_end(hash_)
                return
            self.screened += 1
        screen_call(hash_, body, args)
        with self._lock:
            self._passed[hash_] = None
            while len(self._passed) > self.remembered_max:
                self._passed.popitem(last=False)
