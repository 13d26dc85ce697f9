"""Who is calling a service route: signed requests checked against the CAs on the chain.

Issuers delivering certificates and agencies collecting disclosures sign each request with
their organisation certificate's key (layout: `node.sdk.wallet_requests`, documented in
docs/wallet-requests.md). The wallet accepts a request when, in this order:

1. the four signature headers are present and well formed;
2. its timestamp is within `SIGNED_REQUEST_WINDOW_MS` of the wallet's clock;
3. the signature verifies over this method, target, timestamp, nonce and body with the
   certificate's key;
4. the certificate is acceptable under the trust in force on the chain (its organisation's
   CA, not expired, not revoked: `node.chain.pki.check_against`), read with the
   `membership.trust` query and reused for `TRUST_CACHE_S`;
5. its nonce has not been seen from that certificate within the window.

Each failure is a `CallerRefused` with status 401 (or 503 when the chain cannot be read or
the nonce memory is full); the route then checks the role and organisation (403). A nonce is
remembered only once the signature verified, so unsigned traffic cannot fill the memory.
"""

from __future__ import annotations

import datetime as dt
import heapq
import threading
from collections.abc import Mapping
from typing import Any

from node.chain import pki
from node.sdk.client import ClientError, LedgerClient
from node.sdk.wallet_requests import RequestSignatureInvalid, read_headers, verify_signature
from wallet import limits
from wallet.clock import Clock


class CallerRefused(Exception):
    """A service request not accepted; `reason` is safe to return (no personal data)."""

    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


def get_trust(answer: Mapping[str, Any]) -> pki.Trust:
    """The trust snapshot in a `membership.trust` answer (see contracts/membership/trust.py):
    organisations without a CA are left out, so their certificates are refused."""
    organisations = answer["organisations"]
    return pki.Trust(
        cas={
            o["org_id"]: o["ca_certificate"].encode("ascii")
            for o in organisations
            if o["ca_certificate"]
        },
        revoked={o["org_id"]: {int(s, 16) for s in o["revoked_serials"]} for o in organisations},
    )


class TrustCache:
    """The trust in force, read from the chain at most every `ttl_s`."""

    def __init__(self, clock: Clock, ttl_s: float = limits.TRUST_CACHE_S) -> None:
        self._clock = clock
        self._ttl_s = ttl_s
        self._trust: pki.Trust | None = None
        self._read_at_s = 0.0
        self._lock = threading.Lock()

    def get(self, ledger: LedgerClient) -> pki.Trust:
        with self._lock:
            now = self._clock.monotonic_s()
            if self._trust is not None and now - self._read_at_s < self._ttl_s:
                return self._trust
        try:
            trust = get_trust(ledger.query("membership", "trust"))
        except ClientError as exc:
            raise CallerRefused(
                503, f"cannot read the CAs in force from the ledger: {exc.code}"
            ) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CallerRefused(503, f"the ledger's trust answer is malformed: {exc}") from exc
        with self._lock:
            self._trust, self._read_at_s = trust, now
        return trust


class NonceMemory:
    """Nonces seen, each kept until its request's timestamp leaves the window."""

    def __init__(self, entries_max: int = limits.SIGNED_REQUEST_NONCES_MAX) -> None:
        self._max = entries_max
        self._expiry_ms: dict[str, int] = {}
        self._by_expiry: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def remember(self, key: str, expires_ms: int, now_ms: int) -> None:
        """Record `key` until `expires_ms`; `CallerRefused` if it is already recorded."""
        with self._lock:
            while self._by_expiry and self._by_expiry[0][0] < now_ms:
                _, old = heapq.heappop(self._by_expiry)
                self._expiry_ms.pop(old, None)
            if key in self._expiry_ms:
                raise CallerRefused(401, "replayed request: this nonce was already used")
            if len(self._expiry_ms) >= self._max:
                raise CallerRefused(503, "too many signed requests in the window: retry shortly")
            self._expiry_ms[key] = expires_ms
            heapq.heappush(self._by_expiry, (expires_ms, key))


class SignedRequests:
    """Checks the signature of a service request and who made it."""

    def __init__(
        self,
        clock: Clock,
        trust: TrustCache | None = None,
        nonces: NonceMemory | None = None,
        window_ms: int = limits.SIGNED_REQUEST_WINDOW_MS,
    ) -> None:
        self._clock = clock
        self.trust = trust or TrustCache(clock)
        self._nonces = nonces or NonceMemory()
        self._window_ms = window_ms

    def check(
        self,
        ledger: LedgerClient,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> pki.Identity:
        """The caller's identity, or `CallerRefused` (the order is the module's)."""
        now_ms = self._clock.now_ms()
        try:
            signed = read_headers(headers)
        except RequestSignatureInvalid as exc:
            raise CallerRefused(401, str(exc)) from None
        if abs(now_ms - signed.timestamp_ms) > self._window_ms:
            raise CallerRefused(
                401,
                f"the request's timestamp is more than {self._window_ms} ms from the wallet's"
                " clock (a stale or replayed request, or a clock to set)",
            )
        try:
            verify_signature(signed, method, target, body)
        except RequestSignatureInvalid as exc:
            raise CallerRefused(401, str(exc)) from None
        now = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC)
        try:
            identity = pki.check_against(signed.cert_pem, self.trust.get(ledger), now)
        except pki.CertificateRefused as exc:
            raise CallerRefused(401, f"certificate refused: {exc.reason}") from None
        self._nonces.remember(
            f"{identity.org}/{identity.serial:x}/{signed.nonce}",
            signed.timestamp_ms + self._window_ms,
            now_ms,
        )
        return identity


def require_role(identity: pki.Identity, role: pki.Role, what: str) -> None:
    """403 unless the caller's certificate has `role` (checked before anything is read, so
    a caller of another kind learns nothing about the resource)."""
    if identity.role is not role:
        raise CallerRefused(
            403,
            f"{what} needs a certificate with role {role.value}; this one"
            f" (serial {identity.serial:x} of {identity.org}) has role {identity.role.value}",
        )


def require_org(identity: pki.Identity, org: str, what: str, who: str) -> None:
    """403 unless the caller is organisation `org`, which the chain or the wallet records
    for this resource (`who` describes it without naming it: a name could say who asked
    for whose data)."""
    if identity.org != org:
        raise CallerRefused(
            403,
            f"only {who} may {what}; this certificate is {identity.org}'s, another organisation",
        )
