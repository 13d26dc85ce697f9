"""The anomaly command's edges with the world: blocks turned into facts, and alerts POSTed
to a real HTTP server on 127.0.0.1 (bounded attempts, a clear error when all fail)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest
import typer

from cli.audit_anomalies import POST_ATTEMPTS, post_alert
from contracts.framework.identity import holder_id_for
from node.chain.crypto import KeyPair
from node.chain.tx import build_tx
from node.sdk.anomalies.facts import Actors, BlockFact, EventFact, TxFact, facts_of_block
from node.sdk.anomalies.rules import Alert
from proto import ledger_pb2

ALERT = Alert("revoked-verified", 7, 1_800_000_000_000, "bank", "it happened", ("ab12",))


def test_a_block_becomes_its_fact_and_one_fact_per_transaction() -> None:
    bank, holder = KeyPair(b"\x01" * 32), KeyPair(b"\x02" * 32)
    txs = [
        build_tx("c", bank, "consent", "access", {"request_id": "req-1"}),
        build_tx("c", holder, "consent", "revoke", {"request_id": "req-1"}),
    ]
    block = ledger_pb2.Block(
        header=ledger_pb2.BlockHeader(height=3, time_ms=1234),
        txs=txs,
        commit=ledger_pb2.CommitCertificate(view=2),
    )
    event = ledger_pb2.Event(
        name="consent.revoked",
        subjects=["hd1", "req-1"],
        attrs=[ledger_pb2.EventAttr(key="uses_left", integer=0)],
    )
    results = ledger_pb2.BlockResults(
        results=[
            ledger_pb2.TxResult(
                tx_hash=b"\xaa",
                ok=False,
                error_code="permission_denied",
                error_message="no grant in force",
                contract="consent",
                method="access",
                submitter=bank.public_key,
            ),
            ledger_pb2.TxResult(
                tx_hash=b"\xbb",
                ok=True,
                events=[event],
                contract="consent",
                method="revoke",
                submitter=holder.public_key,
            ),
        ]
    )
    facts = facts_of_block(block, results, Actors({bank.public_key: "bank"}))
    assert facts[0] == BlockFact(3, 1234, 2)
    assert facts[1] == TxFact(
        3, 1234, "aa", "bank", "consent.access", {"request_id": "req-1"}, False,
        "permission_denied", "no grant in force", (),
    )  # fmt: skip
    assert facts[2].actor == holder_id_for(holder.public_key)  # type: ignore[union-attr]
    assert facts[2].events == (  # type: ignore[union-attr]
        EventFact("consent.revoked", ("hd1", "req-1"), {"uses_left": 0}),
    )


def test_members_are_named_by_their_keys_and_an_unreadable_entry_is_skipped() -> None:
    key = KeyPair(b"\x03" * 32).public_key
    actors = Actors.from_membership(
        [{"id": "bank", "public_key": key.hex()}, {"id": "odd", "public_key": "zz"}, {"id": "x"}]
    )
    assert actors(key) == "bank" and actors(b"\x04" * 32) == holder_id_for(b"\x04" * 32)


class Receiver(http.server.BaseHTTPRequestHandler):
    """Answers with the next status of the server's script, keeping each body it got."""

    def do_POST(self) -> None:
        server = self.server
        assert isinstance(server, Server)
        server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(server.statuses.pop(0) if server.statuses else 200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


class Server(http.server.ThreadingHTTPServer):
    statuses: list[int]
    bodies: list[object]


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server(("127.0.0.1", 0), Receiver)
    s.statuses, s.bodies = [], []
    thread = threading.Thread(target=s.serve_forever, daemon=True)
    thread.start()
    yield s
    s.shutdown()
    s.server_close()


def url_of(s: Server) -> str:
    return f"http://127.0.0.1:{s.server_address[1]}/alerts"


def test_an_alert_is_posted_as_json_and_retried_on_failure(server: Server) -> None:
    waits: list[float] = []
    server.statuses = [500, 503]
    post_alert(url_of(server), ALERT, wait=waits.append)
    assert server.bodies == [ALERT.to_json()] * 3
    assert waits == [0.5, 1.0]


def test_a_url_that_keeps_failing_stops_the_command_saying_so(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    server.statuses = [500] * POST_ATTEMPTS
    with pytest.raises(typer.Exit) as stopped:
        post_alert(url_of(server), ALERT, wait=lambda _s: None)
    assert stopped.value.exit_code == 1 and len(server.bodies) == POST_ATTEMPTS
    err = capsys.readouterr().err
    assert f"could not POST an alert to {url_of(server)} after 3 attempts (HTTP 500)" in err


def test_a_url_nobody_listens_on_stops_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    s = Server(("127.0.0.1", 0), Receiver)
    url = url_of(s)
    s.server_close()  # the port is free again: nobody listens
    with pytest.raises(typer.Exit) as stopped:
        post_alert(url, ALERT, wait=lambda _s: None)
    assert stopped.value.exit_code == 1 and "ConnectError" in capsys.readouterr().err
