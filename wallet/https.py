"""How the wallet listens (issue 16 item 6): HTTPS with TLS 1.3 at least, or plain HTTP
only for development on a loopback address.

Passphrases, session tokens and citizens' documents cross the wallet's port, so it serves
HTTPS with a certificate from its organisation's CA that names the hosts it is reached at
(a devnet's ``tls/bdc/wallet-https.pem``, cli/identities.py); callers check it against
that CA. TLS 1.2 and older are refused in the handshake: every client the wallet has
(browsers, httpx, the CLI) speaks 1.3, and 1.3 alone leaves no weak cipher or
renegotiation to configure.

Plain HTTP needs ``TRUSTLEDGER_WALLET_INSECURE_HTTP=true`` and a loopback ``host``; any
other combination is refused before the port opens, with one line saying what to change.
"""

from __future__ import annotations

import ssl
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from node.sdk.https import is_loopback, server_tls_context
from wallet.settings import WalletSettings


class ListenRefused(Exception):
    """The wallet will not serve with these settings; the message says what to change."""


def check_plain_http(settings: WalletSettings) -> None:
    """Refuse plain HTTP on anything but a loopback address."""
    if settings.insecure_http and not is_loopback(settings.host):
        raise ListenRefused(
            f"plain HTTP (TRUSTLEDGER_WALLET_INSECURE_HTTP) is for development on a loopback"
            f" address only, and the wallet would listen on {settings.host!r}: serve HTTPS"
            " (unset TRUSTLEDGER_WALLET_INSECURE_HTTP; set TRUSTLEDGER_WALLET_HTTPS_CERT_PATH"
            " and TRUSTLEDGER_WALLET_HTTPS_KEY_PATH) or set TRUSTLEDGER_WALLET_HOST=127.0.0.1"
        )


def server_context(settings: WalletSettings) -> ssl.SSLContext:
    """The TLS context the wallet serves with: its HTTPS certificate and key, TLS 1.3 at
    least. A missing or unusable file is a `ListenRefused` naming it."""
    try:
        return server_tls_context(settings.https_cert_path, settings.https_key_path)
    except (OSError, ssl.SSLError) as exc:
        raise ListenRefused(
            f"cannot serve HTTPS with the certificate {settings.https_cert_path} and the key"
            f" {settings.https_key_path} (TRUSTLEDGER_WALLET_HTTPS_CERT_PATH, ..._KEY_PATH):"
            f" {getattr(exc, 'strerror', None) or exc}"
        ) from None


def server_config(app: ASGIApp, settings: WalletSettings, **kw: Any) -> uvicorn.Config:
    """uvicorn's configuration for `app` as `settings` say (HTTPS unless plain HTTP is
    allowed), refusing what `check_plain_http` refuses. The one wiring of the service and
    of the tests that call it over a real socket (`kw`: e.g. ``lifespan="off"``)."""
    check_plain_http(settings)
    kw.setdefault("server_header", False)
    if settings.insecure_http:
        return uvicorn.Config(app, host=settings.host, port=settings.port, **kw)
    context = server_context(settings)  # read now: a bad file stops start-up with its name
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ssl_context_factory=lambda _config, _default: context,
        **kw,
    )
