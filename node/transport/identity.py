"""Who is calling: the caller's certificate from the TLS session, checked again per call.

The TLS handshake already checked the certificate chain against the roots the server had
when the connection opened. That is not enough: connections live long, and an organisation
may since have been removed or have revoked the serial. So every call re-checks the
certificate with `pki.check_certificate` against the trust in force now (a callable the
node passes in, returning its current snapshot), and the identity comes from the
certificate only, never from request fields.

The check is cached per certificate for as long as the trust snapshot is the same object:
a channel reused for thousands of calls pays for one signature verification, and a new
snapshot (a new block changed the CAs or the revocations) empties the cache. Expiry is
compared with the clock on every call, cached or not.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping

import grpc

from node import limits
from node.chain import pki
from node.transport.tls import TLS_VERSION_REQUIRED

TrustSource = Callable[[], pki.Trust]
"""Returns the trust in force now (CAs of member organisations, revoked serials)."""

Clock = Callable[[], dt.datetime]

AuthContext = Mapping[str, Iterable[bytes]]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CallerRefused(Exception):
    """A call is refused before its handler runs. `message` goes back to the caller and into
    the log, so it names organisations, roles, serials and methods, never personal data."""

    def __init__(
        self, code: grpc.StatusCode, message: str, identity: pki.Identity | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.identity = identity


def _first(auth_context: AuthContext, key: str) -> bytes | None:
    values = list(auth_context.get(key, ()))
    return values[0] if values else None


class CallerCheck:
    """Turns a call's auth context into the caller's `Identity`, or `CallerRefused` with
    UNAUTHENTICATED. One per server; safe to call from any thread."""

    def __init__(self, get_trust: TrustSource, clock: Clock = utc_now) -> None:
        self._get_trust = get_trust
        self._clock = clock
        self._lock = threading.Lock()
        self._trust: pki.Trust | None = None
        self._checked: OrderedDict[bytes, pki.Identity] = OrderedDict()

    def identify(self, auth_context: AuthContext) -> pki.Identity:
        version = _first(auth_context, "ssl_tls_version")
        if _first(auth_context, "transport_security_type") is None:
            raise CallerRefused(grpc.StatusCode.UNAUTHENTICATED, "a TLS connection is required")
        if version is None or version.decode("ascii", "replace") != TLS_VERSION_REQUIRED:
            raise CallerRefused(
                grpc.StatusCode.UNAUTHENTICATED,
                f"{TLS_VERSION_REQUIRED} is required; this connection negotiated "
                f"{(version or b'an unknown version').decode('ascii', 'replace')}",
            )
        cert_pem = _first(auth_context, "x509_pem_cert")
        if cert_pem is None:
            raise CallerRefused(grpc.StatusCode.UNAUTHENTICATED, "a client certificate is required")
        return self.check(cert_pem)

    def check(self, cert_pem: bytes) -> pki.Identity:
        now = self._clock()
        trust = self._get_trust()
        with self._lock:
            if trust is not self._trust:
                self._trust = trust
                self._checked.clear()
            identity = self._checked.get(cert_pem)
            if identity is not None:
                self._checked.move_to_end(cert_pem)
        if identity is None:
            try:
                identity = pki.check_against(cert_pem, trust, now)
            except pki.CertificateRefused as exc:
                raise CallerRefused(grpc.StatusCode.UNAUTHENTICATED, exc.reason) from None
            with self._lock:
                if trust is self._trust:
                    self._checked[cert_pem] = identity
                    while len(self._checked) > limits.CALLER_IDENTITIES_CACHED_MAX:
                        self._checked.popitem(last=False)
        if not identity.not_before <= now <= identity.not_after:
            raise CallerRefused(
                grpc.StatusCode.UNAUTHENTICATED,
                f"serial {identity.serial:x} of {identity.org}: not valid now "
                f"({identity.not_before.isoformat()} .. {identity.not_after.isoformat()})",
                identity,
            )
        return identity


def caller_identity(
    context: grpc.aio.ServicerContext[object, object],
    get_trust: TrustSource,
    now: dt.datetime,
) -> pki.Identity:
    """The checked identity of the caller of one call, uncached (for a handler that needs it
    outside the policy wrapper, which passes the identity it found instead)."""
    return CallerCheck(get_trust, lambda: now).identify(context.auth_context())
