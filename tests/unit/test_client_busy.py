"""The SDK's `submit` backs off and resends when a node says it is busy
(RESOURCE_EXHAUSTED), and only then: over real gRPC on 127.0.0.1, against a small
servicer that refuses a set number of times."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from node.sdk import client as client_module
from node.sdk.client import ClientError, LedgerClient
from proto import ledger_pb2, node_pb2, node_pb2_grpc
from suites import ED25519_SHA256


class Refusing(node_pb2_grpc.LedgerServicer):
    def __init__(self) -> None:
        self.refusals = 0
        self.code = grpc.StatusCode.RESOURCE_EXHAUSTED
        self.calls = 0

    def SubmitTransaction(
        self, request: node_pb2.SubmitRequest, context: grpc.ServicerContext
    ) -> node_pb2.SubmitResponse:
        self.calls += 1
        if self.calls <= self.refusals:
            context.abort(self.code, "busy: retry shortly")
        return node_pb2.SubmitResponse(tx_hash=b"h" * 32, status=node_pb2.TX_STATUS_PENDING)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Refusing, LedgerClient]]:
    monkeypatch.setattr(client_module, "BUSY_BACKOFF_S", 0.01)
    servicer = Refusing()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    node_pb2_grpc.add_LedgerServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    client = LedgerClient(
        f"127.0.0.1:{port}", "unit-chain", None, timeout_s=5, suite=ED25519_SHA256
    )
    try:
        yield servicer, client
    finally:
        client.close()
        server.stop(None)


def test_a_busy_node_is_retried_until_it_admits(served: tuple[Refusing, LedgerClient]) -> None:
    servicer, client = served
    servicer.refusals = 3
    resp = client.submit(ledger_pb2.Transaction(), wait=False, busy_retry_s=5.0)
    assert resp.status == node_pb2.TX_STATUS_PENDING
    assert servicer.calls == 4


def test_without_retry_time_busy_is_reported_at_once(
    served: tuple[Refusing, LedgerClient],
) -> None:
    servicer, client = served
    servicer.refusals = 1
    with pytest.raises(ClientError) as err:
        client.submit(ledger_pb2.Transaction(), wait=False)
    assert err.value.code == "RESOURCE_EXHAUSTED" and servicer.calls == 1


def test_other_refusals_are_not_retried(served: tuple[Refusing, LedgerClient]) -> None:
    servicer, client = served
    servicer.refusals = 1
    servicer.code = grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(ClientError) as err:
        client.submit(ledger_pb2.Transaction(), wait=False, busy_retry_s=5.0)
    assert err.value.code == "INVALID_ARGUMENT" and servicer.calls == 1


def test_retrying_gives_up_after_its_time(served: tuple[Refusing, LedgerClient]) -> None:
    servicer, client = served
    servicer.refusals = 10_000
    with pytest.raises(ClientError) as err:
        client.submit(ledger_pb2.Transaction(), wait=False, busy_retry_s=0.2)
    assert err.value.code == "RESOURCE_EXHAUSTED"
    assert 2 <= servicer.calls < 50  # backed off, not hammered
