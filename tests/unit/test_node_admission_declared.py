"""The node refuses an undeclared, ill-typed or personal argument before its mempool, for a
client's submission and a peer's forward alike (issue 16 item 3): nothing is stored, the
answer is INVALID_ARGUMENT naming the argument."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from node.admission import Admission, SubmitRejected
from node.chain.crypto import KeyPair
from node.chain.tx import build_tx
from node.mempool import Mempool
from proto import ledger_pb2
from suites import ED25519_SHA256

CHAIN = "test-chain"
KEY = KeyPair(bytes(range(32)))


def _admission() -> Admission:
    return Admission(CHAIN, Mempool(), {}, lambda _hash: False, lambda: None, suite=ED25519_SHA256)


def _revoke(**args: str | int | bytes) -> ledger_pb2.Transaction:
    return build_tx(CHAIN, KEY, "certificates", "revoke", {"cert_id": "cert-anything-1", **args})


REFUSED = [
    (_revoke(reason="x", note="kept on-chain"), "'note' is not declared"),
    (_revoke(reason=b"110105199001011234"), "'reason' must be text"),
    (_revoke(reason=110105199001011234), "'reason' must be text"),
    (
        _revoke(reason="身份证 １１０１０５ １９９００１０１ １２３４"),
        "'reason' looks like it holds",
    ),
    (_revoke(reason="+86 138\u200b0013 8000"), "'reason' looks like it holds a mobile number"),
    (_revoke(reason="张伟 北京市朝阳区建国路88号"), "'reason' looks like it holds a name"),
    (build_tx(CHAIN, KEY, "certificates", "erase", {}), "no transaction 'erase'"),
]


@pytest.mark.parametrize(("tx", "needle"), REFUSED)
@pytest.mark.parametrize("forward", [True, False])
def test_a_refused_call_never_reaches_the_mempool(
    tx: ledger_pb2.Transaction, needle: str, forward: bool
) -> None:
    admission = _admission()
    try:
        with pytest.raises(SubmitRejected) as info:
            admission.admit(tx, forward=forward)
        assert info.value.status == grpc.StatusCode.INVALID_ARGUMENT
        assert needle in info.value.message
        assert len(admission.mempool) == 0
    finally:
        admission.close()


def test_a_batch_refuses_each_bad_call_and_admits_the_good_one() -> None:
    admission = _admission()
    good = _revoke(reason="issued in error")

    async def run() -> list[object]:
        return list(await admission.admit_batch([tx for tx, _ in REFUSED] + [good], forward=False))

    try:
        results = asyncio.run(run())
        for (_tx, needle), result in zip(REFUSED, results, strict=False):
            assert isinstance(result, SubmitRejected) and needle in result.message
        assert not isinstance(results[-1], SubmitRejected)
        assert len(admission.mempool) == 1
    finally:
        admission.close()
