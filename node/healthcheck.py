"""`python -m node.healthcheck --config node.json --ca ca.pem`: is this validator serving?

For container health checks (docker/compose.yaml): calls gRPC health on the validator's own
port over mutual TLS with the validator's own certificate, as any member may, and checks
the server against `--ca` (its operator's CA certificate). Exit code 0 when it answers
SERVING, 1 otherwise, 2 when the files cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2

from node.config import NodeConfig
from node.sdk.tls import ClientTls, TlsFilesError

TIMEOUT_S = 3.0


def local_target(listen: str) -> str:
    """The address to dial for a server listening on `listen` (any interface -> loopback)."""
    host, _, port = listen.rpartition(":")
    return f"localhost:{port}" if host in ("0.0.0.0", "[::]", "") else listen


def check(config: NodeConfig, ca_paths: list[Path]) -> bool:
    tls = ClientTls.load(config.tls_cert_path, config.tls_key_path, ca_paths)
    target = local_target(config.listen)
    with grpc.secure_channel(target, tls.credentials(), options=tls.options()) as channel:
        try:
            check_rpc = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                response_deserializer=health_pb2.HealthCheckResponse.FromString,
            )
            reply = check_rpc(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        except grpc.RpcError as exc:
            print(f"{target}: {exc.code().name} {exc.details()}", file=sys.stderr)
            return False
    return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m node.healthcheck", description=__doc__)
    parser.add_argument("--config", type=Path, required=True, help="the validator's node.json")
    parser.add_argument(
        "--ca", type=Path, action="append", required=True, help="CA certificate (repeatable)"
    )
    ns = parser.parse_args(argv)
    try:
        config = NodeConfig.load(ns.config)
        return 0 if check(config, ns.ca) else 1
    except (OSError, ValueError, TlsFilesError) as exc:
        print(f"cannot check: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
