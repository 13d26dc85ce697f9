"""`python -m node --config PATH`: run one validator until SIGTERM/SIGINT.

The key passphrase comes from TRUSTLEDGER_KEY_PASSPHRASE (never from the command
line, where other users could read it in the process list).

The gRPC port is mutual TLS only (issue 11): there is no plaintext port. The server's own
certificate is the validator's (NodeConfig.tls_cert_path / tls_key_path), the clients'
roots follow the node's trust snapshot (`Node.trust`), a request that does not decode is
refused INVALID_ARGUMENT (node/transport/decoding.py), and every call passes the access
policy (node/transport/policy.py) with the node's rule evaluation
(node/transport/rules.py) before its handler. A caller's bad certificate ends that
caller's handshake or call only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from node.chain.crypto import KeyFileError, load_key_file
from node.chain.pki import Identity
from node.config import NodeConfig
from node.credentials_http import CredentialRoutes, serve_credentials
from node.files import ExposedPathError, check_private, make_private_dir, set_private_umask
from node.genesis import Genesis, GenesisError
from node.ledger.store import StorageError, Store
from node.limits import GRPC_OPTIONS
from node.runtime import Node
from node.sdk.https import server_tls_context
from node.services.agency import AgencyService
from node.services.ledger import LedgerService
from node.services.peer import PeerService
from node.transport.decoding import DecodeInterceptor
from node.transport.identity import CallerCheck
from node.transport.peers import SERVER_KEEPALIVE_OPTIONS
from node.transport.policy import Guard, PolicyInterceptor
from node.transport.reflection import enable_reflection
from node.transport.rules import ChainRules
from node.transport.tls import ServerTls
from node.validators import KeyConfigError
from proto import node_pb2, node_pb2_grpc

log = logging.getLogger("trustledger.server")

SERVICE_NAMES = (
    node_pb2.DESCRIPTOR.services_by_name["Peer"].full_name,
    node_pb2.DESCRIPTOR.services_by_name["Ledger"].full_name,
    node_pb2.DESCRIPTOR.services_by_name["Agency"].full_name,
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to grep, easy to ship to a log system."""

    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


GC_THRESHOLDS = (10_000, 10, 10)
"""Python's cyclic collector, tuned for a validator (the default is (700, 10, 10)).

A validator allocates many short-lived tracked objects per transaction, and holds large
long-lived ones (the state tree's dict of node shapes). With the defaults, a full
collection every few blocks walked that dict: `bench/profile_block.py --blocks 6
--block-txs 500 --prefill 50000` with gc callbacks counted 1,372 / 125 / 11 collections
taking 0.26 / 0.20 / 0.49 s of 10.9 s of CPU; with these thresholds, 50 / 4 / 0 taking
0.32 / 0.05 / 0 s of 9.3 s. What exists once the node is built (the tree rebuilt at start
among it) is also frozen out of the collector's reach (`gc.freeze`)."""


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def count_refusal(node: Node) -> Callable[[str, grpc.StatusCode, Identity | None], None]:
    """The policy's refusal hook: `trustledger_rpc_refused_total{method,code}`."""

    def count(method: str, code: grpc.StatusCode, identity: Identity | None) -> None:
        node.metrics.rpc_refused.labels(method, code.name).inc()

    return count


@dataclass(frozen=True, slots=True)
class ValidatorServer:
    """A validator's gRPC server, bound but not started."""

    server: grpc.aio.Server
    health: health.aio.HealthServicer
    port: int
    """The port bound (the configured one, or the one the system chose for port 0)."""


