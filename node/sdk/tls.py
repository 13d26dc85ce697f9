"""A client's side of mutual TLS (issue 11): what the CLI, the wallet, agencies and a
validator's links to its peers dial with. The server's side is node/transport/tls.py.

gRPC Python's client cannot read the server's certificate after the handshake, so what a
client knows about the server is what the handshake checked: the server's certificate
chains to one of the CAs passed here and names the host dialled (subjectAltName). To reach
a given organisation's server, pass only that organisation's CA.

No TLS version bound can be set on a channel in grpcio 1.85 (see node/transport/tls.py);
two gRPC peers negotiate TLS 1.3, and the server refuses calls over anything older.
"""

from __future__ import annotations

from collections.abc import Mapping

import grpc


def get_roots_pem(cas: Mapping[str, bytes]) -> bytes:
    """CA certificates (organisation id -> PEM) as one PEM bundle, in organisation order so
    that an unchanged set gives identical bytes."""
    return b"".join(cas[org].rstrip(b"\n") + b"\n" for org in sorted(cas))


def channel_credentials(
    cert_pem: bytes, key_pem: bytes, cas: Mapping[str, bytes]
) -> grpc.ChannelCredentials:
    """A client's credentials: its own certificate and key (node/chain/pki.py `issue`), and
    the CAs it accepts a server's certificate from."""
    return grpc.ssl_channel_credentials(
        root_certificates=get_roots_pem(cas), private_key=key_pem, certificate_chain=cert_pem
    )


def channel_options(server_name: str | None = None) -> list[tuple[str, str]]:
    """Extra channel options for TLS. None is the normal case: the server's certificate
    names, as subjectAltName, the host name or IP address the client dials (a devnet
    validator's names 127.0.0.1 and localhost). `server_name` overrides the name checked,
    for a server reached by an address its certificate does not name (a tunnel, a NAT)."""
    if server_name is None:
        return []
    return [("grpc.ssl_target_name_override", server_name)]
