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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True, slots=True)
class ClientTls:
    """What a client dials a validator with: its own certificate and key, the CAs whose
    servers it accepts, and optionally the name the server's certificate must carry when it
    is not the host dialled (see `channel_options`)."""

    cert_pem: bytes
    key_pem: bytes
    cas: Mapping[str, bytes]
    server_name: str | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        return channel_credentials(self.cert_pem, self.key_pem, self.cas)

    def options(self) -> list[tuple[str, str]]:
        return channel_options(self.server_name)

    @classmethod
    def load(
        cls,
        cert_path: Path,
        key_path: Path,
        ca_paths: Sequence[Path],
        server_name: str | None = None,
    ) -> ClientTls:
        """Read the PEM files. Missing or non-PEM files are a `TlsFilesError` naming the
        file."""
        return cls(
            _read(cert_path, "certificate"),
            _read(key_path, "key"),
            cls.load_cas(ca_paths),
            server_name,
        )

    @staticmethod
    def load_cas(ca_paths: Sequence[Path]) -> dict[str, bytes]:
        """CA certificates by label: a file ``<org>/ca.pem`` is labelled with its
        organisation's folder, any other with its own name."""
        if not ca_paths:
            raise TlsFilesError("no CA certificate given: the server could not be checked")
        cas: dict[str, bytes] = {}
        for path in ca_paths:
            label = path.parent.name if path.name == "ca.pem" else path.stem
            cas[label if label not in cas else str(path)] = _read(path, "CA certificate")
        return cas


def find_ca_files(folder: Path) -> list[Path]:
    """The CA certificates in a folder: ``<org>/ca.pem`` (a devnet's ``tls/``) and
    ``<org>.pem`` (a folder of CA certificates only)."""
    return sorted(folder.glob("*/ca.pem")) + sorted(folder.glob("*.pem"))


class TlsFilesError(Exception):
    """A certificate, key or CA file is missing, unreadable or not PEM."""


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TlsFilesError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN " not in data:
        raise TlsFilesError(f"the {what} {path} is not PEM")
    return data
