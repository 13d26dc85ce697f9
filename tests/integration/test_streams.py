"""Streams that misbehave (issue 14, "What bad input gets"): a verification stream whose
client sends faster than it reads, or reads nothing, and status followers that read nothing
while changes commit. The node holds each by HTTP/2 flow control (it reads a stream's next
batch only once its last answer is taken), caps how many such streams one organisation and
the validator keep open (node/limits.py), and answers everyone else meanwhile
(docs/agencies.md, "Streams that do not read")."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

from cli.devnet import Devnet, running
from node.limits import (
    VERIFY_BATCH_CERTS_MAX,
    VERIFY_STREAMS_PER_CALLER_MAX,
    WATCHERS_PER_CALLER_MAX,
)
from proto import node_pb2, node_pb2_grpc
from tests.integration.helpers import DIPLOMA, cli, cli_issue, new_holder

# Batches the flooding client would send if nothing held it back: about 130 MB of requests
# (and as many answers), which an unbounded reader would take into the node's memory.
FLOOD_BATCHES = 2000
# How much the validator's resident memory may grow while the flood is held: one answer
# (~0.5 MB of proofs of absence) and the transport's windows (~8 MB), with room for the other
# clients' calls and the allocator (12 MB measured).
HELD_GROWTH_BYTES_MAX = 64 * 1024 * 1024
WAIT_S = 60.0

Request = node_pb2.VerifyCertificatesRequest


def channel(net: Devnet, org: str) -> grpc.Channel:
    tls = net.tls(org)
    return grpc.secure_channel(net.node_address, tls.credentials(), tls.options())


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll `condition` until it holds; fail naming `what` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.05)


def validator_rss_bytes(net: Devnet) -> int:
    """Resident memory of the validator the clients call (the first one)."""
    pid = running(net.dir)[next(iter(net.addresses))]
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


def held_open(first: Request, release: threading.Event) -> Iterator[Request]:
    """One batch, then nothing until `release`: a stream its client keeps open."""
    yield first
    release.wait(WAIT_S * 2)


def refused_code(call: Iterator[node_pb2.VerifyCertificatesResponse]) -> grpc.RpcError | None:
    """The error a stream's first answer raises, or None when it is answered."""
    try:
        next(call)
    except grpc.RpcError as error:
        return error
    return None


def test_a_stream_that_sends_fast_and_never_reads_is_held_while_others_are_served(
    net: Devnet,
) -> None:
    holder, _ = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    # 1,000 ids of 64 characters: a request of ~66 KB, answered with 1,000 proofs of absence.
    ids = [f"cert-flood-{i:04d}".ljust(64, "x") for i in range(VERIFY_BATCH_CERTS_MAX)]
    sent: list[int] = []

    def flood() -> Iterator[Request]:
        for n in range(FLOOD_BATCHES):
            sent.append(n)
            yield Request(cert_ids=ids)

    before = validator_rss_bytes(net)
    with channel(net, "bank") as flooder, channel(net, "edu") as other:
        stalled = node_pb2_grpc.AgencyStub(flooder).VerifyStream(flood())  # never read
        try:
            wait_until(lambda: len(sent) >= 20, "the flooding client sent 20 batches")
            agency = node_pb2_grpc.AgencyStub(other)
            # Another organisation's calls, one at a time, all answered, until the flood has
            # made no progress over 3 of them in a row: the node stopped taking its batches
            # (an unbounded reader would keep taking them until all were in).
            deadline, still = time.monotonic() + WAIT_S, 0
            while still < 3:
                assert time.monotonic() < deadline, f"the flood was never held: {len(sent)}"
                taken = len(sent)
                one = agency.VerifyCertificate(
                    node_pb2.VerifyCertificateRequest(cert_id=cert_id), timeout=30
                )
                assert one.status == node_pb2.CERTIFICATE_STATUS_VALID
                batch = agency.VerifyCertificates(Request(cert_ids=ids), timeout=30)
                assert len(batch.answers) == VERIFY_BATCH_CERTS_MAX
                still = still + 1 if len(sent) == taken else 0
            # ... and its own stream, read as it comes, is answered in full.
            answers = agency.VerifyStream(iter([Request(cert_ids=[cert_id])] * 3), timeout=30)
            assert [a.answers[0].status for a in answers] == [node_pb2.CERTIFICATE_STATUS_VALID] * 3
            # The flood is held back, not taken in: the stream is open, the client could not
            # hand over its batches, and the node's memory grew by a bounded amount.
            assert stalled.is_active()
            assert len(sent) < FLOOD_BATCHES // 4
            assert validator_rss_bytes(net) - before < HELD_GROWTH_BYTES_MAX
        finally:
            stalled.cancel()
    assert stalled.code() == grpc.StatusCode.CANCELLED


