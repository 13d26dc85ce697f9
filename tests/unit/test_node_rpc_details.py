"""Issue 16's node details on a real validator's gRPC server (mTLS, the access policy, the
node's own services: tests/unit/test_transport_node.py `validator`): bytes that are no
valid request answer INVALID_ARGUMENT on every kind of method, and server reflection
answers in both of its protocols, v1 and v1alpha."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import grpc
from grpc_reflection.v1alpha import reflection_pb2

from node.chain.pki import Role
from node.runtime import Node
from tests.unit.test_node_trust import BANK_CA
from tests.unit.test_transport_node import CAS, STATUS, refused, run, validator
from tests.unit.transport_support import secure_channel

StatusCode = grpc.StatusCode
TRUNCATED = b"\x0a\x05ab"  # field 1, length 5, then only two bytes
BAD_WIRE_TYPE = b"\x0f"  # field 1 with wire type 7, which does not exist
WATCH = "/grpc.health.v1.Health/Watch"
V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
V1ALPHA = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


@asynccontextmanager
async def bank_channel(
    home: Path, role: Role, name: str
) -> AsyncIterator[tuple[Node, grpc.aio.Channel]]:
    """The validator in `home` and a channel to it with the bank's certificate for `role`
    `name`."""
    async with (
        validator(home) as (node, port),
        secure_channel(port, CAS, BANK_CA.issue(role, name)) as channel,
    ):
        yield node, channel


def _raw(b: bytes) -> bytes:
    return b


async def unary_code(channel: grpc.aio.Channel, path: str, body: bytes) -> StatusCode:
    try:
        await channel.unary_unary(path, _raw, _raw)(body, timeout=5)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return StatusCode.OK


async def stream_code(
    channel: grpc.aio.Channel, path: str, body: bytes, duplex: bool
) -> StatusCode:
    if duplex:
        call = channel.stream_stream(path, _raw, _raw)(timeout=5)
        await call.write(body)
        await call.done_writing()
    else:
        call = channel.unary_stream(path, _raw, _raw)(body, timeout=5)
    try:
        while await call.read() is not grpc.aio.EOF:
            pass
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return await call.code()


def test_malformed_requests_answer_invalid_argument_and_are_counted(tmp_path: Path) -> None:
    """Before the fix, each answered `UNKNOWN: Unexpected DecodeError`."""

    async def check(home: Path) -> None:
        async with bank_channel(home, Role.ADMIN, "ops") as (node, channel):
            for body in (TRUNCATED, BAD_WIRE_TYPE):
                assert await unary_code(channel, STATUS, body) is StatusCode.INVALID_ARGUMENT
            assert await stream_code(channel, WATCH, TRUNCATED, duplex=False) is (
                StatusCode.INVALID_ARGUMENT
            )
            for path in (V1, V1ALPHA):
                assert await stream_code(channel, path, TRUNCATED, duplex=True) is (
                    StatusCode.INVALID_ARGUMENT
                )
            assert refused(node, STATUS, StatusCode.INVALID_ARGUMENT) == 2
            # The connection and the server are unharmed: a valid call is answered.
            assert await unary_code(channel, STATUS, b"") is StatusCode.OK

    run(check, tmp_path)


async def reflect(
    channel: grpc.aio.Channel, path: str, request: reflection_pb2.ServerReflectionRequest
) -> reflection_pb2.ServerReflectionResponse:
    """One request on the reflection stream (v1 and v1alpha share the wire format)."""
    call = channel.stream_stream(
        path,
        reflection_pb2.ServerReflectionRequest.SerializeToString,
        reflection_pb2.ServerReflectionResponse.FromString,
    )(timeout=5)
    await call.write(request)
    await call.done_writing()
    answer = await call.read()
    assert answer is not grpc.aio.EOF, await call.code()
    return answer


def test_reflection_answers_v1_and_v1alpha(tmp_path: Path) -> None:
    """Before the fix, v1 answered UNIMPLEMENTED ("Method not found")."""

    async def check(home: Path) -> None:
        async with bank_channel(home, Role.VERIFIER, "desk") as (_, channel):
            for path in (V1, V1ALPHA):
                listed = await reflect(
                    channel, path, reflection_pb2.ServerReflectionRequest(list_services="")
                )
                names = {s.name for s in listed.list_services_response.service}
                assert {
                    "trustledger.v1.Ledger",
                    "grpc.health.v1.Health",
                    "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection",
                } <= names
                for symbol in ("trustledger.v1.Ledger", "grpc.reflection.v1.ServerReflection"):
                    found = await reflect(
                        channel,
                        path,
                        reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol),
                    )
                    assert found.WhichOneof("message_response") == "file_descriptor_response"
                    assert found.file_descriptor_response.file_descriptor_proto

    run(check, tmp_path)
