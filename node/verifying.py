"""The stateless checks of transactions on a validator: each signature verified once per
validator, whichever way its transaction arrives, and a batch's signatures verified on
every core of the host.

A transaction reaches a validator by a client's submission, as a copy forwarded by the
validator its client called, in a proposed block (pre-prepare), in the same block again
after a view change, or in a certified block fetched by state transfer (whose commit
certificate vouches for its signatures: not verified, node/chain/tx.py). Execution takes the
`CheckedTx` these checks produced and verifies nothing. The mempool answers a copy of a
transaction it holds, but not a proposal that arrives before the forwarded copy (the copy was
verified again after the block), nor a late copy of a transaction already committed (verified
again, then refused as a replay). So a verified signature is remembered here, keyed by the
body's hash and the signature: a hit is exactly this body (submitter and chain id included)
with exactly this signature, which verified before; a forged signature, or a good one moved to
another body, misses and is verified, and refused. Failures are not remembered: a flood of
bad signatures must not evict the good ones, and a failure is refused anyway. The screen
of a call's arguments has its own memory (node/screening.py).

An SM2 verification costs about five Ed25519 ones (docs/sm-suite.md), and both libraries
(tongsuopy, PyNaCl) release the GIL while they verify: the signatures of a batch (a block's,
a submitted or forwarded batch's) are split among worker threads, the caller verifying one
share itself, so a validator verifies on every core its host gives it. The checks before the
signature are Python and run on the caller's thread, in order; the verdicts come back in
the transactions' order, and what is accepted does not depend on the threads.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from consensus.crypto import Verifier
from node import limits
from node.chain.tx import CheckedTx, TxInvalid, TxScreen, precheck_tx
from node.screening import screen_call
from proto import ledger_pb2
from suites import Suite

Signed = tuple[bytes, bytes, bytes]
"""What one verification needs: (public key, signed bytes, signature)."""


def bad_signature() -> TxInvalid:
    return TxInvalid("bad_signature", "transaction signature does not verify")


def get_verify_threads(threads_max: int = limits.VERIFY_THREADS_MAX) -> int:
    """How many threads verify a batch: the cores this process may run on, at most
    `threads_max`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, threads_max))


class TxChecker:
    """One validator's stateless checks of transactions (`node.chain.tx.check_tx`), shared
    by admission and block checks, remembering the last `remembered_max` verified signatures.

    Called from the node's loop (proposals, single submissions) and its admission thread
    (batches): a lock guards the memory, never a verification."""

    def __init__(
        self,
        chain_id: str,
        suite: Suite,
        screen: TxScreen = screen_call,
        *,
        threads: int | None = None,
        remembered_max: int = limits.VERIFIED_TXS_REMEMBERED_MAX,
        verifier: Verifier | None = None,
    ) -> None:
        """`suite` is the chain's; `verifier` checks the signatures (the suite itself if
        not given: a test may count the calls); `threads` verify a batch (the host's cores,
        at most `limits.VERIFY_THREADS_MAX`, if not given)."""
        self.chain_id = chain_id
        self.suite = suite
        self.screen = screen
        self.verifier: Verifier = verifier if verifier is not None else suite
        self.threads = threads if threads is not None else get_verify_threads()
        self.remembered_max = remembered_max
        self.verified = 0
        """How many signatures were verified (not answered from memory)."""
        self._passed: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def __len__(self) -> int:
        return len(self._passed)

    def close(self) -> None:
        """Stop the threads (after the verifications they are running: short)."""
        if self._pool is not None:
            self._pool.shutdown()

    def check(self, tx: ledger_pb2.Transaction) -> CheckedTx:
        """Every stateless check of one transaction, on the caller's thread; raises
        TxInvalid."""
        (outcome,) = self.check_all([tx])
        if isinstance(outcome, TxInvalid):
            raise outcome
        return outcome

    def check_all(self, txs: Sequence[ledger_pb2.Transaction]) -> list[CheckedTx | TxInvalid]:
        """`check` for each transaction, in order, returning the refusal rather than
        raising it; the signatures not remembered are verified together (on the threads
        when there are enough of them), each distinct one once."""
        out: list[CheckedTx | TxInvalid] = []
        waiting: dict[bytes, list[int]] = {}  # memory key -> indices in `out`
        work: list[Signed] = []
        for tx in txs:
            try:
                checked, signed = precheck_tx(
                    tx, self.chain_id, suite=self.suite, screen=self.screen
                )
            except TxInvalid as exc:
                out.append(exc)
                continue
            out.append(checked)
            signature = bytes(tx.signature)
            key = checked.hash + signature
            if key in waiting:
                waiting[key].append(len(out) - 1)
            elif not self._remembers(key):
                waiting[key] = [len(out) - 1]
                work.append((bytes(tx.body.submitter), signed, signature))
        verdicts = self._verify_all(work)
        for (key, indices), ok in zip(waiting.items(), verdicts, strict=True):
            if ok:
                self._remember(key)
                continue
            for i in indices:
                out[i] = bad_signature()
        return out

    # ---- signatures ---------------------------------------------------------------------

    def _verify_all(self, work: list[Signed]) -> list[bool]:
        """Verdicts for `work`, in order: split in up to `threads` shares of at least
        `limits.VERIFY_SHARE_TXS_MIN`, the first verified on the caller's thread."""
        self.verified += len(work)
        shares = min(self.threads, len(work) // limits.VERIFY_SHARE_TXS_MIN)
        if shares <= 1:
            return self._verify_share(work)
        size = -(-len(work) // shares)
        parts = [work[start : start + size] for start in range(0, len(work), size)]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.threads - 1, thread_name_prefix="tx-verify"
            )
        futures = [self._pool.submit(self._verify_share, part) for part in parts[1:]]
        verdicts = self._verify_share(parts[0])
        for future in futures:
            verdicts.extend(future.result())
        return verdicts

    def _verify_share(self, work: list[Signed]) -> list[bool]:
        verify = self.verifier.verify
        return [verify(key, message, signature) for key, message, signature in work]

    # ---- memory -------------------------------------------------------------------------

    def _remembers(self, key: bytes) -> bool:
        with self._lock:
            if key in self._passed:
                self._passed.move_to_end(key)
                return True
            return False

    def _remember(self, key: bytes) -> None:
        with self._lock:
            self._passed[key] = None
            while len(self._passed) > self.remembered_max:
                self._passed.popitem(last=False)
