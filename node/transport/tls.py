"""A gRPC server's side of mutual TLS (issue 11); the client's side is node/sdk/tls.py.

A client certificate is required, and the roots it must chain to are the CA
certificates of the organisations in force. That set changes at run time (governance adds
or removes an organisation), so the server's credentials are dynamic: gRPC calls a fetcher
before every new connection's handshake, and the fetcher hands over a new configuration only
when the CA set (or the server's own certificate) changed. Connections already open are not
re-handshaken; every call is checked again against the trust in force by
node/transport/identity.py, so a removed CA or a revoked serial is refused on old
connections too.

TLS version. gRPC Python (grpcio 1.85) cannot restrict a server or a channel to TLS 1.3:
`ssl_server_credentials`, `dynamic_ssl_server_credentials` and `ssl_channel_credentials`
take no version bounds, and gRPC core's defaults are TLS 1.2 minimum and 1.3 maximum
(grpc/grpc issue #37305; PRs #43045 for channels and #43074/#43080 for servers are open,
not released). Two gRPC peers negotiate TLS 1.3, and gRPC reports the negotiated version in
the auth context (`ssl_tls_version`), so the caller check refuses every call made over
anything else (`TLS_VERSION_REQUIRED`). What that cannot do is refuse the TLS 1.2
*handshake* itself: a TLS 1.2 client with a valid certificate completes a handshake and
then gets UNAUTHENTICATED on every call. When grpcio exposes `minimum_tls_version`, set it
here and the handshake is refused too.

Failures at the TLS layer (no TLS, no client certificate, a certificate no CA in force
signed, an expired one) end the connection during the handshake, before HTTP/2: the caller
sees UNAVAILABLE ("Socket closed"/"handshake failed"), not a status the server chose, and
the server's Python code never hears of it (gRPC core logs it). Refusals that need the
chain's state (revoked serial, wrong role, data rules) are calls refused with
UNAUTHENTICATED or PERMISSION_DENIED by node/transport/policy.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import cast

import grpc

from node.chain.pki import Trust
from node.sdk.tls import get_roots_pem

log = logging.getLogger("trustledger.tls")

TLS_VERSION_REQUIRED = "TLSv1.3"
"""The only protocol version a call is served over (checked per call; see above)."""


class ServerTls:
    """The credentials of one gRPC server, whose trusted roots follow the chain.

    `get_trust` is called from gRPC's own threads, once per new connection, so it must be
    cheap and thread-safe: return the current immutable `Trust` snapshot, do not compute it.
    """

    def __init__(self, cert_pem: bytes, key_pem: bytes, get_trust: Callable[[], Trust]) -> None:
        self._get_trust = get_trust
        self._lock = threading.Lock()
        self._own = (key_pem, cert_pem)
        self._roots = get_roots_pem(get_trust().cas)
        if not self._roots:
            raise ValueError("no CA in force: a server would accept no client")
        self._dirty = False
        self.reloads = 0
        """Configurations handed to gRPC after the first (for tests and metrics)."""

    def credentials(self) -> grpc.ServerCredentials:
        fetcher = cast(Callable[[], grpc.ServerCertificateConfiguration], self._fetch)
        return grpc.dynamic_ssl_server_credentials(
            self._configuration(), fetcher, require_client_authentication=True
        )

    def replace_own(self, cert_pem: bytes, key_pem: bytes) -> None:
        """Serve new connections with a new certificate (rotation, renewal)."""
        with self._lock:
            self._own = (key_pem, cert_pem)
            self._dirty = True

    def _configuration(self) -> grpc.ServerCertificateConfiguration:
        return grpc.ssl_server_certificate_configuration([self._own], self._roots)

    def _fetch(self) -> grpc.ServerCertificateConfiguration | None:
        """gRPC's hook before each handshake: None keeps the configuration it has."""
        try:
            roots = get_roots_pem(self._get_trust().cas)
        except Exception:
            # An exception here would fail the handshake of an innocent caller; keep the
            # roots in force and say so loudly.
            log.exception("reading the CAs in force failed; keeping the previous roots")
            return None
        with self._lock:
            if roots == self._roots and not self._dirty:
                return None
            if not roots:
                log.error("no CA in force; keeping the previous roots")
                return None
            self._roots = roots
            self._dirty = False
            self.reloads += 1
            return self._configuration()