def test_streams_kept_open_are_capped_per_organisation_and_freed_when_closed(
    net: Devnet,
) -> None:
    holder, _ = new_holder(net)
    cert_id = cli_issue(net, "edu", "diploma", holder, DIPLOMA)["cert_id"]
    first = Request(cert_ids=[cert_id])
    release = threading.Event()
    with channel(net, "bank") as bank_channel, channel(net, "edu") as edu_channel:
        bank = node_pb2_grpc.AgencyStub(bank_channel)
        held = [bank.VerifyStream(held_open(first, release)) for _ in range(8)]
        try:
            assert len(held) == VERIFY_STREAMS_PER_CALLER_MAX
            for call in held:  # each handler runs, so each holds its slot
                assert next(call).answers[0].status == node_pb2.CERTIFICATE_STATUS_VALID
            refused = refused_code(bank.VerifyStream(iter([first]), timeout=30))
            assert refused is not None
            assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert f"at most {VERIFY_STREAMS_PER_CALLER_MAX} verification streams" in (
                refused.details() or ""
            )
            # Another organisation still opens one.
            edu = node_pb2_grpc.AgencyStub(edu_channel)
            assert [len(a.answers) for a in edu.VerifyStream(iter([first]), timeout=30)] == [1]
        finally:
            for call in held:
                call.cancel()
            release.set()
        # Closed streams give their slots back (the handlers' tasks end when cancelled).
        wait_until(
            lambda: refused_code(bank.VerifyStream(iter([first]), timeout=30)) is None,
            "a bank stream is accepted again",
        )
        assert all(call.code() == grpc.StatusCode.CANCELLED for call in held)


def test_followers_that_never_read_leave_the_others_served(net: Devnet) -> None:
    holder, _ = new_holder(net)
    start = cli_issue(net, "edu", "diploma", holder, DIPLOMA)
    followed, from_height = start["cert_id"], int(start["height"]) - 1
    ask = node_pb2.WatchStatusRequest(cert_ids=[followed], from_height=from_height)
    with channel(net, "bank") as bank_channel, channel(net, "edu") as edu_channel:
        bank = node_pb2_grpc.AgencyStub(bank_channel)
        silent = [bank.WatchStatus(ask) for _ in range(WATCHERS_PER_CALLER_MAX)]
        try:
            for call in silent:  # each one's handler runs (it replayed the issue) ...
                assert next(call).event == "certificate.issued"
            # ... and then none reads while status changes commit.
            for _ in range(3):
                cli(net, "cert", "suspend", "--org", "edu", "--cert-id", followed, "--reason", "x")
                cli(
                    net, "cert", "reinstate", "--org", "edu", "--cert-id", followed, "--reason", "y"
                )
            over = bank.WatchStatus(ask)
            with pytest.raises(grpc.RpcError) as refused:
                next(over)
            assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert f"at most {WATCHERS_PER_CALLER_MAX} watchers" in (refused.value.details() or "")
            # Another organisation's follower sees every change; its calls are answered.
            edu = node_pb2_grpc.AgencyStub(edu_channel)
            reader = edu.WatchStatus(ask)
            try:
                seen = [next(reader).event for _ in range(7)]
            finally:
                reader.cancel()
            assert (
                seen
                == ["certificate.issued"]
                + [
                    "certificate.suspended",
                    "certificate.reinstated",
                ]
                * 3
            )
            verified = edu.VerifyCertificate(
                node_pb2.VerifyCertificateRequest(cert_id=followed), timeout=30
            )
            assert verified.status == node_pb2.CERTIFICATE_STATUS_VALID
            assert all(call.is_active() for call in silent)
        finally:
            for call in silent:
                call.cancel()

        def bank_follows_again() -> bool:
            call = bank.WatchStatus(ask)
            try:
                return str(next(call).event) == "certificate.issued"
            except grpc.RpcError:
                return False
            finally:
                call.cancel()

        wait_until(bank_follows_again, "a bank follower is accepted again")
    assert all(call.code() == grpc.StatusCode.CANCELLED for call in silent)
