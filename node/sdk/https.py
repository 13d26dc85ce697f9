"""A client's side of HTTPS to a wallet (issue 16 item 6): what the CLI, agencies, tests
and the wallet's own health check call it with; and the serving side both client-side
services share (the wallet, wallet/https.py, and the window, window/__main__.py): the TLS
1.3 server context, and which hosts plain HTTP may listen on.

The wallet serves HTTPS with a certificate from its organisation's CA naming the hosts it
is reached at, and accepts TLS 1.3 only. A client trusts exactly the CA certificates given
here (for a devnet, the big data center's: ``cas/bdc.pem``), checks the host name, and
offers TLS 1.3 only too, so a downgrade cannot be negotiated from either side.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Sequence
from pathlib import Path

from node.sdk.tls import ClientTls, TlsFilesError

TLS_VERSION_MIN = ssl.TLSVersion.TLSv1_3


def https_context(ca_paths: Sequence[Path]) -> ssl.SSLContext:
    """A context that accepts a server whose certificate chains to one of `ca_paths` (PEM
    files) and names the host dialled. Unreadable or non-PEM files are a `TlsFilesError`
    naming the file."""
    cas = ClientTls.load_cas(ca_paths)
    try:
        context = ssl.create_default_context(
            cadata="".join(pem.decode("ascii") for pem in cas.values())
        )
    except (ssl.SSLError, UnicodeDecodeError, ValueError) as exc:
        raise TlsFilesError(
            f"a CA certificate of {[str(p) for p in ca_paths]} is unusable: {exc}"
        ) from None
    context.minimum_version = TLS_VERSION_MIN
    return context


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or ``localhost``) is only reachable from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_tls_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """The context a service serves HTTPS with: its certificate and key, TLS 1.3 at least.
    A missing or unusable file raises `OSError` or `ssl.SSLError`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = TLS_VERSION_MIN
    context.load_cert_chain(cert_path, key_path)
    return context
