"""A real gRPC server on 127.0.0.1 behind mTLS and the access policy, serving every method
of proto/node.proto with a fixed empty answer, plus health and reflection; and certificates
for every kind of caller. Shared by the transport tests and bench/tls_calls.py."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import FileDescriptor, MethodDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2

from node.chain import pki
from node.chain.pki import Identity, Role
from node.limits import GRPC_OPTIONS
from node.sdk import tls as client_tls
from node.transport import tls
from node.transport.decoding import DecodeInterceptor
from node.transport.identity import CallerCheck
from node.transport.policy import Guard, PolicyInterceptor, Rule, RuleCheck, current_caller
from node.transport.reflection import enable_reflection, get_v1_file
from proto import node_pb2

NOW = dt.datetime.now(dt.UTC)
SERVED_FILES: tuple[FileDescriptor, ...] = (
    node_pb2.DESCRIPTOR,
    health_pb2.DESCRIPTOR,
    reflection_pb2.DESCRIPTOR,
    get_v1_file(),
)
"""Every service a validator's port serves (node/transport/server.py)."""


def served_methods() -> dict[str, MethodDescriptor]:
    """'/package.Service/Method' -> descriptor, for every method served."""
    return {
        f"/{service.full_name}/{method.name}": method
        for file in SERVED_FILES
        for service in file.services_by_name.values()
        for method in service.methods
    }


@dataclass
class Org:
    id: str
    ca: bytes
    ca_key: bytes

    def issue(
        self, role: Role, name: str = "svc", hosts: tuple[str, ...] = (), **kw: Any
    ) -> tuple[bytes, bytes]:
        return pki.issue(
            self.ca,
            self.ca_key,
            self.id,
            role,
            name,
            list(hosts),
            kw.get("now", NOW),
            kw.get("days", 30),
        )


def make_org(org_id: str) -> Org:
    return Org(org_id, *pki.make_ca(org_id, NOW - dt.timedelta(days=10), 365))


@dataclass
class TrustBox:
    """The node's view of the chain: a snapshot replaced (never mutated) when a block
    changes the CAs or the revocations."""

    trust: pki.Trust
    fetches: int = 0

    def get(self) -> pki.Trust:
        self.fetches += 1
        return self.trust

    def set(self, cas: dict[str, bytes], revoked: dict[str, set[int]] | None = None) -> None:
        self.trust = pki.Trust(cas=dict(cas), revoked=dict(revoked or {}))


@dataclass
class Refusals:
    seen: list[tuple[str, grpc.StatusCode, Identity | None]] = field(default_factory=list)

    def __call__(self, method: str, code: grpc.StatusCode, identity: Identity | None) -> None:
        self.seen.append((method, code, identity))


DATA_OWNER = "org-a"


async def rules_for_tests(rule: Rule, identity: Identity, request: object) -> str | None:
    """A stand-in for the node's rule evaluation: in these tests, all chain data belongs to
    DATA_OWNER and validator "v1" is its validator; another organisation's caller is refused
    by every rule (the "wrong organisation" cell of the matrix)."""
    if identity.org != DATA_OWNER:
        return f"rule {rule}: {identity.org} has no access to this data"
    if rule is Rule.VALIDATOR_IN_SET and identity.name != "v1":
        return f"rule {rule}: {identity.name} is not in the validator set"
    return None


def _answer(output: Any) -> Callable[[Any, Any], Any]:
    async def handle(request: Any, context: Any) -> Any:
        if output is node_pb2.StatusResponse:
            # What the handler learns of its caller: the identity the guard checked.
            try:
                caller = current_caller()
            except LookupError:  # a plaintext server (bench/tls_calls.py): no guard, no caller
                return output(chain_id="no caller")
            return output(chain_id=f"{caller.org}/{caller.role}/{caller.name}")
        return output()

    return handle


@contextlib.asynccontextmanager
async def serving(
    server_org: Org,
    box: TrustBox,
    refusals: Refusals | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    secure: bool = True,
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    rules: RuleCheck | None = rules_for_tests,
    policy: bool = True,
) -> AsyncIterator[int]:
    """A server of every method with a fixed empty answer; yields its port."""
    interceptors: list[grpc.aio.ServerInterceptor] = []
    if secure and policy:
        callers = CallerCheck(box.get, clock) if clock else CallerCheck(box.get)
        interceptors += [
            DecodeInterceptor(refusals),
            PolicyInterceptor(Guard(callers, rules, refusals)),
        ]
    server = grpc.aio.server(options=GRPC_OPTIONS, interceptors=interceptors)
    for service in node_pb2.DESCRIPTOR.services_by_name.values():
        handlers = {
            method.name: grpc.unary_unary_rpc_method_handler(
                _answer(message_factory.GetMessageClass(method.output_type)),
                request_deserializer=message_factory.GetMessageClass(method.input_type).FromString,
                response_serializer=lambda m: m.SerializeToString(),
            )
            for method in service.methods
        }
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(service.full_name, handlers),)
        )
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    enable_reflection(
        (
            *(s.full_name for s in node_pb2.DESCRIPTOR.services_by_name.values()),
            health.SERVICE_NAME,
        ),
        server,
    )
    if secure:
        cert, key = server_org.issue(Role.VALIDATOR, "v1", hosts)
        port = server.add_secure_port(
            "127.0.0.1:0", tls.ServerTls(cert, key, box.get).credentials()
        )
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield port
    finally:
        await server.stop(None)


def secure_channel(
    port: int,
    cas: dict[str, bytes],
    cert_key: tuple[bytes, bytes] | None,
    host: str = "127.0.0.1",
    server_name: str | None = None,
) -> grpc.aio.Channel:
    if cert_key is None:
        creds = grpc.ssl_channel_credentials(client_tls.get_roots_pem(cas))
    else:
        creds = client_tls.channel_credentials(cert_key[0], cert_key[1], cas)
    options = [*GRPC_OPTIONS, *client_tls.channel_options(server_name)]
    return grpc.aio.secure_channel(f"{host}:{port}", creds, options=options)


def _request_for(method: MethodDescriptor) -> Any:
    request = message_factory.GetMessageClass(method.input_type)()
    if method.input_type.name == reflection_pb2.ServerReflectionRequest.DESCRIPTOR.name:
        request.list_services = ""
    return request


async def call(
    channel: grpc.aio.Channel, path: str, timeout_s: float = 5.0, request: Any = None
) -> grpc.StatusCode:
    """Call one method with `request` (default: an empty one); its status (OK when an
    answer came)."""
    method = served_methods()[path]
    request = _request_for(method) if request is None else request
    out = message_factory.GetMessageClass(method.output_type)
    encode, decode = type(request).SerializeToString, out.FromString
    try:
        if not method.client_streaming and not method.server_streaming:
            await channel.unary_unary(path, encode, decode)(request, timeout=timeout_s)
        elif not method.client_streaming:
            stream = channel.unary_stream(path, encode, decode)(request, timeout=timeout_s)
            answer = await stream.read()
            stream.cancel()
            if answer is grpc.aio.EOF:
                return await stream.code()
        else:
            duplex = channel.stream_stream(path, encode, decode)(timeout=timeout_s)
            await duplex.write(request)
            answer = await duplex.read()
            duplex.cancel()
            if answer is grpc.aio.EOF:
                return await duplex.code()
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK
