"""gRPC server reflection in both of its protocols: `grpc.reflection.v1` (what current
tools such as grpcurl and Postman speak first) and the older `grpc.reflection.v1alpha`.

grpcio-reflection 1.85 ships only v1alpha. The v1 protocol is the same messages under a
new package name (gRPC proposal A15 renamed it when it left alpha), so the two share one
wire format: the v1alpha servicer answers v1 calls unchanged, decoding and encoding with
the v1alpha message classes. What v1 needs besides is its service's descriptor in the
descriptor pool, so that a tool asking "which file defines grpc.reflection.v1.
ServerReflection?" is answered; it is derived here from the v1alpha file by renaming the
package, which keeps the two identical by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from grpc_reflection.v1alpha import reflection, reflection_pb2
from grpc_reflection.v1alpha._async import ReflectionServicer

V1ALPHA_SERVICE_NAME = reflection.SERVICE_NAME
V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"
V1_FILE_NAME = "grpc/reflection/v1/reflection.proto"
_V1ALPHA_PACKAGE = "grpc.reflection.v1alpha"
_V1_PACKAGE = "grpc.reflection.v1"


def _renamed(type_name: str) -> str:
    prefix = f".{_V1ALPHA_PACKAGE}."
    return (
        f".{_V1_PACKAGE}." + type_name[len(prefix) :] if type_name.startswith(prefix) else type_name
    )


def get_v1_file(pool: descriptor_pool.DescriptorPool | None = None) -> FileDescriptor:
    """The v1 reflection file's descriptor, added to `pool` (the default one) once."""
    pool = pool or descriptor_pool.Default()
    try:
        return pool.FindFileByName(V1_FILE_NAME)
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name, proto.package = V1_FILE_NAME, _V1_PACKAGE
    proto.ClearField("options")  # v1alpha's language options name v1alpha's packages
    for message in proto.message_type:
        for field in message.field:
            if field.HasField("type_name"):
                field.type_name = _renamed(field.type_name)
    for service in proto.service:
        for method in service.method:
            method.input_type = _renamed(method.input_type)
            method.output_type = _renamed(method.output_type)
    pool.Add(proto)
    return pool.FindFileByName(V1_FILE_NAME)


def enable_reflection(service_names: Iterable[str], server: grpc.aio.Server) -> None:
    """Serve reflection of `service_names` (and of both reflection services) on `server`,
    under v1 and v1alpha, from one servicer."""
    get_v1_file()
    servicer = ReflectionServicer((*service_names, V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME))
    handler: grpc.RpcMethodHandler[Any, Any] = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    for name in (V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME):
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(name, {"ServerReflectionInfo": handler}),)
        )