def build_server(node: Node) -> ValidatorServer:
    """The validator's gRPC server, bound to `node.config.listen` behind mTLS and the access
    policy; OSError if its certificate cannot be read or the address taken, ValueError if no
    CA is in force (it would accept nobody)."""
    config = node.config
    server_tls = ServerTls(
        config.tls_cert_path.read_bytes(), config.tls_key_path.read_bytes(), node.trust
    )
    count = count_refusal(node)
    guard = Guard(CallerCheck(node.trust), ChainRules(node.world), on_refusal=count)
    server = grpc.aio.server(
        options=[*GRPC_OPTIONS, *SERVER_KEEPALIVE_OPTIONS],  # the peer links' pings
        interceptors=[DecodeInterceptor(count), PolicyInterceptor(guard)],
    )
    node_pb2_grpc.add_PeerServicer_to_server(PeerService(node), server)
    node_pb2_grpc.add_LedgerServicer_to_server(LedgerService(node), server)
    node_pb2_grpc.add_AgencyServicer_to_server(AgencyService(node), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    enable_reflection((*SERVICE_NAMES, health.SERVICE_NAME), server)
    port = server.add_secure_port(config.listen, server_tls.credentials())
    if port == 0:
        raise OSError(f"cannot listen on {config.listen}")
    return ValidatorServer(server, health_servicer, port)


def check_node_files(config: NodeConfig) -> None:
    """Refuse (ExposedPathError) a data folder or key file that other users can reach;
    create a missing data folder 0700."""
    check_private([config.home, config.home / "db", *config.all_key_paths, config.tls_key_path])
    make_private_dir(config.home)


async def serve(config: NodeConfig, passphrase: str) -> None:
    check_node_files(config)
    genesis = Genesis.load(config.genesis_path)
    keypair = load_key_file(config.key_path, passphrase)
    next_keys = [load_key_file(path, passphrase) for path in config.next_key_paths]
    store = Store(config.home / "db", genesis.suite)
    try:
        node = Node(config, genesis, keypair, store, next_keys=next_keys)
    except (StorageError, KeyConfigError, OSError):
        store.close()
        raise
    tune_gc()

    try:
        built = build_server(node)
    except (OSError, ValueError):
        await node.close()
        store.close()
        raise
    server, health_servicer = built.server, built.health
    await server.start()
    if config.metrics_listen:
        node.metrics.serve(config.metrics_listen)
    credentials_server = None
    if config.credentials_listen:
        routes = CredentialRoutes(
            node.chain_id,
            config.credentials_base_url,
            node.world.state,
            lambda: (node.world.tip_height(), node.world.tip_time_ms()),
        )
        tls = (
            None
            if config.credentials_plain_http
            else server_tls_context(config.tls_cert_path, config.tls_key_path)
        )
        credentials_server = await serve_credentials(routes, config.credentials_listen, tls)
    await node.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info(
        "validator %s serving on %s at height %d",
        config.validator_id,
        config.listen,
        store.tip_height(),
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    driver = asyncio.create_task(node.run(), name="driver")
    stopper = asyncio.create_task(stop.wait(), name="stop")
    done, _ = await asyncio.wait({driver, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if driver in done and driver.exception() is not None:
        log.critical("driver stopped: %r", driver.exception())
    log.info("shutting down")
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    await server.stop(grace=1.0)
    if credentials_server is not None:
        credentials_server.close()
    driver.cancel()
    await node.close()
    store.close()
    if driver in done and driver.exception() is not None:
        raise SystemExit(70)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m node", description="Run a TrustLedger validator."
    )
    parser.add_argument("--config", type=Path, required=True, help="path to node.json")
    parser.add_argument("--log-level", default=os.environ.get("TRUSTLEDGER_LOG_LEVEL", "info"))
    ns = parser.parse_args(argv)
    setup_logging(ns.log_level)
    set_private_umask()  # LevelDB's files and the WAL: 0600, in folders of 0700
    passphrase = os.environ.get("TRUSTLEDGER_KEY_PASSPHRASE", "")
    try:
        config = NodeConfig.load(ns.config)
        asyncio.run(serve(config, passphrase))
    except (
        KeyFileError,
        KeyConfigError,
        GenesisError,
        StorageError,
        ExposedPathError,
        OSError,
        ValueError,
    ) as exc:
        log.critical("cannot start: %s", exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
